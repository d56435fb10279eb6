#ifndef LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_
#define LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/config/config.h"

namespace loadgen {

struct CompiledUserType;

// The user types a config defines in `user_type_definitions`, checked and ready to play.
class DeclarativeTypes {
 public:
  // Checks every definition and reads the files its value generators name (relative paths from
  // `config_dir`). Errors name the file and the field path, e.g. "load.pbtxt:
  // user_type_definitions[0].tasks[1].requests[0].path: unknown value {{prodct}} (defined:
  // product)", one per line.
  static absl::StatusOr<DeclarativeTypes> Compile(const LoadConfig& config,
                                                  absl::string_view filename,
                                                  absl::string_view config_dir);

  std::vector<std::string> names() const;
  // A behaviour for `type`, or null if the config does not define it.
  std::unique_ptr<UserBehavior> Create(absl::string_view type) const;

 private:
  std::vector<std::shared_ptr<const CompiledUserType>> types_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_
