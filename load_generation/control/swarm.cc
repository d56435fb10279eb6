#include "load_generation/control/swarm.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace loadgen {
namespace {

// The user type `name` as the first phase that has it runs it.
const UserTypeConfig* FindUserType(const LoadConfig& config, absl::string_view name) {
  for (const PhaseConfig& phase : config.phases()) {
    for (const UserTypeConfig& type : phase.user_types()) {
      if (type.name() == name) return &type;
    }
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseLocustTimespan(absl::string_view text) {
  const auto error = [] { return absl::InvalidArgumentError(kLocustTimespanMessage); };
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    if (seconds < 0) return error();
    return absl::Seconds(seconds);
  }
  // Hours, minutes, seconds: each at most once, in that order.
  absl::Duration total;
  const char* const units = "hms";
  int next_unit = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    int64_t n = 0;
    if (digits == i || digits == text.size() || !absl::SimpleAtoi(text.substr(i, digits - i), &n)) {
      return error();
    }
    int unit = next_unit;
    while (unit < 3 && units[unit] != text[digits]) ++unit;
    if (unit == 3) return error();
    total += n * (unit == 0 ? absl::Hours(1) : unit == 1 ? absl::Minutes(1) : absl::Seconds(1));
    next_unit = unit + 1;
    i = digits + 1;
  }
  if (text.empty()) return error();
  return total;
}

absl::StatusOr<LoadConfig> SwarmConfig(const LoadConfig& base, const SwarmSettings& settings) {
  if (settings.user_count < 0 || settings.user_count > kMaxUsers) {
    return absl::InvalidArgumentError(
        absl::StrCat("user_count must be in 0..", kMaxUsers, ", not ", settings.user_count));
  }
  if (!(settings.spawn_rate > 0 && settings.spawn_rate <= kMaxUsers)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spawn_rate must be in (0, ", kMaxUsers, "], not ", settings.spawn_rate));
  }
  PhaseConfig phase;
  phase.set_name("swarm");
  phase.set_duration(kMaxPhaseSeconds);
  phase.set_num_users(settings.user_count);
  phase.set_spawn_rate_per_s(settings.spawn_rate);
  const PhaseConfig* first = base.phases().empty() ? nullptr : &base.phases(0);
  if (settings.user_classes.empty()) {
    if (first != nullptr) *phase.mutable_user_types() = first->user_types();
  } else {
    for (const std::string& user_class : settings.user_classes) {
      const size_t colon = user_class.find(':');
      const std::string name = user_class.substr(0, colon);
      int ratio = 0;
      if (colon != std::string::npos &&
          (!absl::SimpleAtoi(user_class.substr(colon + 1), &ratio) || ratio <= 0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "user type '", user_class, "': the ratio after ':' must be a whole number > 0"));
      }
      UserTypeConfig* type = phase.add_user_types();
      if (const UserTypeConfig* known = FindUserType(base, name)) {
        *type = *known;
      } else {
        type->set_name(name);
        type->set_ratio(1);
        if (first != nullptr && !first->user_types().empty()) {
          type->set_min_wait_ms(first->user_types(0).min_wait_ms());
          type->set_max_wait_ms(first->user_types(0).max_wait_ms());
        }
      }
      if (ratio > 0) type->set_ratio(ratio);
    }
  }
  if (phase.user_types().empty()) {
    return absl::InvalidArgumentError(
        "no user types to run: the config's first phase has none; give user_classes");
  }
  LoadConfig config = base;
  config.clear_phases();
  *config.add_phases() = std::move(phase);
  config.set_loops(1);
  config.set_run_time_s(0);
  if (!settings.host.empty()) config.set_host(settings.host);
  // The whole run's thresholds apply to a swarm; those of the config's phases have none to judge.
  config.clear_thresholds();
  for (const ThresholdConfig& threshold : base.thresholds()) {
    if (threshold.phase().empty()) *config.add_thresholds() = threshold;
  }
  return config;
}

}  // namespace loadgen
