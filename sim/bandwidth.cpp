// SPDX-License-Identifier: GPL-2.0-only
// The fluid bandwidth model: buffers and flows, piece derivation, the event loop and metric
// integration. Rates come from MaxMinSolver; everything iterates flows in id order so a run
// is a deterministic function of its inputs.
#include "sim/bandwidth.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

namespace pagesim {
namespace {

/// A controller counts as saturated when it delivers within this fraction of its peak.
constexpr double kSaturationTolerance = 1e-9;
/// Progress is a double: keep every byte position exactly representable.
constexpr std::uint64_t kMaxFlowBytes = std::uint64_t{1} << 53;

/// Merges two draw lists sorted by controller, summing shares of a shared controller (a
/// copy within one controller draws 1 read + 1 write there).
void merge_draws(std::span<const Draw> a, std::span<const Draw> b, std::vector<Draw>& out) {
    out.clear();
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].ctrl < b[j].ctrl)) {
            out.push_back(a[i++]);
        } else if (i == a.size() || b[j].ctrl < a[i].ctrl) {
            out.push_back(b[j++]);
        } else {
            out.push_back(Draw{a[i].ctrl, a[i].share + b[j].share});
            ++i;
            ++j;
        }
    }
}

/// One buffer as a flow's pass walks it.
struct Side {
    BufferProfile* buf = nullptr;
    const std::vector<Segment>* segs = nullptr;
    std::size_t idx = 0;

    explicit Side(BufferProfile* b) : buf(b) {
        if (buf) segs = &buf->segments();
    }
    std::size_t count() const { return buf ? segs->size() : 0; }
    std::uint64_t end(std::uint64_t len) const {
        return buf ? std::min((*segs)[idx].end, len) : len;
    }
    std::span<const Draw> draws() const {
        return buf ? buf->draws((*segs)[idx]) : std::span<const Draw>{};
    }
    void seek(std::uint64_t pos) {
        if (buf) idx = buf->find_segment(pos);
    }
    void step_past(std::uint64_t e) {
        if (buf && (*segs)[idx].end == e) ++idx;
    }
};

} // namespace

BandwidthModel::BandwidthModel(ControllerMap map, BandwidthConfig cfg)
    : map_(std::move(map)), cfg_(cfg), now_(cfg.start_ns) {
    if (cfg_.chunk_bytes == 0 || cfg_.chunk_bytes > (std::uint64_t{1} << 31)) {
        throw BandwidthError("bandwidth model: chunk size must be in (0, 2GiB], got " +
                             std::to_string(cfg_.chunk_bytes));
    }
    if (cfg_.sample_period_ns < 0) throw BandwidthError("bandwidth model: negative sample period");
    const std::size_t n = map_.size();
    delivered_rate_.assign(n, {});
    demand_rate_.assign(n, {});
    saturated_.assign(n, 0);
    busy_.assign(n, 0);
    totals_.assign(n, {});
    open_.assign(n, {});
    series_.start_ns = cfg_.start_ns;
    series_.period_ns = cfg_.sample_period_ns;
    series_.controllers = n;
    if (cfg_.sample_period_ns > 0) next_sample_ = cfg_.start_ns + cfg_.sample_period_ns;
}

// --- buffers -----------------------------------------------------------------------------

BufferProfile& BandwidthModel::live_buffer(BufferId b) {
    if (b >= buffers_.size() || !buffers_[b])
        throw BandwidthError("bandwidth model: no buffer " + std::to_string(b));
    return *buffers_[b];
}

BufferId BandwidthModel::add_buffer(std::vector<Pfn> pages) {
    const auto id = static_cast<BufferId>(buffers_.size());
    buffers_.emplace_back(BufferProfile(map_, cfg_.chunk_bytes, std::move(pages)));
    if (index_built_) {
        const std::span<const Pfn> p = buffers_.back()->pages();
        for (std::size_t i = 0; i < p.size(); ++i) index_insert(id, i, p[i]);
    }
    return id;
}

void BandwidthModel::remove_buffer(BufferId b) {
    BufferProfile& buf = live_buffer(b);
    for (FlowId id : active_) {
        if (uses(flows_[id], b)) {
            throw BandwidthError("bandwidth model: buffer " + std::to_string(b) +
                                 " is in use by active flow " + std::to_string(id));
        }
    }
    if (index_built_) {
        const std::span<const Pfn> p = buf.pages();
        for (std::size_t i = 0; i < p.size(); ++i) index_erase(b, i, p[i]);
    }
    buffers_[b].reset();
}

std::span<const Pfn> BandwidthModel::buffer_pages(BufferId b) const {
    if (b >= buffers_.size() || !buffers_[b])
        throw BandwidthError("bandwidth model: no buffer " + std::to_string(b));
    return buffers_[b]->pages();
}

const BufferProfile& BandwidthModel::buffer(BufferId b) {
    BufferProfile& buf = live_buffer(b);
    buf.segments();
    return buf;
}

void BandwidthModel::mark_users_stale(BufferId b) {
    for (FlowId id : active_) {
        if (uses(flows_[id], b)) {
            flows_[id].stale = true;
            stale_rates_ = true;
        }
    }
}

void BandwidthModel::set_pages(BufferId b, std::size_t first, std::span<const Pfn> pfns) {
    BufferProfile& buf = live_buffer(b);
    std::vector<Pfn> old;
    const std::span<const Pfn> pages = buf.pages();
    if (index_built_ && first <= pages.size() && pfns.size() <= pages.size() - first) {
        old.assign(pages.begin() + static_cast<std::ptrdiff_t>(first),
                   pages.begin() + static_cast<std::ptrdiff_t>(first + pfns.size()));
    }
    buf.set_pages(map_, first, pfns); // validates before changing anything
    if (index_built_) {
        for (std::size_t i = 0; i < pfns.size(); ++i) {
            index_erase(b, first + i, old[i]);
            index_insert(b, first + i, pfns[i]);
        }
    }
    if (!pfns.empty()) mark_users_stale(b);
}

void BandwidthModel::index_insert(BufferId b, std::size_t index, Pfn pfn) {
    index_.emplace(pfn, BufferPage{b, static_cast<std::uint32_t>(index)});
}

void BandwidthModel::index_erase(BufferId b, std::size_t index, Pfn pfn) {
    auto [lo, hi] = index_.equal_range(pfn);
    for (auto it = lo; it != hi; ++it) {
        if (it->second.buffer == b && it->second.index == index) {
            index_.erase(it);
            return;
        }
    }
    assert(false && "bandwidth model: pfn index out of step with the buffers");
}

std::size_t BandwidthModel::remap_pfns(Pfn old_start, Pfn new_start, std::uint64_t count) {
    if (!index_built_) {
        for (std::size_t b = 0; b < buffers_.size(); ++b) {
            if (!buffers_[b]) continue;
            const std::span<const Pfn> p = buffers_[b]->pages();
            for (std::size_t i = 0; i < p.size(); ++i)
                index_insert(static_cast<BufferId>(b), i, p[i]);
        }
        index_built_ = true;
    }
    struct Move {
        BufferPage ref;
        Pfn from;
        Pfn to;
    };
    std::vector<Move> moves;
    for (std::uint64_t k = 0; k < count; ++k) {
        auto [lo, hi] = index_.equal_range(old_start + k);
        for (auto it = lo; it != hi; ++it) moves.push_back(Move{it->second, old_start + k, 0});
    }
    for (Move& m : moves) {
        m.to = new_start + (m.from - old_start);
        if (map_.range_owner(m.to) == kNoController) {
            throw BandwidthError("bandwidth model: page moved to pfn " + std::to_string(m.to) +
                                 ", which lies on no memory controller");
        }
    }
    // Hash order is not deterministic; applying in (buffer, index) order is.
    std::sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) {
        return a.ref.buffer != b.ref.buffer ? a.ref.buffer < b.ref.buffer
                                            : a.ref.index < b.ref.index;
    });
    for (const Move& m : moves) index_erase(m.ref.buffer, m.ref.index, m.from);
    for (const Move& m : moves) {
        buffers_[m.ref.buffer]->set_pages(map_, m.ref.index, std::span<const Pfn>(&m.to, 1));
        index_insert(m.ref.buffer, m.ref.index, m.to);
    }
    for (std::size_t i = 0; i < moves.size(); ++i) {
        if (i == 0 || moves[i].ref.buffer != moves[i - 1].ref.buffer)
            mark_users_stale(moves[i].ref.buffer);
    }
    return moves.size();
}

// --- flows -------------------------------------------------------------------------------

BandwidthModel::Flow& BandwidthModel::flow_ref(FlowId f, const char* what) {
    if (f >= flows_.size()) {
        throw BandwidthError(std::string("bandwidth model: ") + what + ": no flow " +
                             std::to_string(f));
    }
    return flows_[f];
}

FlowId BandwidthModel::add_flow(const FlowSpec& spec) {
    const bool reads = spec.kind != FlowKind::Write;
    const bool writes = spec.kind != FlowKind::Read;
    if (reads != (spec.src != kNoBuffer) || writes != (spec.dst != kNoBuffer)) {
        throw BandwidthError("bandwidth model: a read flow takes src only, a write flow dst "
                             "only, a copy both");
    }
    if (!std::isfinite(spec.cpu_cap) || spec.cpu_cap <= 0) {
        throw BandwidthError("bandwidth model: CPU cap must be finite and > 0, got " +
                             std::to_string(spec.cpu_cap));
    }
    std::uint64_t length = ~std::uint64_t{0};
    if (reads) length = std::min(length, live_buffer(spec.src).bytes());
    if (writes) length = std::min(length, live_buffer(spec.dst).bytes());
    if (length != 0 && spec.passes > kMaxFlowBytes / length) {
        throw BandwidthError("bandwidth model: flow of " + std::to_string(spec.passes) +
                             " passes over " + std::to_string(length) +
                             " bytes is longer than 2^53 bytes");
    }
    Flow f;
    f.spec = spec;
    f.length = length;
    f.total = length * spec.passes;
    f.start_ns = now_;
    f.draws.reserve(map_.size());
    const auto id = static_cast<FlowId>(flows_.size());
    if (f.total == 0) {
        f.state = FlowState::Done;
        f.end_ns = now_;
        f.stale = false;
        completions_.push_back(FlowCompletion{id, now_});
    }
    flows_.push_back(std::move(f));
    if (flows_.back().state == FlowState::Active) {
        active_.push_back(id); // ids grow, so active_ stays sorted
        stale_rates_ = stale_order_ = true;
    }
    return id;
}

void BandwidthModel::remove_flow(FlowId f) {
    Flow& fl = flow_ref(f, "remove_flow");
    if (fl.state != FlowState::Active) return;
    fl.state = FlowState::Removed;
    fl.end_ns = now_;
    fl.rate = 0;
    active_.erase(std::lower_bound(active_.begin(), active_.end(), f));
    stale_rates_ = stale_order_ = true;
}

void BandwidthModel::set_cap(FlowId f, double cpu_cap) {
    Flow& fl = flow_ref(f, "set_cap");
    if (!std::isfinite(cpu_cap) || cpu_cap <= 0) {
        throw BandwidthError("bandwidth model: CPU cap must be finite and > 0, got " +
                             std::to_string(cpu_cap));
    }
    if (fl.state != FlowState::Active) return;
    fl.spec.cpu_cap = cpu_cap;
    stale_rates_ = stale_order_ = true;
}

void BandwidthModel::invalidate_flow(FlowId f) {
    Flow& fl = flow_ref(f, "invalidate_flow");
    if (fl.state != FlowState::Active) return;
    fl.stale = true;
    stale_rates_ = true;
}

void BandwidthModel::derive_piece(Flow& f) {
    // Where the flow is: pass and byte within the pass, then the segment each side is in.
    Side src(f.spec.src != kNoBuffer ? &*buffers_[f.spec.src] : nullptr);
    Side dst(f.spec.dst != kNoBuffer ? &*buffers_[f.spec.dst] : nullptr);
    const std::uint64_t len = f.length;
    const auto at = static_cast<std::uint64_t>(f.done); // floor: done >= 0
    std::uint64_t base = at / len * len;
    src.seek(at - base);
    dst.seek(at - base);
    std::uint64_t e = std::min(src.end(len), dst.end(len));
    merge_draws(src.draws(), dst.draws(), f.draws);

    // Extend over following pieces with identical draws (a source and a destination
    // boundary that cancel, a pass that wraps onto the same controllers). Once a whole
    // pass's worth of pieces matched, every later one does too.
    std::uint64_t end = base + e;
    const std::size_t limit = src.count() + dst.count() + 2;
    for (std::size_t steps = 0; end < f.total;) {
        if (e == len) {
            base += len;
            src.idx = dst.idx = 0;
        } else {
            src.step_past(e);
            dst.step_past(e);
        }
        merge_draws(src.draws(), dst.draws(), scratch_draws_);
        if (scratch_draws_ != f.draws) break;
        e = std::min(src.end(len), dst.end(len));
        end = base + e;
        if (++steps > limit) {
            end = f.total;
            break;
        }
    }
    f.piece_end = end;
    f.stale = false;
}

// --- rates -------------------------------------------------------------------------------

std::int64_t BandwidthModel::event_time(const Flow& f) const {
    const double remaining = static_cast<double>(f.piece_end) - f.done;
    if (remaining <= 0) return now_; // reached its piece end early through rounding
    if (f.rate <= 0) return kNever;
    const double d = remaining / f.rate * 1e9;
    if (!(d < 9e18)) return kNever;
    // Round up, forgiving float noise so an exact integer time stays exact (see header).
    const double ns = std::max(1.0, std::ceil(d - d * 1e-12 - 1e-9));
    const auto add = static_cast<std::int64_t>(ns);
    return add > kNever - now_ ? kNever : now_ + add;
}

void BandwidthModel::refresh() {
    if (!stale_rates_) return;
    for (FlowId id : active_)
        if (flows_[id].stale) derive_piece(flows_[id]);

    caps_.clear();
    offsets_.clear();
    ctrl_.clear();
    coef_.clear();
    offsets_.push_back(0);
    for (FlowId id : active_) {
        const Flow& f = flows_[id];
        caps_.push_back(f.spec.cpu_cap);
        for (const Draw& d : f.draws) {
            ctrl_.push_back(d.ctrl);
            coef_.push_back(d.share);
        }
        offsets_.push_back(static_cast<std::uint32_t>(ctrl_.size()));
    }
    if (stale_order_) {
        sort_by_cap(caps_, cap_order_);
        stale_order_ = false;
    }
    rates_.resize(active_.size());
    solver_.solve(MaxMinProblem{map_.bandwidths(), caps_, offsets_, ctrl_, coef_, cap_order_},
                  rates_);

    std::fill(delivered_rate_.begin(), delivered_rate_.end(), ClassSplit{});
    std::fill(demand_rate_.begin(), demand_rate_.end(), ClassSplit{});
    std::fill(busy_.begin(), busy_.end(), 0);
    next_event_ = kNever;
    for (std::size_t i = 0; i < active_.size(); ++i) {
        Flow& f = flows_[active_[i]];
        f.rate = rates_[i];
        for (const Draw& d : f.draws) {
            delivered_rate_[d.ctrl][f.spec.traffic] += d.share * f.rate;
            demand_rate_[d.ctrl][f.spec.traffic] += d.share * f.spec.cpu_cap;
            busy_[d.ctrl] = 1;
        }
        f.event_ns = event_time(f);
        next_event_ = std::min(next_event_, f.event_ns);
    }
    any_saturated_ = false;
    for (std::size_t c = 0; c < map_.size(); ++c) {
        const double cap = map_.bandwidth(static_cast<ControllerId>(c));
        saturated_[c] = delivered_rate_[c].total() >= cap * (1 - kSaturationTolerance);
        any_saturated_ = any_saturated_ || saturated_[c];
#ifdef PAGESIM_EXPENSIVE_CHECKS
        assert(delivered_rate_[c].total() <= cap * (1 + kSaturationTolerance));
#endif
    }
#ifdef PAGESIM_EXPENSIVE_CHECKS
    for (FlowId id : active_)
        assert(flows_[id].rate <= flows_[id].spec.cpu_cap * (1 + 1e-12) && flows_[id].rate > 0);
#endif
    stale_rates_ = false;
    ++recomputations_;
}

// --- time --------------------------------------------------------------------------------

std::int64_t BandwidthModel::next_event_time() {
    refresh();
    return next_event_;
}

void BandwidthModel::advance_to(std::int64_t t) {
    if (t < now_) {
        throw BandwidthError("bandwidth model: advance_to(" + std::to_string(t) +
                             ") is before now (" + std::to_string(now_) + ")");
    }
    refresh();
    while (next_event_ <= t) {
        const std::int64_t te = next_event_;
        integrate(te);
        finish_crossings(te);
        ++events_;
        refresh();
    }
    integrate(t);
}

void BandwidthModel::finish_crossings(std::int64_t t) {
    bool any_done = false;
    for (FlowId id : active_) {
        Flow& f = flows_[id];
        if (f.event_ns != t) continue;
        // Snap to the piece end: the rounding of event_time() leaves at most a sliver.
        const double residual = static_cast<double>(f.piece_end) - f.done;
        for (const Draw& d : f.draws) {
            totals_[d.ctrl].delivered_bytes[f.spec.traffic] += d.share * residual;
            open_[d.ctrl].delivered_bytes[f.spec.traffic] += d.share * residual;
        }
        f.done = static_cast<double>(f.piece_end);
        if (f.piece_end >= f.total) {
            f.state = FlowState::Done;
            f.end_ns = t;
            f.rate = 0;
            completions_.push_back(FlowCompletion{id, t});
            any_done = true;
        } else {
            f.stale = true;
        }
    }
    if (any_done) {
        std::erase_if(active_, [&](FlowId id) { return flows_[id].state != FlowState::Active; });
        stale_order_ = true;
    }
    stale_rates_ = true;
}

void BandwidthModel::integrate(std::int64_t t) {
    while (next_sample_ <= t) {
        step(next_sample_);
        series_.stats.insert(series_.stats.end(), open_.begin(), open_.end());
        std::fill(open_.begin(), open_.end(), ControllerStats{});
        next_sample_ = next_sample_ > kNever - cfg_.sample_period_ns
                           ? kNever
                           : next_sample_ + cfg_.sample_period_ns;
    }
    step(t);
}

void BandwidthModel::step(std::int64_t t) {
    const std::int64_t dt = t - now_;
    if (dt <= 0) return;
    const double secs = static_cast<double>(dt) * 1e-9;
    for (FlowId id : active_) {
        Flow& f = flows_[id];
        const double next = std::min(f.done + f.rate * secs, static_cast<double>(f.piece_end));
        const double delta = next - f.done;
        f.done = next;
        for (const Draw& d : f.draws) {
            totals_[d.ctrl].delivered_bytes[f.spec.traffic] += d.share * delta;
            open_[d.ctrl].delivered_bytes[f.spec.traffic] += d.share * delta;
        }
    }
    for (std::size_t c = 0; c < map_.size(); ++c) {
        ClassSplit demand = demand_rate_[c];
        demand.user *= secs;
        demand.kernel *= secs;
        const bool busy = busy_[c] != 0;
        const bool idle = !busy && any_saturated_;
        for (ControllerStats* s : {&totals_[c], &open_[c]}) {
            s->demand_bytes += demand;
            if (busy) s->busy_ns += dt;
            if (saturated_[c]) s->saturated_ns += dt;
            if (idle) s->idle_ns += dt;
        }
    }
    now_ = t;
}

// --- inspection --------------------------------------------------------------------------

FlowStatus BandwidthModel::status(FlowId f) const {
    if (f >= flows_.size())
        throw BandwidthError("bandwidth model: status: no flow " + std::to_string(f));
    const Flow& fl = flows_[f];
    return FlowStatus{fl.state, fl.start_ns, fl.end_ns, fl.done, fl.total};
}

const FlowSpec& BandwidthModel::spec(FlowId f) const {
    if (f >= flows_.size())
        throw BandwidthError("bandwidth model: spec: no flow " + std::to_string(f));
    return flows_[f].spec;
}

double BandwidthModel::rate(FlowId f) {
    const Flow& fl = flow_ref(f, "rate");
    refresh();
    return fl.state == FlowState::Active ? fl.rate : 0.0;
}

std::span<const Draw> BandwidthModel::draws(FlowId f) {
    const Flow& fl = flow_ref(f, "draws");
    refresh();
    if (fl.state != FlowState::Active) return {};
    return fl.draws;
}

ClassSplit BandwidthModel::delivered_rate(ControllerId c) {
    if (c >= map_.size()) throw BandwidthError("bandwidth model: no controller");
    refresh();
    return delivered_rate_[c];
}

ClassSplit BandwidthModel::demand_rate(ControllerId c) {
    if (c >= map_.size()) throw BandwidthError("bandwidth model: no controller");
    refresh();
    return demand_rate_[c];
}

bool BandwidthModel::saturated(ControllerId c) {
    if (c >= map_.size()) throw BandwidthError("bandwidth model: no controller");
    refresh();
    return saturated_[c] != 0;
}

std::vector<ControllerSummary> BandwidthModel::summary() const {
    return summarize(totals_, map_.bandwidths(), now_ - cfg_.start_ns);
}

} // namespace pagesim
