// SPDX-License-Identifier: GPL-2.0-only
// Parsing and printing of sizes, bandwidths and durations.
#include "workloads/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace pagesim {
namespace {

struct Unit {
    std::string_view name;
    double factor;
};

std::string strip_underscores(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (c != '_') out += c;
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

void set(std::string* err, std::string msg) {
    if (err) *err = std::move(msg);
}

// Splits "12.8GB/s" into the number "12.8" and the unit "GB/s". Hex integers are whole.
bool split_number(std::string_view s, std::string& num, std::string& unit) {
    std::size_t i = 0;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        i = 2;
        while (i < s.size() && (std::isxdigit(static_cast<unsigned char>(s[i])) || s[i] == '_'))
            ++i;
    } else {
        while (i < s.size() &&
               (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_'))
            ++i;
    }
    num = strip_underscores(s.substr(0, i));
    std::string_view u = s.substr(i);
    while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
    unit = std::string(u);
    return !num.empty() && num != "0x" && num != "0X";
}

std::optional<double> to_double(const std::string& num) {
    if (num.size() > 2 && num[0] == '0' && (num[1] == 'x' || num[1] == 'X')) {
        std::uint64_t v = 0;
        auto [p, ec] = std::from_chars(num.data() + 2, num.data() + num.size(), v, 16);
        if (ec != std::errc{} || p != num.data() + num.size()) return std::nullopt;
        return static_cast<double>(v);
    }
    double v = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc{} || p != num.data() + num.size()) return std::nullopt;
    return v;
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

} // namespace

std::optional<std::uint64_t> parse_size(std::string_view text, std::string* err) {
    const std::string s = trimmed(text);
    std::string num, unit;
    if (!split_number(s, num, unit)) {
        set(err, "expected a size such as 512M, 16GiB or 0x4000_0000, got '" + s + "'");
        return std::nullopt;
    }
    // Hex integers are exact; go through integer parsing to keep all 64 bits.
    const bool hex = num.size() > 2 && num[0] == '0' && (num[1] == 'x' || num[1] == 'X');
    static constexpr std::array<Unit, 13> units{{{"", 1},
                                                 {"B", 1},
                                                 {"K", 0x1p10},
                                                 {"KiB", 0x1p10},
                                                 {"M", 0x1p20},
                                                 {"MiB", 0x1p20},
                                                 {"G", 0x1p30},
                                                 {"GiB", 0x1p30},
                                                 {"T", 0x1p40},
                                                 {"TiB", 0x1p40},
                                                 {"P", 0x1p50},
                                                 {"PiB", 0x1p50},
                                                 {"E", 0x1p60}}};
    double factor = 0;
    for (const Unit& u : units)
        if (u.name.size() <= 1 ? iequals(u.name, unit) : u.name == unit) factor = u.factor;
    if (unit == "EiB") factor = 0x1p60;
    if (factor == 0) {
        if (iequals(unit, "KB") || iequals(unit, "MB") || iequals(unit, "GB") ||
            iequals(unit, "TB"))
            set(err, "ambiguous size unit '" + unit + "' in '" + s +
                         "': sizes are binary, write " + unit.substr(0, 1) + " or " +
                         unit.substr(0, 1) + "iB");
        else
            set(err, "unknown size unit '" + unit + "' in '" + s + "'");
        return std::nullopt;
    }
    if (hex) {
        std::uint64_t v = 0;
        auto [p, ec] = std::from_chars(num.data() + 2, num.data() + num.size(), v, 16);
        if (ec != std::errc{} || p != num.data() + num.size()) {
            set(err, "bad hex number in '" + s + "'");
            return std::nullopt;
        }
        const auto f = static_cast<std::uint64_t>(factor);
        if (f != 0 && v > UINT64_MAX / f) {
            set(err, "size '" + s + "' does not fit in 64 bits");
            return std::nullopt;
        }
        return v * f;
    }
    const auto v = to_double(num);
    if (!v) {
        set(err, "bad number in size '" + s + "'");
        return std::nullopt;
    }
    const double bytes = *v * factor;
    if (!(bytes < 0x1p64)) {
        set(err, "size '" + s + "' does not fit in 64 bits");
        return std::nullopt;
    }
    if (bytes != std::floor(bytes)) {
        set(err, "size '" + s + "' is not a whole number of bytes");
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(bytes);
}

std::optional<double> parse_bandwidth(std::string_view text, std::string* err) {
    const std::string s = trimmed(text);
    std::string num, unit;
    if (!split_number(s, num, unit) || unit.size() < 2 || unit.substr(unit.size() - 2) != "/s") {
        set(err, "expected a bandwidth such as 12.8GB/s or 3GiB/s, got '" + s + "'");
        return std::nullopt;
    }
    unit.resize(unit.size() - 2);
    static constexpr std::array<Unit, 9> units{{{"B", 1},
                                                {"kB", 1e3},
                                                {"KB", 1e3},
                                                {"MB", 1e6},
                                                {"GB", 1e9},
                                                {"TB", 1e12},
                                                {"KiB", 0x1p10},
                                                {"MiB", 0x1p20},
                                                {"GiB", 0x1p30}}};
    double factor = 0;
    for (const Unit& u : units)
        if (u.name == unit) factor = u.factor;
    if (unit == "TiB") factor = 0x1p40;
    const auto v = to_double(num);
    if (factor == 0 || !v || *v <= 0) {
        set(err, "expected a positive bandwidth such as 12.8GB/s or 3GiB/s, got '" + s + "'");
        return std::nullopt;
    }
    return *v * factor;
}

std::optional<std::int64_t> parse_duration(std::string_view text, std::string* err) {
    const std::string s = trimmed(text);
    std::string num, unit;
    if (!split_number(s, num, unit)) {
        set(err, "expected a duration such as 10s, 250ms or 5us, got '" + s + "'");
        return std::nullopt;
    }
    static constexpr std::array<Unit, 6> units{
        {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"min", 60e9}, {"h", 3600e9}}};
    double factor = 0;
    for (const Unit& u : units)
        if (u.name == unit) factor = u.factor;
    const auto v = to_double(num);
    if (!v) {
        set(err, "bad number in duration '" + s + "'");
        return std::nullopt;
    }
    if (unit.empty() && *v == 0) return 0;
    if (factor == 0) {
        set(err, "duration '" + s + "' needs a unit: ns, us, ms, s, min or h");
        return std::nullopt;
    }
    const double ns = *v * factor;
    if (!(ns < 0x1p62) || ns != std::floor(ns)) {
        set(err, "duration '" + s + "' is not a whole number of nanoseconds in range");
        return std::nullopt;
    }
    return static_cast<std::int64_t>(ns);
}

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<std::string_view, 6> names{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    unsigned u = 0;
    while (u + 1 < names.size() && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++u;
    }
    return std::to_string(bytes) + std::string(names[u]);
}

std::string format_bandwidth(double bps) {
    static constexpr std::array<std::string_view, 5> names{"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
    unsigned u = 0;
    while (u + 1 < names.size() && bps >= 1000) {
        bps /= 1000;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g%s", bps, std::string(names[u]).c_str());
    return buf;
}

std::string format_duration(std::int64_t ns) {
    struct D {
        const char* name;
        double f;
    };
    static constexpr std::array<D, 4> ds{{{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}}};
    const double v = static_cast<double>(ns);
    for (const D& d : ds) {
        if (std::fabs(v) >= d.f || d.f == 1) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.6g%s", v / d.f, d.name);
            return buf;
        }
    }
    return "0s";
}

} // namespace pagesim
