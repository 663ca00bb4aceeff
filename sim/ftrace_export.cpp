// SPDX-License-Identifier: GPL-2.0-only
// FtraceExporter: TraceEvents from the tracepoint arguments and the engine's caller, to a
// temporary body file; commit() writes the header block and the body into the target's
// own temporary and renames it (the header's entry counts are known only at the end).
#include "sim/ftrace_export.h"

#include "sim/simulator.h"

#include <algorithm>
#include <stdexcept>

namespace pagesim {

FtraceExporter::FtraceExporter(const std::filesystem::path& path, unsigned nr_cpus,
                               FtraceExportOptions options)
    : path_(path), nr_cpus_(std::max(1u, nr_cpus)), options_(options) {
    body_ = std::make_unique<AtomicOutputFile>(path_, ".body");
    FtraceWriteOptions w;
    w.cma = options_.cma;
    w.ns_timestamps = options_.ns_timestamps;
    writer_ = std::make_unique<FtraceWriter>(body_->stream(), w);
}

FtraceExporter::~FtraceExporter() = default; // an uncommitted body is removed

TraceEvent FtraceExporter::make(TraceEventType type, unsigned cpu, Pfn pfn) {
    TraceEvent ev;
    ev.type = type;
    ev.cpu = static_cast<std::uint16_t>(cpu);
    ev.pfn = pfn;
    std::int64_t ts = options_.time_offset_ns;
    ev.pid = kExportKernelPid;
    if (sim_) {
        const TraceCaller& c = sim_->trace_caller();
        ts += c.now;
        if (c.proc != kNone && c.proc < sim_->processes().size()) {
            ev.pid = kExportFirstPid + static_cast<std::int32_t>(c.proc);
            ev.comm = TaskComm::from(sim_->processes()[c.proc].name);
        }
        pageblock_order_ = sim_->allocator().pageblock_order();
    }
    if (ev.pid == kExportKernelPid) ev.comm = TaskComm::from(kExportKernelComm);
    ts = std::max(ts, last_ts_);
    last_ts_ = ts;
    ev.ts_ns = ts;
    return ev;
}

void FtraceExporter::mm_page_alloc(unsigned cpu, Pfn pfn, unsigned order, GfpFlags gfp,
                                   MigrateType mt) {
    TraceEvent ev = make(TraceEventType::PageAlloc, cpu, pfn);
    ev.order = static_cast<std::uint8_t>(order);
    ev.gfp = gfp;
    ev.migratetype = mt;
    writer_->write(ev);
}

void FtraceExporter::mm_page_free(unsigned cpu, Pfn pfn, unsigned order) {
    TraceEvent ev = make(TraceEventType::PageFree, cpu, pfn);
    ev.order = static_cast<std::uint8_t>(order);
    writer_->write(ev);
}

void FtraceExporter::mm_page_free_batched(unsigned cpu, Pfn pfn) {
    writer_->write(make(TraceEventType::PageFreeBatched, cpu, pfn));
}

void FtraceExporter::mm_page_alloc_zone_locked(unsigned cpu, Pfn pfn, unsigned order,
                                               MigrateType mt, bool percpu_refill) {
    TraceEvent ev = make(TraceEventType::PageAllocZoneLocked, cpu, pfn);
    ev.order = static_cast<std::uint8_t>(order);
    ev.migratetype = mt;
    ev.percpu_refill = percpu_refill;
    writer_->write(ev);
}

void FtraceExporter::mm_page_pcpu_drain(unsigned cpu, Pfn pfn, unsigned order, MigrateType mt) {
    TraceEvent ev = make(TraceEventType::PagePcpuDrain, cpu, pfn);
    ev.order = static_cast<std::uint8_t>(order);
    ev.migratetype = mt;
    writer_->write(ev);
}

void FtraceExporter::mm_page_alloc_extfrag(unsigned cpu, Pfn pfn, unsigned alloc_order,
                                           unsigned fallback_order, MigrateType alloc_mt,
                                           MigrateType fallback_mt, bool change_ownership) {
    TraceEvent ev = make(TraceEventType::PageAllocExtfrag, cpu, pfn);
    ev.order = static_cast<std::uint8_t>(alloc_order);
    ev.fallback_order = static_cast<std::uint8_t>(fallback_order);
    ev.migratetype = alloc_mt;
    ev.fallback_migratetype = fallback_mt;
    ev.change_ownership = change_ownership;
    ev.pageblock_order = static_cast<std::uint8_t>(pageblock_order_);
    writer_->write(ev);
}

void FtraceExporter::commit() {
    if (!writer_) throw std::runtime_error(path_.string() + ": the export was already committed");
    writer_->flush();
    const std::uint64_t n = writer_->events_written();
    events_ = n;
    body_->stream().flush();
    if (!body_->stream()) throw std::runtime_error(path_.string() + ": write failed");
    body_->stream().close();
    writer_.reset();

    AtomicOutputFile out(path_);
    FtraceHeaderInfo h;
    h.entries_in_buffer = n;
    h.entries_written = n;
    h.nr_cpus = nr_cpus_;
    std::string header;
    format_ftrace_header(h, header);
    out.stream() << header;
    {
        std::ifstream body(body_->temp_path(), std::ios::binary);
        if (!body) throw std::runtime_error(body_->temp_path().string() + ": cannot reopen");
        if (n > 0) out.stream() << body.rdbuf();
    }
    out.commit();
    body_->discard();
}

} // namespace pagesim
