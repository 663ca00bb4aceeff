// SPDX-License-Identifier: GPL-2.0-only
// `workload.processes`: each process's attributes (instances, start, skew, jitter,
// affinity, OOM score, memory policy), its buffers and its phases; then the checks that
// need every process (unique names, fork targets, templates that nothing forks).
#include "workloads/scenario_read.h"
#include "workloads/units.h"

#include <algorithm>

namespace pagesim {

namespace {

BufferSpec read_buffer(const ConfigNode& n, const ConfigNode* name_node, const ReadContext& ctx) {
    BufferSpec b;
    if (n.is_scalar()) { // "src: 64MiB"
        b.name = read_name(*name_node, "buffer");
        b.bytes =
            read_size_multiple(n, ctx.page_size(), "pages (" + format_size(ctx.page_size()) + ")");
        return b;
    }
    MapReader r(n, "buffer", {"name", "size", "kind", "thp", "dirty", "gfp"});
    b.name = read_name(name_node ? *name_node : r.required("name"), "buffer");
    if (name_node && n.find("name")) n.find("name")->fail("the buffer is named by its key");
    b.bytes = read_size_multiple(r.required("size"), ctx.page_size(),
                                 "pages (" + format_size(ctx.page_size()) + ")");
    if (const ConfigNode* k = r.optional("kind")) {
        switch (k->as_choice({"anon", "page_cache", "kernel"})) {
        case 0:
            b.kind = OwnerKind::Anon;
            break;
        case 1:
            b.kind = OwnerKind::PageCache;
            break;
        default:
            b.kind = OwnerKind::Kernel;
            b.gfp = GFP_KERNEL;
            break;
        }
    }
    if (const ConfigNode* g = r.optional("gfp")) b.gfp = read_gfp(*g);
    if (const ConfigNode* t = r.optional("thp")) {
        b.thp = t->as_bool();
        if (b.thp && b.kind != OwnerKind::Anon)
            t->fail("thp: true is for anonymous memory (kind: anon)");
        if (b.thp && !ctx.machine->kconfig.thp)
            t->fail("thp: true, but the kernel of machine '" + ctx.machine->name +
                    "' has no transparent hugepages (transparent_hugepage: never)");
    }
    if (const ConfigNode* d = r.optional("dirty")) {
        b.dirty = d->as_bool();
        if (b.dirty && b.kind != OwnerKind::PageCache)
            d->fail("dirty: true is for page-cache buffers (kind: page_cache)");
    }
    r.finish();
    return b;
}

std::vector<BufferSpec> read_buffers(const ConfigNode& n, const ReadContext& ctx) {
    std::vector<BufferSpec> out;
    std::vector<Mark> marks;
    if (n.is_map()) {
        for (const ConfigNode::Entry& e : n.entries()) {
            const ConfigNode key = ConfigNode::scalar(e.key, e.key_mark);
            out.push_back(read_buffer(e.value, &key, ctx));
            marks.push_back(e.key_mark);
        }
    } else {
        for (const ConfigNode& item : n.items()) {
            out.push_back(read_buffer(item, nullptr, ctx));
            marks.push_back(item.mark());
            for (std::size_t i = 0; i + 1 < out.size(); ++i)
                if (out[i].name == out.back().name)
                    item.fail("duplicate buffer '" + out.back().name + "'");
        }
    }
    return out;
}

MemPolicy read_policy(const ConfigNode& n) {
    MemPolicy p;
    if (n.is_scalar()) {
        if (n.text() != "default")
            n.fail("a policy is 'default' or {mode: bind|preferred|interleave, nodes: [...]}");
        return p;
    }
    MapReader r(n, "policy", {"mode", "nodes"});
    p.kind = static_cast<MemPolicy::Kind>(
        r.required("mode").as_choice({"default", "bind", "preferred", "interleave"}));
    if (const ConfigNode* nodes = r.optional("nodes")) p.nodes = read_nodes(*nodes);
    if (p.kind != MemPolicy::Default && p.nodes.empty())
        n.fail("mode '" + r.required("mode").text() + "' needs 'nodes'");
    if (p.kind == MemPolicy::Default && !p.nodes.empty())
        n.find("nodes")->fail("mode 'default' takes no nodes");
    if (p.kind == MemPolicy::Preferred && p.nodes.size() != 1)
        n.find("nodes")->fail("mode 'preferred' takes one node (set_mempolicy MPOL_PREFERRED)");
    return p;
}

struct ReadProcess {
    ProcessSpec spec;
    Mark mark;
    std::vector<Mark> phase_marks; ///< per phase of spec.phases
};

ReadProcess read_process(const ConfigNode& n, const ReadContext& ctx) {
    MapReader r(n, "process",
                {"name", "instances", "start", "start_skew", "jitter", "cpus", "oom_score_adj",
                 "policy", "buffers", "phases", "autostart", "enabled"});
    ReadProcess rp;
    ProcessSpec& p = rp.spec;
    rp.mark = n.mark();
    p.name = read_name(r.required("name"), "process");
    if (const ConfigNode* v = r.optional("instances")) {
        const std::uint64_t i = v->as_uint();
        if (i == 0 || i > 4096) v->fail("instances must be 1..4096");
        p.instances = static_cast<unsigned>(i);
    }
    if (const ConfigNode* v = r.optional("start")) p.start_ns = read_duration(*v);
    if (const ConfigNode* v = r.optional("start_skew")) p.start_skew_ns = read_duration(*v);
    if (const ConfigNode* v = r.optional("jitter")) p.jitter_ns = read_duration(*v);
    if (const ConfigNode* v = r.optional("cpus")) p.cpus = read_cpus(*v, ctx.machine->ncpus);
    if (const ConfigNode* v = r.optional("oom_score_adj")) {
        const std::int64_t o = v->as_int();
        if (o < -1000 || o > 1000) v->fail("oom_score_adj must be -1000..1000");
        p.oom_score_adj = static_cast<int>(o);
    }
    if (const ConfigNode* v = r.optional("policy")) p.policy = read_policy(*v);
    if (const ConfigNode* v = r.optional("autostart")) p.spawned_only = !v->as_bool();
    if (const ConfigNode* v = r.optional("enabled")) p.enabled = v->as_bool();
    if (const ConfigNode* v = r.optional("buffers")) p.buffers = read_buffers(*v, ctx);
    const ConfigNode& phases = r.required("phases");
    if (phases.items().empty()) phases.fail("a process needs at least one phase");
    std::vector<std::size_t> yaml_index;
    for (const ConfigNode& item : phases.items()) {
        if (!p.phases.empty() && p.phases.back().kind == Phase::Exit)
            item.fail("this phase never runs: the process exits before it");
        read_phase(item, ctx, p, p.phases, yaml_index, rp.phase_marks);
    }
    r.finish();
    return rp;
}

} // namespace

std::vector<ProcessSpec> read_processes(const ConfigNode& list, const ReadContext& ctx) {
    std::vector<ReadProcess> read;
    for (const ConfigNode& item : list.items()) {
        read.push_back(read_process(item, ctx));
        for (std::size_t i = 0; i + 1 < read.size(); ++i)
            if (read[i].spec.name == read.back().spec.name)
                item.fail("duplicate process '" + read.back().spec.name + "'");
    }
    std::vector<std::string> names;
    for (const ReadProcess& rp : read) names.push_back(rp.spec.name);
    std::vector<bool> forked(read.size(), false);
    for (const ReadProcess& rp : read) {
        for (std::size_t i = 0; i < rp.spec.phases.size(); ++i) {
            const Phase& ph = rp.spec.phases[i];
            if (ph.kind != Phase::Fork) continue;
            const auto it = std::find(names.begin(), names.end(), ph.process);
            if (it == names.end()) {
                std::string msg = "fork of undefined process '" + ph.process + "'";
                const std::string best = closest_match(ph.process, names);
                if (!best.empty()) msg += " (did you mean '" + best + "'?)";
                throw ConfigError(rp.phase_marks[i], msg);
            }
            forked[static_cast<std::size_t>(it - names.begin())] = true;
        }
    }
    std::vector<ProcessSpec> out;
    for (std::size_t i = 0; i < read.size(); ++i) {
        if (read[i].spec.spawned_only && !forked[i])
            throw ConfigError(read[i].mark, "process '" + read[i].spec.name +
                                                "' has autostart: false, but no fork phase "
                                                "starts it");
        out.push_back(std::move(read[i].spec));
    }
    return out;
}

} // namespace pagesim
