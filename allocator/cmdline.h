// SPDX-License-Identifier: GPL-2.0-only
// The kernel command line, as far as it shapes memory: the kernel's tokenizer (next_arg),
// memparse(), kstrtobool(), and the parameters pagesim models (movablecore=, kernelcore=,
// mem=, cma=, page_alloc.shuffle=, transparent_hugepage=, numa=, movable_node,
// sysctl.vm.*) plus pagesim's own `pagesim.*` options. Machine-independent: the rules that
// need memblock (DMB checks) run in compute_layout().
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pagesim {

/// Models memparse() (lib/cmdline.c): simple_strtoull(base 0: "0x" hex, leading "0"
/// octal, else decimal) then an optional K/M/G/T/P/E suffix (either case, binary).
/// `*end` is set to the index of the first character not consumed. Overflow wraps like
/// the kernel's unsigned long long arithmetic.
std::uint64_t memparse(std::string_view s, std::size_t* end = nullptr);

/// Models simple_strtoull(s, &end, 0).
std::uint64_t simple_strtoull(std::string_view s, std::size_t* end = nullptr);

/// parameq(): a parameter name with every '-' turned into '_'.
std::string normalize_param_name(std::string_view name);

/// Models kstrtobool(): y/Y/1/t/T true, n/N/0/f/F false, on/off; nullopt otherwise.
std::optional<bool> kstrtobool(std::string_view s);

/// One word of the command line after the kernel's next_arg(): quotes removed.
struct CmdParam {
    std::string name;                 ///< as written (dashes kept)
    std::optional<std::string> value; ///< nullopt when there was no '='
    std::string token;                ///< the word as written, for messages
};

/// A malformed `pagesim.` option (pagesim's own syntax is never silently ignored).
class CmdlineError : public std::runtime_error {
public:
    CmdlineError(const std::string& token, const std::string& why);
    const std::string& token() const { return token_; }

private:
    std::string token_;
};

/// pagesim.hotplug=size@base:online_movable|online_kernel (pagesim-only): memory added
/// after boot (like Berger's experiment, dmb.md §2.4) and onlined into a zone.
struct HotplugSpec {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    bool movable = true; ///< online_movable; false = online_kernel (default kernel zone)
    std::string text;
};

/// pagesim.rmem=name:size@base:reusable|no-map (pagesim-only): a device-tree
/// reserved-memory node added to the machine's for this layout, so that a command line can
/// compare a `reusable` shared-dma-pool (a CMA area) or a `no-map` carve-out per controller
/// with DMBs (S14). Reserved after the early parameters, like arm64's DT reservations.
struct RmemSpec {
    std::string name;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    bool reusable = true; ///< false: no-map
    std::string text;
};

/// A kernelcore=/movablecore= piece as cmdline_parse_core() reads it.
struct CoreValue {
    enum class Kind { Size, Percent, Block, Malformed };
    Kind kind = Kind::Malformed;
    std::uint64_t bytes = 0;   ///< Size, Block: memparse value
    std::uint64_t base = 0;    ///< Block: the @base address
    std::uint64_t percent = 0; ///< Percent
    std::string text;          ///< the piece as written
};

/// Models cmdline_parse_core() for one piece: a trailing '%' makes a percentage (the kernel
/// does not look further); else memparse. `allow_base`: DMB syntax `size@base` (patched
/// movablecore); `reject_trailing`: the DMB series returns -EINVAL for anything else after
/// the number, plain 6.1 ignores it (so 6.1 reads "256M@0x70000000" as 256M).
CoreValue parse_core_value(std::string_view piece, bool allow_base, bool reject_trailing);

struct CmdLine {
    std::string text;
    std::vector<CmdParam> params; ///< every word, in order

    /// Raw values of each kernelcore= / movablecore= occurrence, in order (the kernel
    /// calls the early_param handler once per occurrence). nullopt: no '=' (malformed).
    std::vector<std::optional<std::string>> kernelcore;
    std::vector<std::optional<std::string>> movablecore;
    /// mem= values as written, in order (x86: cap address; arm64: amount; arm: size[@start]).
    std::vector<std::string> mem;
    /// cma=size[@base[-limit]], last occurrence (early_cma overwrites).
    std::optional<std::string> cma;
    std::optional<std::string> shuffle;              ///< page_alloc.shuffle= value
    std::optional<std::string> transparent_hugepage; ///< transparent_hugepage= value
    std::vector<std::string> numa;                   ///< numa= values ("off", "fake=4")
    bool movable_node = false;
    /// sysctl.vm.NAME=value, in order (NAME with '.' kept as the kernel reads it).
    std::vector<std::pair<std::string, std::string>> sysctl_vm;

    // pagesim-only options (documented in workloads/README.md, prefix "pagesim.").
    std::optional<std::string> dmb_rule; ///< pagesim.dmb=off|v2|v3
    std::vector<HotplugSpec> hotplug;    ///< pagesim.hotplug=...
    bool sticky_movable = false;         ///< pagesim.sticky_movable=1 or a range list
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sticky_ranges; ///< (base, size)
    bool fake_numa_per_controller = false; ///< pagesim.fake_numa=controllers
    std::vector<RmemSpec> rmem;            ///< pagesim.rmem=...

    /// Parameters that are not modelled or unknown (the kernel passes unknown ones to
    /// init): one message each, reported as layout warnings.
    std::vector<std::string> warnings;
};

/// Splits and classifies `text` like the kernel (parse_args/next_arg, parameq's '-'=='_').
/// Throws CmdlineError only for malformed `pagesim.` options.
CmdLine parse_cmdline(std::string_view text);

} // namespace pagesim
