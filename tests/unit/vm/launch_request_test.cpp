// A VM's start request crosses to its supervisor (`hurdle vm serve --request FILE`) as JSON:
// every field arrives as it left, paths made absolute, and the supervisor's options are made
// from it in one place. (A field added and not carried stops the build.)
#include "vm/launch_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/field_count.hpp"

namespace hurdle {
namespace {

using Json = nlohmann::json;

TEST(LaunchRequestJson, EveryFieldArrivesAsItLeftWithItsPathsAbsolute) {
  LaunchRequest sent;
  sent.name = "dev";
  sent.profile = "linux-mini";
  sent.image = "debian-hurd-2025";
  sent.accel = "tcg";
  sent.debug = true;
  sent.gdb = true;
  sent.vnc = true;
  sent.wait_for_boot = false;
  sent.login = false;
  sent.log_dir = "logs/dev";
  sent.image_lock = "/locks/images.lock.yaml";
  sent.require_pinned = true;
  sent.resume = "saved";
  sent.remove_resumed = true;
  const Json json = Json::parse(launch_request_json(sent).dump());
  EXPECT_EQ(json.size(), field_count<LaunchRequest>());
  const LaunchRequest got = launch_request_from_json(json, "launch.json");
  EXPECT_EQ(got.name, "dev");
  EXPECT_EQ(got.profile, "linux-mini");  // a name, not a file here: as it was
  EXPECT_EQ(got.image, "debian-hurd-2025");
  EXPECT_EQ(got.accel, "tcg");
  EXPECT_TRUE(got.debug);
  EXPECT_TRUE(got.gdb);
  EXPECT_TRUE(got.vnc);
  EXPECT_FALSE(got.wait_for_boot);
  EXPECT_EQ(got.login, false);
  EXPECT_EQ(got.log_dir, std::filesystem::absolute("logs/dev"));
  EXPECT_EQ(got.image_lock, "/locks/images.lock.yaml");
  EXPECT_TRUE(got.require_pinned);
  EXPECT_EQ(got.resume, std::filesystem::absolute("saved"));
  EXPECT_TRUE(got.remove_resumed);

  const SupervisorOptions o = supervisor_options(got, 3);
  EXPECT_EQ(o.name, "dev");
  EXPECT_EQ(o.accel, Accelerator::kTcg);
  EXPECT_EQ(o.login, false);
  EXPECT_FALSE(o.wait_for_boot);
  EXPECT_EQ(o.ready_fd, 3);
  EXPECT_EQ(o.images.lock, std::filesystem::path("/locks/images.lock.yaml"));
  EXPECT_TRUE(o.images.require_pinned);
  EXPECT_TRUE(o.remove_resumed);
  // Unset login stays unset (the profile decides).
  EXPECT_FALSE(launch_request_from_json(Json{{"name", "x"}}, "t").login);
}

TEST(LaunchRequestJson, ARequestThatIsNotWhatItMustBeIsRefusedNamingTheField) {
  for (const auto& [json, said] : std::vector<std::pair<Json, std::string>>{
           {Json{{"name", 3}}, "field 'name': expected a string"},
           {Json{{"login", "yes"}}, "field 'login': expected true or false"},
           {Json{{"command", "rm -rf /"}}, "field 'command' is not one it takes"}}) {
    try {
      (void)launch_request_from_json(json, "launch.json");
      ADD_FAILURE() << json.dump();
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("launch.json: " + said));
    }
  }
  EXPECT_THROW((void)supervisor_options(launch_request_from_json(Json{{"accel", "fast"}}, "t"), 3),
               ConfigError);
}

}  // namespace
}  // namespace hurdle
