// SPDX-License-Identifier: GPL-2.0-only
// The workload language as plain values (no yaml-cpp types): processes with phases
// (allocate, touch, free, bandwidth, sleep, fork, exit, pin, claim), kernel-side consumers,
// explicit event lists for exact replay, seeded generators, and the scenario that ties a
// machine, named layouts and a workload together. workloads/scenario_yaml.cpp fills it.
#pragma once

#include "allocator/gfp.h"
#include "allocator/machine.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pagesim {

/// What an allocation is for: decides its migratetype use, movability, reclaimability and
/// which LRU it joins (the simulator's page->mapping).
enum class OwnerKind : std::uint8_t {
    Anon,      ///< user memory (movable, swap-backed)
    PageCache, ///< file pages (movable, reclaimable; clean or dirty)
    SlabUnreclaimable,
    SlabReclaimable, ///< dentries/inodes: reclaimable by shrinkers
    PageTable,       ///< unmovable, allocated as user memory is touched
    Pipe,            ///< pipe and socket buffers (unmovable, GFP_HIGHUSER|__GFP_ACCOUNT)
    Kernel,          ///< other unmovable kernel memory
    DriverContig,    ///< alloc_contig_range claims of a driver
    Trace,           ///< replayed from a kmem trace (movability from its gfp)
};
/// The YAML name of a kind: "anon", "page_cache", "slab", "slab_reclaimable", "page_table",
/// "pipe", "kernel", "driver", "trace".
std::string_view owner_kind_name(OwnerKind k);
/// The kind a YAML name stands for; false if there is none.
bool owner_kind_from_name(std::string_view name, OwnerKind& out);

/// How long an allocation lives.
struct Lifetime {
    enum Kind : std::uint8_t { Forever, UntilExit, Fixed, Exponential, Uniform } kind = UntilExit;
    std::int64_t a_ns = 0; ///< Fixed: the value; Exponential: the mean; Uniform: the minimum
    std::int64_t b_ns = 0; ///< Uniform: the maximum
    bool operator==(const Lifetime&) const = default;
};

/// A named region of a process's memory (a malloc'd buffer, a file, a pool).
struct BufferSpec {
    std::string name;
    std::uint64_t bytes = 0;
    OwnerKind kind = OwnerKind::Anon;
    GfpFlags gfp = GFP_HIGHUSER_MOVABLE;
    bool thp = false;   ///< fault in order-9 pages (falling back to order 0)
    bool dirty = false; ///< page cache: written, needs writeback before reclaim
    bool operator==(const BufferSpec&) const = default;
};

/// Where a contiguous claim's range comes from.
struct ClaimRange {
    enum Kind : std::uint8_t {
        Pfns,               ///< an explicit physical range
        Controller,         ///< every range of controller `name`
        Dmb,                ///< DMB number `name` ("0", "1"...: movablecore=size@base order)
        Cma,                ///< CMA area `name` ("reserved" = the default / cma= area)
        Anywhere,           ///< alloc_contig_pages(): any suitable range
        ControllerDmb,      ///< the DMB(s) of the layout that lie on controller `name`
        ControllerReserved, ///< what the layout sets aside on controller `name`: its DMB(s),
                            ///< else its CMA areas, else its no-map carve-outs
    } kind = Anywhere;
    std::uint64_t start = 0; ///< Pfns: first physical address (bytes)
    std::uint64_t end = 0;   ///< Pfns: end address (bytes, exclusive)
    std::string
        name; ///< Controller, ControllerDmb, ControllerReserved: its name; Cma: area; Dmb: index
    bool operator==(const ClaimRange&) const = default;
};

struct Phase {
    enum Kind : std::uint8_t {
        Alloc,     ///< a stream of allocations (count or bytes, rate, lifetime)
        Touch,     ///< first touch of a buffer: page faults in address order
        Free,      ///< free a buffer
        Bandwidth, ///< read / write / copy over buffers, N passes
        Sleep,
        Fork, ///< start another process (by template name)
        Exit, ///< free everything the process owns and stop
        Pin,  ///< FOLL_LONGTERM pin of a buffer (migrated out of ZONE_MOVABLE first)
        Unpin,
        Claim,  ///< driver alloc_contig_range of `bytes` from `range`, held `lifetime`
        Repeat, ///< jump back to phase `target` `count` more times
    } kind = Alloc;

    // Alloc
    OwnerKind owner = OwnerKind::Anon;
    GfpFlags gfp = GFP_HIGHUSER_MOVABLE;
    unsigned order = 0;
    std::uint64_t count = 0; ///< number of blocks (from bytes / block size when bytes given)
    double rate = 0;         ///< blocks per second; 0 = back to back
    Lifetime lifetime;
    bool dirty = false;
    bool fallback_order0 = false; ///< THP-style: on failure of `order`, take order-0 pages

    // Touch / Free / Pin / Unpin / Bandwidth (source)
    std::string buffer;
    /// Touch: further buffers faulted in turn with `buffer`, one fault each (a loop that
    /// initialises them together); empty = `buffer` alone, in address order.
    std::vector<std::string> interleave;
    std::string dst; ///< Bandwidth copy destination
    enum Op : std::uint8_t { Read, Write, Copy } op = Read;
    unsigned passes = 1;

    // Sleep
    std::int64_t duration_ns = 0;

    // Fork
    std::string process;

    // Claim
    std::uint64_t bytes = 0;
    ClaimRange range;

    // Repeat
    unsigned target = 0;

    /// A name for the phase (`repeat` may jump back to it); "" if none.
    std::string label;

    bool operator==(const Phase&) const = default;
};

/// NUMA memory policy of a process (set_mempolicy / mbind), for fake-NUMA layouts.
struct MemPolicy {
    enum Kind : std::uint8_t { Default, Bind, Preferred, Interleave } kind = Default;
    std::vector<int> nodes;
    bool operator==(const MemPolicy&) const = default;
};

struct ProcessSpec {
    std::string name;
    unsigned instances = 1; ///< identical threads/processes started together
    std::int64_t start_ns = 0;
    std::int64_t start_skew_ns = 0; ///< instance i starts at start + i * skew
    std::int64_t jitter_ns = 0;     ///< seeded uniform jitter on start and phase steps
    std::vector<unsigned> cpus;     ///< affinity; empty = any (round-robin placement)
    int oom_score_adj = 0;
    MemPolicy policy;
    bool spawned_only = false; ///< a fork template: not started at time 0
    /// false: written in the scenario and validated, but never started nor forked (e.g.
    /// a driver whose claims need an engine feature that a parameter switches on).
    bool enabled = true;
    std::vector<BufferSpec> buffers;
    std::vector<Phase> phases;
    bool operator==(const ProcessSpec&) const = default;
};

/// One line of an explicit event list (exact replay): time, op, id, order, gfp[, cpu].
/// 32 bytes, so that ten million of them fit in 320 MB (a file streams instead).
struct ExplicitEvent {
    std::int64_t time_ns = 0;
    std::uint64_t id = 0; ///< names the allocation so a later free can refer to it
    GfpFlags gfp = GFP_KERNEL;
    std::uint32_t line = 0; ///< source line, for messages (not part of equality)
    std::uint16_t cpu = 0;
    std::uint8_t order = 0;
    enum Op : std::uint8_t { Alloc, Free } op = Alloc;
    bool operator==(const ExplicitEvent& o) const {
        return time_ns == o.time_ns && id == o.id && gfp == o.gfp && cpu == o.cpu &&
               order == o.order && op == o.op;
    }
};

/// A seeded synthetic stream, made by the generator named `kind` from an explicit
/// name -> factory table (workloads/generators.cpp); `params` are its settings.
struct GeneratorSpec {
    std::string kind;
    std::string name;
    std::map<std::string, std::string> params;
    bool operator==(const GeneratorSpec&) const = default;
};

struct Workload {
    std::vector<ProcessSpec> processes;
    std::vector<ExplicitEvent> events; ///< in time order (the loader checks it)
    /// A compact event list streamed from this file while the run goes (workloads/
    /// explicit_events.h); the loader has checked every line. "" if none.
    std::string events_file;
    std::vector<GeneratorSpec> generators;
    std::string trace_file; ///< an ftrace kmem capture to replay (pagesim run --trace)
    bool operator==(const Workload&) const = default;
};

/// Per-path latencies that advance simulated time (documented defaults in the README).
struct EngineCosts {
    std::int64_t pcp_hit_ns = 60;     ///< allocation served from a pcp list
    std::int64_t pcp_refill_ns = 400; ///< rmqueue_bulk batch refill
    std::int64_t buddy_ns = 250;      ///< allocation straight from the buddy lists
    std::int64_t fallback_ns = 600;   ///< a __rmqueue_fallback steal
    std::int64_t free_ns = 80;
    std::int64_t fault_ns = 700;            ///< anonymous page fault overhead (+ zeroing)
    std::int64_t zero_page_ns_per_kib = 25; ///< clearing a new page, per KiB
    std::int64_t writeback_ns = 30'000'000; ///< a write's latency to the backing device
    double writeback_rate = 200e6;          ///< the backing device's write throughput, bytes/s
    bool operator==(const EngineCosts&) const = default;
};

struct NamedLayout {
    std::string name;
    std::string cmdline;
    bool operator==(const NamedLayout&) const = default;
};

struct Scenario {
    std::string name;
    std::string description;
    std::string source; ///< file it was read from
    /// The scenario's parameters (`params:`) and the values this run used (defaults or
    /// `pagesim run --set NAME=VALUE`), in declaration order.
    std::vector<std::pair<std::string, std::string>> params;
    Machine machine;
    std::vector<NamedLayout> layouts;
    Workload workload;
    std::int64_t duration_ns = 10'000'000'000;
    std::uint64_t seed = 1;
    std::int64_t sample_period_ns = 10'000'000;
    std::uint64_t chunk_bytes = 64 * 1024; ///< bandwidth model chunk granularity
    std::uint64_t swap_bytes = 0; ///< swap space: anonymous pages are reclaimable only with swap
    EngineCosts costs;
};

} // namespace pagesim
