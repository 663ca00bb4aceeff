// SPDX-License-Identifier: GPL-2.0-only
// Simulator::Hooks: the owner side of reclaim, migration and the OOM killer, and the
// listener that turns kswapd/kcompactd wake-ups into events (sim_hooks.cpp). Included only
// by the simulator's own sources.
#pragma once

#include "sim/simulator.h"

namespace pagesim {

class Simulator::Hooks final : public OwnerHooks, public AgentListener {
public:
    explicit Hooks(Simulator& sim) : sim_(sim) {}
    ReclaimResult reclaim(Pfn pfn, unsigned order, std::uint32_t owner,
                          const ReclaimContext& ctx) override;
    MigrateVerdict may_migrate(Pfn pfn, unsigned order, std::uint32_t owner,
                               MigrateMode mode) override;
    void migrated(Pfn old_pfn, Pfn new_pfn, unsigned order, std::uint32_t owner) override;
    std::vector<OomCandidate> oom_candidates(const OomRequest& req) override;
    std::uint64_t oom_kill(std::uint32_t victim, const OomRequest& req) override;
    void kswapd_wake(int nid) override;
    void kcompactd_wake(int nid) override;
    void reclaim_throttled() override;

private:
    bool live(std::uint32_t owner) const;
    bool under_writeback(std::uint32_t owner);
    Simulator& sim_;
};

} // namespace pagesim
