// SPDX-License-Identifier: GPL-2.0-only
// The early_param handlers that shape memory, run in command-line order like
// parse_early_param(): movablecore= (with the DMB series' size@base lists), kernelcore=,
// mem=, cma=, numa=, movable_node.
#include "allocator/boot_state.h"

#include "allocator/memblock.h"

#include <cstdio>
#include <string_view>

namespace pagesim {
namespace {

std::string mib(std::uint64_t bytes) {
    char buf[48];
    if (bytes % (1ull << 20) == 0)
        std::snprintf(buf, sizeof buf, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
    else
        std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
    return buf;
}

// Models parse_option_str(p, "mirror"): a comma-separated list containing "mirror".
bool has_option(std::string_view list, std::string_view opt) {
    while (true) {
        const std::size_t k = list.find(',');
        if (list.substr(0, k) == opt) return true;
        if (k == std::string_view::npos) return false;
        list.remove_prefix(k + 1);
    }
}

void malformed(BootState& bs, const std::string& param) {
    bs.klog("Malformed early option '" + param + "'");
}

// Models dmb_reserve() after the parser's memblock checks: returns 0, -EINVAL or -ENOSPC.
int dmb_reserve(BootState& bs, std::uint64_t base, std::uint64_t size, std::string& why) {
    if (!size) {
        why = "size is 0";
        return -22;
    }
    const std::uint64_t align = bs.m.kconfig.pageblock_bytes();
    if ((base | size) % align) {
        why = "base and size must be aligned to pageblock_order (" + mib(align) + ")";
        return -22;
    }
    if (bs.dmb_bytes.size() >= bs.m.kconfig.dmb_count) {
        bs.klog("dmb: Not enough slots for DMB reserved regions!");
        why = "more than CONFIG_DMB_COUNT (" + std::to_string(bs.m.kconfig.dmb_count) +
              ") blocks (-ENOSPC)";
        return -28;
    }
    bs.dmb_bytes.push_back({base, size});
    bs.mb.set_flag(base, size, MEMBLOCK_MOVABLE);
    return 0;
}

// Models cmdline_parse_movablecore() with "mm/page_alloc: allow base for movablecore":
// split on commas, stop at the first piece that fails; earlier pieces stay applied.
void parse_movablecore(BootState& bs, const CmdParam& p) {
    if (!p.value) return malformed(bs, p.name);
    const bool dmb = bs.L.dmb_rule != DmbRule::Off;
    std::vector<std::string_view> pieces;
    std::string_view v = *p.value;
    if (!dmb) {
        pieces.push_back(v);
    } else {
        while (true) {
            const std::size_t k = v.find(',');
            pieces.push_back(v.substr(0, k));
            if (k == std::string_view::npos) break;
            v.remove_prefix(k + 1);
        }
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const CoreValue cv = parse_core_value(pieces[i], dmb, dmb);
        std::string why;
        int ret = 0;
        switch (cv.kind) {
        case CoreValue::Kind::Percent:
            if (cv.percent > 100)
                bs.warn("'" + p.token + "': " + std::to_string(cv.percent) +
                        "% > 100 (the kernel WARNs in cmdline_parse_core and uses it)");
            bs.required_movablecore_percent = cv.percent;
            break;
        case CoreValue::Kind::Size:
            bs.required_movablecore = cv.bytes >> bs.m.kconfig.page_shift;
            bs.required_movablecore_percent = 0;
            break;
        case CoreValue::Kind::Malformed:
            ret = -22;
            why = "not a size, a percentage or size@base";
            break;
        case CoreValue::Kind::Block: {
            if (bs.m.arch == Arch::X86_64 && !bs.x86_dmb_warned) {
                bs.x86_dmb_warned = true;
                bs.warn("'" + p.token +
                        "': the posted DMB series rejects every size@base "
                        "piece on x86_64 (parse_early_param() runs before "
                        "e820__memblock_setup(), memblock has no memory yet) and so also "
                        "loses the pieces after it; pagesim applies them as on arm64, where "
                        "memory is known from the device tree when early parameters run");
            }
            if (!bs.mb.is_region_memory(cv.base, cv.bytes)) {
                ret = -22;
                why = "[" + hex(cv.base) + ", " + hex(cv.base + cv.bytes) +
                      ") is not entirely in one memblock memory region (not RAM)";
            } else if (bs.mb.is_region_reserved(cv.base, cv.bytes)) {
                ret = -22;
                why = "[" + hex(cv.base) + ", " + hex(cv.base + cv.bytes) +
                      ") overlaps a memblock reservation made before parse_early_param()";
            } else {
                bs.mb.reserve(cv.base, cv.bytes);
                ret = dmb_reserve(bs, cv.base, cv.bytes, why);
                if (ret) {
                    bs.leaked.push_back({cv.base, cv.bytes});
                    why += "; the series has already memblock_reserve()d the range, so " +
                           mib(cv.bytes) + " stay reserved for good";
                }
            }
            break;
        }
        }
        if (ret) {
            malformed(bs, p.name);
            std::string msg =
                "'" + p.token + "': piece '" + std::string(pieces[i]) + "' rejected: " + why;
            if (i + 1 < pieces.size()) {
                msg += "; the parser stops here, ignoring";
                for (std::size_t j = i + 1; j < pieces.size(); ++j)
                    msg += " '" + std::string(pieces[j]) + "'";
            }
            bs.warn(msg);
            return;
        }
    }
}

// Models cmdline_parse_kernelcore().
void parse_kernelcore(BootState& bs, const CmdParam& p) {
    if (p.value && has_option(*p.value, "mirror")) {
        bs.L.mirrored_kernelcore = true;
        return;
    }
    if (!p.value) return malformed(bs, p.name);
    const bool dmb = bs.L.dmb_rule != DmbRule::Off;
    const CoreValue cv = parse_core_value(*p.value, false, dmb);
    if (cv.kind == CoreValue::Kind::Percent) {
        if (cv.percent > 100)
            bs.warn("'" + p.token + "': percentage > 100 (the kernel WARNs and uses it)");
        bs.required_kernelcore_percent = cv.percent;
    } else if (cv.kind == CoreValue::Kind::Size) {
        bs.required_kernelcore = cv.bytes >> bs.m.kconfig.page_shift;
        bs.required_kernelcore_percent = 0;
    } else {
        malformed(bs, p.name);
        bs.warn("'" + p.token + "': not a size, a percentage or 'mirror'; ignored");
    }
}

// Models the arch mem= handlers: x86 parse_memopt() (a cap address, applied to e820 at
// once), arm64 early_mem() (an amount, applied in arm64_memblock_init()) and arm
// early_mem() (the first mem= replaces the memory map; each adds size[@start]).
void parse_mem(BootState& bs, const CmdParam& p, bool& arm_usermem) {
    const std::string v = p.value.value_or("");
    std::size_t end = 0;
    const std::uint64_t size = memparse(v, &end);
    switch (bs.m.arch) {
    case Arch::X86_64:
        if (v == "nopentium") return;
        if (size == 0) return malformed(bs, p.name);
        bs.mb.remove(size, ~std::uint64_t{0} - size);
        break;
    case Arch::Arm64:
        bs.memory_limit = size & ~(bs.m.kconfig.page_size() - 1);
        break;
    case Arch::Arm: {
        if (!arm_usermem) {
            arm_usermem = true;
            const std::uint64_t s = bs.mb.start_of_dram();
            bs.mb.remove(s, bs.mb.end_of_dram() - s);
        }
        std::uint64_t start = bs.m.memory.empty() ? 0 : bs.m.memory.front().range.base;
        if (end < v.size() && v[end] == '@') start = memparse(std::string_view(v).substr(end + 1));
        const std::uint64_t page = bs.m.kconfig.page_size();
        std::uint64_t sz = size - (start % page);
        const std::uint64_t aligned = (start + page - 1) / page * page;
        bs.mb.add(aligned, sz & ~(page - 1), 0, MEMBLOCK_NONE);
        break;
    }
    }
}

// Models early_cma(): cma=size[@base[-limit]].
void parse_cma(BootState& bs, const CmdParam& p) {
    if (!bs.m.kconfig.cma) {
        bs.warn("'" + p.token + "': the kernel has no CONFIG_CMA; passed to init and ignored");
        return;
    }
    if (!p.value) {
        bs.klog("Config string not provided");
        return malformed(bs, p.name);
    }
    const std::string& v = *p.value;
    std::size_t i = 0;
    bs.cma_cmdline = true;
    bs.cma_size = memparse(v, &i);
    bs.cma_base = 0;
    bs.cma_limit = 0;
    if (i >= v.size() || v[i] != '@') return;
    std::size_t j = 0;
    std::string_view rest = std::string_view(v).substr(i + 1);
    bs.cma_base = memparse(rest, &j);
    if (j >= rest.size() || rest[j] != '-') {
        bs.cma_limit = bs.cma_base + bs.cma_size;
        return;
    }
    bs.cma_limit = memparse(rest.substr(j + 1));
}

void parse_numa(BootState& bs, const CmdParam& p) {
    const std::string v = p.value.value_or("");
    if (v.rfind("off", 0) == 0) {
        bs.numa_off = true;
        return;
    }
    if (v.rfind("fake=", 0) == 0) {
        if (bs.m.arch != Arch::X86_64 || !bs.m.kconfig.numa_emu) {
            bs.warn("'" + p.token +
                    "': this kernel has no NUMA emulation (6.1 has it on "
                    "x86_64 only, CONFIG_NUMA_EMU); ignored. pagesim.fake_numa=controllers "
                    "models one node per memory controller");
            return;
        }
        bs.numa_fake = v.substr(5);
        return;
    }
    if (v == "noacpi" || v == "nohmat") return;
    bs.warn("'" + p.token + "': numa= option not modelled; ignored");
}

} // namespace

// Models parse_early_param() -> do_early_param() for the memory parameters.
void apply_early_params(BootState& bs) {
    bool arm_usermem = false;
    for (const CmdParam& p : bs.cl.params) {
        const std::string name = normalize_param_name(p.name);
        if (name == "movablecore")
            parse_movablecore(bs, p);
        else if (name == "kernelcore")
            parse_kernelcore(bs, p);
        else if (name == "mem" && p.value)
            parse_mem(bs, p, arm_usermem);
        else if (name == "cma")
            parse_cma(bs, p);
        else if (name == "numa")
            parse_numa(bs, p);
        else if (name == "movable_node") {
            if (bs.m.kconfig.memory_hotplug)
                bs.movable_node = true;
            else
                bs.warn("'movable_node': the kernel has no CONFIG_MEMORY_HOTPLUG; ignored");
        }
    }
    if (bs.m.arch == Arch::Arm64 && bs.memory_limit != ~std::uint64_t{0}) {
        // Models memblock_mem_limit_remove_map() -> __find_max_addr().
        std::uint64_t left = bs.memory_limit, max_addr = ~std::uint64_t{0};
        for (const MbRegion& r : bs.mb.memory()) {
            if (left <= r.size) {
                max_addr = r.base + left;
                break;
            }
            left -= r.size;
        }
        if (max_addr != ~std::uint64_t{0}) {
            for (const AddrRange& d : bs.dmb_bytes)
                if (d.end() > max_addr)
                    bs.warn("DMB [" + hex(d.base) + ", " + hex(d.end()) +
                            ") lies above the mem= limit " + hex(max_addr) +
                            ": arm64_memblock_init() drops that memory after the block was "
                            "accepted");
            bs.mb.cap(max_addr);
            std::vector<AddrRange> kept;
            for (AddrRange d : bs.dmb_bytes) {
                if (d.base >= max_addr) continue;
                d.size = std::min(d.end(), max_addr) - d.base;
                kept.push_back(d);
            }
            bs.dmb_bytes = kept;
        }
    }
}

} // namespace pagesim
