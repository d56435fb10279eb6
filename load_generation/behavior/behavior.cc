#include "load_generation/behavior/behavior.h"

#include <algorithm>

namespace loadgen {

TaskTable::TaskTable(std::initializer_list<WeightedTask> tasks)
    : TaskTable(std::vector<WeightedTask>(tasks)) {}

TaskTable::TaskTable(std::vector<WeightedTask> tasks) : tasks_(std::move(tasks)) {
  for (const WeightedTask& task : tasks_) {
    if (task.weight > 0 && task.run) total_weight_ += task.weight;
    cumulative_.push_back(total_weight_);
  }
}

const WeightedTask& TaskTable::Pick(std::mt19937_64& rng) const {
  if (tasks_.size() == 1) return tasks_[0];  // nothing to draw
  const int64_t point = std::uniform_int_distribution<int64_t>(0, total_weight_ - 1)(rng);
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), point);
  return tasks_[it - cumulative_.begin()];
}

Task UserBehavior::OnStart(User&) { co_return; }
Task UserBehavior::OnStop(User&) { co_return; }

BehaviorRegistry& BehaviorRegistry::Global() {
  static auto* registry = new BehaviorRegistry();
  return *registry;
}

bool BehaviorRegistry::Register(std::string application, std::string user_type,
                                BehaviorFactory factory) {
  return factories_
      .emplace(std::make_pair(std::move(application), std::move(user_type)), std::move(factory))
      .second;
}

std::unique_ptr<UserBehavior> BehaviorRegistry::Create(absl::string_view application,
                                                       absl::string_view user_type) const {
  auto it = factories_.find(std::make_pair(std::string(application), std::string(user_type)));
  return it == factories_.end() ? nullptr : it->second();
}

bool BehaviorRegistry::HasApplication(absl::string_view application) const {
  return !UserTypes(application).empty();
}

std::vector<std::string> BehaviorRegistry::Applications() const {
  std::vector<std::string> apps;
  for (const auto& [key, factory] : factories_) {
    if (apps.empty() || apps.back() != key.first) apps.push_back(key.first);
  }
  return apps;
}

std::vector<std::string> BehaviorRegistry::UserTypes(absl::string_view application) const {
  std::vector<std::string> types;
  for (const auto& [key, factory] : factories_) {
    if (key.first == application) types.push_back(key.second);
  }
  return types;
}

}  // namespace loadgen
