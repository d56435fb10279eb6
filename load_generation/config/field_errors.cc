#include "load_generation/config/field_errors.h"

#include "absl/strings/str_cat.h"

namespace loadgen {

void FieldErrors::Add(absl::string_view path, absl::string_view rule) {
  errors_.push_back(absl::StrCat(path, ": ", rule));
}

absl::Status FieldErrors::ToStatus(absl::string_view filename) const {
  if (errors_.empty()) return absl::OkStatus();
  std::string message;
  for (const std::string& e : errors_) {
    absl::StrAppend(&message, message.empty() ? "" : "\n", filename, ": ", e);
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace loadgen
