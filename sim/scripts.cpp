// SPDX-License-Identifier: GPL-2.0-only
#include "sim/scripts.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace pagesim {

std::filesystem::path script_path(const std::string& name) {
    if (const char* dir = std::getenv("PAGESIM_SCRIPTS_DIR"); dir && *dir)
        return std::filesystem::path(dir) / name;
    // This file is sim/scripts.cpp of the source tree; scripts/ is its sibling.
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "scripts" / name;
}

std::string python_interpreter() {
    const char* py = std::getenv("PAGESIM_PYTHON");
    return py && *py ? py : "/usr/bin/python3";
}

int run_process(const std::vector<std::string>& args, std::string& why) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        why = std::strerror(rc);
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            why = std::strerror(errno);
            return -1;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

} // namespace pagesim
