// SPDX-License-Identifier: GPL-2.0-only
// run_compare(): a job per (layout, seed) on a pool of threads; results are stored by index
// so the output does not depend on which thread ran what.
#include "sim/compare.h"

#include "sim/cmd_run.h"
#include "sim/simulator.h"

#include <atomic>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace pagesim {

namespace {

RunSeries series_of(const Simulator& sim) {
    RunSeries s;
    const double page_mib =
        static_cast<double>(sim.layout().kconfig.page_size()) / (1024.0 * 1024.0);
    for (const ControllerLayout& c : sim.layout().controllers) s.controllers.push_back(c.name);
    s.user_mib.assign(s.controllers.size(), {});
    for (const Sample& smp : sim.stats().samples) {
        s.t.push_back(smp.t);
        s.kernel_free_mib.push_back(static_cast<double>(smp.kernel_free) * page_mib);
        s.kernel_min_mib.push_back(static_cast<double>(smp.kernel_min) * page_mib);
        s.kernel_low_mib.push_back(static_cast<double>(smp.kernel_low) * page_mib);
        s.kernel_high_mib.push_back(static_cast<double>(smp.kernel_high) * page_mib);
        for (std::size_t c = 0; c < s.controllers.size(); ++c)
            s.user_mib[c].push_back(static_cast<double>(smp.ctrl_user[c]) * page_mib);
    }
    if (const BandwidthModel* bw = sim.bandwidth()) {
        const BandwidthSeries& bs = bw->series();
        s.delivered_gbps.assign(s.controllers.size(), {});
        const double period = static_cast<double>(bs.period_ns) * 1e-9;
        for (std::size_t i = 0; i < bs.intervals(); ++i) {
            s.interval_end_s.push_back(
                static_cast<double>(bs.start_ns + static_cast<std::int64_t>(i + 1) * bs.period_ns) *
                1e-9);
            const auto stats = bs.interval(i);
            for (std::size_t c = 0; c < s.controllers.size() && c < stats.size(); ++c)
                s.delivered_gbps[c].push_back(
                    period > 0 ? stats[c].delivered_bytes.total() * 1e-9 / period : 0);
        }
    }
    return s;
}

std::vector<LayoutSummary> summarise(const CompareResult& r) {
    std::vector<LayoutSummary> out;
    const std::size_t ns = r.seeds.size();
    for (std::size_t l = 0; l < r.layouts.size(); ++l) {
        LayoutSummary ls;
        ls.layout = r.layouts[l];
        // Metric names in the order the baseline's first run lists them, then any others.
        std::vector<const Metric*> order;
        std::map<std::string, std::vector<double>> values;
        std::map<std::string, const Metric*> proto;
        for (std::size_t s = 0; s < ns; ++s)
            for (const Metric& m : r.runs[l * ns + s].metrics.scalars) {
                if (!proto.count(m.name)) {
                    proto[m.name] = &m;
                    order.push_back(&m);
                }
                values[m.name].push_back(m.value);
            }
        for (const Metric* m : order) {
            const auto& v = values[m->name];
            MetricSummary ms;
            ms.name = m->name;
            ms.unit = m->unit;
            ms.better = m->better;
            const MeanCi mc = mean_ci(v);
            ms.n = mc.n;
            ms.mean = mc.mean;
            ms.ci95 = mc.ci95;
            ls.metrics.push_back(ms);
        }
        out.push_back(std::move(ls));
    }
    // Ratios and significance against the baseline (the first layout).
    if (!out.empty()) {
        std::map<std::string, const MetricSummary*> base;
        for (const MetricSummary& m : out[0].metrics) base[m.name] = &m;
        for (LayoutSummary& ls : out)
            for (MetricSummary& m : ls.metrics) {
                const auto it = base.find(m.name);
                if (it == base.end()) {
                    m.ratio = std::nan("");
                    continue;
                }
                const MetricSummary& b = *it->second;
                m.ratio = b.mean != 0 ? m.mean / b.mean : (m.mean == 0 ? 1.0 : std::nan(""));
                m.significant = m.n > 1 && b.n > 1 && std::fabs(m.mean - b.mean) > m.ci95 + b.ci95;
            }
    }
    return out;
}

} // namespace

CompareResult run_compare(const Scenario& sc, const CompareOptions& opts) {
    CompareResult r;
    r.scenario = sc.name;
    if (opts.layouts.empty()) {
        r.layouts = sc.layouts.empty() ? std::vector<NamedLayout>{{"default", ""}} : sc.layouts;
    } else {
        for (const std::string& name : opts.layouts)
            r.layouts.push_back(pick_layout(sc, name, std::nullopt));
    }
    const unsigned nseeds = std::max(1u, opts.seeds);
    for (unsigned i = 0; i < nseeds; ++i) r.seeds.push_back(sc.seed + i);

    // Boot each layout once, up front, so bad layouts fail before any run.
    std::vector<Layout> booted;
    for (const NamedLayout& nl : r.layouts) {
        booted.push_back(boot_layout(sc.machine, nl.cmdline, opts.strict));
        for (const std::string& w : booted.back().warnings)
            r.warnings.push_back(nl.name + ": " + w);
    }

    const std::size_t njobs = r.layouts.size() * nseeds;
    r.runs.resize(njobs);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> finished{0};
    std::mutex err_mutex, progress_mutex;
    std::exception_ptr error;
    auto worker = [&] {
        for (std::size_t j = next++; j < njobs; j = next++) {
            try {
                const std::size_t l = j / nseeds;
                Scenario s = sc;
                s.seed = r.seeds[j % nseeds];
                SimOptions so;
                so.until_ns = opts.until_ns;
                Simulator sim(s, booted[l], so);
                sim.run();
                RunResult& rr = r.runs[j];
                rr.layout = r.layouts[l].name;
                rr.seed = s.seed;
                rr.metrics = compute_metrics(sim);
                rr.series = series_of(sim);
            } catch (...) {
                const std::lock_guard<std::mutex> g(err_mutex);
                if (!error) error = std::current_exception();
            }
            const std::size_t f = ++finished;
            if (opts.progress) {
                const std::lock_guard<std::mutex> g(progress_mutex);
                opts.progress(static_cast<double>(f) / static_cast<double>(njobs));
            }
        }
    };
    unsigned threads = opts.jobs ? opts.jobs : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, njobs));
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    r.summary = summarise(r);
    return r;
}

} // namespace pagesim
