// SPDX-License-Identifier: GPL-2.0-only
// set_config_path(): a recursive rebuild of the nodes on the path, so the override is
// applied to the tree before the strict readers see it and every check they make (types,
// units, unknown keys, layouts that do not boot) applies to overridden values too.
#include "workloads/config_path.h"

#include <stdexcept>

namespace pagesim {

namespace {

bool key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

std::string step_text(const std::vector<PathStep>& steps, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        if (steps[i].is_index) {
            s += '[';
            s += std::to_string(steps[i].index);
            s += ']';
        } else {
            if (!s.empty()) s += '.';
            s += steps[i].key;
        }
    }
    return s;
}

struct Walk {
    const std::vector<PathStep>& steps;
    std::string path;
    const ConfigNode& value;
    const ScalarExpander& expand;

    [[noreturn]] void fail(const ConfigNode& at, const std::string& why) const {
        std::string msg = "--set ";
        msg += path;
        msg += ": ";
        msg += why;
        throw ConfigError(at.mark(), msg);
    }

    ConfigNode apply(const ConfigNode& n, std::size_t i) const {
        if (i == steps.size()) {
            if (n.is_map() || n.is_sequence())
                fail(n, "'" + path + "' is a " + (n.is_map() ? "map" : "sequence") +
                            "; --set replaces single values only");
            return value;
        }
        const PathStep& st = steps[i];
        if (n.is_scalar() && expand) {
            ConfigNode inner = expand(n, step_text(steps, i));
            if (!inner.is_null()) return apply(inner, i);
        }
        if (st.is_index) {
            if (!n.is_sequence())
                fail(n, "'" + step_text(steps, i) + "' is not a sequence, so [" +
                            std::to_string(st.index) + "] does not exist");
            const auto& items = n.items();
            if (st.index >= items.size())
                fail(n, "index [" + std::to_string(st.index) + "] is out of range ('" +
                            step_text(steps, i) + "' has " + std::to_string(items.size()) +
                            " items)");
            ConfigNode s = ConfigNode::sequence(n.mark());
            for (std::size_t k = 0; k < items.size(); ++k)
                s.push_back(k == st.index ? apply(items[k], i + 1) : items[k]);
            return s;
        }
        if (!n.is_map()) {
            const std::string where =
                i == 0 ? std::string("the top level") : "'" + step_text(steps, i) + "'";
            fail(n, where + " is not a map, so it has no key '" + st.key + "'");
        }
        const ConfigNode* child = n.find(st.key);
        if (!child && i + 1 < steps.size()) {
            std::vector<std::string> keys;
            for (const ConfigNode::Entry& e : n.entries()) keys.push_back(e.key);
            std::string msg = "no key '" + st.key + "'";
            if (i > 0) msg += " in '" + step_text(steps, i) + "'";
            const std::string best = closest_match(st.key, keys);
            if (!best.empty()) msg += " (did you mean '" + best + "'?)";
            fail(n, msg);
        }
        ConfigNode m = ConfigNode::map(n.mark());
        bool replaced = false;
        for (const ConfigNode::Entry& e : n.entries()) {
            if (e.key == st.key) {
                m.set(e.key, apply(e.value, i + 1), e.key_mark);
                replaced = true;
            } else {
                m.set(e.key, e.value, e.key_mark);
            }
        }
        if (!replaced) m.set(st.key, value, value.mark()); // a new last key
        return m;
    }
};

} // namespace

bool is_config_path(std::string_view name) {
    return name.find('.') != std::string_view::npos || name.find('[') != std::string_view::npos;
}

std::vector<PathStep> parse_config_path(std::string_view path) {
    auto bad = [&](const std::string& why) -> std::invalid_argument {
        std::string msg = "--set ";
        msg += path;
        msg += ": ";
        msg += why;
        msg += " (a path is keys joined by '.', with [N] for sequence items, e.g. "
               "machine.controllers[1].bandwidth)";
        return std::invalid_argument(msg);
    };
    std::vector<PathStep> steps;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '[') {
            if (steps.empty()) throw bad("a path starts with a key");
            const std::size_t close = path.find(']', i);
            if (close == std::string_view::npos || close == i + 1)
                throw bad("'[' without an index and ']'");
            PathStep st;
            st.is_index = true;
            for (std::size_t k = i + 1; k < close; ++k) {
                if (path[k] < '0' || path[k] > '9') throw bad("an index is a decimal number");
                if (st.index > 100'000'000) throw bad("index too large");
                st.index = st.index * 10 + static_cast<std::size_t>(path[k] - '0');
            }
            steps.push_back(st);
            i = close + 1;
            if (i < path.size() && path[i] != '.' && path[i] != '[')
                throw bad("expected '.' or '[' after ']'");
            if (i < path.size() && path[i] == '.') {
                ++i;
                if (i == path.size()) throw bad("a path does not end with '.'");
            }
            continue;
        }
        std::size_t end = i;
        while (end < path.size() && key_char(path[end])) ++end;
        if (end == i)
            throw bad(i < path.size() ? "unexpected '" + std::string(1, path[i]) + "'"
                                      : "empty key");
        steps.push_back({std::string(path.substr(i, end - i)), false, 0});
        i = end;
        if (i < path.size() && path[i] == '.') {
            ++i;
            if (i == path.size()) throw bad("a path does not end with '.'");
        } else if (i < path.size() && path[i] != '[') {
            throw bad("unexpected '" + std::string(1, path[i]) + "'");
        }
    }
    if (steps.empty()) throw bad("empty path");
    return steps;
}

ConfigNode set_config_path(const ConfigNode& root, std::string_view path, const ConfigNode& value,
                           const ScalarExpander& expand) {
    const std::vector<PathStep> steps = parse_config_path(path);
    const Walk w{steps, std::string(path), value, expand};
    return w.apply(root, 0);
}

} // namespace pagesim
