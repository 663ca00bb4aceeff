// SPDX-License-Identifier: GPL-2.0-only
// Sizes, bandwidths and durations as users write them.
#include "workloads/units.h"

#include <catch2/catch.hpp>

using namespace pagesim;

TEST_CASE("parse_size takes kernel-style and IEC units", "[units]") {
    CHECK(parse_size("512M") == 512ull << 20);
    CHECK(parse_size("16GiB") == 16ull << 30);
    CHECK(parse_size("0x4000_0000") == 0x40000000ull);
    CHECK(parse_size("0x3_0000_0000") == 0x300000000ull);
    CHECK(parse_size("4096") == 4096ull);
    CHECK(parse_size("1.5G") == 3ull << 29);
    CHECK(parse_size("600m") == 600ull << 20);
    CHECK(parse_size("1E") == 1ull << 60);
    std::string err;
    CHECK_FALSE(parse_size("16GB", &err));
    CHECK(err.find("ambiguous") != std::string::npos);
    CHECK_FALSE(parse_size("12 parsecs", &err));
    CHECK_FALSE(parse_size("", &err));
    CHECK_FALSE(parse_size("0.3K", &err));
    CHECK_FALSE(parse_size("99999999999999999999", &err));
    CHECK_FALSE(parse_size("0x1_0000_0000_0000_0000", &err));
}

TEST_CASE("parse_bandwidth and parse_duration", "[units]") {
    CHECK(parse_bandwidth("12.8GB/s") == Approx(12.8e9));
    CHECK(parse_bandwidth("3GiB/s") == Approx(3.0 * (1 << 30)));
    CHECK_FALSE(parse_bandwidth("12.8GB"));
    CHECK_FALSE(parse_bandwidth("-1GB/s"));
    CHECK(parse_duration("10s") == 10'000'000'000ll);
    CHECK(parse_duration("250ms") == 250'000'000ll);
    CHECK(parse_duration("1.5us") == 1500ll);
    CHECK(parse_duration("0") == 0ll);
    CHECK_FALSE(parse_duration("10"));
    CHECK_FALSE(parse_duration("0.5ns"));
    CHECK(format_size(64ull << 20) == "64MiB");
    CHECK(format_size(4097) == "4097B");
    CHECK(format_duration(250'000'000) == "250ms");
}
