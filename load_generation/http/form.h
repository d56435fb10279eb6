#ifndef LOAD_GENERATION_HTTP_FORM_H_
#define LOAD_GENERATION_HTTP_FORM_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loadgen {

// An application/x-www-form-urlencoded body (or a URL's query) as its fields, in order, names
// repeated as often as given: `+` is a space, `%XX` a byte. InvalidArgument for a `%` not
// followed by two hex digits.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseForm(absl::string_view body);

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_FORM_H_
