#include "load_generation/cmd/loadgen_setup.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

// A valid config of one declared user type.
LoadgenFlags Flags() {
  LoadgenFlags flags;
  flags.config = WriteFile("setup.pbtxt", R"pb(
    host: "http://127.0.0.1:8080"
    user_type_definitions {
      name: "Browser"
      tasks {
        weight: 1
        requests { path: "/" }
      }
    }
    phases {
      user_types { name: "Browser" ratio: 1 }
      duration: 10
      num_users: 3
      hatch_rate_per_s: 1
    }
  )pb");
  return flags;
}

LoadgenEnvironment Environment() { return {.cores = 2, .now = absl::FromUnixSeconds(1700000000)}; }

std::string Error(const LoadgenFlags& flags, const LoadgenEnvironment& env = Environment()) {
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, env);
  EXPECT_FALSE(setup.ok());
  return std::string(setup.status().message());
}

TEST(MakeSetup, DefaultsFromTheMachine) {
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(Flags(), Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->daemon.threads, 2) << "one event loop per core";
  EXPECT_NE(setup->daemon.seed, 0u) << "a seed from the time";
  EXPECT_EQ(setup->daemon.shard_index, 0);
  EXPECT_EQ(setup->daemon.shard_count, 1);
  EXPECT_EQ(setup->control.address, "127.0.0.1:50051");
  EXPECT_TRUE(setup->control.token.empty());
  EXPECT_FALSE(setup->metrics.has_value());
  EXPECT_EQ(setup->status_interval, absl::Seconds(5));
}

TEST(MakeSetup, FlagsWinOverDefaults) {
  LoadgenFlags flags = Flags();
  flags.threads = 7;
  flags.busy_poll_us = 100;
  flags.seed = 42;
  flags.grpc_address = "[::1]:0";
  flags.metrics_address = "0.0.0.0:9464";
  flags.grpc_tls_cert = "cert.pem";
  flags.grpc_tls_key = "key.pem";
  flags.run_time = absl::Minutes(10);
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->daemon.threads, 7);
  EXPECT_EQ(setup->daemon.busy_poll, absl::Microseconds(100));
  EXPECT_EQ(setup->daemon.seed, 42u);
  EXPECT_EQ(setup->control.address, "[::1]:0");
  EXPECT_EQ(setup->control.tls_cert_file, "cert.pem");
  EXPECT_EQ(setup->control.tls_key_file, "key.pem");
  ASSERT_TRUE(setup->metrics.has_value());
  EXPECT_EQ(setup->metrics->port, 9464);
  EXPECT_EQ(setup->run_time, absl::Minutes(10));
}

TEST(MakeSetup, OnlyABatchRunOnTheDefaultAddressMayMoveItsControlPort) {
  LoadgenFlags flags = Flags();
  EXPECT_TRUE(MakeSetup(flags, Environment())->control_port_may_move);
  flags.grpc_address_given = true;
  EXPECT_FALSE(MakeSetup(flags, Environment())->control_port_may_move) << "the user chose it";
  flags.grpc_address_given = false;
  flags.wait_for_start = true;
  EXPECT_FALSE(MakeSetup(flags, Environment())->control_port_may_move) << "clients expect it";
}

TEST(MakeSetup, TheShardIndexComesFromThePod) {
  LoadgenFlags flags = Flags();
  flags.shard_count = 3;
  LoadgenEnvironment job = Environment();
  job.job_completion_index = "2";
  job.hostname = "loadgen-1";  // an Indexed Job's index wins
  ASSERT_TRUE(MakeSetup(flags, job).ok());
  EXPECT_EQ(MakeSetup(flags, job)->daemon.shard_index, 2);

  LoadgenEnvironment stateful_set = Environment();
  stateful_set.hostname = "loadgenerator-shards-1";
  EXPECT_EQ(MakeSetup(flags, stateful_set)->daemon.shard_index, 1);

  flags.shard_index = 0;  // the flag wins over both
  EXPECT_EQ(MakeSetup(flags, job)->daemon.shard_index, 0);
}

TEST(MakeSetup, ThePodIndexIsKeptForAShardCountGivenAtStart) {
  LoadgenFlags flags = Flags();  // no --shard_count: the count may come with Start
  LoadgenEnvironment env = Environment();
  env.hostname = "loadgenerator-shards-2";
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, env);
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ(setup->daemon.shard_count, 1);
  EXPECT_EQ(setup->daemon.shard_index, 0);
  EXPECT_EQ(setup->daemon.pod_index, 2);
  env.hostname = "laptop";
  EXPECT_FALSE(MakeSetup(flags, env)->daemon.pod_index.has_value());
}

TEST(MakeSetup, AShardIndexThatCannotBeRight) {
  LoadgenFlags flags = Flags();
  flags.shard_count = 3;
  LoadgenEnvironment env = Environment();
  env.hostname = "loadgen-7";
  EXPECT_EQ(Error(flags, env),
            "with --shard_count=3 the shard index must be in 0..2; the ordinal of "
            "HOSTNAME=loadgen-7 gives 7");
  env.hostname = "workstation";
  EXPECT_THAT(Error(flags, env), HasSubstr("HOSTNAME=workstation does not give one"));
  env.job_completion_index = "x";
  EXPECT_THAT(Error(flags, env), HasSubstr("JOB_COMPLETION_INDEX does not give one"));
  flags.shard_count = 0;
  EXPECT_EQ(Error(flags), "--shard_count must be in 1..10000");
}

TEST(MakeSetup, TheTokenFileIsReadAndStripped) {
  LoadgenFlags flags = Flags();
  flags.control_token_file = WriteFile("token", "  0123456789abcdef\n");
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->control.token, "0123456789abcdef");

  flags.control_token_file = WriteFile("empty_token", "\n");
  EXPECT_THAT(Error(flags), HasSubstr("holds no token"));
  flags.control_token_file = ::testing::TempDir() + "/no_such_token";
  EXPECT_THAT(Error(flags), HasSubstr("cannot read --control_token_file"));
}

TEST(MakeSetup, AControlServiceBeyondLoopbackNeedsATokenOrInsecureControl) {
  LoadgenFlags flags = Flags();
  for (const char* address : {"0.0.0.0:50051", "[::]:50051", "10.1.2.3:50051", ":50051"}) {
    flags.grpc_address = address;
    EXPECT_THAT(Error(flags), HasSubstr("give --control_token_file")) << address;
  }
  flags.grpc_address = "0.0.0.0:50051";
  flags.control_token_file = WriteFile("beyond_token", "s3cret\n");
  EXPECT_TRUE(MakeSetup(flags, Environment()).ok());
  flags.control_token_file.clear();
  flags.insecure_control = true;
  EXPECT_TRUE(MakeSetup(flags, Environment()).ok());
  for (const char* address : {"127.0.0.1:0", "[::1]:50051", "localhost:50051"}) {
    flags = Flags();
    flags.grpc_address = address;
    EXPECT_TRUE(MakeSetup(flags, Environment()).ok()) << address;
  }
}

TEST(MakeSetup, LocustsApiBeyondLoopbackNeedsATokenOrInsecureControlToo) {
  LoadgenFlags flags = Flags();
  flags.web_address = "0.0.0.0:8089";
  EXPECT_THAT(Error(flags), HasSubstr("--web_address=0.0.0.0:8089 lets other machines steer"));
  flags.control_token_file = WriteFile("web_token", "s3cret\n");
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->web->ToString(), "0.0.0.0:8089");
  EXPECT_EQ(setup->control.token, "s3cret") << "the same token as gRPC's";
}

TEST(MakeSetup, UsersMakeOnePhaseOfTheConfigsTypes) {
  LoadgenFlags flags = Flags();
  flags.users = 7;
  flags.spawn_rate = 0.5;
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  ASSERT_EQ(setup->run.config.phases_size(), 1);
  EXPECT_EQ(setup->run.config.phases(0).name(), "swarm");
  EXPECT_EQ(setup->run.config.phases(0).num_users(), 7);
  EXPECT_EQ(setup->run.config.phases(0).spawn_rate_per_s(), 0.5);
  EXPECT_EQ(setup->run.config.phases(0).user_types(0).name(), "Browser");
  flags.user_types = "Nobody:2";
  EXPECT_THAT(Error(flags), HasSubstr("Nobody"));
}

TEST(MakeSetup, UsersWithoutAConfigFileTakeTheApplicationsTypes) {
  LoadgenFlags flags;
  flags.config = ::testing::TempDir() + "/no_such_load.pbtxt";
  flags.users = 3;
  EXPECT_THAT(Error(flags), HasSubstr("needs --application"));
  flags.application = "hipster_shop";
  flags.host = "http://127.0.0.1:8080";
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  const PhaseConfig& phase = setup->run.config.phases(0);
  ASSERT_EQ(phase.user_types_size(), 3);
  EXPECT_EQ(phase.user_types(0).name(), "Holiday");
  EXPECT_EQ(phase.user_types(0).ratio(), 1);
  flags.user_types = "Normal:1,Weekend:2";
  setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  ASSERT_EQ(setup->run.config.phases(0).user_types_size(), 2);
  EXPECT_EQ(setup->run.config.phases(0).user_types(1).ratio(), 2);
  flags.config_given = true;
  EXPECT_THAT(Error(flags), HasSubstr("no_such_load.pbtxt")) << "a named config must be there";
}

TEST(MakeSetup, TheConfigDirectoryIsTheConfigsUnlessGiven) {
  LoadgenFlags flags = Flags();
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->daemon.config_dir + "/setup.pbtxt", flags.config);
  flags.config_dir = "/etc";
  setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->daemon.config_dir, "/etc");
  flags.config_dir = flags.config;
  EXPECT_THAT(Error(flags), HasSubstr("--config_dir " + flags.config + " is not a directory"));
}

TEST(MakeSetup, BadFlagsAreNamed) {
  LoadgenFlags flags = Flags();
  flags.threads = -1;
  EXPECT_EQ(Error(flags), "--threads must be in 0..1024");
  flags = Flags();
  flags.busy_poll_us = -5;
  EXPECT_EQ(Error(flags), "--busy_poll_us must be in 0..1000000");
  flags = Flags();
  flags.run_time = -absl::Seconds(1);
  EXPECT_EQ(Error(flags), "--run_time must not be negative");
  flags = Flags();
  flags.grpc_address = "50051";
  EXPECT_THAT(Error(flags), HasSubstr("--grpc_address '50051' is not HOST:PORT"));
  flags = Flags();
  flags.metrics_address = "::1:9464";
  EXPECT_THAT(Error(flags), HasSubstr("--metrics_address"));
  flags = Flags();
  flags.grpc_address = "";
  flags.wait_for_start = true;
  EXPECT_THAT(Error(flags), HasSubstr("--wait_for_start needs a control face"));
  flags.web_address = "127.0.0.1:8089";
  EXPECT_TRUE(MakeSetup(flags, Environment()).ok()) << "a /swarm may start it";
  flags = Flags();
  flags.csv = ::testing::TempDir() + "/no/such/dir/results";
  EXPECT_THAT(Error(flags), HasSubstr("--csv"));
}

TEST(MakeSetup, ABadConfigIsTheConfigsError) {
  LoadgenFlags flags = Flags();
  flags.config = WriteFile("bad.pbtxt", "phases { num_usres: 3 }");
  EXPECT_THAT(Error(flags), HasSubstr("bad.pbtxt:1:"));
}

TEST(MakeSetup, CheckNeedsOnlyTheConfig) {
  LoadgenFlags flags = Flags();
  flags.check = true;
  flags.threads = -1;  // not looked at
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_THAT(CheckSummary(*setup),
              ::testing::MatchesRegex(".*setup.pbtxt: valid: 1 phases, user types Browser "
                                      "\\(application none\\), config [0-9a-f]+"));
}

TEST(StartLine, SaysNoneForNoApplicationAsCheckDoes) {
  LoadgenFlags flags = Flags();
  flags.seed = 5;
  flags.threads = 1;
  absl::StatusOr<LoadgenSetup> setup = MakeSetup(flags, Environment());
  ASSERT_TRUE(setup.ok());
  EXPECT_THAT(StartLine(*setup),
              HasSubstr("setup.pbtxt: application none, 1 phases, 1 threads, seed 5"));
}

}  // namespace
}  // namespace loadgen
