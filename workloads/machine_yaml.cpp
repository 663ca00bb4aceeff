// SPDX-License-Identifier: GPL-2.0-only
// Machine files: strict reading (every key known, every value checked) and echo.
#include "workloads/machine_yaml.h"

#include "workloads/units.h"
#include "workloads/yaml_loader.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace pagesim {
namespace {

AddrRange read_range(MapReader& r, const ConfigNode& where) {
    AddrRange a;
    a.base = r.required("base").as_size();
    const ConfigNode* size = r.optional("size");
    const ConfigNode* end = r.optional("end");
    if (size && end) end->fail("give either 'size' or 'end', not both");
    if (size) {
        a.size = size->as_size();
    } else if (end) {
        const std::uint64_t e = end->as_size();
        if (e <= a.base) end->fail("'end' must be above 'base'");
        a.size = e - a.base;
    } else {
        where.fail("missing required key 'size' (or 'end')");
    }
    if (a.size == 0) where.fail("the range is empty");
    return a;
}

void read_kernel(const ConfigNode& n, KernelConfig& k) {
    MapReader r(n, "kernel",
                {"max_order", "pageblock_order", "section_size_bits", "sparsemem", "zone_dma",
                 "zone_dma32", "zone_device", "highmem", "zone_dma_bits", "lowmem_limit", "cma",
                 "cma_size", "numa", "numa_emu", "transparent_hugepage",
                 "deferred_struct_page_init", "shuffle_page_allocator", "memory_hotplug",
                 "dmb_count"});
    auto u = [&](const char* key, unsigned& out) {
        if (const ConfigNode* v = r.optional(key)) out = static_cast<unsigned>(v->as_uint());
    };
    auto b = [&](const char* key, bool& out) {
        if (const ConfigNode* v = r.optional(key)) out = v->as_bool();
    };
    u("max_order", k.max_order);
    u("pageblock_order", k.pageblock_order);
    u("section_size_bits", k.section_size_bits);
    b("sparsemem", k.sparsemem);
    b("zone_dma", k.zone_dma);
    b("zone_dma32", k.zone_dma32);
    b("zone_device", k.zone_device);
    b("highmem", k.highmem);
    u("zone_dma_bits", k.zone_dma_bits);
    if (const ConfigNode* v = r.optional("lowmem_limit")) k.lowmem_limit = v->as_size();
    b("cma", k.cma);
    if (const ConfigNode* v = r.optional("cma_size")) k.cma_default_bytes = v->as_size();
    b("numa", k.numa);
    b("numa_emu", k.numa_emu);
    if (const ConfigNode* v = r.optional("transparent_hugepage")) {
        const std::size_t i = v->as_choice({"always", "madvise", "never"});
        k.thp = i != 2;
        if (k.thp) k.thp_default = i == 0 ? ThpMode::Always : ThpMode::Madvise;
    }
    b("deferred_struct_page_init", k.deferred_struct_page_init);
    b("shuffle_page_allocator", k.shuffle_page_allocator);
    b("memory_hotplug", k.memory_hotplug);
    u("dmb_count", k.dmb_count);
    r.finish();
    if (k.max_order < 2 || k.max_order > 20)
        if (const ConfigNode* v = n.find("max_order")) v->fail("max_order must be 2..20");
    if (k.pageblock_order >= k.max_order) {
        const ConfigNode* v = n.find("pageblock_order");
        (v ? *v : n)
            .fail("pageblock_order must be below max_order (" + std::to_string(k.max_order) + ")");
    }
    if (k.section_size_bits < k.page_shift + k.max_order - 1 || k.section_size_bits > 40) {
        const ConfigNode* v = n.find("section_size_bits");
        (v ? *v : n).fail("section_size_bits must cover a MAX_ORDER block and be at most 40");
    }
}

ReservationKind kind_of(const ConfigNode& n) {
    switch (n.as_choice({"kernel", "initrd", "firmware", "no-map", "reusable", "memblock"})) {
    case 0:
        return ReservationKind::KernelImage;
    case 1:
        return ReservationKind::Initrd;
    case 2:
        return ReservationKind::Firmware;
    case 3:
        return ReservationKind::NoMap;
    case 4:
        return ReservationKind::Reusable;
    default:
        return ReservationKind::Memblock;
    }
}

Reservation read_reservation(const ConfigNode& n, Arch arch, const KernelConfig& k) {
    MapReader r(n, "reservation",
                {"name", "kind", "base", "size", "end", "before_early_params", "freed_late", "node",
                 "limit", "align", "after_cma"});
    Reservation res;
    res.name = r.required("name").as_string();
    res.kind = kind_of(r.required("kind"));
    if (r.optional("base")) {
        res.range = read_range(r, n);
    } else {
        res.top_down = true;
        const ConfigNode& size = r.required("size");
        res.range.size = size.as_size();
        if (res.range.size == 0) size.fail("the size must not be 0");
        if (res.kind != ReservationKind::Memblock)
            n.fail("only kind 'memblock' may omit 'base' (a top-down allocation)");
    }
    res.before_early_params = arch == Arch::X86_64 && (res.kind == ReservationKind::KernelImage ||
                                                       res.kind == ReservationKind::Initrd ||
                                                       res.kind == ReservationKind::Firmware);
    if (const ConfigNode* v = r.optional("before_early_params")) {
        if (res.top_down) v->fail("a top-down allocation is made after the early parameters");
        res.before_early_params = v->as_bool();
    }
    if (const ConfigNode* v = r.optional("freed_late")) res.freed_late = v->as_bool();
    res.align = k.page_size();
    if (const ConfigNode* v = r.optional("node")) res.nid = static_cast<int>(v->as_uint());
    if (const ConfigNode* v = r.optional("limit")) res.limit = v->as_size();
    if (const ConfigNode* v = r.optional("align")) {
        res.align = v->as_size();
        if (res.align == 0 || (res.align & (res.align - 1))) v->fail("align must be a power of 2");
    }
    if (const ConfigNode* v = r.optional("after_cma")) res.after_cma = v->as_bool();
    if (!res.top_down)
        for (const char* key : {"node", "limit", "align", "after_cma"})
            if (const ConfigNode* v = n.find(key))
                v->fail(std::string("'") + key + "' only applies to top-down allocations " +
                        "(entries without 'base')");
    r.finish();
    if (res.range.size % k.page_size() && res.kind == ReservationKind::NoMap)
        n.fail("a no-map region must be a whole number of pages");
    return res;
}

} // namespace

Machine machine_from_config(const ConfigNode& root) {
    Machine m;
    m.source = root.mark().file;
    MapReader top(root, "machine",
                  {"name", "description", "arch", "page_size", "kernel", "cpus", "cpu_nodes",
                   "memory", "distance", "controllers", "cpu_copy_bandwidth", "reserved",
                   "cmdline"});
    m.name = top.required("name").as_string();
    top.allow("description");
    const ConfigNode& arch = top.required("arch");
    m.arch = static_cast<Arch>(arch.as_choice({"x86_64", "arm64", "arm"}));
    unsigned page_shift = 12;
    if (const ConfigNode* ps = top.optional("page_size")) {
        const std::uint64_t bytes = ps->as_size();
        if (bytes == 16384 && m.arch == Arch::Arm64)
            page_shift = 14;
        else if (bytes == 65536 && m.arch == Arch::Arm64)
            page_shift = 16;
        else if (bytes != 4096)
            ps->fail(m.arch == Arch::Arm64 ? "arm64 page_size must be 4K, 16K or 64K"
                                           : "page_size must be 4K on this arch");
    }
    m.kconfig = default_kernel_config(m.arch, page_shift);
    if (const ConfigNode* k = top.optional("kernel")) read_kernel(*k, m.kconfig);

    const ConfigNode& cpus = top.required("cpus");
    m.ncpus = static_cast<unsigned>(cpus.as_uint());
    if (m.ncpus == 0 || m.ncpus > 4096) cpus.fail("cpus must be 1..4096");

    const ConfigNode& mem = top.required("memory");
    if (mem.items().empty()) mem.fail("at least one memory range is needed");
    int nodes = 0;
    for (const ConfigNode& item : mem.items()) {
        MapReader r(item, "memory range",
                    {"base", "size", "end", "node", "hotpluggable", "mirror"});
        MemoryRange mr;
        mr.range = read_range(r, item);
        if (const ConfigNode* v = r.optional("node")) mr.nid = static_cast<int>(v->as_uint());
        if (mr.nid > 63) item.fail("node ids must be below 64");
        if (const ConfigNode* v = r.optional("hotpluggable")) mr.hotpluggable = v->as_bool();
        if (const ConfigNode* v = r.optional("mirror")) mr.mirror = v->as_bool();
        r.finish();
        for (const MemoryRange& o : m.memory)
            if (o.range.overlaps(mr.range)) item.fail("overlaps another memory range");
        nodes = std::max(nodes, mr.nid + 1);
        m.memory.push_back(mr);
    }
    std::sort(m.memory.begin(), m.memory.end(), [](const MemoryRange& a, const MemoryRange& b) {
        return a.range.base < b.range.base;
    });

    if (const ConfigNode* cn = top.optional("cpu_nodes")) {
        for (const ConfigNode& c : cn->items()) {
            const auto nid = static_cast<int>(c.as_uint());
            if (nid >= 64) c.fail("node ids must be below 64");
            nodes = std::max(nodes, nid + 1);
            m.cpu_node.push_back(nid);
        }
        if (m.cpu_node.size() != m.ncpus)
            cn->fail("cpu_nodes has " + std::to_string(m.cpu_node.size()) + " entries for " +
                     std::to_string(m.ncpus) + " cpus");
    }
    if (const ConfigNode* d = top.optional("distance")) {
        for (const ConfigNode& row : d->items()) {
            std::vector<int> v;
            for (const ConfigNode& x : row.items()) v.push_back(static_cast<int>(x.as_uint()));
            if (v.size() != d->items().size()) row.fail("distance must be a square matrix");
            m.distance.push_back(v);
        }
        if (m.distance.size() != static_cast<std::size_t>(nodes))
            d->fail("distance must be " + std::to_string(nodes) + "x" + std::to_string(nodes) +
                    " (one row per node)");
        for (std::size_t i = 0; i < m.distance.size(); ++i)
            if (m.distance[i][i] != 10) d->items()[i].fail("a node's distance to itself is 10");
    }
    if (const ConfigNode* cs = top.optional("controllers")) {
        for (const ConfigNode& item : cs->items()) {
            MapReader r(item, "controller",
                        {"name", "ranges", "bandwidth", "interleave_granularity"});
            MemoryController c;
            c.name = r.required("name").as_string();
            for (const ConfigNode& rr : r.required("ranges").items()) {
                MapReader rm(rr, "controller range", {"base", "size", "end"});
                c.ranges.push_back(read_range(rm, rr));
                rm.finish();
            }
            const ConfigNode& bw = r.required("bandwidth");
            c.bandwidth = bw.as_bandwidth();
            if (c.bandwidth <= 0) bw.fail("bandwidth must be positive");
            if (const ConfigNode* g = r.optional("interleave_granularity"))
                c.interleave_granularity = g->as_size();
            r.finish();
            for (const MemoryController& o : m.controllers)
                for (const AddrRange& a : o.ranges)
                    for (const AddrRange& b : c.ranges)
                        if (a.overlaps(b)) item.fail("overlaps controller " + o.name);
            m.controllers.push_back(c);
        }
    }
    if (const ConfigNode* v = top.optional("cpu_copy_bandwidth"))
        m.cpu_copy_bandwidth = v->as_bandwidth();
    if (const ConfigNode* rs = top.optional("reserved"))
        for (const ConfigNode& item : rs->items())
            m.reservations.push_back(read_reservation(item, m.arch, m.kconfig));
    if (const ConfigNode* c = top.optional("cmdline")) m.default_cmdline = c->as_string();
    top.finish();
    return m;
}

Machine load_machine(const std::string& name_or_path) {
    namespace fs = std::filesystem;
    std::string path = name_or_path;
    if (!fs::exists(path) && name_or_path.find('/') == std::string::npos) {
        const fs::path bundled = fs::path(PAGESIM_MACHINES_DIR) / (name_or_path + ".yaml");
        if (fs::exists(bundled)) path = bundled.string();
    }
    return machine_from_config(load_yaml_file(path));
}

std::vector<std::string> bundled_machines() {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(PAGESIM_MACHINES_DIR, ec))
        if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

std::string hexs(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}
ConfigNode sc(const std::string& s) {
    return ConfigNode::scalar(s);
}
ConfigNode bl(bool b) {
    return ConfigNode::scalar(b ? "true" : "false");
}
ConfigNode num(std::uint64_t v) {
    return ConfigNode::scalar(std::to_string(v));
}
ConfigNode range_node(const AddrRange& a) {
    ConfigNode n = ConfigNode::map();
    n.set("base", sc(hexs(a.base)));
    n.set("size", sc(format_size(a.size)));
    return n;
}

} // namespace

ConfigNode machine_to_config(const Machine& m) {
    ConfigNode root = ConfigNode::map();
    root.set("name", sc(m.name));
    root.set("arch", sc(arch_name(m.arch)));
    root.set("page_size", sc(format_size(m.kconfig.page_size())));
    const KernelConfig& k = m.kconfig;
    ConfigNode kn = ConfigNode::map();
    kn.set("max_order", num(k.max_order));
    kn.set("pageblock_order", num(k.pageblock_order));
    kn.set("section_size_bits", num(k.section_size_bits));
    kn.set("sparsemem", bl(k.sparsemem));
    kn.set("zone_dma", bl(k.zone_dma));
    kn.set("zone_dma32", bl(k.zone_dma32));
    kn.set("zone_device", bl(k.zone_device));
    kn.set("highmem", bl(k.highmem));
    kn.set("zone_dma_bits", num(k.zone_dma_bits));
    kn.set("lowmem_limit", sc(hexs(k.lowmem_limit)));
    kn.set("cma", bl(k.cma));
    kn.set("cma_size", sc(format_size(k.cma_default_bytes)));
    kn.set("numa", bl(k.numa));
    kn.set("numa_emu", bl(k.numa_emu));
    kn.set("transparent_hugepage", sc(k.thp ? thp_mode_name(k.thp_default) : "never"));
    kn.set("deferred_struct_page_init", bl(k.deferred_struct_page_init));
    kn.set("shuffle_page_allocator", bl(k.shuffle_page_allocator));
    kn.set("memory_hotplug", bl(k.memory_hotplug));
    kn.set("dmb_count", num(k.dmb_count));
    root.set("kernel", kn);
    root.set("cpus", num(m.ncpus));
    if (!m.cpu_node.empty()) {
        ConfigNode cn = ConfigNode::sequence();
        for (int n : m.cpu_node) cn.push_back(num(static_cast<std::uint64_t>(n)));
        root.set("cpu_nodes", cn);
    }
    ConfigNode mem = ConfigNode::sequence();
    for (const MemoryRange& r : m.memory) {
        ConfigNode n = range_node(r.range);
        n.set("node", num(static_cast<std::uint64_t>(r.nid)));
        if (r.hotpluggable) n.set("hotpluggable", bl(true));
        if (r.mirror) n.set("mirror", bl(true));
        mem.push_back(n);
    }
    root.set("memory", mem);
    if (!m.distance.empty()) {
        ConfigNode d = ConfigNode::sequence();
        for (const auto& row : m.distance) {
            ConfigNode rn = ConfigNode::sequence();
            for (int x : row) rn.push_back(num(static_cast<std::uint64_t>(x)));
            d.push_back(rn);
        }
        root.set("distance", d);
    }
    if (!m.controllers.empty()) {
        ConfigNode cs = ConfigNode::sequence();
        for (const MemoryController& c : m.controllers) {
            ConfigNode cn = ConfigNode::map();
            cn.set("name", sc(c.name));
            ConfigNode rs = ConfigNode::sequence();
            for (const AddrRange& a : c.ranges) rs.push_back(range_node(a));
            cn.set("ranges", rs);
            cn.set("bandwidth", sc(format_bandwidth(c.bandwidth)));
            if (c.interleave_granularity)
                cn.set("interleave_granularity", sc(format_size(c.interleave_granularity)));
            cs.push_back(cn);
        }
        root.set("controllers", cs);
    }
    if (m.cpu_copy_bandwidth > 0)
        root.set("cpu_copy_bandwidth", sc(format_bandwidth(m.cpu_copy_bandwidth)));
    if (!m.reservations.empty()) {
        ConfigNode rs = ConfigNode::sequence();
        for (const Reservation& r : m.reservations) {
            ConfigNode n = ConfigNode::map();
            n.set("name", sc(r.name));
            n.set("kind", sc(reservation_kind_name(r.kind)));
            if (r.top_down) {
                n.set("size", sc(format_size(r.range.size)));
                if (r.nid >= 0) n.set("node", num(static_cast<std::uint64_t>(r.nid)));
                if (r.limit) n.set("limit", sc(hexs(r.limit)));
                n.set("align", sc(format_size(r.align)));
                if (r.after_cma) n.set("after_cma", bl(true));
            } else {
                n.set("base", sc(hexs(r.range.base)));
                n.set("size", sc(format_size(r.range.size)));
                n.set("before_early_params", bl(r.before_early_params));
            }
            if (r.freed_late) n.set("freed_late", bl(true));
            rs.push_back(n);
        }
        root.set("reserved", rs);
    }
    if (!m.default_cmdline.empty())
        root.set("cmdline", ConfigNode::scalar(m.default_cmdline, {}, true));
    return root;
}

} // namespace pagesim
