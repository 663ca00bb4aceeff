// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run --ftrace-out FILE`: FtraceExporter is a KmemTracer that writes the run's
// allocator events as tracefs `trace` text (FtraceWriter), stamped with the simulated time
// of each allocator call, its CPU, and a task per simulated process. Published atomically.
#pragma once

#include "allocator/trace.h"
#include "sim/atomic_stream.h"
#include "workloads/ftrace_format.h"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace pagesim {

class Simulator;

struct FtraceExportOptions {
    bool cma = false;           ///< the simulated kernel has CONFIG_CMA (migratetype numbers)
    bool ns_timestamps = false; ///< "secs.nanoseconds" instead of the kernel's microseconds
    /// Added to the simulated time (a capture's first timestamp is the guest's uptime; 0
    /// prints the run's time as it is).
    std::int64_t time_offset_ns = 0;
};

/// Tasks of the export: process i prints as `<name>-<kFirstPid + i>` (its name cut to 15
/// bytes), kernel-wide owners (generators, explicit lists, trace replay) as `kthreadd-2`.
inline constexpr std::int32_t kExportFirstPid = 1000;
inline constexpr std::int32_t kExportKernelPid = 2;
inline constexpr const char* kExportKernelComm = "kthreadd";

/// Writes every kmem tracepoint of the run. Timestamps never decrease (an event stamped
/// before the previous one, as processes' local clocks interleave, takes the previous
/// stamp), so the file is in time order like a real trace. Nothing appears at the target
/// until commit(): header (entry counts, CPUs) and events, then a rename.
class FtraceExporter : public KmemTracer {
public:
    /// Throws std::runtime_error if the temporary file cannot be created.
    FtraceExporter(const std::filesystem::path& path, unsigned nr_cpus,
                   FtraceExportOptions options = {});
    ~FtraceExporter() override;
    FtraceExporter(const FtraceExporter&) = delete;
    FtraceExporter& operator=(const FtraceExporter&) = delete;

    /// The simulator whose time and processes stamp the events (before Simulator::run).
    /// Unattached, every event prints at time 0 as the kernel task.
    void attach(const Simulator& sim) { sim_ = &sim; }
    /// Publishes the file. Throws std::runtime_error if it cannot be written.
    void commit();
    /// Events written so far.
    std::uint64_t events() const { return writer_ ? writer_->events_written() : events_; }

    void mm_page_alloc(unsigned cpu, Pfn pfn, unsigned order, GfpFlags gfp,
                       MigrateType mt) override;
    void mm_page_free(unsigned cpu, Pfn pfn, unsigned order) override;
    void mm_page_free_batched(unsigned cpu, Pfn pfn) override;
    void mm_page_alloc_zone_locked(unsigned cpu, Pfn pfn, unsigned order, MigrateType mt,
                                   bool percpu_refill) override;
    void mm_page_pcpu_drain(unsigned cpu, Pfn pfn, unsigned order, MigrateType mt) override;
    void mm_page_alloc_extfrag(unsigned cpu, Pfn pfn, unsigned alloc_order, unsigned fallback_order,
                               MigrateType alloc_mt, MigrateType fallback_mt,
                               bool change_ownership) override;

private:
    TraceEvent make(TraceEventType type, unsigned cpu, Pfn pfn);

    std::filesystem::path path_;
    unsigned nr_cpus_;
    FtraceExportOptions options_;
    std::unique_ptr<AtomicOutputFile> body_; ///< the events; the header is added at commit
    std::unique_ptr<FtraceWriter> writer_;
    const Simulator* sim_ = nullptr;
    std::int64_t last_ts_ = 0;
    std::uint64_t events_ = 0; ///< after commit()
    unsigned pageblock_order_ = 9;
};

} // namespace pagesim
