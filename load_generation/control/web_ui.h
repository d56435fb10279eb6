#ifndef LOAD_GENERATION_CONTROL_WEB_UI_H_
#define LOAD_GENERATION_CONTROL_WEB_UI_H_

// The web UI: one self-contained page (web_ui/index.html: markup, style and script, no fetched
// resource) that steers and watches a daemon or a coordinator through the JSON routes
// (control_api.h) and Locust's routes, compiled into the binary.

#include "absl/strings/string_view.h"

namespace loadgen {

// The page, as served at /.
absl::string_view WebUiPage();

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_WEB_UI_H_
