#ifndef LOAD_GENERATION_CONFIG_FIELD_ERRORS_H_
#define LOAD_GENERATION_CONFIG_FIELD_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace loadgen {

// The broken rules of one config, each at its field path, reported together.
class FieldErrors {
 public:
  // `path` is the field, e.g. "phases[1].user_types[0]"; `rule` what is wrong with it.
  void Add(absl::string_view path, absl::string_view rule);
  bool empty() const { return errors_.empty(); }
  // OK when there are none; else InvalidArgument with a line "FILE: PATH: rule" each.
  absl::Status ToStatus(absl::string_view filename) const;

 private:
  std::vector<std::string> errors_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONFIG_FIELD_ERRORS_H_
