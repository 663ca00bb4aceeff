// SPDX-License-Identifier: GPL-2.0-only
// One phase of a process. A phase is a map with exactly one kind key whose value is the
// phase's operand (`- touch: src`, `- sleep: 100ms`, `- slab: 8MiB`), plus that kind's
// options. The kernel-side consumers (slab, page_tables, page_cache, pipe, socket, thp)
// are short forms that expand to `alloc` phases with the gfp mask and owner kind the kernel
// uses; SCENARIOS.md lists each expansion, and `pagesim run --verbose` shows it.
#include "workloads/scenario_read.h"
#include "workloads/units.h"

#include <algorithm>
#include <array>

namespace pagesim {

namespace {

// The option keys of each kind (besides the kind key itself and `label`).
std::vector<std::string_view> option_keys(std::string_view kind) {
    if (kind == "alloc")
        return {"order",  "count", "bytes",    "rate", "lifetime",
                "buffer", "kind",  "fallback", "dirty"};
    if (kind == "slab") return {"reclaimable", "order", "gfp", "rate", "lifetime"};
    if (kind == "page_cache") return {"dirty", "order", "rate", "lifetime", "buffer"};
    if (kind == "thp") return {"rate", "lifetime", "buffer"};
    if (kind == "page_tables" || kind == "pipe" || kind == "socket") return {"rate", "lifetime"};
    if (kind == "touch") return {"pattern"};
    if (kind == "bandwidth") return {"buffer", "src", "dst", "passes"};
    if (kind == "claim") return {"from", "lifetime"};
    if (kind == "repeat") return {"times"};
    return {};
}

constexpr std::array<std::string_view, 17> kKinds{
    "alloc",     "slab",  "page_tables", "page_cache", "pipe", "socket", "thp",   "touch", "free",
    "bandwidth", "sleep", "fork",        "exit",       "pin",  "unpin",  "claim", "repeat"};

bool is_kind(std::string_view k) {
    return std::find(kKinds.begin(), kKinds.end(), k) != kKinds.end();
}

std::string kind_list() {
    std::string s;
    for (std::string_view k : kKinds) {
        if (!s.empty()) s += ", ";
        s += k;
    }
    return s;
}

// The state of reading one phase item.
struct PhaseReader {
    const ConfigNode& item;
    const ReadContext& ctx;
    const ProcessSpec& proc;
    std::vector<Phase>& out;
    std::vector<std::size_t>& yaml_index;
    std::vector<Mark>& marks;
    std::string kind;
    const ConfigNode* operand = nullptr; ///< the kind key's value (may be null)
    MapReader* reader = nullptr;         ///< options (nullptr for a bare `- exit`)
    std::string label;

    const ConfigNode* opt(std::string_view key) const {
        return reader ? reader->optional(key) : nullptr;
    }
    const ConfigNode& req(std::string_view key) const {
        if (!reader) item.fail("phase '" + kind + "' needs '" + std::string(key) + "'");
        return reader->required(key);
    }
    const ConfigNode& operand_node() const {
        if (!operand || operand->is_null())
            (operand ? *operand : item).fail("'" + kind + "' needs a value");
        return *operand;
    }
    void push(Phase ph) {
        ph.label = out.size() == yaml_index.back() ? label : std::string();
        out.push_back(std::move(ph));
        marks.push_back(operand && !operand->is_null() ? operand->mark() : item.mark());
    }

    const BufferSpec& buffer(const ConfigNode& n) const {
        const std::string name = n.as_string();
        std::vector<std::string> names;
        for (const BufferSpec& b : proc.buffers) {
            if (b.name == name) return b;
            names.push_back(b.name);
        }
        std::string msg = "process '" + proc.name + "' has no buffer '" + name + "'";
        const std::string best = closest_match(name, names);
        if (!best.empty())
            msg += " (did you mean '" + best + "'?)";
        else if (names.empty())
            msg += " (it declares no buffers)";
        n.fail(msg);
    }

    // Rate, lifetime and an optional target buffer: what every allocating form shares.
    void stream_options(Phase& ph, bool with_buffer) const {
        if (const ConfigNode* v = opt("rate")) ph.rate = read_rate(*v);
        if (const ConfigNode* v = opt("lifetime")) ph.lifetime = read_lifetime(*v);
        if (with_buffer)
            if (const ConfigNode* v = opt("buffer")) {
                const BufferSpec& b = buffer(*v);
                ph.buffer = b.name;
                const std::uint64_t pages = ph.count << ph.order;
                const std::uint64_t have = b.bytes / ctx.page_size();
                if (pages > have)
                    v->fail("the phase allocates " + std::to_string(pages) +
                            " pages, more than buffer '" + b.name + "' holds (" +
                            std::to_string(have) + ")");
            }
    }

    // The amount of a short form: a size that is a whole number of blocks.
    std::uint64_t blocks(const ConfigNode& n, unsigned order) const {
        const std::uint64_t block = ctx.page_size() << order;
        return read_size_multiple(n, block,
                                  order ? "order-" + std::to_string(order) + " blocks (" +
                                              format_size(block) + ")"
                                        : "pages (" + format_size(block) + ")") /
               block;
    }

    void read();
    void read_alloc();
    void read_short_alloc();
    void read_touch();
    void read_bandwidth();
    void read_claim();
    void read_repeat();
    ClaimRange read_from(const ConfigNode& n, std::uint64_t bytes) const;
};

bool kernel_kind(OwnerKind k) {
    return k != OwnerKind::Anon && k != OwnerKind::PageCache;
}

void PhaseReader::read_alloc() {
    Phase ph;
    ph.kind = Phase::Alloc;
    const ConfigNode& g = operand_node();
    ph.gfp = read_gfp(g);
    if (const ConfigNode* v = opt("order")) ph.order = read_order(*v, ctx);
    const ConfigNode* count = opt("count");
    const ConfigNode* bytes = opt("bytes");
    if (count && bytes) bytes->fail("give either 'count' or 'bytes', not both");
    if (count) {
        ph.count = count->as_uint();
        if (ph.count == 0) count->fail("count must be at least 1");
    } else if (bytes) {
        ph.count = blocks(*bytes, ph.order);
    } else {
        item.fail("an alloc phase needs 'count' (blocks) or 'bytes'");
    }
    const ConfigNode* buf = opt("buffer");
    const MigrateType mt = gfp_migratetype(ph.gfp);
    ph.owner = mt == MIGRATE_MOVABLE       ? OwnerKind::Anon
               : mt == MIGRATE_RECLAIMABLE ? OwnerKind::SlabReclaimable
                                           : OwnerKind::Kernel;
    if (buf) ph.owner = buffer(*buf).kind;
    if (const ConfigNode* k = opt("kind")) {
        static constexpr std::array<std::string_view, 7> ok{
            "anon", "page_cache", "slab", "slab_reclaimable", "page_table", "pipe", "kernel"};
        const std::size_t i = k->as_choice({ok[0], ok[1], ok[2], ok[3], ok[4], ok[5], ok[6]});
        owner_kind_from_name(ok[i], ph.owner);
    }
    const ConfigNode& where = opt("kind") ? *opt("kind") : g;
    if (kernel_kind(ph.owner) && mt == MIGRATE_MOVABLE)
        where.fail("kernel pages (" + std::string(owner_kind_name(ph.owner)) +
                   ") are not movable: drop __GFP_MOVABLE");
    if (ph.owner == OwnerKind::SlabReclaimable && mt != MIGRATE_RECLAIMABLE)
        where.fail("reclaimable slab needs __GFP_RECLAIMABLE in the gfp mask");
    if (const ConfigNode* v = opt("fallback")) {
        ph.fallback_order0 = v->as_choice({"none", "order0"}) == 1;
        if (ph.fallback_order0 && ph.order == 0) v->fail("fallback: order0 needs an order above 0");
    }
    if (const ConfigNode* v = opt("dirty")) {
        ph.dirty = v->as_bool();
        if (ph.dirty && ph.owner != OwnerKind::PageCache)
            v->fail("dirty: true is for page-cache pages (kind: page_cache)");
    }
    stream_options(ph, true);
    push(ph);
}

// slab, page_tables, page_cache, pipe, socket, thp: the kernel's own gfp masks.
void PhaseReader::read_short_alloc() {
    Phase ph;
    ph.kind = Phase::Alloc;
    const ConfigNode& amount = operand_node();
    bool with_buffer = false;
    if (kind == "slab") {
        // kmem_cache_alloc -> allocate_slab(): GFP_KERNEL (| __GFP_RECLAIMABLE for
        // SLAB_RECLAIM_ACCOUNT caches), __GFP_COMP for high-order slabs.
        ph.gfp = GFP_KERNEL;
        if (const ConfigNode* v = opt("gfp")) ph.gfp = read_gfp(*v);
        if (const ConfigNode* v = opt("order")) ph.order = read_order(*v, ctx);
        bool reclaimable = gfp_migratetype(ph.gfp) == MIGRATE_RECLAIMABLE;
        if (const ConfigNode* v = opt("reclaimable")) reclaimable = v->as_bool() || reclaimable;
        if (gfp_migratetype(ph.gfp) == MIGRATE_MOVABLE)
            opt("gfp")->fail("slab pages are not movable: drop __GFP_MOVABLE");
        if (reclaimable) ph.gfp |= gfp::kReclaimable;
        if (ph.order > 0) ph.gfp |= gfp::kComp;
        ph.owner = reclaimable ? OwnerKind::SlabReclaimable : OwnerKind::SlabUnreclaimable;
    } else if (kind == "page_tables") {
        ph.gfp = GFP_KERNEL_ACCOUNT | gfp::kZero; // GFP_PGTABLE_USER
        ph.owner = OwnerKind::PageTable;
    } else if (kind == "page_cache") {
        // filemap_alloc_folio(mapping_gfp_mask()): GFP_HIGHUSER_MOVABLE for most files.
        ph.gfp = GFP_HIGHUSER_MOVABLE;
        ph.owner = OwnerKind::PageCache;
        if (const ConfigNode* v = opt("order")) ph.order = read_order(*v, ctx);
        if (ph.order > 0) ph.gfp |= gfp::kComp;
        if (const ConfigNode* v = opt("dirty")) ph.dirty = v->as_bool();
        with_buffer = true;
    } else if (kind == "pipe") {
        // pipe_write(): alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT).
        ph.gfp = GFP_HIGHUSER | gfp::kAccount;
        ph.owner = OwnerKind::Pipe;
    } else if (kind == "socket") {
        // skb_page_frag_refill(): a 32 KiB compound page (SKB_FRAG_PAGE_ORDER), falling
        // back to single pages.
        ph.gfp = GFP_KERNEL | gfp::kComp | gfp::kNowarn | gfp::kNoretry;
        ph.owner = OwnerKind::Pipe;
        unsigned o = 0;
        while ((ctx.page_size() << (o + 1)) <= 32768) ++o;
        ph.order = o;
        ph.fallback_order0 = o > 0;
    } else { // thp
        if (!ctx.machine->kconfig.thp)
            item.fail("the kernel of machine '" + ctx.machine->name +
                      "' has no transparent hugepages (transparent_hugepage: never)");
        // do_huge_pmd_anonymous_page(): GFP_TRANSHUGE_LIGHT under the default defrag
        // setting, order HPAGE_PMD_ORDER, else the fault falls back to small pages.
        ph.gfp = GFP_TRANSHUGE_LIGHT;
        ph.owner = OwnerKind::Anon;
        ph.order = ctx.thp_order();
        ph.fallback_order0 = true;
        with_buffer = true;
    }
    ph.count = blocks(amount, ph.order);
    stream_options(ph, with_buffer);
    push(ph);
}

void PhaseReader::read_touch() {
    const ConfigNode& n = operand_node();
    std::vector<std::string> names;
    if (n.is_sequence()) {
        if (n.items().empty()) n.fail("touch needs at least one buffer");
        for (const ConfigNode& b : n.items()) {
            names.push_back(buffer(b).name);
            if (std::count(names.begin(), names.end(), names.back()) > 1)
                b.fail("buffer '" + names.back() + "' is listed twice");
        }
    } else {
        names.push_back(buffer(n).name);
    }
    bool interleaved = false;
    if (const ConfigNode* v = opt("pattern"))
        interleaved = v->as_choice({"sequential", "interleaved"}) == 1;
    if (interleaved) {
        Phase ph;
        ph.kind = Phase::Touch;
        ph.buffer = names.front();
        ph.interleave.assign(names.begin() + 1, names.end());
        push(ph);
        return;
    }
    for (const std::string& name : names) {
        Phase ph;
        ph.kind = Phase::Touch;
        ph.buffer = name;
        push(ph);
    }
}

void PhaseReader::read_bandwidth() {
    Phase ph;
    ph.kind = Phase::Bandwidth;
    ph.op = static_cast<Phase::Op>(operand_node().as_choice({"read", "write", "copy"}));
    if (ph.op == Phase::Copy) {
        if (opt("buffer")) opt("buffer")->fail("a copy names 'src' and 'dst', not 'buffer'");
        ph.buffer = buffer(req("src")).name;
        ph.dst = buffer(req("dst")).name;
        if (ph.dst == ph.buffer) req("dst").fail("a copy needs two different buffers");
    } else {
        if (opt("src") || opt("dst"))
            (opt("src") ? opt("src") : opt("dst"))
                ->fail("a " + operand->text() + " names one 'buffer' (src and dst are for copy)");
        ph.buffer = buffer(req("buffer")).name;
    }
    if (const ConfigNode* v = opt("passes")) {
        const std::uint64_t p = v->as_uint();
        if (p == 0 || p > 1'000'000) v->fail("passes must be 1..1000000");
        ph.passes = static_cast<unsigned>(p);
    }
    push(ph);
}

ClaimRange PhaseReader::read_from(const ConfigNode& n, std::uint64_t bytes) const {
    ClaimRange r;
    if (n.is_scalar()) {
        if (n.text() != "anywhere")
            n.fail("'from' is anywhere, {controller: NAME}, {dmb_on: CONTROLLER}, "
                   "{reserved_on: CONTROLLER}, {dmb: N}, {cma: AREA} or {range: {base, size}}");
        return r;
    }
    MapReader mr(n, "claim range", {"controller", "dmb_on", "reserved_on", "dmb", "cma", "range"});
    if (n.entries().size() != 1) n.fail("'from' names one range");
    const ConfigNode::Entry& e = n.entries().front();
    const Machine& m = *ctx.machine;
    auto controller = [&](const ConfigNode& v) -> const MemoryController& {
        std::vector<std::string> names;
        for (const MemoryController& c : m.controllers) {
            if (c.name == v.text()) return c;
            names.push_back(c.name);
        }
        std::string msg = "machine '" + m.name + "' has no controller '" + v.text() + "'";
        const std::string best = closest_match(v.text(), names);
        msg += best.empty()
                   ? (names.empty() ? std::string(" (it lists no controllers)") : std::string())
                   : " (did you mean '" + best + "'?)";
        v.fail(msg);
    };
    if (e.key == "controller" || e.key == "dmb_on" || e.key == "reserved_on") {
        const MemoryController& c = controller(e.value);
        r.kind = e.key == "controller" ? ClaimRange::Controller
                 : e.key == "dmb_on"   ? ClaimRange::ControllerDmb
                                       : ClaimRange::ControllerReserved;
        r.name = c.name;
        std::uint64_t total = 0;
        for (const AddrRange& a : c.ranges) total += a.size;
        if (bytes > total)
            item.fail("the claim (" + format_size(bytes) + ") is larger than controller " + c.name +
                      " (" + format_size(total) + ")");
    } else if (e.key == "dmb") {
        const std::uint64_t i = e.value.as_uint();
        if (i >= m.kconfig.dmb_count)
            e.value.fail("DMB " + std::to_string(i) + " cannot exist: CONFIG_DMB_COUNT is " +
                         std::to_string(m.kconfig.dmb_count));
        r.kind = ClaimRange::Dmb;
        r.name = std::to_string(i);
    } else if (e.key == "cma") {
        if (!m.kconfig.cma)
            e.value.fail("machine '" + m.name + "' has no CMA (kernel: cma: false)");
        std::vector<std::string> areas{"reserved"};
        for (const Reservation& res : m.reservations)
            if (res.kind == ReservationKind::Reusable) areas.push_back(res.name);
        if (std::find(areas.begin(), areas.end(), e.value.text()) == areas.end()) {
            std::string list;
            for (const std::string& a : areas) list += (list.empty() ? "" : ", ") + a;
            e.value.fail("no CMA area '" + e.value.text() + "' (areas: " + list +
                         "; 'reserved' is the default / cma= area)");
        }
        r.kind = ClaimRange::Cma;
        r.name = e.value.text();
    } else {
        MapReader rr(e.value, "range", {"base", "size", "end"});
        r.kind = ClaimRange::Pfns;
        r.start = rr.required("base").as_size();
        const ConfigNode* size = rr.optional("size");
        const ConfigNode* end = rr.optional("end");
        if (size && end) end->fail("give either 'size' or 'end', not both");
        if (!size && !end) e.value.fail("missing required key 'size' (or 'end') in range");
        r.end = end ? end->as_size() : r.start + size->as_size();
        if (r.end <= r.start) e.value.fail("the range is empty");
        if (r.start % ctx.page_size() || r.end % ctx.page_size())
            e.value.fail("the range must start and end on page boundaries");
        bool in_ram = false;
        for (const MemoryRange& mr2 : m.memory)
            in_ram = in_ram || (mr2.range.base <= r.start && r.end <= mr2.range.end());
        if (!in_ram)
            e.value.fail("the range is not inside one RAM range of machine '" + m.name + "'");
        if (bytes > r.end - r.start)
            item.fail("the claim (" + format_size(bytes) + ") is larger than its range (" +
                      format_size(r.end - r.start) + ")");
    }
    return r;
}

void PhaseReader::read_claim() {
    Phase ph;
    ph.kind = Phase::Claim;
    ph.owner = OwnerKind::DriverContig;
    ph.gfp = GFP_KERNEL;
    ph.bytes = read_size_multiple(operand_node(), ctx.page_size(),
                                  "pages (" + format_size(ctx.page_size()) + ")");
    if (const ConfigNode* v = opt("from")) ph.range = read_from(*v, ph.bytes);
    if (const ConfigNode* v = opt("lifetime")) ph.lifetime = read_lifetime(*v);
    push(ph);
}

void PhaseReader::read_repeat() {
    Phase ph;
    ph.kind = Phase::Repeat;
    const ConfigNode& t = operand_node();
    const std::size_t here = yaml_index.size() - 1; // this item's YAML position
    bool numeric = !t.quoted() && !t.text().empty();
    for (char c : t.text()) numeric = numeric && c >= '0' && c <= '9';
    if (numeric) {
        const std::uint64_t i = t.as_uint();
        if (i >= here)
            t.fail("repeat must jump back to an earlier phase: phase " + std::to_string(i) +
                   " is not before this one (phase " + std::to_string(here) + ", counting from 0)");
        ph.target = static_cast<unsigned>(yaml_index[i]);
    } else {
        std::vector<std::string> labels;
        bool found = false;
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (out[i].label == t.text()) {
                ph.target = static_cast<unsigned>(i);
                found = true;
            }
            if (!out[i].label.empty()) labels.push_back(out[i].label);
        }
        if (!found) {
            std::string msg = "no earlier phase has label '" + t.text() + "'";
            const std::string best = closest_match(t.text(), labels);
            if (!best.empty()) msg += " (did you mean '" + best + "'?)";
            t.fail(msg);
        }
    }
    const ConfigNode& times = req("times");
    ph.count = times.as_uint();
    if (ph.count == 0 || ph.count > 1'000'000'000) times.fail("times must be 1..1000000000");
    push(ph);
}

void PhaseReader::read() {
    if (kind == "alloc") return read_alloc();
    if (kind == "slab" || kind == "page_tables" || kind == "page_cache" || kind == "pipe" ||
        kind == "socket" || kind == "thp")
        return read_short_alloc();
    if (kind == "touch") return read_touch();
    if (kind == "bandwidth") return read_bandwidth();
    if (kind == "claim") return read_claim();
    if (kind == "repeat") return read_repeat();
    Phase ph;
    if (kind == "exit") {
        if (operand && !operand->is_null()) operand->fail("exit takes no value");
        ph.kind = Phase::Exit;
    } else if (kind == "sleep") {
        ph.kind = Phase::Sleep;
        ph.duration_ns = read_duration(operand_node());
    } else if (kind == "fork") {
        ph.kind = Phase::Fork;
        ph.process = read_name(operand_node(), "process");
    } else { // free, pin, unpin
        ph.kind = kind == "free" ? Phase::Free : kind == "pin" ? Phase::Pin : Phase::Unpin;
        ph.buffer = buffer(operand_node()).name;
    }
    push(ph);
}

} // namespace

void read_phase(const ConfigNode& item, const ReadContext& ctx, const ProcessSpec& proc,
                std::vector<Phase>& out, std::vector<std::size_t>& yaml_index,
                std::vector<Mark>& marks) {
    yaml_index.push_back(out.size());
    PhaseReader pr{item, ctx, proc, out, yaml_index, marks, {}, nullptr, nullptr, {}};
    std::vector<std::string> kinds(kKinds.begin(), kKinds.end());
    if (item.is_scalar()) { // a phase without operand or options: `- exit`
        if (item.text() != "exit") {
            std::string msg =
                is_kind(item.text())
                    ? "phase '" + item.text() + "' needs a value ('- " + item.text() + ": ...')"
                    : "unknown phase kind '" + item.text() + "'";
            const std::string best = is_kind(item.text()) ? "" : closest_match(item.text(), kinds);
            if (!best.empty()) msg += " (did you mean '" + best + "'?)";
            item.fail(msg);
        }
        pr.kind = "exit";
        pr.read();
        return;
    }
    if (!item.is_map()) item.fail("expected a phase: a map such as '- touch: buf' or '- exit'");
    const ConfigNode::Entry* kind_entry = nullptr;
    for (const ConfigNode::Entry& e : item.entries()) {
        if (!is_kind(e.key)) continue;
        if (kind_entry)
            throw ConfigError(e.key_mark, "a phase has one kind, but this one has both '" +
                                              kind_entry->key + "' and '" + e.key + "'");
        kind_entry = &e;
    }
    if (!kind_entry) {
        if (item.entries().empty()) item.fail("an empty phase: expected one of " + kind_list());
        for (const ConfigNode::Entry& e : item.entries()) {
            if (e.key == "label") continue;
            const std::string best = closest_match(e.key, kinds);
            throw ConfigError(e.key_mark, "unknown phase kind '" + e.key + "'" +
                                              (best.empty() ? "; expected one of " + kind_list()
                                                            : " (did you mean '" + best + "'?)"));
        }
        item.fail("a phase needs a kind: one of " + kind_list());
    }
    pr.kind = kind_entry->key;
    pr.operand = &kind_entry->value;
    // Every option is known up front, so a typo is reported before the "missing key" it
    // causes: "unknown key 'tims' in repeat phase (did you mean 'times'?)".
    MapReader named(item, pr.kind + " phase");
    named.allow(pr.kind);
    named.allow("label");
    for (std::string_view k : option_keys(pr.kind)) named.allow(k);
    named.finish();
    pr.reader = &named;
    if (const ConfigNode* l = named.optional("label")) {
        pr.label = read_name(*l, "label");
        for (const Phase& ph : out)
            if (ph.label == pr.label) l->fail("label '" + pr.label + "' is used twice");
        if (std::all_of(pr.label.begin(), pr.label.end(),
                        [](char c) { return c >= '0' && c <= '9'; }))
            l->fail("a label must not be a number (repeat reads numbers as phase positions)");
    }
    pr.read();
}

} // namespace pagesim
