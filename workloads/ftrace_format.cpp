// SPDX-License-Identifier: GPL-2.0-only
// The kernel's trace text: trace_print_context() + trace_print_lat_fmt() +
// trace_print_time() for the prefix, the TP_printk formats of include/trace/events/kmem.h
// for the payloads, print_func_help_header_irq() for the header.
#include "workloads/ftrace_format.h"

#include <fmt/format.h>

#include <iterator>
#include <stdexcept>

namespace pagesim {

namespace {

constexpr std::size_t kFlushAt = std::size_t{1} << 16;

char depth_char(std::uint8_t d) {
    d &= 0xf; // the kernel prints (count & 0xf) as one hex digit
    return d == 0 ? '.' : "0123456789abcdef"[d];
}

} // namespace

void format_ftrace_header(const FtraceHeaderInfo& h, std::string& out) {
    // The column legend is shifted right by 10 more spaces with record-tgid.
    const int prec = h.tgid ? 12 : 2;
    auto o = std::back_inserter(out);
    fmt::format_to(o, "# tracer: nop\n#\n");
    fmt::format_to(o, "# entries-in-buffer/entries-written: {}/{}   #P:{}\n#\n",
                   h.entries_in_buffer, h.entries_written, h.nr_cpus);
    const std::string sp(static_cast<std::size_t>(prec), ' ');
    fmt::format_to(o, "#                            {}  _-----=> irqs-off/BH-disabled\n", sp);
    fmt::format_to(o, "#                            {} / _----=> need-resched\n", sp);
    fmt::format_to(o, "#                            {}| / _---=> hardirq/softirq\n", sp);
    fmt::format_to(o, "#                            {}|| / _--=> preempt-depth\n", sp);
    fmt::format_to(o, "#                            {}||| / _-=> migrate-disable\n", sp);
    fmt::format_to(o, "#                            {}|||| /     delay\n", sp);
    fmt::format_to(o, "#           TASK-PID  {} CPU#  |||||  TIMESTAMP  FUNCTION\n",
                   std::string_view("     TGID   ").substr(0, static_cast<std::size_t>(prec)));
    fmt::format_to(o, "#              | |    {}   |   |||||     |         |\n",
                   std::string_view("       |    ").substr(0, static_cast<std::size_t>(prec)));
}

void format_ftrace_event(const TraceEvent& ev, const FtraceWriteOptions& opt, std::string& out) {
    if (ev.ts_ns < 0) throw std::invalid_argument("trace event with a negative timestamp");
    auto o = std::back_inserter(out);
    fmt::format_to(o, "{:>16}-{:<7} ", ev.comm.view(), ev.pid);
    if (ev.tgid == kTgidUnknown) {
        out += "(-------) ";
    } else if (ev.tgid != kTgidAbsent) {
        fmt::format_to(o, "({:>7}) ", ev.tgid);
    }
    fmt::format_to(o, "[{:03}] ", ev.cpu);
    if (ev.has_irq_info) {
        out += ev.irq.irqs_off;
        out += ev.irq.need_resched;
        out += ev.irq.hardsoft_irq;
        out += depth_char(ev.irq.preempt_depth);
        out += depth_char(ev.irq.migrate_disable);
    }
    const auto ts = static_cast<std::uint64_t>(ev.ts_ns);
    if (opt.ns_timestamps) {
        fmt::format_to(o, " {:>5}.{:09}: ", ts / 1000000000, ts % 1000000000);
    } else {
        const std::uint64_t us = (ts + 500) / 1000; // ns2usecs() rounds
        fmt::format_to(o, " {:>5}.{:06}: ", us / 1000000, us % 1000000);
    }
    out += trace_event_name(ev.type);
    const std::string_view page = ev.failed() ? "0000000000000000" : "(____ptrval____)";
    const Pfn pfn = ev.failed() ? 0 : ev.pfn;
    fmt::format_to(o, ": page={} pfn=0x{:x} ", page, pfn);
    auto mt = [&] { return migratetype_to_trace(ev.migratetype, opt.cma); };
    switch (ev.type) {
    case TraceEventType::PageAlloc:
        fmt::format_to(o, "order={} migratetype={} gfp_flags={}\n", ev.order, mt(),
                       gfp_to_string(ev.gfp));
        break;
    case TraceEventType::PageFree:
        fmt::format_to(o, "order={}\n", ev.order);
        break;
    case TraceEventType::PageFreeBatched:
        out += "order=0\n";
        break;
    case TraceEventType::PageAllocZoneLocked:
        fmt::format_to(o, "order={} migratetype={} percpu_refill={}\n", ev.order, mt(),
                       ev.percpu_refill ? 1 : 0);
        break;
    case TraceEventType::PagePcpuDrain:
        fmt::format_to(o, "order={} migratetype={}\n", ev.order, mt());
        break;
    case TraceEventType::PageAllocExtfrag: {
        fmt::format_to(o, "alloc_order={} fallback_order={} ", ev.order, ev.fallback_order);
        if (ev.pageblock_order != kUnknownPageblockOrder)
            fmt::format_to(o, "pageblock_order={} ", ev.pageblock_order);
        fmt::format_to(o, "alloc_migratetype={} fallback_migratetype={} ", mt(),
                       migratetype_to_trace(ev.fallback_migratetype, opt.cma));
        if (ev.pageblock_order != kUnknownPageblockOrder)
            fmt::format_to(o, "fragmenting={} ", ev.fragmenting() ? 1 : 0);
        fmt::format_to(o, "change_ownership={}\n", ev.change_ownership ? 1 : 0);
        break;
    }
    }
}

std::string format_ftrace(std::span<const TraceEvent> events, unsigned nr_cpus,
                          const FtraceWriteOptions& options) {
    FtraceHeaderInfo h;
    h.entries_in_buffer = h.entries_written = events.size();
    h.nr_cpus = nr_cpus;
    for (const TraceEvent& ev : events) h.tgid = h.tgid || ev.tgid != kTgidAbsent;
    std::string out;
    out.reserve(1024 + events.size() * 140);
    format_ftrace_header(h, out);
    for (const TraceEvent& ev : events) format_ftrace_event(ev, options, out);
    return out;
}

FtraceWriter::FtraceWriter(std::ostream& out, FtraceWriteOptions options)
    : out_(out), options_(options) {
    buf_.reserve(kFlushAt + 4096);
}

FtraceWriter::~FtraceWriter() {
    try {
        flush();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

void FtraceWriter::write_header(const FtraceHeaderInfo& header) {
    format_ftrace_header(header, buf_);
}

void FtraceWriter::write(const TraceEvent& ev) {
    format_ftrace_event(ev, options_, buf_);
    ++events_;
    if (buf_.size() >= kFlushAt) flush();
}

void FtraceWriter::flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
    if (!out_) throw std::runtime_error("writing the trace failed");
}

} // namespace pagesim
