// SPDX-License-Identifier: GPL-2.0-only
// Kernel command-line tokenizing and the memory parameters' syntax (see cmdline.h).
#include "allocator/cmdline.h"

#include <array>
#include <cctype>

namespace pagesim {
namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return 99;
}

// Parameters pagesim knows but does not model. The memory-shaping ones earn a warning;
// the rest (console, logging, boot flow) are silent.
constexpr std::array<std::string_view, 26> kSilent{
    "console", "earlycon",        "earlyprintk", "loglevel", "quiet",
    "debug",   "ignore_loglevel", "panic",       "nokaslr",  "kaslr",
    "root",    "rootwait",        "rootfstype",  "rw",       "ro",
    "init",    "rdinit",          "initrd",      "nosmp",    "maxcpus",
    "nr_cpus", "printk.time",     "splash",      "noapic",   "acpi",
    "apparmor"};
constexpr std::array<std::string_view, 12> kNotModelled{"crashkernel",
                                                        "hugepages",
                                                        "hugepagesz",
                                                        "default_hugepagesz",
                                                        "hugetlb_cma",
                                                        "swiotlb",
                                                        "memmap",
                                                        "vmalloc",
                                                        "highmem",
                                                        "cma_pernuma",
                                                        "memhp_default_state",
                                                        "memory_hotplug.online_policy"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view s) {
    for (std::string_view x : list)
        if (x == s) return true;
    return false;
}

std::pair<std::uint64_t, std::uint64_t> parse_size_at_base(const std::string& token,
                                                           std::string_view piece) {
    std::size_t end = 0;
    const std::uint64_t size = memparse(piece, &end);
    if (end == 0 || end >= piece.size() || piece[end] != '@')
        throw CmdlineError(token, "expected size@base, got '" + std::string(piece) + "'");
    std::string_view rest = piece.substr(end + 1);
    std::size_t bend = 0;
    const std::uint64_t base = memparse(rest, &bend);
    if (bend == 0 || bend != rest.size())
        throw CmdlineError(token, "bad base address in '" + std::string(piece) + "'");
    if (size == 0) throw CmdlineError(token, "zero size in '" + std::string(piece) + "'");
    return {size, base};
}

std::vector<std::string_view> split_commas(std::string_view v) {
    std::vector<std::string_view> out;
    while (true) {
        const std::size_t k = v.find(',');
        out.push_back(v.substr(0, k));
        if (k == std::string_view::npos) break;
        v.remove_prefix(k + 1);
    }
    return out;
}

void parse_pagesim_option(CmdLine& cl, const CmdParam& p, const std::string& name) {
    const std::string value = p.value.value_or("");
    if (name == "pagesim.dmb") {
        if (value != "off" && value != "v2" && value != "v3")
            throw CmdlineError(p.token, "expected off, v2 or v3");
        cl.dmb_rule = value;
    } else if (name == "pagesim.hotplug") {
        for (std::string_view piece : split_commas(value)) {
            const std::size_t colon = piece.find(':');
            HotplugSpec h;
            h.text = std::string(piece);
            std::string_view how = colon == std::string_view::npos ? "" : piece.substr(colon + 1);
            if (how == "movable" || how == "online_movable")
                h.movable = true;
            else if (how == "kernel" || how == "online_kernel")
                h.movable = false;
            else
                throw CmdlineError(p.token, "expected size@base:online_movable or "
                                            "size@base:online_kernel, got '" +
                                                std::string(piece) + "'");
            auto [size, base] = parse_size_at_base(p.token, piece.substr(0, colon));
            h.size = size;
            h.base = base;
            cl.hotplug.push_back(h);
        }
    } else if (name == "pagesim.sticky_movable") {
        if (auto b = kstrtobool(value); b && value.find('@') == std::string::npos) {
            cl.sticky_movable = *b;
            cl.sticky_ranges.clear();
            return;
        }
        cl.sticky_movable = true;
        cl.sticky_ranges.clear();
        for (std::string_view piece : split_commas(value)) {
            auto [size, base] = parse_size_at_base(p.token, piece);
            cl.sticky_ranges.emplace_back(base, size);
        }
    } else if (name == "pagesim.rmem") {
        for (std::string_view piece : split_commas(value)) {
            const std::size_t c1 = piece.find(':');
            const std::size_t c2 = piece.rfind(':');
            const std::string_view how = c2 == std::string_view::npos ? "" : piece.substr(c2 + 1);
            if (c1 == 0 || c1 == std::string_view::npos || c1 == c2 ||
                (how != "reusable" && how != "no-map"))
                throw CmdlineError(p.token, "expected name:size@base:reusable or "
                                            "name:size@base:no-map, got '" +
                                                std::string(piece) + "'");
            RmemSpec r;
            r.text = std::string(piece);
            r.name = std::string(piece.substr(0, c1));
            r.reusable = how == "reusable";
            auto [size, base] = parse_size_at_base(p.token, piece.substr(c1 + 1, c2 - c1 - 1));
            r.size = size;
            r.base = base;
            for (const RmemSpec& o : cl.rmem)
                if (o.name == r.name)
                    throw CmdlineError(p.token, "reserved-memory name '" + r.name + "' twice");
            cl.rmem.push_back(r);
        }
    } else if (name == "pagesim.fake_numa") {
        if (value != "controllers") throw CmdlineError(p.token, "expected 'controllers'");
        cl.fake_numa_per_controller = true;
    } else {
        throw CmdlineError(p.token, "unknown pagesim option (known: pagesim.dmb, "
                                    "pagesim.hotplug, pagesim.sticky_movable, "
                                    "pagesim.fake_numa, pagesim.rmem)");
    }
}

} // namespace

std::string normalize_param_name(std::string_view name) {
    std::string out(name);
    for (char& c : out)
        if (c == '-') c = '_';
    return out;
}

CmdlineError::CmdlineError(const std::string& token, const std::string& why)
    : std::runtime_error("kernel command line: '" + token + "': " + why), token_(token) {}

std::uint64_t simple_strtoull(std::string_view s, std::size_t* end) {
    std::size_t i = 0;
    unsigned base = 10;
    // Models _parse_integer_fixup_radix(): "0x" + hex digit -> 16, leading "0" -> 8.
    if (!s.empty() && s[0] == '0') {
        if (s.size() > 2 && (s[1] == 'x' || s[1] == 'X') &&
            std::isxdigit(static_cast<unsigned char>(s[2]))) {
            base = 16;
            i = 2;
        } else {
            base = 8;
        }
    }
    std::uint64_t v = 0;
    for (; i < s.size(); ++i) {
        const int d = digit_value(s[i]);
        if (d >= static_cast<int>(base)) break;
        v = v * base + static_cast<std::uint64_t>(d); // wraps like the kernel's u64
    }
    if (end) *end = i;
    return v;
}

// Models memparse(): the suffix letters fall through, each shifting by 10.
std::uint64_t memparse(std::string_view s, std::size_t* end) {
    std::size_t i = 0;
    std::uint64_t v = simple_strtoull(s, &i);
    if (i < s.size()) {
        static constexpr std::string_view kSuffixes = "kmgtpe";
        const std::size_t shift =
            kSuffixes.find(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
        if (shift != std::string_view::npos) {
            v <<= 10 * (shift + 1);
            ++i;
        }
    }
    if (end) *end = i;
    return v;
}

std::optional<bool> kstrtobool(std::string_view s) {
    if (s.empty()) return std::nullopt;
    switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
        return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
        return false;
    case 'o':
    case 'O':
        if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N')) return true;
        if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F')) return false;
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

// Models cmdline_parse_core() of 6.1 and of the DMB series ("allow base for movablecore").
CoreValue parse_core_value(std::string_view piece, bool allow_base, bool reject_trailing) {
    CoreValue cv;
    cv.text = std::string(piece);
    std::size_t end = 0;
    const std::uint64_t n = simple_strtoull(piece, &end);
    if (end < piece.size() && piece[end] == '%') {
        cv.kind = CoreValue::Kind::Percent;
        cv.percent = n;
        return cv;
    }
    cv.bytes = memparse(piece, &end);
    if (allow_base && end < piece.size() && piece[end] == '@') {
        std::string_view rest = piece.substr(end + 1);
        std::size_t bend = 0;
        cv.base = memparse(rest, &bend);
        cv.kind = bend == rest.size() ? CoreValue::Kind::Block : CoreValue::Kind::Malformed;
        return cv;
    }
    cv.kind = (reject_trailing && end != piece.size()) ? CoreValue::Kind::Malformed
                                                       : CoreValue::Kind::Size;
    return cv;
}

// Models parse_args()/next_arg() (kernel/params.c, lib/cmdline.c) followed by the early
// and __setup handlers of the parameters that shape memory.
CmdLine parse_cmdline(std::string_view text) {
    CmdLine cl;
    cl.text = std::string(text);
    std::size_t pos = 0;
    while (true) {
        while (pos < text.size() && is_space(text[pos])) ++pos;
        if (pos >= text.size()) break;
        std::size_t i = pos;
        bool in_quote = false;
        const bool quoted = text[i] == '"';
        if (quoted) {
            ++i;
            in_quote = true;
        }
        const std::size_t start = i;
        std::size_t equals = std::string_view::npos;
        for (; i < text.size(); ++i) {
            if (is_space(text[i]) && !in_quote) break;
            if (equals == std::string_view::npos && text[i] == '=') equals = i;
            if (text[i] == '"') in_quote = !in_quote;
        }
        CmdParam p;
        p.token = std::string(text.substr(pos, i - pos));
        std::size_t stop = i;
        if (quoted && stop > start && text[stop - 1] == '"') --stop;
        if (equals == std::string_view::npos) {
            p.name = std::string(text.substr(start, stop - start));
        } else {
            p.name = std::string(text.substr(start, equals - start));
            std::string_view v = text.substr(equals + 1, i - equals - 1);
            if (!v.empty() && v.front() == '"') {
                v.remove_prefix(1);
                if (!v.empty() && v.back() == '"') v.remove_suffix(1);
            } else if (quoted && !v.empty() && v.back() == '"') {
                v.remove_suffix(1);
            }
            p.value = std::string(v);
        }
        pos = i;
        cl.params.push_back(p);

        const std::string name = normalize_param_name(p.name);
        if (name == "movablecore") {
            cl.movablecore.push_back(p.value);
        } else if (name == "kernelcore") {
            cl.kernelcore.push_back(p.value);
        } else if (name == "mem") {
            if (p.value)
                cl.mem.push_back(*p.value);
            else
                cl.warnings.push_back("'mem' without a value is ignored by the kernel");
        } else if (name == "cma") {
            cl.cma = p.value.value_or("");
        } else if (name == "page_alloc.shuffle") {
            cl.shuffle = p.value.value_or("");
        } else if (name == "transparent_hugepage") {
            cl.transparent_hugepage = p.value.value_or("");
        } else if (name == "numa") {
            cl.numa.push_back(p.value.value_or(""));
        } else if (name == "movable_node") {
            cl.movable_node = true;
        } else if (name.rfind("sysctl.vm.", 0) == 0 || name.rfind("sysctl/vm/", 0) == 0) {
            std::string key = name.substr(10);
            cl.sysctl_vm.emplace_back(key, p.value.value_or(""));
        } else if (name.rfind("pagesim.", 0) == 0) {
            parse_pagesim_option(cl, p, name);
        } else if (in(kNotModelled, name)) {
            cl.warnings.push_back("'" + p.token + "' shapes memory but is not modelled by " +
                                  "pagesim: ignored");
        } else if (!in(kSilent, name)) {
            cl.warnings.push_back("unknown kernel parameter '" + p.token +
                                  "': the kernel passes it to init; ignored");
        }
    }
    return cl;
}

} // namespace pagesim
