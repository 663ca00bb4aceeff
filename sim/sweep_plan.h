// SPDX-License-Identifier: GPL-2.0-only
// `pagesim sweep plan`: a sweep's points as a job list (DIR/jobs.txt, one self-contained
// `pagesim run ... --out DIR/results/<id>.json` per line), a manifest (DIR/manifest.json:
// the axes, each job's id, axis values and command) and a copy of the sweep file.
#pragma once

#include "sim/sweep_file.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <string>

namespace pagesim {

/// The command of one point: `pagesim run SCENARIO [--layout L] [--seed S] [--set K=V]...
/// --format json --out RESULTS_DIR/<id>.json >/dev/null`, every word quoted for sh
/// (shell_quote); stdout is dropped (the result file holds the same), stderr is kept.
/// `results_dir` must be absolute (a job list runs anywhere).
std::string job_command(const Sweep& sw, const SweepPoint& p, const std::string& pagesim,
                        const std::filesystem::path& results_dir);

/// The manifest: format, name, description, sweep file, pagesim, axes with their values,
/// and per job its id, axis values (seed as a number), scenario file and command.
nlohmann::json sweep_manifest(const Sweep& sw, const std::string& pagesim,
                              const std::filesystem::path& results_dir);

struct PlanResult {
    std::size_t jobs = 0;
    std::size_t done = 0; ///< jobs whose result already exists and is valid
};

/// Writes DIR/jobs.txt, DIR/manifest.json and DIR/sweep.yaml (each atomically) and creates
/// DIR/results and DIR/logs. Existing results are kept: re-planning the same sweep (or an
/// extended one) leaves finished work done. Throws std::invalid_argument for a DIR whose
/// absolute path would not survive the job-list convention (whitespace, quotes, '\').
PlanResult write_plan(const Sweep& sw, const std::filesystem::path& dir,
                      const std::string& pagesim);

/// The running executable (/proc/self/exe), for the job lines.
std::string self_executable();

} // namespace pagesim
