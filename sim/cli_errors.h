// SPDX-License-Identifier: GPL-2.0-only
// One mapping from the exceptions a command can meet to its message and exit code, so
// every `pagesim` command reports bad input the same way.
#pragma once

#include <ostream>

namespace pagesim {

/// Call inside `catch (...)`: prints the current exception to `err` and returns the exit
/// code. Bad input (YAML, event lists and traces with their own file:line:col messages; the
/// command line, layouts, std::invalid_argument as "pagesim: error: ...") is 2; anything
/// else ("pagesim: ...": I/O, a failing script) is 1.
int report_command_error(std::ostream& err);

} // namespace pagesim
