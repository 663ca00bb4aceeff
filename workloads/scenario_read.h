// SPDX-License-Identifier: GPL-2.0-only
// Internal to the scenario loader (scenario_*.cpp): the reading context (machine limits,
// the scenario's folder), typed readers for the language's values (gfp masks, orders,
// lifetimes, rates, page-multiple sizes, CPU lists) and their exact printers for the
// `--verbose` echo, and the per-section entry points each scenario_*.cpp provides.
#pragma once

#include "workloads/config_node.h"
#include "workloads/workload.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

/// What readers need to know while reading one scenario.
struct ReadContext {
    const Machine* machine = nullptr;
    std::string dir; ///< the scenario file's folder (relative paths start here)
    std::uint64_t page_size() const { return machine->kconfig.page_size(); }
    /// MAX_ORDER of the machine (exclusive): 11 with 4 KiB pages, so orders 0..10.
    unsigned max_order() const { return machine->kconfig.max_order; }
    /// HPAGE_PMD_ORDER: a THP is a pageblock on arm64 and x86.
    unsigned thp_order() const { return machine->kconfig.pageblock_order; }
    /// `path` made relative to the scenario's folder (absolute paths unchanged).
    std::string resolve(const std::string& path) const;
};

// ---- Values ------------------------------------------------------------------------------

/// "GFP_KERNEL|__GFP_COMP": kernel names joined by '|'; rejects unknown names (with the
/// closest one), __GFP_MOVABLE with __GFP_RECLAIMABLE, and invalid zone modifiers.
GfpFlags read_gfp(const ConfigNode& n);
/// An allocation order below the machine's MAX_ORDER.
unsigned read_order(const ConfigNode& n, const ReadContext& ctx);
/// A size that is a whole number of `unit` bytes (a page, a block of some order); `what`
/// names the unit in the message ("a page (4KiB)").
std::uint64_t read_size_multiple(const ConfigNode& n, std::uint64_t unit, const std::string& what,
                                 bool allow_zero = false);
/// A non-negative duration.
std::int64_t read_duration(const ConfigNode& n);
/// `forever`, `until_exit`, a duration (fixed), `{fixed: D}`, `{exponential: MEAN}`,
/// `{uniform: [MIN, MAX]}`.
Lifetime read_lifetime(const ConfigNode& n);
/// Events per second: `500`, `500/s`, `2k/s`, `1.5M/s`, `30/min`, `2/h`.
double read_rate(const ConfigNode& n);
/// A CPU list: `[0, 2]` or a cpulist string `0-3,6`; each below `ncpus`.
std::vector<unsigned> read_cpus(const ConfigNode& n, unsigned ncpus);
/// A node list: `[0, 1]` or `0-1`.
std::vector<int> read_nodes(const ConfigNode& n);
/// A name: letters, digits, '_', '-', '.', not empty; `what` for the message.
std::string read_name(const ConfigNode& n, const char* what);

/// Exact text for a duration ("250ms", "1500ns"): the largest unit dividing it exactly.
std::string exact_duration(std::int64_t ns);
/// Shortest text that reads back as the same double.
std::string exact_double(double v);
ConfigNode lifetime_node(const Lifetime& l);
ConfigNode scalar_node(const std::string& text);
ConfigNode number_node(std::uint64_t v);
ConfigNode bool_node(bool b);

// ---- Sections ----------------------------------------------------------------------------

/// scenario_process.cpp: `workload.processes`.
std::vector<ProcessSpec> read_processes(const ConfigNode& list, const ReadContext& ctx);
/// scenario_phase.cpp: one item of a process's `phases`, appended to `out` (a form may
/// expand to several phases). `names` are the process's buffer names; `labels` the labels
/// of earlier phases by their index in `out`; `yaml_index` maps YAML positions to `out`.
void read_phase(const ConfigNode& item, const ReadContext& ctx, const ProcessSpec& proc,
                std::vector<Phase>& out, std::vector<std::size_t>& yaml_index,
                std::vector<Mark>& marks);
/// scenario_events.cpp: `workload.events` (a YAML list or compact text), checked.
std::vector<ExplicitEvent> read_events(const ConfigNode& n, const ReadContext& ctx);
/// scenario_events.cpp: `workload.events_file`, checked by streaming it once; returns the
/// resolved path.
std::string read_events_file(const ConfigNode& n, const ReadContext& ctx);
/// scenario_events.cpp: `workload.generators`, each made once to validate its params.
std::vector<GeneratorSpec> read_generators(const ConfigNode& list, const ReadContext& ctx,
                                           std::uint64_t seed);

/// scenario_emit.cpp: a process (buffers, phases) as the loader reads it back.
ConfigNode process_to_config(const ProcessSpec& p);

} // namespace pagesim
