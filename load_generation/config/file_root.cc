#include "load_generation/config/file_root.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace loadgen {

absl::StatusOr<std::string> FileRoot::Resolve(const std::string& path) const {
  if (path.empty()) return absl::InvalidArgumentError("the path is empty");
  const std::filesystem::path joined =
      path[0] == '/' ? std::filesystem::path(path) : std::filesystem::path(dir) / path;
  if (!confined_to) return joined.string();
  // Symbolic links in the part that exists are followed, the rest is taken as written, so a
  // file outside gets the same answer whether or not it exists.
  std::error_code error;
  const std::filesystem::path root = std::filesystem::weakly_canonical(*confined_to, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat("the config directory ", *confined_to,
                                                      " cannot be resolved: ", error.message()));
  }
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(joined, error);
  const std::string inside = root.string() == "/" ? "/" : root.string() + "/";
  if (error || !absl::StartsWith(resolved.string(), inside)) {
    return absl::PermissionDeniedError(
        absl::StrCat("'", path, "' is outside the config directory ", root.string(),
                     " (--config_dir), the only place control calls may read files from"));
  }
  return resolved.string();
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace loadgen
