// SPDX-License-Identifier: GPL-2.0-only
// Seeded synthetic allocation streams. A generator yields alloc/free events in time order;
// an allocation's id is small and reused once it is freed (ids stay below the number of
// live allocations), so consumers index owners by id. Generators are made by name through
// an explicit table (no static self-registration).
#pragma once

#include "workloads/workload.h"

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pagesim {

struct GenEvent {
    std::int64_t time_ns = 0;
    ExplicitEvent::Op op = ExplicitEvent::Alloc;
    std::uint64_t id = 0;
    unsigned order = 0;
    GfpFlags gfp = GFP_KERNEL;
    unsigned cpu = 0;
};

class Generator {
public:
    virtual ~Generator() = default;
    /// The next event in time order; false when the stream has ended.
    virtual bool next(GenEvent& out) = 0;
    /// The engine's answer to an Alloc event, before it asks for the next event: whether
    /// the simulated allocator found a block (trace replay counts divergences with it).
    virtual void allocation_result(const GenEvent& /*ev*/, bool /*ok*/) {}
};

/// A generator parameter was missing or malformed: names the parameter; the YAML loader
/// adds the file position.
class GeneratorError : public std::runtime_error {
public:
    GeneratorError(std::string param, const std::string& msg)
        : std::runtime_error(msg), param_(std::move(param)) {}
    const std::string& param() const { return param_; }

private:
    std::string param_;
};

using GeneratorFactory = std::unique_ptr<Generator> (*)(const GeneratorSpec& spec,
                                                        std::uint64_t seed, unsigned ncpus);

/// The explicit name -> factory table: "churn", "poisson".
const std::map<std::string, GeneratorFactory>& generator_table();

/// Makes the generator `spec.kind` names; throws GeneratorError for an unknown kind or a
/// bad parameter.
std::unique_ptr<Generator> make_generator(const GeneratorSpec& spec, std::uint64_t seed,
                                          unsigned ncpus);

/// The parameters each generator accepts, with their meaning (for docs and validation).
const std::map<std::string, std::vector<std::pair<std::string, std::string>>>& generator_params();

} // namespace pagesim
