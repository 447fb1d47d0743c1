#include "memmgr/plan_io.h"

#include <map>

#include <fmt/format.h>

#include "common/input_error.h"

namespace tetris::memmgr {

PlanFile make_plan_file(const Problem& problem, const PlanResult& result, std::uint64_t seed) {
  PlanFile plan;
  plan.planner = result.planner;
  plan.problem = problem.origin();
  plan.seed = seed;
  plan.peak_bytes = result.peak;
  plan.lower_bound_bytes = problem.lower_bound();
  plan.capacity_bytes = problem.capacity();
  plan.plan_seconds = result.seconds;
  plan.generations = result.generations;
  for (BufferId b = 0; b < problem.buffers().size(); ++b)
    plan.offsets.emplace_back(problem.buffers()[b].name, result.offsets[b]);
  return plan;
}

std::vector<Offset> offsets_for(const Problem& problem, const PlanFile& plan, std::string_view file) {
  std::map<std::string_view, Offset> by_name;
  for (const auto& [name, offset] : plan.offsets) by_name[name] = offset;
  std::vector<Offset> offsets;
  for (const Buffer& buffer : problem.buffers()) {
    const auto it = by_name.find(buffer.name);
    if (it == by_name.end())
      throw InputError({std::string(file)}, fmt::format("the plan has no offset for buffer '{}'", buffer.name));
    offsets.push_back(it->second);
    by_name.erase(it);
  }
  if (!by_name.empty())
    throw InputError({std::string(file)},
                     fmt::format("the plan names buffer '{}', which the problem does not have", by_name.begin()->first));
  return offsets;
}

}  // namespace tetris::memmgr
