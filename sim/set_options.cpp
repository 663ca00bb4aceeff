// SPDX-License-Identifier: GPL-2.0-only
#include "sim/set_options.h"

#include <stdexcept>

namespace pagesim {

ParamOverrides parse_set_options(const std::vector<std::string>& args) {
    ParamOverrides set;
    for (const std::string& kv : args) {
        const std::size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            throw std::invalid_argument("--set: expected NAME=VALUE, got '" + kv + "'");
        set.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return set;
}

} // namespace pagesim
