#include "load_generation/config/file_root.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

class FileRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::path(::testing::TempDir()) / "file_root_test";
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_ / "configs" / "sub");
    std::ofstream(base_ / "configs" / "users.txt") << "alice\n";
    std::ofstream(base_ / "configs" / "sub" / "ids.txt") << "1\n";
    std::ofstream(base_ / "secret.txt") << "s3cret\n";
    std::filesystem::create_symlink(base_ / "secret.txt", base_ / "configs" / "link.txt");
    std::filesystem::create_symlink(base_, base_ / "configs" / "up");
  }

  std::string Configs() const { return (base_ / "configs").string(); }
  FileRoot Confined() const { return {.dir = Configs(), .confined_to = Configs()}; }

  std::filesystem::path base_;
};

TEST_F(FileRootTest, AnUnconfinedRootReadsWhatItIsGiven) {
  const FileRoot root{.dir = Configs()};
  EXPECT_EQ(*root.Resolve("users.txt"), Configs() + "/users.txt");
  EXPECT_EQ(*root.Resolve("/etc/hostname"), "/etc/hostname");
  EXPECT_EQ(*root.Resolve("../secret.txt"), Configs() + "/../secret.txt");
}

TEST_F(FileRootTest, AConfinedRootReadsInsideItsDirectory) {
  const std::string inside = std::filesystem::canonical(Configs()).string();
  EXPECT_EQ(*Confined().Resolve("users.txt"), inside + "/users.txt");
  EXPECT_EQ(*Confined().Resolve("sub/../sub/ids.txt"), inside + "/sub/ids.txt");
  EXPECT_EQ(*Confined().Resolve(Configs() + "/users.txt"), inside + "/users.txt");
  // Inside, though missing: reading it will say so.
  EXPECT_EQ(*Confined().Resolve("missing.txt"), inside + "/missing.txt");
  // From a subdirectory, as a config's own files are.
  const FileRoot sub{.dir = Configs() + "/sub", .confined_to = Configs()};
  EXPECT_EQ(*sub.Resolve("../users.txt"), inside + "/users.txt");
}

TEST_F(FileRootTest, AConfinedRootRefusesEveryWayOut) {
  for (const std::string& path : std::vector<std::string>{
           "/etc/passwd", "../secret.txt", "sub/../../secret.txt", "link.txt", "up/secret.txt",
           "../missing.txt", "/no/such/file", Configs() + "/../secret.txt"}) {
    absl::StatusOr<std::string> resolved = Confined().Resolve(path);
    ASSERT_FALSE(resolved.ok()) << path << " resolved to " << *resolved;
    EXPECT_EQ(resolved.status().code(), absl::StatusCode::kPermissionDenied) << path;
    EXPECT_THAT(resolved.status().message(), HasSubstr("outside the config directory")) << path;
  }
  EXPECT_FALSE(Confined().Resolve("").ok());
}

TEST_F(FileRootTest, TheRootDirectoryConfinesNothing) {
  const FileRoot everything{.dir = "/", .confined_to = "/"};
  EXPECT_EQ(*everything.Resolve("etc/hostname"), "/etc/hostname");
}

TEST(DirectoryOf, TheDirectoryOfAPath) {
  EXPECT_EQ(DirectoryOf("load.pbtxt"), ".");
  EXPECT_EQ(DirectoryOf("configs/load.pbtxt"), "configs");
  EXPECT_EQ(DirectoryOf("/load.pbtxt"), "/");
  EXPECT_EQ(DirectoryOf("/etc/loadgen/load.pbtxt"), "/etc/loadgen");
}

}  // namespace
}  // namespace loadgen
