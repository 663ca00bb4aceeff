// SPDX-License-Identifier: GPL-2.0-only
// A progress bar for long runs: shown on a terminal only, and only once a run has taken
// more than a second of wall time; silent when stderr is not a terminal.
#pragma once

#include <chrono>
#include <string>

namespace pagesim {

class ProgressBar {
public:
    /// `label` prefixes the bar ("run thread_test/dmb-split").
    explicit ProgressBar(std::string label);
    ~ProgressBar();
    /// Reports the fraction done (0..1); redraws at most every 100 ms. `note` follows the
    /// ETA ("12/40 done, 1 failed").
    void update(double fraction, const std::string& note = {});
    /// Erases the bar (if drawn).
    void finish();

private:
    std::string label_;
    bool tty_ = false;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_;
};

} // namespace pagesim
