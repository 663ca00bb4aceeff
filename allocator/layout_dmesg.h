// SPDX-License-Identifier: GPL-2.0-only
// The kernel's boot-log lines about the memory layout, rebuilt from a Layout: early
// parameter complaints, "Zone ranges:", "Movable zone start for each node", "Early memory
// node ranges", "Initmem setup node", "On node N, zone Z: ... unavailable ranges" and the
// CMA reservation line. Pure string building, no timestamps, no I/O.
#pragma once

#include "allocator/layout.h"

#include <string>
#include <vector>

namespace pagesim {

/// The lines, in the order the kernel prints them on the layout's architecture (x86 prints
/// the CMA line before "Zone ranges:", arm and arm64 after memmap_init()).
std::vector<std::string> layout_dmesg_lines(const Layout& layout);

/// The lines joined with '\n' (and a final newline).
std::string layout_dmesg(const Layout& layout);

/// The kernel's "%#018Lx": "0x" and 16 zero-padded hex digits (zero too).
std::string kernel_hex18(std::uint64_t v);

} // namespace pagesim
