#ifndef LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_
#define LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/config/config.h"
#include "load_generation/config/declared_types.h"

namespace loadgen {

// The user types a config defines in `user_type_definitions`, compiled (see
// config/declared_types.h) and ready to play: each user gets a behaviour of its own.
class DeclarativeTypes {
 public:
  // CompileDeclaredTypes, with its errors.
  static absl::StatusOr<DeclarativeTypes> Compile(const LoadConfig& config,
                                                  absl::string_view filename,
                                                  const FileRoot& files);

  std::vector<std::string> names() const;
  // A behaviour for `type`, or null if the config does not define it.
  std::unique_ptr<UserBehavior> Create(absl::string_view type) const;

 private:
  std::vector<std::shared_ptr<const CompiledUserType>> types_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_BEHAVIOR_DECLARATIVE_H_
