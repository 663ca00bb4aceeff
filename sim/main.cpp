// SPDX-License-Identifier: GPL-2.0-only
// The pagesim command line. Exit codes: 0 success, 1 runtime failure, 2 bad input.
#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{"pagesim: a discrete-event simulator of the Linux 6.1 page allocator"};
    app.set_version_flag("--version", "pagesim 0.1.0");
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    std::puts(app.help().c_str());
    return 0;
}
