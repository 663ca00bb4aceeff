// SPDX-License-Identifier: GPL-2.0-only
// `pagesim compare SCENARIO.yaml [--layout NAME]... [--seeds N] [--jobs N] [--out DIR]
// [--until T] [--format table|json] [--no-plots] [--strict]`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pagesim {

struct CompareCommand {
    std::string scenario;
    std::vector<std::string> layouts;
    std::vector<std::string> set; ///< --set NAME=VALUE: scenario parameters
    unsigned seeds = 1;
    unsigned jobs = 0;
    std::string out;
    std::string until;
    std::string format = "table";
    bool plots = true;
    bool strict = false;
};

/// 0 success, 1 runtime failure (outputs, plots), 2 bad input.
int compare_command(const CompareCommand& cmd, std::ostream& out, std::ostream& err);
void add_compare_command(CLI::App& app, int& exit_code);

} // namespace pagesim
