// SPDX-License-Identifier: GPL-2.0-only
// Anchors the precompiled Catch2 header that every test executable reuses (main() comes
// from Catch2::Catch2WithMain).
#include <catch2/catch.hpp>
