// SPDX-License-Identifier: GPL-2.0-only
// Collecting never trusts a scheduler: a job is done iff its result file parses (the same
// rule as collect-results.py and the runner). The per-axis summary pools every done point
// with a given axis value, so its interval covers the other axes' spread as well as the
// seeds' noise: it tells which values matter, not a controlled comparison.
#include "sim/sweep_collect.h"

#include "sim/atomic_file.h"
#include "sim/scripts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>

namespace pagesim {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return json::parse(in);
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string value_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    return v.dump();
}

const char* state_name(ResultState s) {
    switch (s) {
    case ResultState::Done:
        return "done";
    case ResultState::Missing:
        return "missing";
    case ResultState::Invalid:
        return "invalid";
    }
    return "?";
}

// The metrics the printed table shows by default: the headline numbers of DESIGN.md.
bool key_metric(const std::string& n) {
    static const std::set<std::string> exact{"bandwidth.wall_s",
                                             "processes.wall_s",
                                             "pressure.kernel_free_above_min_MiB.min",
                                             "pressure.unmovable_capacity_MiB",
                                             "pressure.time_below_low_s",
                                             "pressure.fallbacks",
                                             "pressure.failures_unmovable"};
    if (exact.count(n)) return true;
    return n.rfind("bandwidth.", 0) == 0 && n.size() > 11 &&
           n.compare(n.size() - 11, 11, ".share_user") == 0;
}

void summarise(CollectResult& r, const json* manifest) {
    for (std::size_t a = 0; a < r.axes.size(); ++a) {
        std::vector<std::string> order;
        if (manifest)
            for (const json& ax : (*manifest)["axes"])
                if (ax.value("name", "") == r.axes[a] && ax.contains("values"))
                    for (const json& v : ax["values"]) order.push_back(value_text(v));
        for (const CollectedJob& j : r.jobs)
            if (std::find(order.begin(), order.end(), j.values[a]) == order.end())
                order.push_back(j.values[a]);
        AxisSummary s;
        s.axis = r.axes[a];
        for (const std::string& v : order) {
            AxisValueSummary vs;
            vs.value = v;
            for (const MetricInfo& m : r.metrics) {
                std::vector<double> xs;
                for (const CollectedJob& j : r.jobs) {
                    if (j.state != ResultState::Done || j.values[a] != v) continue;
                    if (const auto it = j.metrics.find(m.name); it != j.metrics.end())
                        xs.push_back(it->second);
                }
                vs.metrics.push_back(mean_ci(xs));
            }
            for (const CollectedJob& j : r.jobs)
                vs.points += j.state == ResultState::Done && j.values[a] == v;
            if (vs.points > 0) s.values.push_back(std::move(vs));
        }
        if (s.values.size() >= 2) r.summary.push_back(std::move(s));
    }
}

} // namespace

CollectResult collect_sweep(const fs::path& dir, const fs::path& jobs_file) {
    CollectResult r;
    const fs::path list = jobs_file.empty() ? dir / "jobs.txt" : jobs_file;
    const std::vector<JobLine> lines = read_job_list(list);
    r.name = fs::absolute(dir).lexically_normal().filename().string();

    json manifest;
    const bool have_manifest = fs::exists(dir / "manifest.json");
    std::map<std::string, const json*> by_id;
    if (have_manifest) {
        try {
            manifest = read_json(dir / "manifest.json");
            r.name = manifest.value("name", r.name);
            for (const json& a : manifest.at("axes"))
                r.axes.push_back(a.at("name").get<std::string>());
            for (const json& j : manifest.at("jobs")) by_id[j.at("id").get<std::string>()] = &j;
        } catch (const json::exception& e) {
            throw std::invalid_argument((dir / "manifest.json").string() +
                                        ": not a sweep manifest: " + e.what());
        }
    }

    std::set<std::string> seen_metric;
    for (const JobLine& l : lines) {
        CollectedJob j;
        j.line = l;
        j.values.assign(r.axes.size(), "");
        if (const auto it = by_id.find(l.id); it != by_id.end() && it->second->contains("values"))
            for (std::size_t a = 0; a < r.axes.size(); ++a)
                if (it->second->at("values").contains(r.axes[a]))
                    j.values[a] = value_text(it->second->at("values").at(r.axes[a]));
        const fs::path file = result_file(l, dir);
        j.state = judge_result(file, &j.why);
        if (j.state == ResultState::Done) {
            ++r.done;
            const json res = read_json(file);
            if (res.is_object() && res.contains("metrics") && res["metrics"].is_array())
                for (const json& m : res["metrics"]) {
                    if (!m.is_object() || !m.contains("name") || !m.contains("value") ||
                        !m["value"].is_number())
                        continue;
                    const std::string name = m["name"].get<std::string>();
                    j.metrics[name] = m["value"].get<double>();
                    if (seen_metric.insert(name).second)
                        r.metrics.push_back({name, m.value("unit", ""), m.value("better", 0)});
                }
        } else {
            ++(j.state == ResultState::Missing ? r.missing : r.invalid);
        }
        r.jobs.push_back(std::move(j));
    }
    summarise(r, have_manifest ? &manifest : nullptr);
    return r;
}

std::string retry_list(const CollectResult& r) {
    std::string s;
    for (const CollectedJob& j : r.jobs)
        if (j.state != ResultState::Done) {
            s += j.line.command;
            s += '\n';
        }
    return s;
}

std::string collect_csv(const CollectResult& r) {
    std::string s = "id,state";
    for (const std::string& a : r.axes) s += "," + csv_field(a);
    for (const MetricInfo& m : r.metrics) s += "," + csv_field(m.name);
    s += '\n';
    for (const CollectedJob& j : r.jobs) {
        s += csv_field(j.line.id);
        s += ',';
        s += state_name(j.state);
        for (const std::string& v : j.values) s += "," + csv_field(v);
        for (const MetricInfo& m : r.metrics) {
            s += ',';
            if (const auto it = j.metrics.find(m.name); it != j.metrics.end())
                s += fmt::format("{}", it->second);
        }
        s += '\n';
    }
    return s;
}

json collect_json(const CollectResult& r) {
    json j;
    j["name"] = r.name;
    j["axes"] = r.axes;
    j["counts"] = {
        {"jobs", r.jobs.size()}, {"done", r.done}, {"missing", r.missing}, {"invalid", r.invalid}};
    json metrics = json::array();
    for (const MetricInfo& m : r.metrics)
        metrics.push_back({{"name", m.name}, {"unit", m.unit}, {"better", m.better}});
    j["metrics"] = metrics;
    json jobs = json::array();
    for (const CollectedJob& c : r.jobs) {
        json values = json::object();
        for (std::size_t a = 0; a < r.axes.size(); ++a) values[r.axes[a]] = c.values[a];
        json m = json::object();
        for (const auto& [k, v] : c.metrics) m[k] = v;
        json row = {
            {"id", c.line.id}, {"state", state_name(c.state)}, {"values", values}, {"metrics", m}};
        if (!c.why.empty()) row["why"] = c.why;
        jobs.push_back(row);
    }
    j["jobs"] = jobs;
    json summary = json::array();
    for (const AxisSummary& s : r.summary) {
        json vals = json::array();
        for (const AxisValueSummary& v : s.values) {
            json ms = json::object();
            for (std::size_t i = 0; i < r.metrics.size(); ++i)
                if (v.metrics[i].n > 0)
                    ms[r.metrics[i].name] = {{"mean", v.metrics[i].mean},
                                             {"ci95", v.metrics[i].ci95},
                                             {"n", v.metrics[i].n}};
            vals.push_back({{"value", v.value}, {"points", v.points}, {"metrics", ms}});
        }
        summary.push_back({{"axis", s.axis}, {"values", vals}});
    }
    j["summary"] = summary;
    return j;
}

std::string collect_table(const CollectResult& r, bool all_metrics) {
    std::string s = fmt::format("sweep {}: {}/{} results valid", r.name, r.done, r.jobs.size());
    if (r.missing) s += fmt::format(", {} missing", r.missing);
    if (r.invalid) s += fmt::format(", {} invalid", r.invalid);
    s += '\n';
    for (const CollectedJob& j : r.jobs)
        if (j.state != ResultState::Done)
            s += fmt::format("  {}: {}{}\n", j.line.id, state_name(j.state),
                             j.why.empty() ? "" : " (" + j.why + ")");
    bool any_key = false;
    for (const MetricInfo& m : r.metrics) any_key = any_key || key_metric(m.name);
    for (const AxisSummary& ax : r.summary) {
        s += fmt::format("\nby {}: mean ± 95% CI over the points sharing each value; (x%) against "
                         "the first value, * where the intervals do not overlap\n",
                         ax.axis);
        std::vector<std::vector<std::string>> cells;
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < r.metrics.size(); ++i) {
            if (!all_metrics && any_key && !key_metric(r.metrics[i].name)) continue;
            rows.push_back(i);
            std::vector<std::string> row;
            const MeanCi& base = ax.values[0].metrics[i];
            for (std::size_t v = 0; v < ax.values.size(); ++v) {
                const MeanCi& m = ax.values[v].metrics[i];
                if (m.n == 0) {
                    row.emplace_back("-");
                    continue;
                }
                std::string c = format_mean_ci(m);
                if (v > 0 && base.n > 0) {
                    if (base.mean != 0) {
                        const bool apart = m.n > 1 && base.n > 1 &&
                                           std::fabs(m.mean - base.mean) > m.ci95 + base.ci95;
                        c += fmt::format(" ({:+6.1f}%){}", (m.mean / base.mean - 1) * 100,
                                         apart ? "*" : " ");
                    } else {
                        c += " (   n/a)";
                    }
                }
                row.push_back(c);
            }
            cells.push_back(row);
        }
        int width = 12;
        for (const auto& row : cells)
            for (const std::string& c : row)
                width = std::max(width, static_cast<int>(c.size()) + 1);
        for (const AxisValueSummary& v : ax.values)
            width = std::max(
                width, static_cast<int>(v.value.size() + std::to_string(v.points).size()) + 6);
        constexpr int kName = 44;
        s += fmt::format("{:<{}}", "metric", kName);
        for (const AxisValueSummary& v : ax.values)
            s += fmt::format(" {:>{}}", fmt::format("{} (n={})", v.value, v.points), width);
        s += '\n';
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const MetricInfo& m = r.metrics[rows[k]];
            std::string label = m.name;
            if (!m.unit.empty()) label += " [" + m.unit + "]";
            s += fmt::format("{:<{}}", label, kName);
            for (const std::string& c : cells[k]) s += fmt::format(" {:>{}}", c, width);
            s += '\n';
        }
    }
    return s;
}

void write_collect_outputs(const fs::path& dir, const CollectResult& r,
                           const fs::path& retry_file) {
    write_file_atomic(retry_file, retry_list(r));
    write_file_atomic(dir / "sweep.csv", collect_csv(r));
    write_file_atomic(dir / "sweep.json", collect_json(r).dump(2) + "\n");
    write_file_atomic(dir / "summary.txt", collect_table(r, true));
}

int plot_sweep(const fs::path& dir, std::string& note) {
    std::string why;
    const std::string script = script_path("plot_sweep.py").string();
    const int rc = run_process({python_interpreter(), script, dir.string()}, why);
    if (rc < 0)
        note = "no plots: cannot run " + python_interpreter() + ": " + why;
    else if (rc == 3)
        note = "no plots: matplotlib is missing for " + python_interpreter() +
               " (Debian: python3-matplotlib)";
    else if (rc != 0)
        note = "no plots: " + script + " failed with exit status " + std::to_string(rc);
    return rc;
}

} // namespace pagesim
