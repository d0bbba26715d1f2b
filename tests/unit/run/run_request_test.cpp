// A run request crosses to another process (`hurdle run --request`, the MCP server's
// run_suite) as JSON: every field arrives as it left, and a request from outside that is not
// what it must be is refused naming the field. (A field added to RunRequest and not carried
// stops the build: core/field_count.hpp.)
#include "run/run_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/field_count.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// Every field set to something other than its default.
RunRequest everything_set() {
  RunRequest r;
  r.files = {"/a.yaml", "/b.yaml"};
  r.filter = "s.*";
  r.exclude = "*slow*";
  r.shard = "1/3";
  r.repeat = 4;
  r.junit = "/out/junit.xml";
  r.report_dir = "/out";
  r.fail_fast = true;
  r.keep_failed_state = true;
  r.accel = "tcg";
  r.timeout_scale = 2.5;
  r.verbose = true;
  r.list = true;
  r.shuffle = true;
  r.seed = 4000000000u;
  r.no_boot_cache = true;
  r.jobs = 3;
  r.reset = "snapshot";
  r.images.lock = "/locks/images.lock.yaml";
  r.images.cache_dir = "/cache";
  r.images.require_pinned = true;
  r.images.fetch = false;
  r.images.download.attempts = 9;
  r.images.download.first_pause = std::chrono::milliseconds(123);
  r.images.download.max_pause = std::chrono::milliseconds(4567);
  r.images.download.connect_timeout = std::chrono::seconds(8);
  r.images.download.stall_time = std::chrono::seconds(90);
  r.images.download.ca_file = "/etc/ca.pem";
  r.events = "-";
  r.run_name = "exec-1";
  r.people_to_stderr = true;
  r.keep_last_state = "/state";
  r.history = "/h/history.sqlite";
  r.flaky_window = 20;
  r.flaky_flips = 4;
  r.expectations = "hurdle-expectations.yaml";
  r.strict = true;
  r.infra_retries = 5;
  return r;
}

TEST(RunRequestJson, EveryFieldArrivesAsItLeft) {
  const RunRequest sent = everything_set();
  // Through text, as it crosses a pipe.
  const RunRequest got = run_request_from_json(Json::parse(run_request_json(sent).dump()), "t");
  EXPECT_EQ(got.files, sent.files);
  EXPECT_EQ(got.filter, sent.filter);
  EXPECT_EQ(got.exclude, sent.exclude);
  EXPECT_EQ(got.shard, sent.shard);
  EXPECT_EQ(got.repeat, sent.repeat);
  EXPECT_EQ(got.junit, sent.junit);
  EXPECT_EQ(got.report_dir, sent.report_dir);
  EXPECT_EQ(got.fail_fast, sent.fail_fast);
  EXPECT_EQ(got.keep_failed_state, sent.keep_failed_state);
  EXPECT_EQ(got.accel, sent.accel);
  EXPECT_EQ(got.timeout_scale, sent.timeout_scale);
  EXPECT_EQ(got.verbose, sent.verbose);
  EXPECT_EQ(got.list, sent.list);
  EXPECT_EQ(got.shuffle, sent.shuffle);
  EXPECT_EQ(got.seed, sent.seed);
  EXPECT_EQ(got.no_boot_cache, sent.no_boot_cache);
  EXPECT_EQ(got.jobs, sent.jobs);
  EXPECT_EQ(got.reset, sent.reset);
  EXPECT_EQ(got.images.lock, sent.images.lock);
  EXPECT_EQ(got.images.cache_dir, sent.images.cache_dir);
  EXPECT_EQ(got.images.require_pinned, sent.images.require_pinned);
  EXPECT_EQ(got.images.fetch, sent.images.fetch);
  EXPECT_EQ(got.images.download.attempts, sent.images.download.attempts);
  EXPECT_EQ(got.images.download.first_pause, sent.images.download.first_pause);
  EXPECT_EQ(got.images.download.max_pause, sent.images.download.max_pause);
  EXPECT_EQ(got.images.download.connect_timeout, sent.images.download.connect_timeout);
  EXPECT_EQ(got.images.download.stall_time, sent.images.download.stall_time);
  EXPECT_EQ(got.images.download.ca_file, sent.images.download.ca_file);
  EXPECT_EQ(got.events, sent.events);
  EXPECT_EQ(got.run_name, sent.run_name);
  EXPECT_EQ(got.people_to_stderr, sent.people_to_stderr);
  EXPECT_EQ(got.keep_last_state, sent.keep_last_state);
  EXPECT_EQ(got.history, sent.history);
  EXPECT_EQ(got.flaky_window, sent.flaky_window);
  EXPECT_EQ(got.flaky_flips, sent.flaky_flips);
  EXPECT_EQ(got.expectations, sent.expectations);
  EXPECT_EQ(got.strict, sent.strict);
  EXPECT_EQ(got.infra_retries, sent.infra_retries);
  // The fields compared above are all there are (the build checks the same).
  EXPECT_EQ(field_count<RunRequest>(), 29u);
  EXPECT_EQ(run_request_json(sent).size(), 29u);
  // And the defaults stay defaults: an empty object is the default request.
  const RunRequest defaults = run_request_from_json(Json::object(), "t");
  EXPECT_EQ(run_request_json(defaults), run_request_json(RunRequest{}));
}

TEST(RunRequestJson, ARequestThatIsNotWhatItMustBeIsRefusedNamingTheField) {
  const std::pair<Json, const char*> bad[] = {
      {Json::array(), "expected a JSON object, found array"},
      {{{"files", "a.yaml"}}, "field 'files': expected an array of strings, found string"},
      {{{"files", {"a.yaml", 3}}}, "field 'files': expected an array of strings"},
      {{{"repeat", "2"}}, "field 'repeat': expected a whole number"},
      {{{"repeat", 1.5}}, "field 'repeat': expected a whole number"},
      {{{"jobs", 99999999999}}, "field 'jobs': expected a whole number from"},
      {{{"seed", -1}}, "field 'seed': expected a whole number from 0 to 4294967295"},
      {{{"fail_fast", 1}}, "field 'fail_fast': expected true or false, found number"},
      {{{"images", {{"lock", 5}}}}, "t.images: field 'lock': expected a string"},
      {{{"images", {{"download", {{"attempts", true}}}}}},
       "t.images.download: field 'attempts': expected a whole number"},
      {{{"gtest_flags", {"--gtest_shuffle"}}}, "field 'gtest_flags' is not one it takes"},
      {{{"images", {{"log", "x"}}}}, "t.images: field 'log' is not one it takes"},
  };
  for (const auto& [json, said] : bad) {
    try {
      (void)run_request_from_json(json, "t");
      ADD_FAILURE() << json.dump() << " was taken";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(said)) << json.dump();
    }
  }
}

}  // namespace
}  // namespace hurdle
