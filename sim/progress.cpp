// SPDX-License-Identifier: GPL-2.0-only
#include "sim/progress.h"

#include <cstdio>
#include <unistd.h>

namespace pagesim {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(double fraction, const std::string& note) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
    std::fprintf(stderr, "\r%s [%s] %3d%%  %.0fs elapsed, ~%.0fs left %s\033[K", label_.c_str(),
                 bar, static_cast<int>(fraction * 100), elapsed, eta, note.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

} // namespace pagesim
