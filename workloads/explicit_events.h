// SPDX-License-Identifier: GPL-2.0-only
// Explicit event lists for exact replay: the compact text form (one event a line,
// "TIME OP ID [ORDER [GFP [CPU]]]"), the checker every form goes through (time order, frees
// of unknown ids, double frees, orders, CPUs), and a reader that streams a checked file to
// the engine. The format is documented in workloads/SCENARIOS.md ("Explicit event lists").
#pragma once

#include "workloads/id_map.h"
#include "workloads/line_reader.h"
#include "workloads/workload.h"

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pagesim {

/// The fields of an event, in line order (for error positions).
enum class EventField : std::uint8_t { Time, Op, Id, Order, Gfp, Cpu, Line };

/// A bad event: which field, and why. Callers add the file position.
class EventError : public std::runtime_error {
public:
    EventError(EventField field, const std::string& msg) : std::runtime_error(msg), field_(field) {}
    EventField field() const { return field_; }

private:
    EventField field_;
};

/// Parses one line of the compact form. Fields are separated by blanks; '#' starts a
/// comment. TIME is nanoseconds or a duration ("1.5ms"); OP is alloc or free; ID a decimal
/// or 0x integer; ORDER and GFP are required for alloc and optional for free ("-" skips
/// one); CPU defaults to 0.
class EventLineParser {
public:
    /// False for a blank or comment-only line. Throws EventError; column() then gives the
    /// 1-based column of the bad field. `order_given` tells whether a free named its order.
    bool parse(std::string_view line, ExplicitEvent& out, bool& order_given);
    /// 1-based column of `f` in the last line parsed (0 if the field was absent).
    unsigned column(EventField f) const { return cols_[static_cast<std::size_t>(f)]; }

private:
    GfpFlags gfp_of(std::string_view text);
    std::array<unsigned, 7> cols_{};
    // Traces repeat a handful of gfp strings: remember the last few.
    struct GfpCache {
        std::string text;
        GfpFlags gfp = 0;
    };
    std::array<GfpCache, 8> gfp_cache_{};
    unsigned gfp_next_ = 0;
};

/// What the checker needs to know of the machine.
struct EventLimits {
    unsigned max_order = 11; ///< MAX_ORDER (exclusive)
};

/// Checks an event list in order: times never go back, an allocated id is not allocated
/// again before its free, a free names a live id of the same order, orders exist, gfp masks
/// are valid. CPUs are taken modulo the machine's (as for captures from bigger machines).
/// Memory: one small record per distinct id.
class EventListChecker {
public:
    explicit EventListChecker(EventLimits limits) : limits_(limits) {}
    /// Throws EventError naming the offending field. A free that did not name its order
    /// gets the order of its allocation.
    void check(ExplicitEvent& ev, bool order_given);
    std::uint64_t events() const { return events_; }
    std::uint64_t live() const { return live_; }

private:
    EventLimits limits_;
    struct IdState {
        std::uint32_t line = 0;
        std::uint8_t order = 0;
        bool live = false;
    };
    IdMap<IdState> ids_;
    std::int64_t last_time_ = 0;
    std::uint32_t last_line_ = 0;
    std::uint64_t events_ = 0;
    std::uint64_t live_ = 0;
    GfpFlags last_good_gfp_ = GFP_KERNEL;
};

/// Streams the events of a compact file (already checked by the loader) one at a time,
/// holding one read chunk and one line: the engine replays millions of events without
/// keeping them. Throws std::runtime_error naming file:line if the file changed and no
/// longer parses.
class EventFileReader {
public:
    explicit EventFileReader(const std::string& path);
    bool next(ExplicitEvent& out);

private:
    std::string path_;
    std::ifstream in_;
    std::unique_ptr<LineReader> lines_;
    EventLineParser parser_;
};

/// Checks that `ev`'s gfp mask is one a caller may pass: not both __GFP_MOVABLE and
/// __GFP_RECLAIMABLE, and a valid zone modifier combination. "" if fine, else why not.
std::string gfp_problem(GfpFlags gfp);

} // namespace pagesim
