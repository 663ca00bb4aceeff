// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target for the ftrace reader (build with the `fuzz` preset):
//   cmake --preset fuzz && cmake --build --preset fuzz
//   ctest --test-dir build/fuzz -L fuzz   # bounded run (PAGESIM_FUZZ_SECONDS, default 30)
//   build/fuzz/tests/fuzz/fuzz_ftrace CORPUS tests/fuzz/seeds   # open-ended
// Any property violation (tests/fuzz/ftrace_properties.h) aborts with its reason.
#include "fuzz/ftrace_properties.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string why = pagesim::fuzz::check_ftrace_properties(input);
    if (!why.empty()) {
        std::fprintf(stderr, "ftrace property violated: %s\n", why.c_str());
        std::abort();
    }
    return 0;
}
