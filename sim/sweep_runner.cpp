// SPDX-License-Identifier: GPL-2.0-only
// A process pool without threads: SIGCHLD, SIGINT, SIGTERM and SIGHUP are blocked and taken
// with sigtimedwait(), so a child's exit or a Ctrl-C wakes the loop at once and no signal
// handler races the bookkeeping. Each job gets its own process group: the terminal's
// Ctrl-C reaches only pagesim, which then ends every job's whole group (sh and its child).
#include "sim/sweep_runner.h"

#include "sim/progress.h"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/file.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pagesim {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Holds DIR/.sweep-run.lock (flock) so two runners never start the same job twice.
class DirLock {
public:
    explicit DirLock(const fs::path& dir) {
        const std::string p = (dir / ".sweep-run.lock").string();
        fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw std::runtime_error(p + ": " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw std::runtime_error(dir.string() +
                                     ": another `pagesim sweep run` is running on this directory");
        }
    }
    ~DirLock() { ::close(fd_); }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

private:
    int fd_ = -1;
};

// Blocks the signals the loop waits for; restores the old mask on exit.
class SignalBlock {
public:
    SignalBlock() {
        sigemptyset(&set_);
        for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&set_, s);
        pthread_sigmask(SIG_BLOCK, &set_, &old_);
    }
    ~SignalBlock() {
        // Drop the SIGCHLDs of reaped children; a pending SIGINT/SIGTERM was taken already.
        timespec zero{0, 0};
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        while (sigtimedwait(&chld, nullptr, &zero) > 0) {}
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;
    const sigset_t& set() const { return set_; }

private:
    sigset_t set_{}, old_{};
};

// `sh -c LINE` in `dir`, in a new process group, stdin and stdout /dev/null, stderr `log`.
pid_t spawn_job(const std::string& line, const fs::path& dir, const fs::path& log,
                std::string& why) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &defaults);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
    std::string sh = "/bin/sh", c = "-c", cmd = line;
    char* argv[] = {sh.data(), c.data(), cmd.data(), nullptr};
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        why = std::strerror(rc);
        return -1;
    }
    return pid;
}

std::string last_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    if (last.size() > 200) last = last.substr(0, 200) + "...";
    return last;
}

// Temporary files a stopped job may have left next to its result (name.tmp.PID).
void remove_temporaries(const fs::path& result) {
    std::error_code ec;
    const std::string prefix = result.filename().string() + ".tmp.";
    for (const auto& e : fs::directory_iterator(result.parent_path(), ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
}

struct Running {
    pid_t pid;
    std::size_t job;
    Clock::time_point start;
    bool killed = false;
};

} // namespace

SweepRunReport run_sweep_jobs(const fs::path& dir, const std::vector<JobLine>& jobs,
                              const SweepRunOptions& opts) {
    SweepRunReport r;
    r.total = jobs.size();
    std::error_code ec;
    fs::create_directories(dir / "logs", ec);
    if (ec) throw std::runtime_error((dir / "logs").string() + ": " + ec.message());
    const DirLock lock(dir);

    std::deque<std::size_t> todo;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (judge_result(result_file(jobs[i], dir)) == ResultState::Done)
            ++r.skipped;
        else
            todo.push_back(i);
    }
    unsigned workers = opts.jobs ? opts.jobs : std::max(1u, std::thread::hardware_concurrency());
    r.workers = workers;
    const std::size_t to_run = todo.size();
    if (to_run == 0) return r;

    const SignalBlock signals;
    ProgressBar bar(opts.label);
    const Clock::time_point t0 = Clock::now();
    std::deque<Clock::time_point> free_since(std::min<std::size_t>(workers, to_run), t0);
    std::vector<Running> running;
    std::vector<std::string> notes(jobs.size());
    std::vector<bool> failed(jobs.size(), false);
    bool stopping = false;
    Clock::time_point stop_at{};
    std::size_t finished = 0;

    auto kill_all = [&](int sig) {
        for (Running& j : running) {
            ::kill(-j.pid, sig);
            j.killed = true;
        }
    };
    while (true) {
        while (!stopping && !todo.empty() && running.size() < workers) {
            const std::size_t i = todo.front();
            todo.pop_front();
            std::string why;
            const Clock::time_point freed = free_since.front();
            free_since.pop_front();
            const pid_t pid =
                spawn_job(jobs[i].command, dir, dir / "logs" / (jobs[i].id + ".err"), why);
            const Clock::time_point now = Clock::now();
            r.dispatch_s_sum += seconds(now - freed);
            if (pid < 0) {
                failed[i] = true;
                notes[i] = "cannot start /bin/sh: " + why;
                ++r.failed;
                ++finished;
                free_since.push_back(now);
                continue;
            }
            running.push_back({pid, i, now});
        }
        if (running.empty()) break;

        bar.update(static_cast<double>(finished) / static_cast<double>(to_run),
                   fmt::format("{}/{} done{}", r.done + r.skipped, r.total,
                               r.failed ? fmt::format(", {} failed", r.failed) : std::string()));
        timespec wait{0, 200'000'000};
        const int sig = sigtimedwait(&signals.set(), nullptr, &wait);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            if (!stopping) {
                stopping = true;
                r.interrupted = true;
                stop_at = Clock::now();
                kill_all(SIGTERM);
            } else {
                kill_all(SIGKILL); // a second Ctrl-C: no more waiting
            }
        }
        if (stopping && seconds(Clock::now() - stop_at) > opts.kill_grace_s) kill_all(SIGKILL);

        for (std::size_t k = 0; k < running.size();) {
            int status = 0;
            const pid_t got = ::waitpid(running[k].pid, &status, WNOHANG);
            if (got == 0 || (got < 0 && errno == EINTR)) {
                ++k;
                continue;
            }
            const Running j = running[k];
            running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
            const Clock::time_point now = Clock::now();
            free_since.push_back(now);
            ++finished;
            r.job_s_sum += seconds(now - j.start);
            const JobLine& job = jobs[j.job];
            const fs::path result = result_file(job, dir);
            const fs::path log = dir / "logs" / (job.id + ".err");
            std::string why;
            const ResultState st = judge_result(result, &why);
            if (st == ResultState::Done) {
                ++r.done;
                if (fs::file_size(log, ec) == 0 && !ec) fs::remove(log, ec);
                continue;
            }
            if (j.killed) { // stopped by us: not a failure, it runs next time
                remove_temporaries(result);
                ++r.not_run;
                continue;
            }
            failed[j.job] = true;
            ++r.failed;
            std::string note;
            if (got < 0)
                note = std::string("waitpid: ") + std::strerror(errno);
            else if (WIFEXITED(status))
                note = "exit " + std::to_string(WEXITSTATUS(status));
            else
                note = std::string("killed by signal ") + std::to_string(WTERMSIG(status));
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                note += st == ResultState::Missing ? ", but no result file"
                                                   : ", but the result is invalid";
            const std::string tail = last_line(log);
            if (!tail.empty()) note += ": " + tail;
            notes[j.job] = note;
        }
    }
    bar.finish();
    r.not_run += todo.size();
    r.wall_s = seconds(Clock::now() - t0);
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (failed[i]) {
            r.failed_ids.push_back(jobs[i].id);
            r.failed_notes.push_back(notes[i]);
        }
    return r;
}

std::string format_run_report(const SweepRunReport& r) {
    std::string s = fmt::format(
        "{} jobs: {} done now, {} failed, {} skipped (done before), {} not run{}\n", r.total,
        r.done, r.failed, r.skipped, r.not_run, r.interrupted ? " (interrupted)" : "");
    const std::size_t ran = r.done + r.failed;
    if (ran > 0) {
        s +=
            fmt::format("wall {:.1f} s on {} worker(s); per job {:.2f} s mean; scheduling overhead "
                        "{:.1f} ms per job\n",
                        r.wall_s, r.workers, r.job_s_sum / static_cast<double>(ran),
                        r.dispatch_s_sum * 1000 / static_cast<double>(ran));
    }
    for (std::size_t i = 0; i < r.failed_ids.size() && i < 20; ++i)
        s += fmt::format("failed: {} ({})\n", r.failed_ids[i], r.failed_notes[i]);
    if (r.failed_ids.size() > 20) s += fmt::format("... and {} more\n", r.failed_ids.size() - 20);
    return s;
}

} // namespace pagesim
