#include "load_generation/control/control_token.h"

#include "absl/strings/match.h"

namespace loadgen {
namespace {

bool SameToken(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace

absl::Status ControlToken::Check(std::optional<absl::string_view> authorization) const {
  if (token_.empty()) return absl::OkStatus();
  if (!authorization) {
    return absl::UnauthenticatedError(
        "this daemon needs 'authorization: Bearer <token>' (gRPC metadata or HTTP header)");
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(*authorization, kBearer) ||
      !SameToken(authorization->substr(kBearer.size()), token_)) {
    return absl::UnauthenticatedError("wrong token");
  }
  return absl::OkStatus();
}

}  // namespace loadgen
