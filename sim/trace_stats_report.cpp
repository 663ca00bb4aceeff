// SPDX-License-Identifier: GPL-2.0-only
// TraceStats -> JSON and text. Only non-empty orders, migrate types and bins of the
// per-order tables are listed; JSON placement rows always carry all migrate types so that
// plots get stable keys.
#include "sim/trace_stats_report.h"

#include "allocator/gfp.h"
#include "workloads/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pagesim {

namespace {

using Json = nlohmann::ordered_json;

std::string hex(std::uint64_t v) {
    return fmt::format("0x{:x}", v);
}

Json histogram_json(const LogHistogram& h) {
    Json j;
    j["count"] = h.count();
    j["min_ns"] = h.min();
    j["mean_ns"] = h.mean();
    j["p50_ns"] = h.percentile(0.50);
    j["p90_ns"] = h.percentile(0.90);
    j["p99_ns"] = h.percentile(0.99);
    j["max_ns"] = h.max();
    Json hist = Json::array();
    for (const LogHistogram::Octave& o : h.octaves())
        hist.push_back({{"lo_ns", o.lo}, {"count", o.count}});
    j["histogram"] = std::move(hist);
    return j;
}

Json placement_json(const std::vector<PlacementRow>& rows) {
    Json a = Json::array();
    for (const PlacementRow& r : rows) {
        Json row;
        row["name"] = r.name;
        if (r.nid >= 0) row["node"] = r.nid;
        row["allocs"] = r.allocs;
        row["pages"] = r.pages;
        Json mt;
        for (unsigned m = 0; m < kMigrateTypes; ++m)
            mt[std::string(migratetype_name(static_cast<MigrateType>(m)))] = r.pages_by_mt[m];
        row["pages_by_migratetype"] = std::move(mt);
        a.push_back(std::move(row));
    }
    return a;
}

/// A table of strings: first column left-aligned, the others right-aligned.
class TextTable {
public:
    /// `left`: every column left-aligned (key/value lists).
    explicit TextTable(std::vector<std::string> header, bool left = false)
        : header_(std::move(header)), left_(left) {}
    void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    bool empty() const { return rows_.empty(); }

    void render(std::string& out) const {
        std::vector<std::size_t> w(header_.size(), 0);
        auto widen = [&](const std::vector<std::string>& r) {
            for (std::size_t i = 0; i < r.size() && i < w.size(); ++i)
                w[i] = std::max(w[i], r[i].size());
        };
        widen(header_);
        for (const auto& r : rows_) widen(r);
        auto line = [&](const std::vector<std::string>& r) {
            std::string l;
            for (std::size_t i = 0; i < w.size(); ++i) {
                const std::string& c = i < r.size() ? r[i] : std::string();
                if (i == 0) {
                    l += fmt::format("{:<{}}", c, w[i]);
                } else if (left_) {
                    l += fmt::format("  {:<{}}", c, w[i]);
                } else {
                    l += fmt::format("  {:>{}}", c, w[i]);
                }
            }
            while (!l.empty() && l.back() == ' ') l.pop_back();
            out += l;
            out += '\n';
        };
        line(header_);
        for (const auto& r : rows_) line(r);
        out += '\n';
    }

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
    bool left_ = false;
};

std::string num(std::uint64_t v) {
    return std::to_string(v);
}
std::string pct(std::uint64_t part, std::uint64_t whole) {
    return whole ? fmt::format("{:.1f}%",
                               100.0 * static_cast<double>(part) / static_cast<double>(whole))
                 : std::string("-");
}
std::string secs(std::int64_t ns) {
    return fmt::format("{}.{:06}", ns / 1000000000, (ns % 1000000000) / 1000);
}

std::string mt_name(unsigned m) {
    return std::string(migratetype_name(static_cast<MigrateType>(m)));
}

void placement_table(std::string& out, const char* title, const std::vector<PlacementRow>& rows,
                     std::uint64_t total_pages) {
    TextTable t(
        {title, "allocs", "pages", "Unmovable", "Movable", "Reclaimable", "other", "% pages"});
    for (const PlacementRow& r : rows) {
        std::uint64_t other = 0;
        for (unsigned m = MIGRATE_HIGHATOMIC; m < kMigrateTypes; ++m) other += r.pages_by_mt[m];
        const std::string name = r.nid >= 0 ? fmt::format("node {} {}", r.nid, r.name) : r.name;
        t.row({name, num(r.allocs), num(r.pages), num(r.pages_by_mt[MIGRATE_UNMOVABLE]),
               num(r.pages_by_mt[MIGRATE_MOVABLE]), num(r.pages_by_mt[MIGRATE_RECLAIMABLE]),
               num(other), pct(r.pages, total_pages)});
    }
    t.render(out);
}

void lifetime_row(TextTable& t, const std::string& name, const LogHistogram& h) {
    t.row({name, num(h.count()), format_duration(h.min()), format_duration(h.percentile(0.5)),
           format_duration(h.percentile(0.9)), format_duration(h.percentile(0.99)),
           format_duration(h.max()), format_duration(static_cast<std::int64_t>(h.mean()))});
}

} // namespace

Json trace_stats_to_json(const TraceStats& s, std::string_view source) {
    Json j;
    j["source"] = std::string(source);

    const FtraceParseSummary& p = s.parse;
    Json parse;
    parse["lines"] = p.lines;
    parse["bytes"] = p.bytes;
    parse["kmem_events"] = p.kmem_events();
    parse["comments"] = p.comments;
    parse["blank"] = p.blank;
    parse["header_lines"] = p.header_lines;
    parse["other_events"] = p.other_events;
    parse["other_event_names"] = Json::object();
    for (const auto& [name, n] : p.other_event_names) parse["other_event_names"][name] = n;
    parse["lost_markers"] = p.lost_markers;
    parse["lost_events"] = p.lost_events;
    parse["lost_markers_uncounted"] = p.lost_markers_uncounted;
    parse["malformed"] = p.malformed;
    parse["first_malformed"] = Json::array();
    for (const MalformedLine& m : p.first_malformed)
        parse["first_malformed"].push_back({{"line", m.line}, {"message", m.message}});
    parse["unterminated_last_line"] = p.unterminated_last_line;
    Json header;
    header["tracer"] = p.header.tracer;
    if (p.header.entries_in_buffer) header["entries_in_buffer"] = *p.header.entries_in_buffer;
    if (p.header.entries_written) header["entries_written"] = *p.header.entries_written;
    if (p.header.nr_cpus) header["nr_cpus"] = *p.header.nr_cpus;
    parse["header"] = std::move(header);
    j["parse"] = std::move(parse);

    j["span"] = {{"first_ns", s.first_ts_ns},
                 {"last_ns", s.last_ts_ns},
                 {"duration_ns", s.last_ts_ns - s.first_ts_ns}};
    Json events;
    for (std::size_t t = 0; t < kTraceEventTypes; ++t)
        events[std::string(trace_event_name(static_cast<TraceEventType>(t)))] = s.events[t];
    j["events"] = std::move(events);
    j["events_by_cpu"] = s.events_by_cpu;

    Json a;
    a["count"] = s.allocs;
    a["pages"] = s.alloc_pages;
    a["failed"] = s.failed_allocs;
    a["by_order"] = Json::array();
    for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
        if (!s.allocs_by_order[o] && !s.failed_by_order[o]) continue;
        a["by_order"].push_back({{"order", o},
                                 {"allocs", s.allocs_by_order[o]},
                                 {"pages", s.allocs_by_order[o] << o},
                                 {"failed", s.failed_by_order[o]}});
    }
    a["by_migratetype"] = Json::array();
    for (unsigned m = 0; m < kMigrateTypes; ++m) {
        if (!s.allocs_by_mt[m]) continue;
        a["by_migratetype"].push_back({{"migratetype", mt_name(m)},
                                       {"allocs", s.allocs_by_mt[m]},
                                       {"pages", s.pages_by_mt[m]}});
    }
    a["by_gfp"] = Json::array();
    for (const auto& [g, n] : s.allocs_by_gfp)
        a["by_gfp"].push_back({{"gfp", gfp_to_string(g)}, {"value", hex(g)}, {"allocs", n}});
    a["gfp_overflow"] = s.gfp_overflow;
    j["allocations"] = std::move(a);

    Json f;
    f["count"] = s.frees;
    f["pages"] = s.free_pages;
    f["by_order"] = Json::array();
    for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
        if (s.frees_by_order[o])
            f["by_order"].push_back({{"order", o}, {"frees", s.frees_by_order[o]}});
    }
    j["frees"] = std::move(f);

    j["placement"] = {{"has_layout", s.has_layout},
                      {"zones", placement_json(s.zones)},
                      {"controllers", placement_json(s.controllers)}};

    const LifetimeStats& lt = s.lifetimes;
    Json l;
    l["matched"] = lt.matched;
    l["pre_capture_frees"] = lt.pre_capture_frees;
    l["pre_capture_pages"] = lt.pre_capture_pages;
    l["partial_frees"] = lt.partial_frees;
    l["split_completed"] = lt.split_completed;
    l["order_mismatch"] = lt.order_mismatch;
    l["realloc_without_free"] = lt.realloc_without_free;
    l["live_at_end"] = lt.live_at_end;
    l["live_pages_at_end"] = lt.live_pages_at_end;
    l["all"] = histogram_json(lt.all);
    l["by_order"] = Json::array();
    for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
        if (!lt.by_order[o].count() && !lt.live_by_order[o] && !lt.pre_capture_by_order[o])
            continue;
        Json row = histogram_json(lt.by_order[o]);
        row["order"] = o;
        row["live_at_end"] = lt.live_by_order[o];
        row["pre_capture_frees"] = lt.pre_capture_by_order[o];
        l["by_order"].push_back(std::move(row));
    }
    j["lifetimes"] = std::move(l);

    const ExtfragStats& x = s.extfrag;
    Json e;
    e["events"] = x.events;
    e["fragmenting"] = x.fragmenting;
    e["change_ownership"] = x.change_ownership;
    e["by_types"] = Json::array();
    for (unsigned am = 0; am < kMigrateTypes; ++am) {
        for (unsigned fm = 0; fm < kMigrateTypes; ++fm) {
            if (x.by_types[am][fm]) {
                e["by_types"].push_back({{"alloc", mt_name(am)},
                                         {"fallback", mt_name(fm)},
                                         {"count", x.by_types[am][fm]}});
            }
        }
    }
    e["by_fallback_order"] = Json::array();
    for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
        if (x.by_fallback_order[o])
            e["by_fallback_order"].push_back({{"order", o}, {"count", x.by_fallback_order[o]}});
    }
    j["extfrag"] = std::move(e);

    Json r;
    r["start_ns"] = s.rate_start_ns;
    r["interval_ns"] = s.rate_interval_ns;
    Json cols;
    for (std::size_t t = 0; t < kTraceEventTypes; ++t) {
        Json c = Json::array();
        for (const RateBin& b : s.rate) c.push_back(b.events[t]);
        cols[std::string(trace_event_name(static_cast<TraceEventType>(t)))] = std::move(c);
    }
    r["events"] = std::move(cols);
    Json ap = Json::array();
    Json fp = Json::array();
    for (const RateBin& b : s.rate) {
        ap.push_back(b.alloc_pages);
        fp.push_back(b.free_pages);
    }
    r["alloc_pages"] = std::move(ap);
    r["free_pages"] = std::move(fp);
    j["rate"] = std::move(r);
    return j;
}

std::string render_trace_stats_table(const TraceStats& s, std::string_view source) {
    std::string out;
    const FtraceParseSummary& p = s.parse;
    const std::int64_t span = s.last_ts_ns - s.first_ts_ns;
    out += fmt::format("pagesim trace-stats: {}\n\n", source);
    TextTable in({"Input", ""}, true);
    in.row({"lines", fmt::format("{} ({:.1f} MiB)", p.lines,
                                 static_cast<double>(p.bytes) / (1024.0 * 1024.0))});
    in.row({"kmem events", num(s.kmem_events())});
    in.row({"other events", num(p.other_events)});
    in.row({"malformed lines", num(p.malformed)});
    in.row({"lost-event markers",
            fmt::format("{} ({} events counted{})", p.lost_markers, p.lost_events,
                        p.lost_markers_uncounted
                            ? fmt::format(", {} markers without a count", p.lost_markers_uncounted)
                            : "")});
    if (!p.header.tracer.empty()) in.row({"tracer", p.header.tracer});
    if (p.header.entries_in_buffer) {
        in.row({"entries in buffer/written", fmt::format("{}/{}", *p.header.entries_in_buffer,
                                                         p.header.entries_written.value_or(0))});
    }
    if (p.header.nr_cpus) in.row({"CPUs", num(*p.header.nr_cpus)});
    in.row({"span", fmt::format("{} s .. {} s ({})", secs(s.first_ts_ns), secs(s.last_ts_ns),
                                format_duration(span))});
    in.row({"layout", s.has_layout ? "given" : "none (placement unknown)"});
    in.render(out);

    if (!p.first_malformed.empty()) {
        TextTable m({"Malformed line", "reason"}, true);
        for (const MalformedLine& ml : p.first_malformed) m.row({num(ml.line), ml.message});
        if (p.malformed > p.first_malformed.size())
            m.row({"...", fmt::format("{} more", p.malformed - p.first_malformed.size())});
        m.render(out);
    }
    if (!p.other_event_names.empty()) {
        TextTable o({"Other event", "count"});
        for (const auto& [name, n] : p.other_event_names) o.row({name, num(n)});
        o.render(out);
    }

    TextTable ev({"Event", "count", "per second"});
    for (std::size_t t = 0; t < kTraceEventTypes; ++t) {
        const double rate =
            span > 0 ? static_cast<double>(s.events[t]) * 1e9 / static_cast<double>(span) : 0.0;
        ev.row({std::string(trace_event_name(static_cast<TraceEventType>(t))), num(s.events[t]),
                fmt::format("{:.1f}", rate)});
    }
    ev.render(out);

    const LifetimeStats& lt = s.lifetimes;
    TextTable ord({"Order", "allocs", "pages", "failed", "frees", "live at end"});
    for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
        if (!s.allocs_by_order[o] && !s.failed_by_order[o] && !s.frees_by_order[o]) continue;
        ord.row({num(o), num(s.allocs_by_order[o]), num(s.allocs_by_order[o] << o),
                 num(s.failed_by_order[o]), num(s.frees_by_order[o]), num(lt.live_by_order[o])});
    }
    ord.row({"total", num(s.allocs), num(s.alloc_pages), num(s.failed_allocs), num(s.frees),
             num(lt.live_at_end)});
    ord.render(out);

    TextTable mt({"Migratetype", "allocs", "pages", "% pages"});
    for (unsigned m = 0; m < kMigrateTypes; ++m) {
        if (s.allocs_by_mt[m]) {
            mt.row({mt_name(m), num(s.allocs_by_mt[m]), num(s.pages_by_mt[m]),
                    pct(s.pages_by_mt[m], s.alloc_pages)});
        }
    }
    if (!mt.empty()) mt.render(out);

    constexpr std::size_t kGfpRows = 20;
    TextTable g({"gfp_flags", "allocs", "% allocs"});
    const std::uint64_t all_allocs = s.allocs + s.failed_allocs;
    for (std::size_t i = 0; i < s.allocs_by_gfp.size() && i < kGfpRows; ++i) {
        g.row({gfp_to_string(s.allocs_by_gfp[i].first), num(s.allocs_by_gfp[i].second),
               pct(s.allocs_by_gfp[i].second, all_allocs)});
    }
    if (s.allocs_by_gfp.size() > kGfpRows)
        g.row({fmt::format("({} more kinds)", s.allocs_by_gfp.size() - kGfpRows), "", ""});
    if (!g.empty()) g.render(out);

    placement_table(out, "Zone", s.zones, s.alloc_pages);
    placement_table(out, "Controller", s.controllers, s.alloc_pages);

    TextTable life({"Lifetime", "count", "min", "p50", "p90", "p99", "max", "mean"});
    for (unsigned o = 0; o < kMaxOrderLimit; ++o)
        if (lt.by_order[o].count()) lifetime_row(life, fmt::format("order {}", o), lt.by_order[o]);
    lifetime_row(life, "all", lt.all);
    life.render(out);
    TextTable match({"Frees", "count"});
    match.row({"matched an allocation of the capture", num(lt.matched)});
    match.row({"of blocks allocated before the capture",
               fmt::format("{} ({} pages)", lt.pre_capture_frees, lt.pre_capture_pages)});
    match.row({"of part of a live block (split)", num(lt.partial_frees)});
    match.row({"split blocks fully freed", num(lt.split_completed)});
    match.row({"order differs from the allocation", num(lt.order_mismatch)});
    match.row({"allocations of a still-live pfn", num(lt.realloc_without_free)});
    match.row({"allocations live at the end",
               fmt::format("{} ({} pages)", lt.live_at_end, lt.live_pages_at_end)});
    match.render(out);

    const ExtfragStats& x = s.extfrag;
    TextTable xf({"Extfrag (fallback)", "count"});
    xf.row({"events", num(x.events)});
    xf.row({"fragmenting (fallback_order < pageblock_order)", num(x.fragmenting)});
    xf.row({"pageblock stolen (change_ownership)", num(x.change_ownership)});
    for (unsigned am = 0; am < kMigrateTypes; ++am) {
        for (unsigned fm = 0; fm < kMigrateTypes; ++fm) {
            if (x.by_types[am][fm]) {
                xf.row({fmt::format("{} from {} blocks", mt_name(am), mt_name(fm)),
                        num(x.by_types[am][fm])});
            }
        }
    }
    xf.render(out);

    // The rate table groups bins so that it stays short; JSON and plots have every bin.
    constexpr std::size_t kRateRows = 20;
    const std::size_t group = std::max<std::size_t>(1, (s.rate.size() + kRateRows - 1) / kRateRows);
    const std::int64_t width = s.rate_interval_ns * static_cast<std::int64_t>(group);
    TextTable rt({fmt::format("Rate (per {})", format_duration(width)), "allocs", "frees",
                  "extfrag", "pages in", "pages out"});
    for (std::size_t b = 0; b < s.rate.size(); b += group) {
        RateBin sum;
        for (std::size_t i = b; i < s.rate.size() && i < b + group; ++i) {
            for (std::size_t t = 0; t < kTraceEventTypes; ++t) sum.events[t] += s.rate[i].events[t];
            sum.alloc_pages += s.rate[i].alloc_pages;
            sum.free_pages += s.rate[i].free_pages;
        }
        rt.row(
            {fmt::format("+{}", format_duration(static_cast<std::int64_t>(b) * s.rate_interval_ns)),
             num(sum.events[static_cast<std::size_t>(TraceEventType::PageAlloc)]),
             num(sum.events[static_cast<std::size_t>(TraceEventType::PageFree)]),
             num(sum.events[static_cast<std::size_t>(TraceEventType::PageAllocExtfrag)]),
             num(sum.alloc_pages), num(sum.free_pages)});
    }
    if (!rt.empty()) rt.render(out);
    return out;
}

} // namespace pagesim
