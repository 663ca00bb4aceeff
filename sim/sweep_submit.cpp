// SPDX-License-Identifier: GPL-2.0-only
// The engines are existing programs; pagesim only builds their command lines. Whether a
// job succeeded is never taken from them: `sweep collect` reads the result files.
#include "sim/sweep_submit.h"
#include "sim/cli_errors.h"

#include "sim/atomic_file.h"
#include "sim/scripts.h"
#include "sim/sweep_collect.h"

#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace pagesim {

namespace fs = std::filesystem;

std::vector<std::string> submit_argv(const SubmitCommand& cmd, const std::string& jobs_file,
                                     const std::string& stamp) {
    const std::string dir = fs::absolute(cmd.dir).lexically_normal().string();
    std::vector<std::string> a;
    if (cmd.engine == "slurm") {
        a = {"/bin/sh",    script_path("cluster/slurm-submit-array.sh").string(),
             "--per-task", std::to_string(cmd.per_task),
             "--job-name", "pagesim-sweep",
             "--chdir",    dir,
             "--out",      dir + "/slurm/" + stamp};
        if (!cmd.partition.empty()) a.insert(a.end(), {"--partition", cmd.partition});
        if (cmd.max_running) a.insert(a.end(), {"--max-running", std::to_string(cmd.max_running)});
        for (const std::string& s : cmd.sbatch_args) a.push_back("--sbatch-arg=" + s);
        if (cmd.wait) a.emplace_back("--wait");
        if (cmd.wait_timeout)
            a.insert(a.end(), {"--wait-timeout", std::to_string(cmd.wait_timeout)});
        if (cmd.dry_run) a.emplace_back("--dry-run");
        a.push_back(jobs_file);
        return a;
    }
    // GNU parallel: the joblog lets `--resume-failed` rerun what failed (matched by line
    // number, so a retry list, whose lines differ, gets a joblog of its own).
    a = {"/usr/bin/env",
         "parallel",
         "--will-cite",
         "--workdir",
         dir,
         "--joblog",
         dir + (cmd.retry ? "/joblog.retry" : "/joblog")};
    if (!cmd.retry) a.emplace_back("--resume-failed");
    if (cmd.jobs) a.insert(a.end(), {"--jobs", std::to_string(cmd.jobs)});
    if (!cmd.ssh.empty()) a.insert(a.end(), {"--ssh", cmd.ssh});
    for (const std::string& s : cmd.sshlogins) a.insert(a.end(), {"--sshlogin", s});
    if (!cmd.sshloginfile.empty()) a.insert(a.end(), {"--sshloginfile", cmd.sshloginfile});
    a.insert(a.end(), {"-a", jobs_file});
    return a;
}

int submit_command(const SubmitCommand& cmd, std::ostream& out, std::ostream& err) {
    try {
        if (cmd.engine != "slurm" && cmd.engine != "parallel")
            throw std::invalid_argument("--engine: expected slurm or parallel, got '" + cmd.engine +
                                        "'");
        if (cmd.per_task == 0) throw std::invalid_argument("--per-task must be at least 1");
        const fs::path dir = fs::absolute(cmd.dir).lexically_normal();
        fs::path list = dir / "jobs.txt";
        if (!fs::is_regular_file(list))
            throw std::invalid_argument(list.string() +
                                        ": no job list (run `pagesim sweep plan` first)");
        if (cmd.retry) {
            const CollectResult r = collect_sweep(dir);
            list = dir / "jobs.retry.txt";
            write_file_atomic(list, retry_list(r));
            if (r.done == r.jobs.size()) {
                err << "pagesim sweep submit: nothing to retry, all " << r.jobs.size()
                    << " results are valid\n";
                return 0;
            }
            err << "pagesim sweep submit: retrying " << r.jobs.size() - r.done << " of "
                << r.jobs.size() << " jobs (" << list.string() << ")\n";
        } else {
            (void)read_job_list(list); // a malformed list is bad input, before any engine sees it
        }
        char stamp[32];
        const std::time_t now = std::time(nullptr);
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
        std::string s = stamp;
        s += '-';
        s += std::to_string(::getpid());
        out.flush();
        std::string why;
        const int rc = run_process(submit_argv(cmd, list.string(), s), why);
        if (rc < 0) {
            err << "pagesim: error: cannot run the " << cmd.engine << " engine: " << why << "\n";
            return 1;
        }
        if (cmd.engine == "parallel") {
            if (rc == 127)
                err << "pagesim: error: GNU parallel not found (Debian package parallel)\n";
            return rc == 0 ? 0 : 1; // parallel exits with the number of failed jobs
        }
        return rc;
    } catch (...) {
        return report_command_error(err);
    }
}

} // namespace pagesim
