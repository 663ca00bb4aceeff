// SPDX-License-Identifier: GPL-2.0-only
// Finding and running pagesim's helper scripts (scripts/*.py, matplotlib from Debian) in a
// child process, without a shell: $PAGESIM_SCRIPTS_DIR or the source tree's scripts/, and
// $PAGESIM_PYTHON or /usr/bin/python3 (Debian's, which has python3-matplotlib).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pagesim {

/// scripts/<name>, from $PAGESIM_SCRIPTS_DIR if set, else next to the source tree.
std::filesystem::path script_path(const std::string& name);
/// The Python interpreter: $PAGESIM_PYTHON, else /usr/bin/python3.
std::string python_interpreter();
/// Runs args[0] with its arguments and waits: its exit status, -1 if it could not start
/// (`why` says why), 128 + signal if it was killed.
int run_process(const std::vector<std::string>& args, std::string& why);

} // namespace pagesim
