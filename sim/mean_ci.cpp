// SPDX-License-Identifier: GPL-2.0-only
#include "sim/mean_ci.h"

#include <fmt/format.h>

#include <cmath>

namespace pagesim {

double t95(std::size_t dof) {
    static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                   2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                   2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                   2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (dof == 0) return 0;
    if (dof < sizeof table / sizeof table[0]) return table[dof];
    if (dof < 60) return 2.000;
    if (dof < 120) return 1.980;
    return 1.960;
}

MeanCi mean_ci(const std::vector<double>& v) {
    MeanCi m;
    m.n = v.size();
    if (v.empty()) return m;
    double sum = 0;
    for (double x : v) sum += x;
    m.mean = sum / static_cast<double>(v.size());
    if (v.size() > 1) {
        double ss = 0;
        for (double x : v) ss += (x - m.mean) * (x - m.mean);
        const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
        m.ci95 = t95(v.size() - 1) * sd / std::sqrt(static_cast<double>(v.size()));
    }
    return m;
}

namespace {

// Decimals for a value of this magnitude: 1 from 100 up, 2 from 10, else 3 (-1: %g).
int decimals(double v) {
    const double a = std::fabs(v);
    if (a >= 1e6 || (a > 0 && a < 1e-3)) return -1;
    return a >= 100 ? 1 : a >= 10 ? 2 : 3;
}

std::string fixed(double v, int d) {
    return d < 0 ? fmt::format("{:.3g}", v) : fmt::format("{:.{}f}", v, d);
}

} // namespace

std::string format_number(double v) {
    if (std::isnan(v)) return "-";
    if (v == 0) return "0";
    return fixed(v, decimals(v));
}

std::string format_mean_ci(const MeanCi& m) {
    std::string s = format_number(m.mean);
    if (m.n > 1 && m.mean != 0) {
        const int d = decimals(m.mean);
        const std::string ci = fixed(m.ci95, d);
        if (d < 0 ? m.ci95 > 1e-6 * std::fabs(m.mean) : std::stod(ci) != 0) s += " ±" + ci;
    }
    return s;
}

} // namespace pagesim
