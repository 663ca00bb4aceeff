// SPDX-License-Identifier: GPL-2.0-only
// The scenario language's value types: gfp masks, orders, page-multiple sizes, durations,
// lifetimes, rates, CPU and node lists, names; and their exact printers for `--verbose`.
#include "workloads/explicit_events.h"
#include "workloads/scenario_read.h"
#include "workloads/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace pagesim {

std::string ReadContext::resolve(const std::string& path) const {
    const std::filesystem::path p(path);
    if (p.is_absolute() || dir.empty()) return path;
    return (std::filesystem::path(dir) / p).lexically_normal().string();
}

GfpFlags read_gfp(const ConfigNode& n) {
    std::string bad;
    const auto g = gfp_parse(n.text(), &bad);
    if (!g) {
        std::vector<std::string> names;
        for (const GfpName& e : gfp_name_table()) names.emplace_back(e.name);
        names.emplace_back("__GFP_DMA");
        names.emplace_back("__GFP_DMA32");
        std::string msg =
            bad.empty() ? std::string("empty gfp mask") : "unknown gfp flag '" + bad + "'";
        const std::string best = closest_match(bad, names);
        if (!best.empty()) {
            msg += " (did you mean '";
            msg += best;
            msg += "'?)";
        }
        n.fail(msg);
    }
    const std::string why = gfp_problem(*g);
    if (!why.empty()) n.fail("'" + n.text() + "': " + why);
    return *g;
}

unsigned read_order(const ConfigNode& n, const ReadContext& ctx) {
    const std::uint64_t o = n.as_uint();
    if (o >= ctx.max_order())
        n.fail("order " + std::to_string(o) + " is too large: the largest order on " +
               ctx.machine->name + " is " + std::to_string(ctx.max_order() - 1) + " (MAX_ORDER " +
               std::to_string(ctx.max_order()) + ")");
    return static_cast<unsigned>(o);
}

std::uint64_t read_size_multiple(const ConfigNode& n, std::uint64_t unit, const std::string& what,
                                 bool allow_zero) {
    const std::uint64_t v = n.as_size();
    if (v == 0 && !allow_zero) n.fail("the size must not be 0");
    if (v % unit)
        n.fail("'" + n.text() + "' is not a whole number of " + what + ": " + format_size(v) +
               " is not a multiple of " + format_size(unit));
    return v;
}

std::int64_t read_duration(const ConfigNode& n) {
    const std::int64_t d = n.as_duration();
    if (d < 0) n.fail("a duration must not be negative");
    return d;
}

Lifetime read_lifetime(const ConfigNode& n) {
    Lifetime l;
    if (n.is_scalar()) {
        if (n.text() == "forever") {
            l.kind = Lifetime::Forever;
        } else if (n.text() == "until_exit") {
            l.kind = Lifetime::UntilExit;
        } else {
            std::string why;
            const auto d = parse_duration(n.text(), &why);
            if (!d)
                n.fail("expected forever, until_exit, a duration, or {fixed: D}, "
                       "{exponential: MEAN}, {uniform: [MIN, MAX]}, got '" +
                       n.text() + "'");
            l.kind = Lifetime::Fixed;
            l.a_ns = read_duration(n);
        }
        return l;
    }
    MapReader r(n, "lifetime", {"fixed", "exponential", "uniform"});
    if (n.entries().size() != 1)
        n.fail("a lifetime is one of {fixed: D}, {exponential: MEAN}, {uniform: [MIN, MAX]}");
    const ConfigNode::Entry& e = n.entries().front();
    if (e.key == "fixed") {
        l.kind = Lifetime::Fixed;
        l.a_ns = read_duration(e.value);
    } else if (e.key == "exponential") {
        l.kind = Lifetime::Exponential;
        l.a_ns = read_duration(e.value);
        if (l.a_ns == 0) e.value.fail("the mean lifetime must be above 0");
    } else {
        l.kind = Lifetime::Uniform;
        const auto& items = e.value.items();
        if (items.size() != 2) e.value.fail("uniform takes [MIN, MAX]");
        l.a_ns = read_duration(items[0]);
        l.b_ns = read_duration(items[1]);
        if (l.b_ns < l.a_ns) items[1].fail("MAX must not be below MIN");
    }
    return l;
}

double read_rate(const ConfigNode& n) {
    std::string t = n.text();
    double per = 1;
    for (const auto& [suffix, f] : std::array<std::pair<std::string_view, double>, 3>{
             {{"/s", 1.0}, {"/min", 1.0 / 60}, {"/h", 1.0 / 3600}}}) {
        if (t.size() > suffix.size() && t.ends_with(suffix)) {
            t.resize(t.size() - suffix.size());
            per = f;
            break;
        }
    }
    double mult = 1;
    if (!t.empty() && (t.back() == 'k' || t.back() == 'M' || t.back() == 'G')) {
        mult = t.back() == 'k' ? 1e3 : t.back() == 'M' ? 1e6 : 1e9;
        t.pop_back();
    }
    double v = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (n.quoted() || t.empty() || ec != std::errc{} || p != t.data() + t.size() || !(v >= 0) ||
        !std::isfinite(v))
        n.fail("expected a rate such as 500/s, 2k/s or 30/min, got '" + n.text() + "'");
    return v * mult * per;
}

namespace {

// "0-3,6" or a YAML list of integers.
std::vector<std::uint64_t> read_int_list(const ConfigNode& n, const char* what) {
    std::vector<std::uint64_t> out;
    if (n.is_sequence()) {
        for (const ConfigNode& i : n.items()) out.push_back(i.as_uint());
        return out;
    }
    std::string_view s = n.text();
    auto num = [&](std::string_view t, std::uint64_t& v) {
        const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        return !t.empty() && ec == std::errc{} && p == t.data() + t.size();
    };
    while (!s.empty()) {
        const std::size_t comma = s.find(',');
        const std::string_view item = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        const std::size_t dash = item.find('-');
        std::uint64_t a = 0, b = 0;
        const bool ok = dash == std::string_view::npos
                            ? num(item, a) && num(item, b)
                            : num(item.substr(0, dash), a) && num(item.substr(dash + 1), b);
        if (!ok || b < a || b - a > 4096)
            n.fail(std::string("expected a list of ") + what + " such as [0, 1] or 0-3,6, got '" +
                   n.text() + "'");
        for (std::uint64_t v = a; v <= b; ++v) out.push_back(v);
    }
    if (out.empty()) n.fail(std::string("the list of ") + what + " is empty");
    return out;
}

} // namespace

std::vector<unsigned> read_cpus(const ConfigNode& n, unsigned ncpus) {
    std::vector<unsigned> out;
    for (std::uint64_t c : read_int_list(n, "CPUs")) {
        if (c >= ncpus)
            n.fail("CPU " + std::to_string(c) + " does not exist: the machine has " +
                   std::to_string(ncpus) + " CPUs (0-" + std::to_string(ncpus - 1) + ")");
        out.push_back(static_cast<unsigned>(c));
    }
    return out;
}

std::vector<int> read_nodes(const ConfigNode& n) {
    std::vector<int> out;
    for (std::uint64_t v : read_int_list(n, "nodes")) {
        if (v >= 64) n.fail("node ids must be below 64");
        out.push_back(static_cast<int>(v));
    }
    return out;
}

std::string read_name(const ConfigNode& n, const char* what) {
    const std::string s = n.as_string();
    if (s.empty()) n.fail(std::string("a ") + what + " name must not be empty");
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            n.fail(std::string("a ") + what +
                   " name may hold letters, digits, '_', '-' and '.', got '" + s + "'");
    return s;
}

std::string exact_duration(std::int64_t ns) {
    static constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> units{
        {{"h", 3'600'000'000'000},
         {"s", 1'000'000'000},
         {"ms", 1'000'000},
         {"us", 1'000},
         {"ns", 1}}};
    if (ns == 0) return "0s";
    for (const auto& [name, f] : units)
        if (ns % f == 0) return std::to_string(ns / f) + std::string(name);
    return std::to_string(ns) + "ns";
}

std::string exact_double(double v) {
    char buf[64];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    return std::string(buf, p);
}

ConfigNode scalar_node(const std::string& text) {
    return ConfigNode::scalar(text);
}

ConfigNode number_node(std::uint64_t v) {
    return ConfigNode::scalar(std::to_string(v));
}

ConfigNode bool_node(bool b) {
    return ConfigNode::scalar(b ? "true" : "false");
}

ConfigNode lifetime_node(const Lifetime& l) {
    switch (l.kind) {
    case Lifetime::Forever:
        return scalar_node("forever");
    case Lifetime::UntilExit:
        return scalar_node("until_exit");
    case Lifetime::Fixed:
        return scalar_node(exact_duration(l.a_ns));
    case Lifetime::Exponential: {
        ConfigNode m = ConfigNode::map();
        m.set("exponential", scalar_node(exact_duration(l.a_ns)));
        return m;
    }
    case Lifetime::Uniform: {
        ConfigNode m = ConfigNode::map();
        ConfigNode s = ConfigNode::sequence();
        s.push_back(scalar_node(exact_duration(l.a_ns)));
        s.push_back(scalar_node(exact_duration(l.b_ns)));
        m.set("uniform", s);
        return m;
    }
    }
    return scalar_node("until_exit");
}

} // namespace pagesim
