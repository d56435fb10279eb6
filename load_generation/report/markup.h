#ifndef LOAD_GENERATION_REPORT_MARKUP_H_
#define LOAD_GENERATION_REPORT_MARKUP_H_

// Text put into the HTML and XML that reports write by hand.

#include <string>

#include "absl/strings/string_view.h"

namespace loadgen {

// `text` with `&`, `<`, `>` and `"` escaped: safe as HTML or XML text and inside a double-quoted
// attribute.
std::string HtmlEscape(absl::string_view text);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_MARKUP_H_
