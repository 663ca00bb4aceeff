// SPDX-License-Identifier: GPL-2.0-only
// The top of a scenario file: parameters (`params:` and `${NAME}` substitution), the
// machine (bundled name, path relative to the scenario, or inline), the named layouts
// (each booted once here so a bad command line is reported at its line), the run settings,
// the engine costs, and the workload sections (scenario_process.cpp, scenario_events.cpp).
#include "workloads/scenario_yaml.h"

#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "workloads/config_path.h"
#include "workloads/machine_yaml.h"
#include "workloads/scenario_read.h"
#include "workloads/yaml_loader.h"

#include <algorithm>
#include <filesystem>

namespace pagesim {

namespace {

namespace fs = std::filesystem;

// ---- Parameters ------------------------------------------------------------------------

using Params = std::vector<std::pair<std::string, std::string>>;

bool param_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

// "${name}" inside scalars -> the parameter's value; the node keeps its mark, so a bad
// value is reported where it is used.
ConfigNode substitute(const ConfigNode& n, const Params& params, std::vector<bool>& used) {
    switch (n.kind()) {
    case ConfigNode::Kind::Null:
        return n;
    case ConfigNode::Kind::Sequence: {
        ConfigNode s = ConfigNode::sequence(n.mark());
        for (const ConfigNode& i : n.items()) s.push_back(substitute(i, params, used));
        return s;
    }
    case ConfigNode::Kind::Map: {
        ConfigNode m = ConfigNode::map(n.mark());
        for (const ConfigNode::Entry& e : n.entries())
            m.set(e.key, substitute(e.value, params, used), e.key_mark);
        return m;
    }
    case ConfigNode::Kind::Scalar:
        break;
    }
    const std::string& t = n.text();
    if (t.find("${") == std::string::npos) return n;
    std::string out;
    std::size_t i = 0;
    bool whole = false;
    while (i < t.size()) {
        const std::size_t open = t.find("${", i);
        if (open == std::string::npos) {
            out.append(t, i, std::string::npos);
            break;
        }
        out.append(t, i, open - i);
        const std::size_t close = t.find('}', open);
        if (close == std::string::npos) n.fail("'${' without a closing '}'");
        const std::string name = t.substr(open + 2, close - open - 2);
        bool ok = !name.empty();
        for (std::size_t k = 0; k < name.size(); ++k) ok = ok && param_char(name[k], k == 0);
        if (!ok) n.fail("'${" + name + "}': a parameter name is letters, digits and '_'");
        std::size_t p = 0;
        while (p < params.size() && params[p].first != name) ++p;
        if (p == params.size()) {
            std::vector<std::string> names;
            for (const auto& kv : params) names.push_back(kv.first);
            std::string msg = "unknown parameter '" + name + "'";
            const std::string best = closest_match(name, names);
            if (!best.empty()) {
                msg += " (did you mean '" + best + "'?)";
            } else if (names.empty()) {
                msg += " (declare it under 'params:')";
            } else {
                msg += " (parameters:";
                for (const std::string& pn : names) msg += " " + pn;
                msg += ")";
            }
            n.fail(msg);
        }
        used[p] = true;
        out += params[p].second;
        whole = open == 0 && close + 1 == t.size();
        i = close + 1;
    }
    // A whole-value reference is read like the value itself (true, 64MiB, a number).
    return ConfigNode::scalar(out, n.mark(), whole ? false : n.quoted());
}

Params read_params(const ConfigNode* n, const ParamOverrides& set, const std::string& file) {
    Params params;
    if (n) {
        for (const ConfigNode::Entry& e : n->entries()) {
            if (!e.value.is_scalar()) e.value.fail("a parameter's default is a single value");
            bool ok = true;
            for (std::size_t k = 0; k < e.key.size(); ++k) ok = ok && param_char(e.key[k], k == 0);
            if (!ok) throw ConfigError(e.key_mark, "a parameter name is letters, digits and '_'");
            params.emplace_back(e.key, e.value.text());
        }
    }
    for (const auto& [name, value] : set) {
        auto it = std::find_if(params.begin(), params.end(),
                               [&](const auto& kv) { return kv.first == name; });
        if (it == params.end()) {
            std::string msg = "--set " + name + ": the scenario has no parameter '" + name + "'";
            std::string list;
            for (const auto& kv : params) list += (list.empty() ? "" : ", ") + kv.first;
            msg += list.empty() ? std::string(" (it declares none)") : " (it has: " + list + ")";
            throw ConfigError({file, 0, 0}, msg);
        }
        it->second = value;
    }
    return params;
}

// ---- Machine and layouts ---------------------------------------------------------------

// The file of `machine: NAME_OR_PATH`: a path relative to the scenario, else a bundled
// machine's file; "" if neither exists.
std::string machine_file(const std::string& v, const std::string& dir) {
    const fs::path rel = dir.empty() ? fs::path(v) : fs::path(dir) / v;
    if (fs::is_regular_file(rel)) return rel.string();
    if (v.find('/') == std::string::npos && v.find('.') == std::string::npos) {
        const fs::path bundled = fs::path(PAGESIM_MACHINES_DIR) / (v + ".yaml");
        if (fs::is_regular_file(bundled)) return bundled.string();
    }
    return {};
}

Machine read_machine(const ConfigNode& n, const std::string& dir) {
    if (n.is_map()) return machine_from_config(n);
    const std::string v = n.as_string();
    const fs::path rel = dir.empty() ? fs::path(v) : fs::path(dir) / v;
    if (fs::is_regular_file(rel)) return load_machine(rel.string());
    if (v.find('/') == std::string::npos && v.find('.') == std::string::npos) {
        const std::vector<std::string> names = bundled_machines();
        if (std::find(names.begin(), names.end(), v) != names.end()) return load_machine(v);
        std::string msg = "no bundled machine '" + v + "' and no file '" + rel.string() + "'";
        const std::string best = closest_match(v, names);
        if (!best.empty()) msg += " (did you mean '" + best + "'?)";
        msg += "; bundled machines:";
        for (const std::string& name : names) msg += " " + name;
        n.fail(msg);
    }
    n.fail("cannot read the machine file '" + rel.string() + "'");
}

void check_layout(const ConfigNode& at, const Machine& m, const std::string& cmdline) {
    try {
        (void)compute_layout(m, parse_cmdline(cmdline));
    } catch (const CmdlineError& e) {
        at.fail(e.what());
    } catch (const LayoutError& e) {
        at.fail(e.what());
    }
}

std::vector<NamedLayout> read_layouts(const ConfigNode& n, const Machine& m) {
    std::vector<NamedLayout> out;
    auto add = [&](const ConfigNode& name, const ConfigNode& cmdline) {
        NamedLayout l{read_name(name, "layout"), cmdline.is_null() ? "" : cmdline.as_string()};
        for (const NamedLayout& o : out)
            if (o.name == l.name) name.fail("duplicate layout '" + l.name + "'");
        check_layout(cmdline.is_null() ? name : cmdline, m, l.cmdline);
        out.push_back(l);
    };
    if (n.is_map()) {
        for (const ConfigNode::Entry& e : n.entries())
            add(ConfigNode::scalar(e.key, e.key_mark), e.value);
        return out;
    }
    for (const ConfigNode& item : n.items()) {
        MapReader r(item, "layout", {"name", "cmdline"});
        add(r.required("name"),
            r.optional("cmdline") ? *r.optional("cmdline") : ConfigNode::null(item.mark()));
    }
    return out;
}

EngineCosts read_costs(const ConfigNode& n) {
    EngineCosts c;
    MapReader r(n, "costs",
                {"pcp_hit", "pcp_refill", "buddy", "fallback", "free", "fault", "zero_page_per_kib",
                 "writeback", "writeback_rate"});
    auto d = [&](const char* key, std::int64_t& out) {
        if (const ConfigNode* v = r.optional(key)) out = read_duration(*v);
    };
    d("pcp_hit", c.pcp_hit_ns);
    d("pcp_refill", c.pcp_refill_ns);
    d("buddy", c.buddy_ns);
    d("fallback", c.fallback_ns);
    d("free", c.free_ns);
    d("fault", c.fault_ns);
    d("zero_page_per_kib", c.zero_page_ns_per_kib);
    d("writeback", c.writeback_ns);
    if (const ConfigNode* v = r.optional("writeback_rate")) {
        c.writeback_rate = v->as_bandwidth();
        if (c.writeback_rate <= 0) v->fail("writeback_rate must be positive");
    }
    return c;
}

void read_workload(const ConfigNode& n, const ReadContext& ctx, Scenario& sc) {
    MapReader r(n, "workload", {"processes", "events", "events_file", "generators"});
    if (const ConfigNode* v = r.optional("processes"))
        sc.workload.processes = read_processes(*v, ctx);
    const ConfigNode* events = r.optional("events");
    const ConfigNode* file = r.optional("events_file");
    if (events && file)
        file->fail("give either 'events' or 'events_file', not both (their ids would mix)");
    if (events) sc.workload.events = read_events(*events, ctx);
    if (file) sc.workload.events_file = read_events_file(*file, ctx);
    if (const ConfigNode* v = r.optional("generators"))
        sc.workload.generators = read_generators(*v, ctx, sc.seed);
}

std::string folder_of(const std::string& file) {
    if (file.empty()) return {};
    return fs::path(file).parent_path().string();
}

// `--set PATH=VALUE` for a PATH into the tree (not a parameter name): applied to the tree
// before it is read, so the value meets every check a value written in the file meets. A
// machine given by name or file is read and inlined when a path goes into it.
ConfigNode apply_path_overrides(const ConfigNode& input, const ParamOverrides& all,
                                ParamOverrides& params) {
    const std::string dir = folder_of(input.mark().file);
    const ScalarExpander machine = [&dir](const ConfigNode& n, const std::string& where) {
        if (where != "machine") return ConfigNode();
        const std::string file = machine_file(n.text(), dir);
        if (file.empty()) n.fail("cannot find the machine '" + n.text() + "' to apply --set to");
        return load_yaml_file(file);
    };
    ConfigNode tree = input;
    const ConfigNode* declared = input.find("params");
    for (const auto& [name, value] : all) {
        // A plain name is a parameter, unless the scenario declares no such parameter and
        // has a top-level key of that name (`duration`, `seed`): then it is that key's path.
        if (!is_config_path(name) &&
            ((declared && declared->find(name)) || !input.find(name) || name == "params")) {
            params.emplace_back(name, value);
            continue;
        }
        const bool param_path = name.size() > 7 && name.compare(0, 7, "params.") == 0;
        const std::string_view rest = param_path ? std::string_view(name).substr(7) : "";
        if (param_path && !is_config_path(rest)) {
            params.emplace_back(std::string(rest), value); // params.NAME is the parameter NAME
            continue;
        }
        std::string where = "--set ";
        where += name;
        where += '=';
        where += value;
        tree = set_config_path(tree, name, ConfigNode::scalar(value, Mark{where, 0, 0}), machine);
    }
    return tree;
}

} // namespace

Scenario scenario_from_config(const ConfigNode& original, const ParamOverrides& all) {
    ParamOverrides set;
    const ConfigNode input = apply_path_overrides(original, all, set);
    MapReader pre(input, "scenario");
    const std::string file = input.mark().file;
    Scenario sc;
    sc.params = read_params(pre.optional("params"), set, file);
    std::vector<bool> used(sc.params.size(), false);
    const ConfigNode root = substitute(input, sc.params, used);

    MapReader top(root, "scenario",
                  {"name", "description", "params", "machine", "layouts", "duration", "seed",
                   "sample_period", "chunk", "swap", "costs", "workload"});
    sc.name = read_name(top.required("name"), "scenario");
    if (const ConfigNode* v = top.optional("description")) sc.description = v->as_string();
    sc.machine = read_machine(top.required("machine"), folder_of(file));
    ReadContext ctx{&sc.machine, folder_of(file)};
    if (const ConfigNode* v = top.optional("layouts")) sc.layouts = read_layouts(*v, sc.machine);
    if (const ConfigNode* v = top.optional("duration")) {
        sc.duration_ns = read_duration(*v);
        if (sc.duration_ns == 0) v->fail("the duration must be above 0");
    }
    if (const ConfigNode* v = top.optional("seed")) sc.seed = v->as_uint();
    if (const ConfigNode* v = top.optional("sample_period"))
        sc.sample_period_ns = read_duration(*v);
    if (const ConfigNode* v = top.optional("chunk"))
        sc.chunk_bytes = read_size_multiple(*v, ctx.page_size(), "pages");
    if (const ConfigNode* v = top.optional("swap")) sc.swap_bytes = v->as_size();
    if (const ConfigNode* v = top.optional("costs")) sc.costs = read_costs(*v);
    const ConfigNode& w = top.required("workload");
    read_workload(w, ctx, sc);
    if (sc.workload.processes.empty() && sc.workload.events.empty() &&
        sc.workload.events_file.empty() && sc.workload.generators.empty())
        w.fail("the workload is empty: give processes, events, events_file or generators");
    return sc;
}

Scenario load_scenario(const std::string& name_or_path, const ParamOverrides& set) {
    std::string path = name_or_path;
    if (!fs::exists(path) && name_or_path.find('/') == std::string::npos) {
        const fs::path bundled = fs::path(PAGESIM_SCENARIOS_DIR) / (name_or_path + ".yaml");
        if (fs::exists(bundled)) path = bundled.string();
    }
    Scenario sc = scenario_from_config(load_yaml_file(path), set);
    sc.source = path;
    return sc;
}

std::vector<std::string> bundled_scenarios() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(PAGESIM_SCENARIOS_DIR, ec))
        if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace pagesim
