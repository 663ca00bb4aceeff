// SPDX-License-Identifier: GPL-2.0-only
// The `sweep` subcommands: argument handling and exit codes; the work is in sweep_*.cpp.
#include "sim/cmd_sweep.h"
#include "sim/cli_errors.h"

#include "sim/sweep_collect.h"
#include "sim/sweep_file.h"
#include "sim/sweep_plan.h"
#include "sim/sweep_runner.h"
#include "sim/sweep_submit.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace pagesim {

namespace fs = std::filesystem;

int sweep_plan_command(const std::string& sweep_file, const std::string& out_dir, std::ostream& out,
                       std::ostream& err) {
    try {
        const Sweep sw = load_sweep(sweep_file);
        const PlanResult r = write_plan(sw, out_dir, self_executable());
        out << "sweep " << sw.name << ": " << r.jobs << " jobs";
        if (r.done) out << " (" << r.done << " already done)";
        out << " in " << fs::absolute(out_dir).lexically_normal().string() << "/jobs.txt\n";
        return 0;
    } catch (...) {
        return report_command_error(err);
    }
}

int sweep_run_command(const std::string& dir, unsigned jobs, std::ostream& out, std::ostream& err) {
    try {
        const fs::path d = fs::absolute(dir).lexically_normal();
        const std::vector<JobLine> list = read_job_list(d / "jobs.txt");
        SweepRunOptions o;
        o.jobs = jobs;
        o.label = "sweep " + d.filename().string();
        const SweepRunReport r = run_sweep_jobs(d, list, o);
        out << format_run_report(r);
        if (r.failed)
            out << "logs in " << (d / "logs").string() << "; `pagesim sweep collect " << dir
                << "` lists what is left\n";
        return r.failed || r.not_run ? 1 : 0;
    } catch (...) {
        return report_command_error(err);
    }
}

int sweep_collect_command(const CollectCommand& cmd, std::ostream& out, std::ostream& err) {
    try {
        if (cmd.format != "table" && cmd.format != "json" && cmd.format != "csv")
            throw std::invalid_argument("--format: expected table, json or csv, got '" +
                                        cmd.format + "'");
        const fs::path d = fs::absolute(cmd.dir).lexically_normal();
        if (!fs::is_directory(d)) throw std::invalid_argument(cmd.dir + ": no such directory");
        const CollectResult r = collect_sweep(d);
        const fs::path retry =
            cmd.retry_file.empty() ? d / "jobs.retry.txt" : fs::path(cmd.retry_file);
        write_collect_outputs(d, r, retry);
        if (cmd.format == "json")
            out << collect_json(r).dump(2) << "\n";
        else if (cmd.format == "csv")
            out << collect_csv(r);
        else
            out << collect_table(r, cmd.all_metrics);
        std::string note;
        if (cmd.plots && r.done > 0 && plot_sweep(d, note) != 0) err << "pagesim: " << note << "\n";
        if (cmd.format == "table") {
            out << "\nwrote " << d.string() << "/{sweep.csv,sweep.json,summary.txt"
                << (cmd.plots && note.empty() && r.done ? ",plots/}" : "}");
            if (r.done < r.jobs.size()) out << " and the retry list " << retry.string();
            out << "\n";
        }
        return r.done == r.jobs.size() ? 0 : 1;
    } catch (...) {
        return report_command_error(err);
    }
}

void add_sweep_command(CLI::App& app, int& exit_code) {
    CLI::App* sweep = app.add_subcommand(
        "sweep",
        "Sweeps: a matrix of runs as a job list, run locally, on Slurm or with GNU parallel");
    sweep->require_subcommand(1);

    auto plan_file = std::make_shared<std::string>();
    auto plan_out = std::make_shared<std::string>();
    CLI::App* plan = sweep->add_subcommand(
        "plan", "Expand a sweep file into DIR/jobs.txt and DIR/manifest.json");
    plan->add_option("sweep", *plan_file, "sweep file (YAML)")->required();
    plan->add_option("--out,-o", *plan_out, "the sweep directory")->required();
    plan->callback([plan_file, plan_out, &exit_code] {
        exit_code = sweep_plan_command(*plan_file, *plan_out, std::cout, std::cerr);
    });

    auto run_dir = std::make_shared<std::string>();
    auto run_jobs = std::make_shared<unsigned>(0);
    CLI::App* run =
        sweep->add_subcommand("run", "Run the jobs of DIR that are not done, on this machine");
    run->add_option("dir", *run_dir, "the sweep directory")->required();
    run->add_option("--jobs,-j", *run_jobs, "worker processes (default: hardware threads)");
    run->callback([run_dir, run_jobs, &exit_code] {
        exit_code = sweep_run_command(*run_dir, *run_jobs, std::cout, std::cerr);
    });

    auto sub = std::make_shared<SubmitCommand>();
    CLI::App* submit =
        sweep->add_subcommand("submit", "Hand DIR/jobs.txt to Slurm or GNU parallel");
    submit->add_option("dir", sub->dir, "the sweep directory")->required();
    submit->add_option("--engine", sub->engine, "slurm | parallel")->required();
    submit->add_flag("--retry", sub->retry, "only the jobs not done (writes DIR/jobs.retry.txt)");
    submit->add_option("--partition", sub->partition, "slurm: partition");
    submit->add_option("--per-task", sub->per_task, "slurm: job-list lines per array task")
        ->capture_default_str();
    submit->add_option("--max-running", sub->max_running, "slurm: at most M array tasks at once");
    submit->add_flag("--wait", sub->wait, "slurm: return when every task has left the queue");
    submit->add_option("--wait-timeout", sub->wait_timeout,
                       "slurm: give up waiting after S seconds (exit 3)");
    submit->add_option("--sbatch-arg", sub->sbatch_args, "slurm: passed to sbatch (repeatable)")
        ->allow_extra_args(false);
    submit->add_flag("--dry-run", sub->dry_run, "slurm: write the array scripts, submit nothing");
    submit->add_option("--jobs,-j", sub->jobs, "parallel: jobs at once per host");
    submit
        ->add_option("--sshlogin,-S", sub->sshlogins,
                     "parallel: run on this ssh login (repeatable)")
        ->allow_extra_args(false);
    submit->add_option("--sshloginfile", sub->sshloginfile,
                       "parallel: the ssh logins, one per line");
    submit->add_option("--ssh", sub->ssh, "parallel: the ssh command (e.g. 'ssh -F config')");
    submit->callback([sub, &exit_code] { exit_code = submit_command(*sub, std::cout, std::cerr); });

    auto col = std::make_shared<CollectCommand>();
    auto no_plots = std::make_shared<bool>(false);
    CLI::App* collect =
        sweep->add_subcommand("collect", "Judge, merge and summarise the results of DIR");
    collect->add_option("dir", col->dir, "the sweep directory")->required();
    collect->add_option("--retry-file", col->retry_file,
                        "write the lines not done here (default DIR/jobs.retry.txt)");
    collect->add_option("--format,-f", col->format, "table | json | csv (what is printed)")
        ->capture_default_str();
    collect->add_flag("--no-plots", *no_plots, "do not draw DIR/plots/*.png");
    collect->add_flag("--all-metrics", col->all_metrics,
                      "print every metric, not only the key ones");
    collect->callback([col, no_plots, &exit_code] {
        col->plots = !*no_plots;
        exit_code = sweep_collect_command(*col, std::cout, std::cerr);
    });
}

} // namespace pagesim
