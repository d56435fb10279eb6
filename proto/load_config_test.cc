// The schema parses the Pixie wrapper's files unchanged, and bad text is an error with a position.
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/load_config.pb.h"

namespace {

using ::pl::demos::load_generation::LocustConfigFile;
using ::testing::HasSubstr;

// Collects the parser's first error with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (message_.empty()) {
      message_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// The hipster_shop file as the Pixie wrapper shipped it.
constexpr char kPixieHipsterShop[] = R"pb(
  phases {
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 50
    num_users: 100
    hatch_rate_per_s: 30
  }
  phases {
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    user_types { name: "Weekend" ratio: 2 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 20
    num_users: 200
    hatch_rate_per_s: 50
  }
)pb";

TEST(LoadConfigSchema, ParsesThePixieWrappersFormatUnchanged) {
  LocustConfigFile config;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  ASSERT_TRUE(parser.ParseFromString(kPixieHipsterShop, &config)) << errors.message();
  ASSERT_EQ(config.phases_size(), 2);
  EXPECT_EQ(config.phases(1).num_users(), 200);
  EXPECT_EQ(config.phases(1).hatch_rate_per_s(), 50);
  EXPECT_EQ(config.phases(1).user_types(1).name(), "Weekend");
  EXPECT_EQ(config.phases(1).user_types(1).ratio(), 2);
  EXPECT_FALSE(config.has_stop_timeout_ms());
}

TEST(LoadConfigSchema, BadTextIsAnErrorWithLineAndColumn) {
  LocustConfigFile config;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  EXPECT_FALSE(parser.ParseFromString("phases {\n  duration: 10\n  num_usres: 5\n}\n", &config));
  // protobuf points just past the unknown name.
  EXPECT_THAT(errors.message(), HasSubstr("3:12"));
  EXPECT_THAT(errors.message(), HasSubstr("num_usres"));

  FirstError type_errors;
  parser.RecordErrorsTo(&type_errors);
  EXPECT_FALSE(parser.ParseFromString("phases { duration: \"long\" }", &config));
  EXPECT_THAT(type_errors.message(), HasSubstr("1:20"));
}

}  // namespace
