// SPDX-License-Identifier: GPL-2.0-only
// compare's table, JSON, CSV, time series and plots.
#include "sim/compare_report.h"

#include "sim/atomic_file.h"
#include "sim/mean_ci.h"
#include "sim/scripts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pagesim {

namespace {

std::string cell(const MetricSummary& m, bool baseline) {
    std::string s = format_mean_ci({m.mean, m.ci95, m.n});
    if (baseline) return s;
    if (std::isnan(m.ratio)) return s + " (   n/a)";
    const double pct = (m.ratio - 1.0) * 100.0;
    s += fmt::format(" ({:+6.1f}%){}", pct, m.significant ? "*" : " ");
    return s;
}

} // namespace

std::string compare_table(const CompareResult& r) {
    std::string s;
    s += fmt::format("pagesim compare: scenario {}, {} layout(s) x {} seed(s) (seeds {}..{})\n",
                     r.scenario, r.layouts.size(), r.seeds.size(), r.seeds.front(), r.seeds.back());
    for (std::size_t l = 0; l < r.layouts.size(); ++l)
        s += fmt::format("  [{}] {:<18} {}\n", l, r.layouts[l].name,
                         r.layouts[l].cmdline.empty() ? "(no parameters)" : r.layouts[l].cmdline);
    s += "Values are means over seeds";
    if (r.seeds.size() > 1) s += " ± 95% confidence interval";
    s += "; (x%) is the change from the baseline [0]";
    if (r.seeds.size() > 1) s += ", * where the intervals do not overlap";
    s += ".\n\n";
    if (r.summary.empty()) return s;

    constexpr int kName = 44;
    int width = 14;
    for (const LayoutSummary& ls : r.summary)
        for (const MetricSummary& m : ls.metrics)
            width =
                std::max(width, static_cast<int>(cell(m, &ls == &r.summary.front()).size()) + 1);
    s += fmt::format("{:<{}}", "metric", kName);
    for (std::size_t l = 0; l < r.summary.size(); ++l)
        s += fmt::format(" {:>{}}", fmt::format("[{}] {}", l, r.summary[l].layout.name), width);
    s += '\n';
    std::string group;
    for (std::size_t i = 0; i < r.summary[0].metrics.size(); ++i) {
        const MetricSummary& base = r.summary[0].metrics[i];
        const std::string g = base.name.substr(0, base.name.find('.'));
        if (g != group) {
            s += '\n';
            group = g;
        }
        std::string label = base.name;
        if (!base.unit.empty()) label += " [" + base.unit + "]";
        s += fmt::format("{:<{}}", label, kName);
        for (const LayoutSummary& ls : r.summary) {
            const MetricSummary* m = nullptr;
            for (const MetricSummary& x : ls.metrics)
                if (x.name == base.name) m = &x;
            s += fmt::format(" {:>{}}", m ? cell(*m, &ls == &r.summary.front()) : "-", width);
        }
        s += '\n';
    }
    return s;
}

nlohmann::json compare_json(const CompareResult& r) {
    using nlohmann::json;
    json j;
    j["scenario"] = r.scenario;
    j["seeds"] = r.seeds;
    j["warnings"] = r.warnings;
    json layouts = json::array();
    const std::size_t ns = r.seeds.size();
    for (std::size_t l = 0; l < r.layouts.size(); ++l) {
        json lj;
        lj["name"] = r.layouts[l].name;
        lj["cmdline"] = r.layouts[l].cmdline;
        json runs = json::array();
        for (std::size_t s = 0; s < ns; ++s) {
            const RunResult& rr = r.runs[l * ns + s];
            json m = json::object();
            for (const Metric& x : rr.metrics.scalars) m[x.name] = x.value;
            json zf = json::object(), cf = json::object();
            for (const FreeHistogram& h : rr.metrics.zone_free) zf[h.label] = h.blocks;
            for (const FreeHistogram& h : rr.metrics.controller_free) cf[h.label] = h.blocks;
            runs.push_back({{"seed", rr.seed},
                            {"metrics", m},
                            {"free_blocks_by_zone", zf},
                            {"free_blocks_by_controller", cf}});
        }
        lj["runs"] = runs;
        json summary = json::object();
        if (l < r.summary.size())
            for (const MetricSummary& m : r.summary[l].metrics)
                summary[m.name] = {{"unit", m.unit},
                                   {"mean", m.mean},
                                   {"ci95", m.ci95},
                                   {"n", m.n},
                                   {"better", m.better},
                                   {"ratio", std::isnan(m.ratio) ? json(nullptr) : json(m.ratio)},
                                   {"significant", m.significant}};
        lj["summary"] = summary;
        layouts.push_back(lj);
    }
    j["layouts"] = layouts;
    return j;
}

std::string compare_csv(const CompareResult& r) {
    std::string s = "layout,cmdline,seed,metric,unit,value\n";
    const std::size_t ns = r.seeds.size();
    for (std::size_t l = 0; l < r.layouts.size(); ++l)
        for (std::size_t k = 0; k < ns; ++k) {
            const RunResult& rr = r.runs[l * ns + k];
            for (const Metric& m : rr.metrics.scalars)
                s += fmt::format("{},\"{}\",{},{},{},{}\n", r.layouts[l].name, r.layouts[l].cmdline,
                                 rr.seed, m.name, m.unit, m.value);
        }
    return s;
}

std::string compare_series_csv(const CompareResult& r) {
    std::string s = "layout,kind,controller,time_s,value\n";
    const std::size_t ns = r.seeds.size();
    for (std::size_t l = 0; l < r.layouts.size(); ++l) {
        const RunSeries& se = r.runs[l * ns].series;
        const std::string& name = r.layouts[l].name;
        for (std::size_t i = 0; i < se.t.size(); ++i) {
            const double t = static_cast<double>(se.t[i]) * 1e-9;
            s += fmt::format("{},kernel_free_MiB,,{},{}\n", name, t, se.kernel_free_mib[i]);
            s += fmt::format("{},kernel_min_MiB,,{},{}\n", name, t, se.kernel_min_mib[i]);
            s += fmt::format("{},kernel_low_MiB,,{},{}\n", name, t, se.kernel_low_mib[i]);
            s += fmt::format("{},kernel_high_MiB,,{},{}\n", name, t, se.kernel_high_mib[i]);
            for (std::size_t c = 0; c < se.controllers.size(); ++c)
                s += fmt::format("{},user_MiB,{},{},{}\n", name, se.controllers[c], t,
                                 se.user_mib[c][i]);
        }
        for (std::size_t c = 0; c < se.delivered_gbps.size(); ++c)
            for (std::size_t i = 0; i < se.interval_end_s.size(); ++i)
                s += fmt::format("{},delivered_GBps,{},{},{}\n", name, se.controllers[c],
                                 se.interval_end_s[i], se.delivered_gbps[c][i]);
    }
    return s;
}

void write_compare_outputs(const std::filesystem::path& dir, const CompareResult& r) {
    write_file_atomic(dir / "compare.json", compare_json(r).dump(2) + "\n");
    write_file_atomic(dir / "compare.csv", compare_csv(r));
    write_file_atomic(dir / "series.csv", compare_series_csv(r));
    write_file_atomic(dir / "summary.txt", compare_table(r));
}

int plot_compare(const std::filesystem::path& dir, std::string& err) {
    std::string why;
    const std::string script = script_path("plot_compare.py").string();
    const int rc = run_process({python_interpreter(), script, dir.string()}, why);
    if (rc < 0)
        err = "cannot run " + python_interpreter() + ": " + why;
    else if (rc != 0)
        err = script + " failed with exit status " + std::to_string(rc);
    return rc;
}

} // namespace pagesim
