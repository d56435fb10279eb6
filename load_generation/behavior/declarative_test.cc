#include "load_generation/behavior/declarative.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/behavior/run_config.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/run_users.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

absl::StatusOr<RunConfig> Resolve(const std::string& text) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(text, "load.pbtxt");
  if (!config.ok()) return config.status();
  return ResolveRunConfig(*config, ::testing::TempDir() + "/load.pbtxt", "",
                          {.dir = ::testing::TempDir()});
}

RunConfig MustResolveFile(const std::string& path) {
  absl::StatusOr<RunConfig> run = LoadRunConfig(path, "");
  EXPECT_TRUE(run.ok()) << run.status();
  return *run;
}

// Requests per stats name when `type` of `run` runs `tasks` tasks against a server.
std::map<std::string, int64_t> Mix(const RunConfig& run, const std::string& type, int64_t tasks,
                                   HttpServer& server) {
  Stats stats(1);
  testing::RunUsers(server.url(), run.Behaviors(), type, 4, tasks, stats);
  std::map<std::string, int64_t> counts;
  const StatsTable table = stats.shard(0).Snapshot();
  for (const auto& [key, entry] : table.Entries()) {
    counts[key.method + " " + key.name] = entry->requests;
  }
  return counts;
}

TEST(Declarative, HotelReservationMixMatchesTheWrk2Script) {
  RunConfig run =
      MustResolveFile("applications/deathstarbench/load_generation/hotel_reservation.pbtxt");
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; }, 1, /*record=*/true);
  std::map<std::string, int64_t> mix = Mix(run, "Traveller", 20000, server);
  const double n = 20000;
  // Standard errors: 0.0035 for 60 %, 0.0005 for 0.5 %: bounds of about 3 of them. The seed is
  // fixed, so the test never flakes.
  EXPECT_NEAR(mix["GET /hotels"] / n, 0.60, 0.012);
  EXPECT_NEAR(mix["GET /recommendations"] / n, 0.39, 0.012);
  EXPECT_NEAR(mix["POST /user"] / n, 0.005, 0.0016);
  EXPECT_NEAR(mix["POST /reservation"] / n, 0.005, 0.0016);
  for (const ServerRequest& r : server.TakeRequests()) {
    if (absl::StartsWith(r.target, "/hotels")) {
      EXPECT_THAT(r.target, MatchesRegex("/hotels\\?inDate=2015-04-[0-9]+&outDate=2015-04-2[4-8]"
                                         "&lat=3[78]\\.[0-9]+&lon=-12[12]\\.[0-9]+"));
    }
    if (absl::StartsWith(r.target, "/reservation")) {
      // One draw per request: the same user in every field.
      std::vector<std::string> user = absl::StrSplit(r.target, "Cornell_");
      ASSERT_EQ(user.size(), 3u);
      EXPECT_EQ(user[1].substr(0, user[1].find('&')), user[2].substr(0, user[2].find('&')));
    }
  }
}

TEST(Declarative, SocialNetworkMixMatchesTheWrk2ScriptAndPostsAForm) {
  RunConfig run =
      MustResolveFile("applications/deathstarbench/load_generation/social_network.pbtxt");
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  std::map<std::string, int64_t> mix = Mix(run, "Member", 20000, server);
  EXPECT_NEAR(mix["GET /wrk2-api/home-timeline/read"] / 20000.0, 0.60, 0.012);
  EXPECT_NEAR(mix["GET /wrk2-api/user-timeline/read"] / 20000.0, 0.30, 0.012);
  EXPECT_NEAR(mix["POST /wrk2-api/post/compose"] / 20000.0, 0.10, 0.008);
  for (const ServerRequest& r : server.TakeRequests()) {
    if (r.method != "POST") continue;
    EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
    EXPECT_THAT(r.body, MatchesRegex("username=username_[0-9]+&user_id=[0-9]+&text=[0-9a-z]{64}&"
                                     "media_ids=%5B%5D&media_types=%5B%5D&post_type=0"));
    // One draw per request: the same user in both fields.
    std::vector<std::string> fields = absl::StrSplit(r.body, absl::ByAnyChar("_=&"));
    EXPECT_EQ(fields[2], fields[5]) << r.body;  // username_N, user_id=N
  }
}

TEST(Declarative, TraceLinesAreSentInOrderByEachUser) {
  RunConfig run = MustResolveFile("applications/mubench/load_generation/trace.pbtxt");
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  Stats stats(1);
  testing::RunUsers(server.url(), run.Behaviors(), "TraceDriven", 3, 60, stats);
  std::ifstream file("applications/mubench/load_generation/traces.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  std::map<int64_t, std::vector<std::string>> by_connection;
  for (const ServerRequest& r : server.TakeRequests()) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/s0");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    by_connection[r.connection].push_back(r.body);
  }
  ASSERT_EQ(by_connection.size(), 3u);
  for (const auto& [connection, bodies] : by_connection) {
    auto first = std::find(lines.begin(), lines.end(), bodies[0]);
    ASSERT_NE(first, lines.end());
    for (size_t i = 0; i < bodies.size(); ++i) {
      EXPECT_EQ(bodies[i], lines[(first - lines.begin() + i) % lines.size()]);
    }
  }
}

TEST(Declarative, ExpectStatusDecidesSuccess) {
  absl::StatusOr<RunConfig> run = Resolve(R"pb(
    user_type_definitions {
      name: "Prober"
      tasks {
        weight: 1
        requests { path: "/gone" expect_status: 404 }
        requests {
          path: "/ok"
          expect_status: [ 201, 202 ]
        }
      }
    }
    phases {
      user_types { name: "Prober" ratio: 1 }
      duration: 1
    }
  )pb");
  ASSERT_TRUE(run.ok()) << run.status();
  HttpServer server([](const ServerRequest& r) {
    return ServerResponse{.status = r.target == "/gone" ? 404 : 200};
  });
  Stats stats(1);
  testing::RunUsers(server.url(), run->Behaviors(), "Prober", 1, 10, stats);
  StatsTable table = stats.shard(0).Snapshot();
  auto failures = table.Failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first.name, "/ok");
  EXPECT_EQ(failures[0].first.error, "HTTP 200 (expected 201 or 202)");
  // Every /ok failed; every /gone (a 404, as expected) succeeded.
  for (const auto& [key, entry] : table.Entries()) {
    EXPECT_GE(entry->requests, 10);
    EXPECT_EQ(entry->failures, key.name == "/ok" ? entry->requests : 0) << key.name;
  }
}

TEST(Declarative, CrLfInLiteralsIsRejectedByTheCheck) {
  absl::StatusOr<RunConfig> run = Resolve(R"pb(
    user_type_definitions {
      name: "Smuggler"
      tasks {
        weight: 1
        requests {
          path: "/a HTTP/1.1\r\nHost: x\r\n\r\nGET /b"
          headers { name: "X-A\r\nX-B" value: "1" }
          headers { name: "X-Note" value: "ok\r\nX-Admin: 1" }
          headers { name: "X-Tab" value: "a\tb" }
        }
      }
    }
    phases {
      user_types { name: "Smuggler" ratio: 1 }
      duration: 1
    }
  )pb");
  ASSERT_FALSE(run.ok());
  const std::string message = Message(run.status());
  const std::string request =
      ::testing::TempDir() + "/load.pbtxt: user_type_definitions[0].tasks[0].requests[0]";
  EXPECT_THAT(message,
              HasSubstr(request + ".path: has a space, CR, LF or other control character"));
  EXPECT_THAT(message, HasSubstr(request + ".headers[0].name: is not an HTTP token"));
  EXPECT_THAT(message,
              HasSubstr(request + ".headers[1].value: has a CR, LF or other control character"));
  EXPECT_THAT(message, Not(HasSubstr("headers[2]"))) << "a tab is fine in a value";
}

TEST(Declarative, AGeneratedValueWithCrLfFailsItsRequestUnsent) {
  absl::StatusOr<RunConfig> run = Resolve(R"pb(
    user_type_definitions {
      name: "Drawn"
      values {
        name: "note"
        one_of { values: [ "fine", "evil\r\nX-Admin: 1" ] }
      }
      tasks {
        weight: 1
        requests {
          path: "/n"
          headers { name: "X-Note" value: "{{note}}" }
        }
      }
    }
    phases {
      user_types { name: "Drawn" ratio: 1 }
      duration: 1
    }
  )pb");
  ASSERT_TRUE(run.ok()) << run.status();
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  Stats stats(1);
  testing::RunUsers(server.url(), run->Behaviors(), "Drawn", 2, 40, stats);
  const StatsTable table = stats.shard(0).Snapshot();
  const RequestStats total = table.Total();
  EXPECT_GT(total.failures, 0);
  EXPECT_LT(total.failures, total.requests);
  EXPECT_EQ(server.requests(), total.requests - total.failures) << "the bad ones were not sent";
  for (const auto& [key, failure] : table.Failures()) {
    EXPECT_EQ(key.error, "bad request: a control character in the value of header X-Note");
  }
}

TEST(Declarative, BadTemplatesAreRejectedWithTheFieldPath) {
  absl::StatusOr<RunConfig> run = Resolve(R"pb(
    user_type_definitions {
      name: "Bad"
      values {
        name: "product"
        one_of { values: [ "a" ] }
      }
      values {
        name: "empty"
        one_of {}
      }
      values {
        name: "range"
        int_range { min: 5 max: 1 }
      }
      values {
        name: "trace"
        file_lines { path: "missing.jsonl" }
      }
      values { name: "nothing" }
      tasks {
        weight: 0
        requests { method: "FETCH" path: "/p/{{prodct}}" }
        requests { path: "no-slash" body: "{{product" }
      }
    }
    phases {
      user_types { name: "Bad" ratio: 1 }
      duration: 1
    }
  )pb");
  ASSERT_FALSE(run.ok());
  const std::string message = Message(run.status());
  const std::string file = ::testing::TempDir() + "/load.pbtxt: user_type_definitions[0]";
  EXPECT_THAT(message, HasSubstr(file + ".values[1].one_of: has no values"));
  EXPECT_THAT(message, HasSubstr(file + ".values[2].int_range: min 5 > max 1"));
  EXPECT_THAT(
      message,
      HasSubstr(file + ".values[3].file_lines.path: cannot read '" +
                (std::filesystem::path(::testing::TempDir()) / "missing.jsonl").string() + "'"));
  EXPECT_THAT(message, HasSubstr(file + ".values[4]: has no kind"));
  EXPECT_THAT(message, HasSubstr(file + ".tasks[0]: weight must be > 0, not 0"));
  EXPECT_THAT(message, HasSubstr(file + ".tasks[0].requests[0].method: 'FETCH' is not one of"));
  EXPECT_THAT(message,
              HasSubstr(file + ".tasks[0].requests[0].path: unknown value {{prodct}} (defined: "
                               "empty, nothing, product, range, trace)"));
  EXPECT_THAT(message, HasSubstr(file + ".tasks[0].requests[1].path: must start with '/'"));
  EXPECT_THAT(message, HasSubstr(file + ".tasks[0].requests[1].body: '{{' without a closing"));
}

TEST(Declarative, NamesMustNotClashOrRepeat) {
  EXPECT_THAT(Message(Resolve(R"pb(
                        application: "hipster_shop"
                        user_type_definitions {
                          name: "Normal"
                          tasks {
                            weight: 1
                            requests { path: "/" }
                          }
                        }
                        phases {
                          user_types { name: "Normal" ratio: 1 }
                          duration: 1
                        }
                      )pb")
                          .status()),
              HasSubstr("user_type_definitions[0].name: 'Normal' is a compiled-in user type of "
                        "hipster_shop"));
  EXPECT_THAT(Message(Resolve(R"pb(
                        user_type_definitions {
                          name: "A"
                          tasks {
                            weight: 1
                            requests { path: "/" }
                          }
                        }
                        user_type_definitions {
                          name: "A"
                          tasks {
                            weight: 1
                            requests { path: "/" }
                          }
                        }
                        phases {
                          user_types { name: "A" ratio: 1 }
                          duration: 1
                        }
                      )pb")
                          .status()),
              HasSubstr("user_type_definitions[1].name: user type 'A' is defined twice"));
}

TEST(Declarative, PhasesMayUseDeclaredAndCompiledInTypesTogether) {
  absl::StatusOr<RunConfig> run = Resolve(R"pb(
    application: "hipster_shop"
    user_type_definitions {
      name: "Bot"
      tasks {
        weight: 1
        requests { path: "/robots.txt" }
      }
    }
    phases {
      user_types { name: "Normal" ratio: 1 }
      user_types { name: "Bot" ratio: 1 }
      duration: 1
    }
  )pb");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->UserTypes(), (std::vector<std::string>{"Bot", "Holiday", "Normal", "Weekend"}));
  EXPECT_NE(run->Behaviors()("Bot"), nullptr);
  EXPECT_NE(run->Behaviors()("Normal"), nullptr);
  EXPECT_EQ(run->Behaviors()("Nope"), nullptr);
}

}  // namespace
}  // namespace loadgen
