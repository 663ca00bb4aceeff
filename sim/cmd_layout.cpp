// SPDX-License-Identifier: GPL-2.0-only
// `pagesim layout`: machine + command line -> zone layout as dmesg, table, JSON (zoneinfo
// through the allocator core's hook).
#include "sim/cmd_layout.h"
#include "sim/cli_errors.h"

#include "allocator/cmdline.h"
#include "allocator/layout_dmesg.h"
#include "allocator/pfn_set.h"
#include "workloads/config_node.h"
#include "workloads/machine_yaml.h"
#include "workloads/units.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <ostream>

namespace pagesim {
namespace {

std::function<std::string(const Machine&, const Layout&)>& zoneinfo_hook() {
    static std::function<std::string(const Machine&, const Layout&)> f;
    return f;
}

std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

struct Cell {
    int controller = -1; // -1: on no controller
    int nid = 0;
    unsigned zone_idx = 0;
    Pfn present = 0;
    Pfn reserved = 0;
};

// Present (and reserved) pages per (controller, node, zone), from the membership ranges.
std::vector<Cell> controller_zone_cells(const Layout& L) {
    std::map<std::tuple<int, int, unsigned>, Cell> cells;
    for (const ZoneMembership& m : L.membership) {
        std::vector<PfnRange> rest{m.range};
        for (std::size_t c = 0; c < L.controllers.size(); ++c) {
            const auto part = pfn_intersect({m.range}, pfn_normalize(L.controllers[c].ranges));
            if (part.empty()) continue;
            Cell& cell = cells[{static_cast<int>(c), m.nid, m.zone_idx}];
            cell.controller = static_cast<int>(c);
            cell.nid = m.nid;
            cell.zone_idx = m.zone_idx;
            for (const PfnRange& r : part) {
                cell.present += r.size();
                cell.reserved += L.reserved_pages_in(r);
            }
            rest = pfn_subtract(rest, part);
        }
        for (const PfnRange& r : rest) {
            Cell& cell = cells[{-1, m.nid, m.zone_idx}];
            cell.nid = m.nid;
            cell.zone_idx = m.zone_idx;
            cell.present += r.size();
            cell.reserved += L.reserved_pages_in(r);
        }
    }
    std::vector<Cell> out;
    for (auto& [k, c] : cells) out.push_back(c);
    return out;
}

std::string mib(Pfn pages, const Layout& L) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f",
                  static_cast<double>(pages << L.kconfig.page_shift) / (1024.0 * 1024.0));
    return buf;
}

std::string pct(Pfn part, Pfn whole) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%",
                  whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
    return buf;
}

} // namespace

void set_zoneinfo_renderer(std::function<std::string(const Machine&, const Layout&)> renderer) {
    zoneinfo_hook() = std::move(renderer);
}

std::string layout_table(const Machine& machine, const Layout& L, const std::string& cmdline) {
    std::string out = "machine " + machine.name + " (" + arch_name(machine.arch) +
                      "), cmdline: " + (cmdline.empty() ? "(none)" : cmdline) + "\n";
    const std::vector<Cell> cells = controller_zone_cells(L);
    std::map<std::pair<int, unsigned>, Pfn> zone_total;
    std::map<int, Pfn> ctrl_total, ctrl_movable;
    for (const Cell& c : cells) {
        zone_total[{c.nid, c.zone_idx}] += c.present;
        ctrl_total[c.controller] += c.present;
        if (L.zone_types[c.zone_idx] == ZONE_MOVABLE) ctrl_movable[c.controller] += c.present;
    }
    char line[200];
    std::snprintf(line, sizeof line, "%-12s %4s %-8s %10s %9s %9s %11s %11s\n", "controller",
                  "node", "zone", "present", "MiB", "reserved", "of zone", "of ctrl");
    out += line;
    auto cname = [&](int c) {
        return c < 0 ? std::string("(none)") : L.controllers[static_cast<std::size_t>(c)].name;
    };
    for (const Cell& c : cells) {
        std::snprintf(line, sizeof line, "%-12s %4d %-8s %10llu %9s %9llu %11s %11s\n",
                      cname(c.controller).c_str(), c.nid,
                      std::string(zone_name(L.zone_types[c.zone_idx])).c_str(),
                      static_cast<unsigned long long>(c.present), mib(c.present, L).c_str(),
                      static_cast<unsigned long long>(c.reserved),
                      pct(c.present, zone_total[{c.nid, c.zone_idx}]).c_str(),
                      pct(c.present, ctrl_total[c.controller]).c_str());
        out += line;
    }
    out += "\n";
    std::snprintf(line, sizeof line, "%-12s %12s %12s %14s %12s\n", "controller", "movable MiB",
                  "kernel MiB", "movable share", "bandwidth");
    out += line;
    Pfn all_movable = 0;
    for (auto& [c, m] : ctrl_movable) all_movable += m;
    for (auto& [c, total] : ctrl_total) {
        const Pfn mv = ctrl_movable[c];
        const std::string bw =
            c < 0 ? "-" : format_bandwidth(L.controllers[static_cast<std::size_t>(c)].bandwidth);
        std::snprintf(line, sizeof line, "%-12s %12s %12s %14s %12s\n", cname(c).c_str(),
                      mib(mv, L).c_str(), mib(total - mv, L).c_str(), pct(mv, all_movable).c_str(),
                      bw.c_str());
        out += line;
    }
    if (!L.dmbs.empty()) {
        out += "\nDMBs:";
        for (const PfnRange& d : L.dmbs)
            out += " [" + hex(d.start << L.kconfig.page_shift) + "-" +
                   hex((d.end << L.kconfig.page_shift) - 1) + "]";
        out += "\n";
    }
    return out;
}

std::string layout_json(const Machine& machine, const Layout& L, const std::string& cmdline) {
    using nlohmann::json;
    const unsigned ps = L.kconfig.page_shift;
    auto range = [](const PfnRange& r) { return json{{"start_pfn", r.start}, {"end_pfn", r.end}}; };
    json j;
    j["machine"] = machine.name;
    j["arch"] = arch_name(L.arch);
    j["cmdline"] = cmdline;
    j["page_size"] = L.kconfig.page_size();
    j["max_order"] = L.kconfig.max_order;
    j["pageblock_order"] = L.kconfig.pageblock_order;
    j["dmb_rule"] = L.dmb_rule == DmbRule::Off ? "off" : L.dmb_rule == DmbRule::V2 ? "v2" : "v3";
    j["movable_zone"] = std::string(zone_name(L.movable_zone));
    json zt = json::array();
    for (ZoneType z : L.zone_types) zt.push_back(std::string(zone_name(z)));
    j["zone_types"] = zt;
    json nodes = json::array();
    for (const NodeLayout& n : L.nodes) {
        json jn{{"nid", n.nid},
                {"node_start_pfn", n.node_start_pfn},
                {"node_end_pfn", n.node_end_pfn},
                {"zone_movable_pfn", n.zone_movable_pfn},
                {"zone_movable_pfn_final", n.zone_movable_pfn_final},
                {"cpus", n.cpus}};
        json zones = json::array();
        for (std::size_t zi = 0; zi < n.zones.size(); ++zi) {
            const ZoneSpan& z = n.zones[zi];
            Pfn reserved = 0, late = 0, cma = 0;
            for (const ZoneMembership& m : L.membership) {
                if (m.nid != n.nid || m.zone_idx != zi) continue;
                reserved += L.reserved_pages_in(m.range);
                late += pfn_count_in(L.late_free, m.range);
                for (const CmaArea& a : L.cma) cma += pfn_count_in({a.range}, m.range);
            }
            zones.push_back({{"zone", std::string(zone_name(z.type))},
                             {"start_pfn", z.zone_start_pfn},
                             {"spanned", z.spanned},
                             {"present", z.present},
                             {"reserved", reserved},
                             {"late_free", late},
                             {"managed", z.present - reserved},
                             {"managed_at_first_watermarks", z.present - reserved - late},
                             {"cma", cma}});
        }
        jn["zones"] = zones;
        nodes.push_back(jn);
    }
    j["nodes"] = nodes;
    json mem = json::array();
    for (const MemblockRegion& r : L.memory)
        mem.push_back({{"start_pfn", r.range.start},
                       {"end_pfn", r.range.end},
                       {"nid", r.nid},
                       {"movable", r.movable},
                       {"mirror", r.mirror},
                       {"hotpluggable", r.hotpluggable},
                       {"nomap", r.nomap}});
    j["memory"] = mem;
    json dmbs = json::array();
    for (const PfnRange& d : L.dmbs) dmbs.push_back(range(d));
    j["dmbs"] = dmbs;
    json cma = json::array();
    for (const CmaArea& a : L.cma)
        cma.push_back({{"name", a.name}, {"start_pfn", a.range.start}, {"end_pfn", a.range.end}});
    j["cma"] = cma;
    json hp = json::array();
    for (const HotplugBlock& h : L.hotplug)
        hp.push_back({{"start_pfn", h.range.start},
                      {"end_pfn", h.range.end},
                      {"nid", h.nid},
                      {"zone", std::string(zone_name(h.zone))}});
    j["hotplug"] = hp;
    json placed = json::array();
    for (const PlacedReservation& p : L.placed)
        placed.push_back({{"name", p.name},
                          {"kind", reservation_kind_name(p.kind)},
                          {"base", hex(p.range.base)},
                          {"size", p.range.size},
                          {"freed_late", p.freed_late}});
    j["reservations"] = placed;
    j["reserved_pages"] = pfn_count(L.reserved);
    j["late_free_pages"] = pfn_count(L.late_free);
    json ctrls = json::array();
    for (const Cell& c : controller_zone_cells(L))
        ctrls.push_back(
            {{"controller", c.controller < 0
                                ? std::string("(none)")
                                : L.controllers[static_cast<std::size_t>(c.controller)].name},
             {"nid", c.nid},
             {"zone", std::string(zone_name(L.zone_types[c.zone_idx]))},
             {"present", c.present},
             {"reserved", c.reserved}});
    j["controller_zones"] = ctrls;
    json cl = json::array();
    for (const ControllerLayout& c : L.controllers) {
        json rs = json::array();
        for (const PfnRange& r : c.ranges) rs.push_back(range(r));
        cl.push_back({{"name", c.name},
                      {"bandwidth", c.bandwidth},
                      {"ranges", rs},
                      {"interleave_granularity", c.interleave_granularity}});
    }
    j["controllers"] = cl;
    json sys{{"min_free_kbytes", L.sysctl.min_free_kbytes},
             {"watermark_scale_factor", L.sysctl.watermark_scale_factor},
             {"watermark_boost_factor", L.sysctl.watermark_boost_factor},
             {"percpu_pagelist_high_fraction", L.sysctl.percpu_pagelist_high_fraction}};
    json lrr = json::array();
    for (ZoneType z : L.zone_types) lrr.push_back(L.sysctl.lowmem_reserve_ratio[z]);
    sys["lowmem_reserve_ratio"] = lrr;
    j["sysctl"] = sys;
    j["thp"] = thp_mode_name(L.thp);
    j["shuffle"] = L.shuffle;
    j["sticky_movable"] = L.sticky_movable;
    json sticky = json::array();
    for (const PfnRange& r : L.sticky_ranges) sticky.push_back(range(r));
    j["sticky_ranges"] = sticky;
    j["dmesg"] = layout_dmesg_lines(L);
    j["warnings"] = L.warnings;
    (void)ps;
    return j.dump(2) + "\n";
}

int run_layout_command(const LayoutCommandOptions& o, std::ostream& out, std::ostream& err) {
    if (o.format != "dmesg" && o.format != "zoneinfo" && o.format != "json" &&
        o.format != "table") {
        err << "error: --format must be dmesg, zoneinfo, json or table, got '" << o.format << "'\n";
        return 2;
    }
    try {
        const Machine machine = load_machine(o.machine);
        const std::string cmdline = o.cmdline.value_or(machine.default_cmdline);
        if (o.verbose)
            out << "# machine (fully defaulted)\n" << to_yaml(machine_to_config(machine)) << "\n";
        const CmdLine cl = parse_cmdline(cmdline);
        LayoutOptions lo;
        lo.strict = o.strict;
        const Layout layout = compute_layout(machine, cl, lo);
        if (o.format == "dmesg") {
            out << layout_dmesg(layout);
        } else if (o.format == "table") {
            out << layout_table(machine, layout, cmdline);
        } else if (o.format == "json") {
            out << layout_json(machine, layout, cmdline);
        } else {
            if (!zoneinfo_hook()) {
                err << "error: --format zoneinfo needs the allocator core (watermarks, "
                       "protection), which is not built into this pagesim yet\n";
                return 1;
            }
            out << zoneinfo_hook()(machine, layout);
        }
        if (o.format != "json")
            for (const std::string& w : layout.warnings) err << "warning: " << w << "\n";
        return 0;
    } catch (...) {
        return report_command_error(err);
    }
}

void add_layout_command(CLI::App& app, int& exit_code) {
    auto opts = std::make_shared<LayoutCommandOptions>();
    auto cmdline = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("layout", "Print the zone layout a machine boots with");
    sub->add_option("--machine,-m", opts->machine, "machine file or bundled name")->required();
    CLI::Option* cl = sub->add_option("--cmdline,-c", *cmdline, "kernel command line");
    sub->add_option("--format,-f", opts->format, "dmesg | zoneinfo | json | table")
        ->capture_default_str();
    sub->add_flag("--strict", opts->strict, "treat warnings as errors");
    sub->add_flag("--verbose,-v", opts->verbose, "echo the fully defaulted machine first");
    sub->callback([opts, cmdline, cl, &exit_code] {
        if (cl->count()) opts->cmdline = *cmdline;
        exit_code = run_layout_command(*opts, std::cout, std::cerr);
    });
}

} // namespace pagesim
