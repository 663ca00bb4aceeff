// SPDX-License-Identifier: GPL-2.0-only
// The generators: "churn" (the W3 mixed-order churn as a timed stream) and "poisson"
// (Poisson arrivals with exponential lifetimes). Both draw from splitmix64 seeded by the
// run, so a seed names one exact stream.
#include "workloads/generators.h"

#include "allocator/splitmix64.h"
#include "workloads/units.h"

#include <charconv>
#include <cmath>
#include <queue>

namespace pagesim {

namespace {

// Typed access to a generator's string parameters, rejecting unknown ones.
class Params {
public:
    Params(const GeneratorSpec& spec, const std::vector<std::pair<std::string, std::string>>& known)
        : spec_(spec) {
        for (const auto& [k, v] : spec.params) {
            bool ok = false;
            for (const auto& kv : known) ok = ok || kv.first == k;
            if (!ok)
                throw GeneratorError(k, "unknown parameter '" + k + "' for generator '" +
                                            spec.kind + "'");
        }
    }
    const std::string* get(const std::string& k) const {
        const auto it = spec_.params.find(k);
        return it == spec_.params.end() ? nullptr : &it->second;
    }
    double number(const std::string& k, double def, double lo, double hi) const {
        const std::string* v = get(k);
        if (!v) return def;
        double d = 0;
        auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
        if (ec != std::errc{} || p != v->data() + v->size() || !(d >= lo && d <= hi))
            throw GeneratorError(k, "'" + k + "' must be a number in [" + fmt(lo) + ", " + fmt(hi) +
                                        "], got '" + *v + "'");
        return d;
    }
    std::int64_t duration(const std::string& k, std::int64_t def) const {
        const std::string* v = get(k);
        if (!v) return def;
        std::string err;
        const auto d = parse_duration(*v, &err);
        if (!d) throw GeneratorError(k, "'" + k + "': " + err);
        return *d;
    }
    // "GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:3" -> cumulative weights.
    std::vector<std::pair<GfpFlags, double>> gfp_mix(const std::string& k, GfpFlags def) const {
        const std::string* v = get(k);
        std::vector<std::pair<GfpFlags, double>> mix;
        if (!v) return {{def, 1.0}};
        std::string_view rest(*v);
        double total = 0;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            double w = 1;
            const std::size_t colon = item.rfind(':');
            if (colon != std::string_view::npos) {
                const std::string_view ws = item.substr(colon + 1);
                auto [p, ec] = std::from_chars(ws.data(), ws.data() + ws.size(), w);
                if (ec != std::errc{} || p != ws.data() + ws.size() || !(w > 0))
                    throw GeneratorError(k, "bad weight '" + std::string(ws) + "' in '" + k + "'");
                item = item.substr(0, colon);
            }
            std::string bad;
            const auto g = gfp_parse(item, &bad);
            if (!g) throw GeneratorError(k, "unknown gfp flag '" + bad + "' in '" + k + "'");
            total += w;
            mix.emplace_back(*g, total);
        }
        if (mix.empty()) throw GeneratorError(k, "'" + k + "' is empty");
        for (auto& [g, c] : mix) c /= total;
        return mix;
    }

private:
    static std::string fmt(double d) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", d);
        return buf;
    }
    const GeneratorSpec& spec_;
};

GfpFlags pick_gfp(const std::vector<std::pair<GfpFlags, double>>& mix, double u) {
    for (const auto& [g, c] : mix)
        if (u <= c) return g;
    return mix.back().first;
}

// ---- churn: W3 as a timed stream ----------------------------------------------------------

class Churn : public Generator {
public:
    Churn(const GeneratorSpec& spec, std::uint64_t seed, unsigned ncpus) : ncpus_(ncpus) {
        const Params p(spec, generator_params().at("churn"));
        slots_.assign(static_cast<std::size_t>(p.number("slots", 1024, 1, 1 << 24)), kEmpty);
        rate_ = p.number("rate", 100000, 1e-3, 1e12);
        steps_ = static_cast<std::uint64_t>(p.number("steps", 1e18, 1, 1e18));
        max_order_ = static_cast<unsigned>(p.number("max_order", 10, 0, 18));
        start_ = p.duration("start", 0);
        mix_ = p.gfp_mix("gfp", GFP_HIGHUSER_MOVABLE);
        rng_.state = seed;
    }
    bool next(GenEvent& out) override {
        if (step_ >= steps_) return false;
        out.time_ns = start_ + static_cast<std::int64_t>(static_cast<double>(step_) * 1e9 / rate_);
        out.cpu = static_cast<unsigned>(step_ % ncpus_);
        ++step_;
        const std::size_t slot = rng_.next() % slots_.size();
        if (slots_[slot] != kEmpty) {
            out.op = ExplicitEvent::Free;
            out.id = slot;
            out.order = slots_[slot];
            slots_[slot] = kEmpty;
            return true;
        }
        const std::uint64_t x = rng_.next() | (std::uint64_t{1} << max_order_);
        out.order = std::min(static_cast<unsigned>(__builtin_ctzll(x)), max_order_);
        out.op = ExplicitEvent::Alloc;
        out.id = slot; // the slot names the allocation until its free
        // A single gfp draws nothing, so the stream is W3's exactly.
        out.gfp = mix_.size() == 1 ? mix_[0].first : pick_gfp(mix_, rng_.uniform());
        slots_[slot] = static_cast<std::uint8_t>(out.order);
        return true;
    }

private:
    static constexpr std::uint8_t kEmpty = 0xff;
    std::vector<std::uint8_t> slots_;
    double rate_ = 0;
    std::uint64_t steps_ = 0, step_ = 0;
    unsigned max_order_ = 10;
    std::int64_t start_ = 0;
    std::vector<std::pair<GfpFlags, double>> mix_;
    SplitMix64 rng_{0};
    unsigned ncpus_;
};

// ---- poisson: arrivals at `rate`, exponential lifetimes ------------------------------------

class Poisson : public Generator {
public:
    Poisson(const GeneratorSpec& spec, std::uint64_t seed, unsigned ncpus) : ncpus_(ncpus) {
        const Params p(spec, generator_params().at("poisson"));
        if (!p.get("rate")) throw GeneratorError("rate", "generator 'poisson' needs 'rate'");
        if (!p.get("lifetime"))
            throw GeneratorError("lifetime", "generator 'poisson' needs 'lifetime'");
        rate_ = p.number("rate", 0, 1e-6, 1e12);
        lifetime_ = static_cast<double>(p.duration("lifetime", 0));
        order_ = static_cast<unsigned>(p.number("order", 0, 0, 18));
        count_ = static_cast<std::uint64_t>(p.number("count", 1e18, 1, 1e18));
        mix_ = p.gfp_mix("gfp", GFP_KERNEL);
        rng_.state = seed;
        next_arrival_ = static_cast<double>(p.duration("start", 0));
        advance_arrival(false);
    }
    bool next(GenEvent& out) override {
        const bool arrival_left = made_ < count_;
        if (!frees_.empty() &&
            (!arrival_left || frees_.top().time_ns <= static_cast<std::int64_t>(next_arrival_))) {
            out = frees_.top();
            frees_.pop();
            free_ids_.push_back(out.id);
            return true;
        }
        if (!arrival_left) return false;
        out.time_ns = static_cast<std::int64_t>(next_arrival_);
        out.op = ExplicitEvent::Alloc;
        if (free_ids_.empty()) {
            out.id = next_id_++;
        } else {
            out.id = free_ids_.back();
            free_ids_.pop_back();
        }
        ++made_;
        out.order = order_;
        out.gfp = pick_gfp(mix_, rng_.uniform());
        out.cpu = static_cast<unsigned>(made_ % ncpus_);
        GenEvent f = out;
        f.op = ExplicitEvent::Free;
        f.time_ns =
            out.time_ns + static_cast<std::int64_t>(-std::log(rng_.uniform()) * lifetime_) + 1;
        frees_.push(f);
        advance_arrival(true);
        return true;
    }

private:
    void advance_arrival(bool step) {
        if (step) next_arrival_ += -std::log(rng_.uniform()) * 1e9 / rate_;
    }
    struct Later {
        bool operator()(const GenEvent& a, const GenEvent& b) const {
            return a.time_ns != b.time_ns ? a.time_ns > b.time_ns : a.id > b.id;
        }
    };
    std::priority_queue<GenEvent, std::vector<GenEvent>, Later> frees_;
    double rate_ = 0, lifetime_ = 0, next_arrival_ = 0;
    unsigned order_ = 0;
    std::uint64_t count_ = 0, made_ = 0, next_id_ = 0;
    std::vector<std::uint64_t> free_ids_;
    std::vector<std::pair<GfpFlags, double>> mix_;
    SplitMix64 rng_{0};
    unsigned ncpus_;
};

template <class G>
std::unique_ptr<Generator> make(const GeneratorSpec& spec, std::uint64_t seed, unsigned ncpus) {
    return std::make_unique<G>(spec, seed, ncpus);
}

} // namespace

const std::map<std::string, std::vector<std::pair<std::string, std::string>>>& generator_params() {
    static const std::map<std::string, std::vector<std::pair<std::string, std::string>>> params{
        {"churn",
         {{"slots", "number of allocation slots (default 1024)"},
          {"rate", "steps per second (default 100000)"},
          {"steps", "number of steps (default: until the run ends)"},
          {"max_order", "largest order; P(order=k) = 2^-(k+1) below it (default 10)"},
          {"gfp",
           "gfp mix, e.g. GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:3 (default GFP_HIGHUSER_MOVABLE)"},
          {"start", "start time (default 0)"}}},
        {"poisson",
         {{"rate", "allocations per second (required)"},
          {"lifetime", "mean lifetime, exponential (required)"},
          {"order", "allocation order (default 0)"},
          {"count", "number of allocations (default: until the run ends)"},
          {"gfp", "gfp mix as for churn (default GFP_KERNEL)"},
          {"start", "start time (default 0)"}}},
    };
    return params;
}

const std::map<std::string, GeneratorFactory>& generator_table() {
    static const std::map<std::string, GeneratorFactory> table{
        {"churn", &make<Churn>},
        {"poisson", &make<Poisson>},
    };
    return table;
}

std::unique_ptr<Generator> make_generator(const GeneratorSpec& spec, std::uint64_t seed,
                                          unsigned ncpus) {
    const auto& t = generator_table();
    const auto it = t.find(spec.kind);
    if (it == t.end()) {
        std::string names;
        for (const auto& [n, f] : t) names += (names.empty() ? "" : ", ") + n;
        throw GeneratorError("kind",
                             "unknown generator '" + spec.kind + "' (known: " + names + ")");
    }
    return it->second(spec, seed, ncpus == 0 ? 1 : ncpus);
}

} // namespace pagesim
