#ifndef LOAD_GENERATION_REPORT_JSON_H_
#define LOAD_GENERATION_REPORT_JSON_H_

// The pieces of JSON documents written by hand: a string quoted and escaped, a number.

#include <string>

#include "absl/strings/string_view.h"

namespace loadgen {

// `text` as a JSON string: quoted, with `"`, `\` and control characters escaped (and `<`, `>`
// and `&` too, so that the JSON is safe inside an HTML page); other bytes as they are.
std::string JsonString(absl::string_view text);

// `value` as a JSON number (up to 15 significant digits); null for NaN and infinities, which
// JSON cannot hold.
std::string JsonNumber(double value);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_JSON_H_
