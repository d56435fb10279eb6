#ifndef LOAD_GENERATION_CONTROL_CONTROL_TOKEN_H_
#define LOAD_GENERATION_CONTROL_CONTROL_TOKEN_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace loadgen {

// The control token (--control_token_file): the one check of a caller's credentials that every
// control face (gRPC, HTTP) makes.
class ControlToken {
 public:
  // Empty: no authentication.
  explicit ControlToken(std::string token = "") : token_(std::move(token)) {}

  // OK if no token is set or `authorization` (the caller's "authorization" metadata or header)
  // is "Bearer <token>"; Unauthenticated otherwise. Takes as long for every wrong token of the
  // right length, so the time does not tell how much of a guess was right.
  absl::Status Check(std::optional<absl::string_view> authorization) const;

  bool required() const { return !token_.empty(); }

 private:
  std::string token_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_CONTROL_TOKEN_H_
