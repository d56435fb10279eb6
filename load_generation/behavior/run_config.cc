#include "load_generation/behavior/run_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/http/target.h"

namespace loadgen {

std::vector<std::string> RunConfig::UserTypes() const {
  std::vector<std::string> types = application.empty()
                                       ? std::vector<std::string>()
                                       : BehaviorRegistry::Global().UserTypes(application);
  for (const std::string& name : declared->names()) types.push_back(name);
  std::sort(types.begin(), types.end());
  return types;
}

BehaviorSource RunConfig::Behaviors() const {
  return [declared = declared, application = application](absl::string_view type) {
    if (std::unique_ptr<UserBehavior> behavior = declared->Create(type)) return behavior;
    if (application.empty()) return std::unique_ptr<UserBehavior>();
    return BehaviorRegistry::Global().Create(application, type);
  };
}

absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path, const std::string& application,
                                        const std::optional<std::string>& confined_to) {
  std::string file = path;
  if (confined_to) {
    absl::StatusOr<std::string> inside =
        FileRoot{.dir = *confined_to, .confined_to = confined_to}.Resolve(path);
    if (!inside.ok()) return inside.status();
    file = *std::move(inside);
  }
  absl::StatusOr<LoadConfig> config =
      ReadLoadConfig(file, confined_to ? Quote::kPlaceOnly : Quote::kContent);
  const FileRoot files{.dir = DirectoryOf(file), .confined_to = confined_to};
  if (!config.ok()) return config.status();
  return ResolveRunConfig(*std::move(config), path, application, files);
}

absl::StatusOr<RunConfig> ResolveRunConfig(LoadConfig config, const std::string& path,
                                           const std::string& application, const FileRoot& files) {
  RunConfig run;
  run.path = path;
  run.application = application.empty() ? config.application() : application;
  const BehaviorRegistry& registry = BehaviorRegistry::Global();
  const std::string compiled_in = absl::StrJoin(registry.Applications(), ", ");
  if (run.application.empty() && config.user_type_definitions().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": no application: set `application` in the config or pass "
                     "--application (one of: ",
                     compiled_in,
                     "), or define the user types "
                     "in user_type_definitions"));
  }
  if (!run.application.empty() && !registry.HasApplication(run.application)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown application '", run.application,
                                                   "' (compiled in: ", compiled_in, ")"));
  }
  absl::StatusOr<DeclarativeTypes> declared = DeclarativeTypes::Compile(config, path, files);
  if (!declared.ok()) return declared.status();
  run.declared = std::make_shared<const DeclarativeTypes>(*std::move(declared));
  for (int t = 0; t < config.user_type_definitions_size(); ++t) {
    if (!run.application.empty() &&
        registry.Create(run.application, config.user_type_definitions(t).name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": user_type_definitions[", t, "].name: '", config.user_type_definitions(t).name(),
          "' is a compiled-in user type of ", run.application, "; pick another name"));
    }
  }
  if (absl::Status valid = ValidateLoadConfig(config, path, run.application, run.UserTypes());
      !valid.ok()) {
    return valid;
  }
  // The target is checked as a run will parse it, so that --check refuses what a run would.
  if (!config.host().empty()) {
    if (absl::StatusOr<HttpTarget> target = ParseHttpTarget(config.host()); !target.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": host: ", target.status().message()));
    }
  }
  run.config = std::move(config);
  return run;
}

}  // namespace loadgen
