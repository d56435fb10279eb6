#ifndef LOAD_GENERATION_CONFIG_DECLARED_TYPES_H_
#define LOAD_GENERATION_CONFIG_DECLARED_TYPES_H_

// The user types a config declares in `user_type_definitions`, compiled: every template split
// into literal pieces and value holes, every value generator checked and its file read. The
// behavior package plays them (behavior/declarative.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "load_generation/config/config.h"
#include "load_generation/config/file_root.h"

namespace loadgen {

// A string with {{value}} holes: literal pieces and value indices, in order.
struct Template {
  struct Piece {
    std::string literal;
    int value = -1;  // index into the type's values; -1 for a literal
  };
  std::vector<Piece> pieces;
};

// The text of `t`, each {{value}} replaced by what `draw(index, out)` appends for it. A value is
// drawn once for all the templates expanded with the same `drawn` (one slot per value), so that
// every {{name}} of one request shows the same value.
std::string ExpandTemplate(const Template& t, std::vector<std::optional<std::string>>& drawn,
                           absl::FunctionRef<void(int index, std::string& out)> draw);

struct CompiledRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE or HEAD
  Template path;
  Template body;
  std::vector<std::pair<std::string, Template>> headers;
  std::string name;  // the stats name: the request's `name`, else its path template
  std::vector<int> expect_status;
};

struct CompiledTask {
  int weight = 1;
  std::string name;
  std::vector<CompiledRequest> requests;
};

// Where a value comes from.
struct ValueSource {
  struct OneOf {
    std::vector<std::string> values;
  };
  struct IntRange {
    int64_t min = 0;
    int64_t max = 0;
  };
  struct RandomId {
    int length = 0;
  };
  struct FileLines {
    std::vector<std::string> lines;
    bool sequential = false;
  };
  std::variant<OneOf, IntRange, RandomId, FileLines> kind;
};

struct CompiledUserType {
  std::string name;
  std::vector<ValueSource> values;
  std::vector<CompiledRequest> on_start;
  std::vector<CompiledRequest> on_stop;
  std::vector<CompiledTask> tasks;
};

// Compiles every definition and reads the files its value generators name (from `files`). All
// errors together, each naming the file and the field path, e.g. "load.pbtxt:
// user_type_definitions[0].tasks[1].requests[0].path: unknown value {{prodct}} (defined: product)".
absl::StatusOr<std::vector<std::shared_ptr<const CompiledUserType>>> CompileDeclaredTypes(
    const LoadConfig& config, absl::string_view filename, const FileRoot& files);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONFIG_DECLARED_TYPES_H_
