// SPDX-License-Identifier: GPL-2.0-only
// Mean and 95 % confidence interval of a handful of samples (Student's t), and how compare
// and sweep collect print them: few significant digits, the interval at the mean's
// precision and only where it does not round away.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pagesim {

/// Two-sided 95 % Student-t quantile for `dof` degrees of freedom.
double t95(std::size_t dof);

struct MeanCi {
    double mean = 0;
    double ci95 = 0; ///< half-width; 0 with fewer than two samples
    std::size_t n = 0;
};

/// Mean and 95 % interval of `v` (n = 0 and mean 0 for an empty vector).
MeanCi mean_ci(const std::vector<double>& v);

/// A value with few significant digits ("-" for NaN, "0" for zero).
std::string format_number(double v);
/// "mean ±ci" (the interval at the mean's precision, omitted with one sample or where it
/// rounds to nothing).
std::string format_mean_ci(const MeanCi& m);

} // namespace pagesim
