// SPDX-License-Identifier: GPL-2.0-only
// Human units in machine, scenario and sweep files: sizes ("16GiB", "512M", "0x4000_0000"),
// bandwidths ("12.8GB/s", "3GiB/s"), durations ("10s", "250ms", "1.5us"). Underscores may
// separate digits. Each parser returns nullopt and fills `err` with a one-line reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pagesim {

/// Bytes. Suffixes are binary, like the kernel's memparse: K/KiB, M/MiB, G/GiB, T/TiB,
/// P/PiB, E/EiB (case-insensitive single letters), B or none for bytes. Decimal "GB" is
/// rejected as ambiguous. Hex (0x...) integers are allowed; a fraction ("1.5G") must come
/// out a whole number of bytes.
std::optional<std::uint64_t> parse_size(std::string_view text, std::string* err = nullptr);

/// Bytes per second: "<number><unit>/s" with decimal (kB, MB, GB, TB = 10^3k) or binary
/// (KiB, MiB, GiB, TiB) units, or plain B/s.
std::optional<double> parse_bandwidth(std::string_view text, std::string* err = nullptr);

/// Nanoseconds: "<number><unit>" with ns, us, ms, s, min, h. A bare 0 is allowed.
std::optional<std::int64_t> parse_duration(std::string_view text, std::string* err = nullptr);

/// "64MiB", "1GiB", "12KiB", "4096B": the largest binary unit that divides exactly.
std::string format_size(std::uint64_t bytes);
/// "12.8GB/s" style, three significant decimals at most.
std::string format_bandwidth(double bytes_per_second);
/// "250ms", "10s", "1.5us": the largest unit that keeps the value readable.
std::string format_duration(std::int64_t ns);

} // namespace pagesim
