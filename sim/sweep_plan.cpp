// SPDX-License-Identifier: GPL-2.0-only
// The plan's files. Paths in the job lines are absolute, so a line runs the same from any
// directory and on any node that sees the sweep directory at the same path.
#include "sim/sweep_plan.h"

#include "sim/atomic_file.h"
#include "sim/sweep_jobs.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pagesim {

namespace fs = std::filesystem;

std::string job_command(const Sweep& sw, const SweepPoint& p, const std::string& pagesim,
                        const fs::path& results_dir) {
    const SweepScenario& sc = sw.scenarios.at(p.values[0]);
    std::string s = shell_quote(pagesim);
    s += " run ";
    s += shell_quote(sc.path);
    if (!sc.layouts.empty()) {
        s += " --layout ";
        s += shell_quote(p.values[1]);
    }
    if (sw.has_seed) {
        s += " --seed ";
        s += p.values[2];
    }
    for (const auto& [k, v] : sw.overrides(p)) {
        s += " --set ";
        s += shell_quote(k + "=" + v);
    }
    s += " --format json --out ";
    s += shell_quote((results_dir / (p.id + ".json")).string());
    // The summary is in the result file; printed too it would flood Slurm's and parallel's
    // logs, where only the errors (stderr) are of use.
    s += " >/dev/null";
    return s;
}

nlohmann::json sweep_manifest(const Sweep& sw, const std::string& pagesim,
                              const fs::path& results_dir) {
    using nlohmann::json;
    json j;
    j["format"] = "pagesim-sweep-manifest 1";
    j["name"] = sw.name;
    j["description"] = sw.description;
    j["sweep_file"] = fs::absolute(sw.file).lexically_normal().string();
    j["pagesim"] = pagesim;
    json axes = json::array();
    for (const SweepAxis& a : sw.axes) {
        json vals = json::array();
        for (const SweepValue& v : a.values) vals.push_back(v.text);
        axes.push_back({{"name", a.name}, {"in_id", a.declared}, {"values", vals}});
    }
    j["axes"] = axes;
    json jobs = json::array();
    for (const SweepPoint& p : sw.points) {
        json values = json::object();
        for (std::size_t i = 0; i < sw.axes.size(); ++i) {
            if (sw.has_seed && i == 2)
                values[sw.axes[i].name] = std::stoull(p.values[i]);
            else
                values[sw.axes[i].name] = p.values[i];
        }
        jobs.push_back({{"id", p.id},
                        {"values", values},
                        {"scenario_file", sw.scenarios.at(p.values[0]).path},
                        {"command", job_command(sw, p, pagesim, results_dir)}});
    }
    j["jobs"] = jobs;
    return j;
}

PlanResult write_plan(const Sweep& sw, const fs::path& dir_in, const std::string& pagesim) {
    const fs::path dir = fs::absolute(dir_in).lexically_normal();
    for (char c : dir.string())
        if (c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == '\\')
            throw std::invalid_argument(
                "--out " + dir.string() +
                ": the sweep directory's path may not hold whitespace, quotes or '\\' (job "
                "lines name their result files literally; see scripts/cluster/README.md)");
    const fs::path results = dir / "results";
    std::error_code ec;
    fs::create_directories(results, ec);
    if (!ec) fs::create_directories(dir / "logs", ec);
    if (ec) throw std::runtime_error(dir.string() + ": cannot create directory: " + ec.message());

    std::string lines;
    PlanResult r;
    for (const SweepPoint& p : sw.points) {
        lines += job_command(sw, p, pagesim, results);
        lines += '\n';
        ++r.jobs;
        if (judge_result(results / (p.id + ".json")) == ResultState::Done) ++r.done;
    }
    std::ifstream in(sw.file, std::ios::binary);
    std::ostringstream copy;
    copy << in.rdbuf();
    // The manifest first and the job list last: a runner reading jobs.txt meanwhile sees
    // either the old plan or the whole new one.
    write_file_atomic(dir / "sweep.yaml", copy.str());
    write_file_atomic(dir / "manifest.json", sweep_manifest(sw, pagesim, results).dump(2) + "\n");
    write_file_atomic(dir / "jobs.txt", lines);
    return r;
}

std::string self_executable() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw std::runtime_error("cannot find the pagesim executable (/proc/self/exe): " +
                                 ec.message());
    return p.string();
}

} // namespace pagesim
