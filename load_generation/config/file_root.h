#ifndef LOAD_GENERATION_CONFIG_FILE_ROOT_H_
#define LOAD_GENERATION_CONFIG_FILE_ROOT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace loadgen {

// Where the files a config names come from. Relative paths resolve from `dir`. A confined root
// (for configs that arrive through the control service) reads nothing outside `confined_to`:
// not by an absolute path, not by `..`, not through a symbolic link.
struct FileRoot {
  std::string dir = ".";
  std::optional<std::string> confined_to;

  // The path to read for `path`. Confined: PermissionDenied naming `path` and the directory
  // unless it is inside once `..` and symbolic links are resolved; the answer is the same
  // whether or not a file outside exists.
  absl::StatusOr<std::string> Resolve(const std::string& path) const;
};

// The directory a file's relative paths start from: "dir" for "dir/file", "." for "file".
std::string DirectoryOf(const std::string& path);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONFIG_FILE_ROOT_H_
