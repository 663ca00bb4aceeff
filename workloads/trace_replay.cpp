// SPDX-License-Identifier: GPL-2.0-only
// TraceReplay: one captured line at a time -> at most two GenEvents. Frees are matched to
// the capture's own allocations by (pfn, order) through a hash map of the live blocks
// only, the way TraceStatsBuilder matches lifetimes, so both agree on every count.
#include "workloads/trace_replay.h"

#include <algorithm>
#include <fstream>

namespace pagesim {

TraceReplay::TraceReplay(const std::filesystem::path& path, const TraceReplayOptions& options)
    : reader_(std::make_unique<FtraceReader>(path, options.parse)) {
    init(options);
}

TraceReplay::TraceReplay(std::istream& in, const std::string& source,
                         const TraceReplayOptions& options)
    : reader_(std::make_unique<FtraceReader>(in, source, options.parse)) {
    init(options);
}

TraceReplay::~TraceReplay() = default;

void TraceReplay::init(const TraceReplayOptions& options) {
    ncpus_ = std::max(1u, options.ncpus);
    start_ns_ = options.start_ns;
    last_t_ = start_ns_;
}

void TraceReplay::push(const GenEvent& ev) {
    pending_[(pending_head_ + pending_count_) % pending_.size()] = ev;
    ++pending_count_;
}

std::uint32_t TraceReplay::take_id() {
    std::uint32_t id = 0;
    if (!free_ids_.empty()) {
        id = free_ids_.back();
        free_ids_.pop_back();
    } else {
        id = next_id_++;
        id_flags_.push_back(0);
    }
    id_flags_[id] = 0;
    return id;
}

bool TraceReplay::next(GenEvent& out) {
    TraceEvent ev;
    while (pending_count_ == 0) {
        if (ended_ || !reader_->next(ev)) {
            if (!ended_) {
                ended_ = true;
                counts_.live_at_end = live_.size();
            }
            return false;
        }
        handle(ev);
    }
    out = pending_[pending_head_];
    pending_head_ = (pending_head_ + 1) % pending_.size();
    --pending_count_;
    if (out.op == ExplicitEvent::Free) {
        // The id is reusable once the engine has seen this free.
        if (id_flags_[out.id] & 2) ++counts_.frees_skipped;
        free_ids_.push_back(static_cast<std::uint32_t>(out.id));
    }
    return true;
}

void TraceReplay::allocation_result(const GenEvent& ev, bool ok) {
    if (ev.id >= id_flags_.size()) return;
    std::uint8_t& f = id_flags_[ev.id];
    if (f & 1) {
        if (ok) ++counts_.replay_recovered; // freed at once by the Free queued behind it
        f = 0;                              // that free is not a skipped one
        return;
    }
    if (!ok) {
        ++counts_.replay_failed;
        f |= 2;
    }
}

void TraceReplay::handle(const TraceEvent& ev) {
    ++counts_.kmem_events;
    if (!seen_) {
        seen_ = true;
        counts_.first_ts_ns = ev.ts_ns;
    }
    // Time relative to the first event; a trace is in time order, but a concatenated or
    // hand-edited one may step back: such events keep the previous event's time.
    std::int64_t t = start_ns_ + (ev.ts_ns - counts_.first_ts_ns);
    if (t < last_t_) {
        ++counts_.time_regressions;
        t = last_t_;
    } else {
        counts_.last_ts_ns = ev.ts_ns;
    }
    last_t_ = t;
    unsigned cpu = ev.cpu;
    switch (ev.type) {
    case TraceEventType::PageAlloc:
        if (cpu >= ncpus_) {
            ++counts_.cpus_folded;
            cpu %= ncpus_;
        }
        on_alloc(ev, t, cpu);
        break;
    case TraceEventType::PageFree:
        if (cpu >= ncpus_) {
            ++counts_.cpus_folded;
            cpu %= ncpus_;
        }
        on_free(ev, t, cpu);
        break;
    case TraceEventType::PageFreeBatched:
        ++counts_.free_batched_ignored;
        break;
    case TraceEventType::PageAllocExtfrag:
        ++counts_.extfrag;
        if (ev.fragmenting()) ++counts_.extfrag_fragmenting;
        if (ev.change_ownership) ++counts_.extfrag_stolen;
        if (observer_) observer_->captured_extfrag(ev);
        break;
    default:
        ++counts_.not_requests;
        break;
    }
}

void TraceReplay::on_alloc(const TraceEvent& ev, std::int64_t t, unsigned cpu) {
    ++counts_.allocs;
    if (observer_) observer_->captured_alloc(ev);
    GenEvent g;
    g.time_ns = t;
    g.op = ExplicitEvent::Alloc;
    g.order = ev.order;
    g.gfp = ev.gfp;
    g.cpu = cpu;
    if (ev.failed()) {
        // Re-issued so the simulator tries it too; a success there is given back at once.
        ++counts_.failed_allocs;
        g.id = take_id();
        id_flags_[g.id] = 1;
        push(g);
        GenEvent f = g;
        f.op = ExplicitEvent::Free;
        push(f);
        return;
    }
    if (auto it = live_.find(ev.pfn); it != live_.end()) {
        // The capture lost this block's free: the kernel had freed it by now.
        ++counts_.implied_frees;
        end_block(it, t, cpu);
    }
    g.id = take_id();
    live_.emplace(ev.pfn,
                  Live{static_cast<std::uint32_t>(g.id), ev.order, gfp_migratetype(ev.gfp), 0});
    push(g);
}

void TraceReplay::end_block(std::unordered_map<Pfn, Live>::iterator it, std::int64_t t,
                            unsigned cpu) {
    const Live a = it->second;
    const Pfn pfn = it->first;
    live_.erase(it);
    if (observer_) observer_->captured_block_freed(pfn, a.order, a.mt);
    GenEvent f;
    f.time_ns = t;
    f.op = ExplicitEvent::Free;
    f.id = a.id;
    f.order = a.order;
    f.gfp = 0;
    f.cpu = cpu;
    push(f);
}

// Models nothing in the kernel: which captured allocation a free ends. Blocks are
// naturally aligned, so a block containing pfn starts at pfn rounded down to its order.
void TraceReplay::on_free(const TraceEvent& ev, std::int64_t t, unsigned cpu) {
    ++counts_.frees;
    if (observer_) observer_->captured_free(ev);
    const Pfn pages = ev.nr_pages();
    auto partial = [&](std::unordered_map<Pfn, Live>::iterator it) {
        ++counts_.partial_frees;
        it->second.freed_pages += pages;
        if (it->second.freed_pages >= (Pfn{1} << it->second.order)) {
            ++counts_.split_completed;
            end_block(it, t, cpu);
        }
    };
    if (auto it = live_.find(ev.pfn); it != live_.end()) {
        const Live& a = it->second;
        if (a.order == ev.order && a.freed_pages == 0) {
            ++counts_.matched_frees;
            end_block(it, t, cpu);
        } else if (a.order > ev.order) {
            partial(it);
        } else {
            ++counts_.order_mismatch;
            end_block(it, t, cpu);
        }
        return;
    }
    if (auto it = find_enclosing_block(live_, ev.pfn, ev.order); it != live_.end()) {
        partial(it);
        return;
    }
    ++counts_.pre_capture_frees;
    counts_.pre_capture_pages += pages;
}

// ---- the capture's time span ----------------------------------------------------------

namespace {

constexpr std::size_t kBackChunk = std::size_t{1} << 16;

} // namespace

std::optional<std::pair<std::int64_t, std::int64_t>>
ftrace_time_span(const std::filesystem::path& path, bool cma) {
    FtraceParseOptions popt;
    popt.cma = cma;
    std::int64_t first = 0;
    {
        FtraceReader reader(path, popt);
        TraceEvent ev;
        if (!reader.next(ev)) return std::nullopt;
        first = ev.ts_ns;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FtraceError(path.string() + ": error: cannot open the trace");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in.tellg()));
    bool ends_nl = false;
    if (size > 0) {
        char c = 0;
        in.seekg(static_cast<std::streamoff>(size - 1));
        in.get(c);
        ends_nl = c == '\n';
    }
    // Lines from the last to the first, like FtraceReader would classify them: a final
    // line without '\n' and lines longer than max_line are malformed and skipped.
    const std::size_t max_line = LineReader::kDefaultMaxLine;
    FtraceLineParser parser(cma);
    LineParse lp;
    std::string carry;           // the end of a line that began in an earlier chunk
    bool carry_too_long = false; // ... and it is already longer than max_line
    bool at_final = true;        // the next line examined is the file's final line
    std::uint64_t pos = size;
    std::string buf;
    while (pos > 0) {
        const std::uint64_t n = std::min<std::uint64_t>(kBackChunk, pos);
        pos -= n;
        buf.assign(n, '\0');
        in.clear();
        in.seekg(static_cast<std::streamoff>(pos));
        in.read(buf.data(), static_cast<std::streamsize>(n));
        if (in.gcount() != static_cast<std::streamsize>(n))
            throw FtraceError(path.string() + ": error: read failed");
        const bool tail_is_long = carry_too_long;
        if (!carry_too_long) buf += carry;
        std::size_t end = buf.size();
        for (;;) {
            const std::size_t nl = end == 0 ? std::string::npos : buf.rfind('\n', end - 1);
            if (nl == std::string::npos && pos > 0) break; // continues in an earlier chunk
            const std::size_t begin = nl == std::string::npos ? 0 : nl + 1;
            bool skip = (end == buf.size() && tail_is_long) || end - begin > max_line;
            if (at_final) {
                at_final = false;
                skip = skip || !ends_nl;
            }
            if (!skip && parser.parse(std::string_view(buf.data() + begin, end - begin), lp) ==
                             LineKind::Event)
                return std::make_pair(first, lp.event.ts_ns);
            if (nl == std::string::npos) break;
            end = nl;
        }
        const std::size_t nl = buf.find('\n');
        if (nl == std::string::npos) {
            // The whole chunk is inside one line.
            if (!carry_too_long && buf.size() > max_line) carry_too_long = true;
            if (carry_too_long) {
                carry.clear();
            } else {
                carry = buf;
            }
        } else {
            carry.assign(buf, 0, nl);
            carry_too_long = carry.size() > max_line;
            if (carry_too_long) carry.clear();
        }
    }
    return std::make_pair(first, first);
}

} // namespace pagesim
