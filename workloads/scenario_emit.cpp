// SPDX-License-Identifier: GPL-2.0-only
// Scenario -> config tree: the fully defaulted scenario `pagesim run --verbose` echoes.
// Every value is printed exactly (durations in the largest unit that divides them, sizes
// in binary units, rates as shortest round-trip decimals), short forms appear expanded to
// the `alloc` phases they stand for, and the machine is inline, so the echo alone
// reproduces the run.
#include "workloads/machine_yaml.h"
#include "workloads/scenario_read.h"
#include "workloads/scenario_yaml.h"
#include "workloads/units.h"

namespace pagesim {

namespace {

ConfigNode seq_of(const std::vector<std::string>& v) {
    ConfigNode s = ConfigNode::sequence();
    for (const std::string& x : v) s.push_back(scalar_node(x));
    return s;
}

ConfigNode gfp_node(GfpFlags g) {
    return scalar_node(gfp_to_string(g));
}

ConfigNode claim_range_node(const ClaimRange& r) {
    if (r.kind == ClaimRange::Anywhere) return scalar_node("anywhere");
    ConfigNode m = ConfigNode::map();
    switch (r.kind) {
    case ClaimRange::Controller:
        m.set("controller", scalar_node(r.name));
        break;
    case ClaimRange::ControllerDmb:
        m.set("dmb_on", scalar_node(r.name));
        break;
    case ClaimRange::ControllerReserved:
        m.set("reserved_on", scalar_node(r.name));
        break;
    case ClaimRange::Dmb:
        m.set("dmb", scalar_node(r.name));
        break;
    case ClaimRange::Cma:
        m.set("cma", scalar_node(r.name));
        break;
    default: {
        ConfigNode range = ConfigNode::map();
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(r.start));
        range.set("base", scalar_node(buf));
        range.set("size", scalar_node(format_size(r.end - r.start)));
        m.set("range", range);
        break;
    }
    }
    return m;
}

ConfigNode phase_node(const Phase& ph, const std::vector<Phase>& all) {
    ConfigNode m = ConfigNode::map();
    switch (ph.kind) {
    case Phase::Alloc:
        m.set("alloc", gfp_node(ph.gfp));
        m.set("kind", scalar_node(std::string(owner_kind_name(ph.owner))));
        m.set("order", number_node(ph.order));
        m.set("count", number_node(ph.count));
        m.set("rate", scalar_node(exact_double(ph.rate)));
        m.set("lifetime", lifetime_node(ph.lifetime));
        if (!ph.buffer.empty()) m.set("buffer", scalar_node(ph.buffer));
        m.set("fallback", scalar_node(ph.fallback_order0 ? "order0" : "none"));
        if (ph.owner == OwnerKind::PageCache) m.set("dirty", bool_node(ph.dirty));
        break;
    case Phase::Touch:
        if (ph.interleave.empty()) {
            m.set("touch", scalar_node(ph.buffer));
            m.set("pattern", scalar_node("sequential"));
        } else {
            std::vector<std::string> names{ph.buffer};
            names.insert(names.end(), ph.interleave.begin(), ph.interleave.end());
            m.set("touch", seq_of(names));
            m.set("pattern", scalar_node("interleaved"));
        }
        break;
    case Phase::Free:
        m.set("free", scalar_node(ph.buffer));
        break;
    case Phase::Pin:
        m.set("pin", scalar_node(ph.buffer));
        break;
    case Phase::Unpin:
        m.set("unpin", scalar_node(ph.buffer));
        break;
    case Phase::Bandwidth: {
        static constexpr const char* kOps[] = {"read", "write", "copy"};
        m.set("bandwidth", scalar_node(kOps[ph.op]));
        if (ph.op == Phase::Copy) {
            m.set("src", scalar_node(ph.buffer));
            m.set("dst", scalar_node(ph.dst));
        } else {
            m.set("buffer", scalar_node(ph.buffer));
        }
        m.set("passes", number_node(ph.passes));
        break;
    }
    case Phase::Sleep:
        m.set("sleep", scalar_node(exact_duration(ph.duration_ns)));
        break;
    case Phase::Fork:
        m.set("fork", scalar_node(ph.process));
        break;
    case Phase::Exit:
        m.set("exit", ConfigNode::null({}));
        break;
    case Phase::Claim:
        m.set("claim", scalar_node(format_size(ph.bytes)));
        m.set("from", claim_range_node(ph.range));
        m.set("lifetime", lifetime_node(ph.lifetime));
        break;
    case Phase::Repeat: {
        const std::string& target = ph.target < all.size() ? all[ph.target].label : "";
        m.set("repeat", target.empty() ? number_node(ph.target) : scalar_node(target));
        m.set("times", number_node(ph.count));
        break;
    }
    }
    if (!ph.label.empty()) m.set("label", scalar_node(ph.label));
    return m;
}

ConfigNode buffer_node(const BufferSpec& b) {
    ConfigNode m = ConfigNode::map();
    m.set("size", scalar_node(format_size(b.bytes)));
    const char* kind = b.kind == OwnerKind::PageCache ? "page_cache"
                       : b.kind == OwnerKind::Anon    ? "anon"
                                                      : "kernel";
    m.set("kind", scalar_node(kind));
    m.set("gfp", gfp_node(b.gfp));
    m.set("thp", bool_node(b.thp));
    m.set("dirty", bool_node(b.dirty));
    return m;
}

ConfigNode policy_node(const MemPolicy& p) {
    if (p.kind == MemPolicy::Default) return scalar_node("default");
    static constexpr const char* kModes[] = {"default", "bind", "preferred", "interleave"};
    ConfigNode m = ConfigNode::map();
    m.set("mode", scalar_node(kModes[p.kind]));
    ConfigNode nodes = ConfigNode::sequence();
    for (int n : p.nodes) nodes.push_back(number_node(static_cast<std::uint64_t>(n)));
    m.set("nodes", nodes);
    return m;
}

ConfigNode event_node(const ExplicitEvent& e) {
    ConfigNode s = ConfigNode::sequence();
    s.push_back(number_node(static_cast<std::uint64_t>(e.time_ns)));
    s.push_back(scalar_node(e.op == ExplicitEvent::Alloc ? "alloc" : "free"));
    s.push_back(number_node(e.id));
    s.push_back(number_node(e.order));
    s.push_back(e.op == ExplicitEvent::Alloc || e.gfp ? gfp_node(e.gfp) : scalar_node("-"));
    s.push_back(number_node(e.cpu));
    return s;
}

} // namespace

ConfigNode process_to_config(const ProcessSpec& p) {
    ConfigNode m = ConfigNode::map();
    m.set("name", scalar_node(p.name));
    m.set("instances", number_node(p.instances));
    m.set("start", scalar_node(exact_duration(p.start_ns)));
    m.set("start_skew", scalar_node(exact_duration(p.start_skew_ns)));
    m.set("jitter", scalar_node(exact_duration(p.jitter_ns)));
    ConfigNode cpus = ConfigNode::sequence();
    for (unsigned c : p.cpus) cpus.push_back(number_node(c));
    m.set("cpus", cpus);
    m.set("oom_score_adj", scalar_node(std::to_string(p.oom_score_adj)));
    m.set("policy", policy_node(p.policy));
    m.set("autostart", bool_node(!p.spawned_only));
    m.set("enabled", bool_node(p.enabled));
    ConfigNode bufs = ConfigNode::map();
    for (const BufferSpec& b : p.buffers) bufs.set(b.name, buffer_node(b));
    m.set("buffers", bufs);
    ConfigNode phases = ConfigNode::sequence();
    for (const Phase& ph : p.phases) phases.push_back(phase_node(ph, p.phases));
    m.set("phases", phases);
    return m;
}

ConfigNode scenario_to_config(const Scenario& sc) {
    ConfigNode root = ConfigNode::map();
    root.set("name", scalar_node(sc.name));
    root.set("description", ConfigNode::scalar(sc.description, {}, true));
    if (!sc.params.empty()) {
        ConfigNode params = ConfigNode::map();
        for (const auto& [k, v] : sc.params) params.set(k, scalar_node(v));
        root.set("params", params);
    }
    root.set("machine", machine_to_config(sc.machine));
    ConfigNode layouts = ConfigNode::map();
    for (const NamedLayout& l : sc.layouts)
        layouts.set(l.name, ConfigNode::scalar(l.cmdline, {}, true));
    root.set("layouts", layouts);
    root.set("duration", scalar_node(exact_duration(sc.duration_ns)));
    root.set("seed", number_node(sc.seed));
    root.set("sample_period", scalar_node(exact_duration(sc.sample_period_ns)));
    root.set("chunk", scalar_node(format_size(sc.chunk_bytes)));
    root.set("swap", scalar_node(format_size(sc.swap_bytes)));
    const EngineCosts& c = sc.costs;
    ConfigNode costs = ConfigNode::map();
    costs.set("pcp_hit", scalar_node(exact_duration(c.pcp_hit_ns)));
    costs.set("pcp_refill", scalar_node(exact_duration(c.pcp_refill_ns)));
    costs.set("buddy", scalar_node(exact_duration(c.buddy_ns)));
    costs.set("fallback", scalar_node(exact_duration(c.fallback_ns)));
    costs.set("free", scalar_node(exact_duration(c.free_ns)));
    costs.set("fault", scalar_node(exact_duration(c.fault_ns)));
    costs.set("zero_page_per_kib", scalar_node(exact_duration(c.zero_page_ns_per_kib)));
    costs.set("writeback", scalar_node(exact_duration(c.writeback_ns)));
    costs.set("writeback_rate", scalar_node(format_bandwidth(c.writeback_rate)));
    root.set("costs", costs);
    ConfigNode w = ConfigNode::map();
    if (!sc.workload.processes.empty()) {
        ConfigNode procs = ConfigNode::sequence();
        for (const ProcessSpec& p : sc.workload.processes) procs.push_back(process_to_config(p));
        w.set("processes", procs);
    }
    if (!sc.workload.events.empty()) {
        ConfigNode evs = ConfigNode::sequence();
        for (const ExplicitEvent& e : sc.workload.events) evs.push_back(event_node(e));
        w.set("events", evs);
    }
    if (!sc.workload.events_file.empty())
        w.set("events_file", ConfigNode::scalar(sc.workload.events_file, {}, true));
    if (!sc.workload.generators.empty()) {
        ConfigNode gens = ConfigNode::sequence();
        for (const GeneratorSpec& g : sc.workload.generators) {
            ConfigNode gm = ConfigNode::map();
            gm.set("kind", scalar_node(g.kind));
            gm.set("name", scalar_node(g.name));
            for (const auto& [k, v] : g.params) gm.set(k, ConfigNode::scalar(v, {}, true));
            gens.push_back(gm);
        }
        w.set("generators", gens);
    }
    root.set("workload", w);
    return root;
}

} // namespace pagesim
