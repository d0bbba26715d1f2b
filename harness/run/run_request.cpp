#include "run/run_request.hpp"

#include "core/field_count.hpp"
#include "core/json_fields.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A field added to one of these and not carried below stops the build here: carry it in both
// functions (and the round-trip test), then change the count.
static_assert(field_count<RunRequest>() == 23, "RunRequest changed: carry the field as JSON");
static_assert(field_count<ImageSettings>() == 6, "ImageSettings changed: carry the field as JSON");
static_assert(field_count<DownloadOptions>() == 8,
              "DownloadOptions changed: carry the field as JSON");

namespace {

Json optional_path(const std::optional<fs::path>& p) {
  return p ? Json(p->string()) : Json(nullptr);
}

// Not carried: `log` and the download's `note` and `abort_fd` are this process's.
Json images_json(const ImageSettings& s) {
  return {{"lock", optional_path(s.lock)},
          {"cache_dir", optional_path(s.cache_dir)},
          {"allow_unpinned", s.allow_unpinned},
          {"fetch", s.fetch},
          {"download",
           {{"attempts", s.download.attempts},
            {"first_pause_ms", s.download.first_pause.count()},
            {"max_pause_ms", s.download.max_pause.count()},
            {"connect_timeout_s", s.download.connect_timeout.count()},
            {"stall_time_s", s.download.stall_time.count()},
            {"ca_file", s.download.ca_file.string()}}}};
}

ImageSettings images_from(const Json& json, const std::string& source) {
  ImageSettings s;
  JsonFields f(json, source);
  f.read("lock", s.lock);
  f.read("cache_dir", s.cache_dir);
  f.read("allow_unpinned", s.allow_unpinned);
  f.read("fetch", s.fetch);
  if (const Json* download = f.object("download")) {
    JsonFields d(*download, source + ".download");
    d.read("attempts", s.download.attempts);
    d.read("first_pause_ms", s.download.first_pause);
    d.read("max_pause_ms", s.download.max_pause);
    d.read("connect_timeout_s", s.download.connect_timeout);
    d.read("stall_time_s", s.download.stall_time);
    d.read("ca_file", s.download.ca_file);
    d.done();
  }
  f.done();
  return s;
}

}  // namespace

Json run_request_json(const RunRequest& r) {
  return {{"files", r.files},
          {"filter", r.filter},
          {"exclude", r.exclude},
          {"shard", r.shard},
          {"repeat", r.repeat},
          {"junit", r.junit},
          {"report_dir", r.report_dir},
          {"fail_fast", r.fail_fast},
          {"keep_failed_state", r.keep_failed_state},
          {"accel", r.accel},
          {"timeout_scale", r.timeout_scale},
          {"verbose", r.verbose},
          {"list", r.list},
          {"shuffle", r.shuffle},
          {"seed", r.seed ? Json(*r.seed) : Json(nullptr)},
          {"no_boot_cache", r.no_boot_cache},
          {"jobs", r.jobs},
          {"reset", r.reset},
          {"images", images_json(r.images)},
          {"events", r.events},
          {"run_name", r.run_name},
          {"people_to_stderr", r.people_to_stderr},
          {"keep_last_state", r.keep_last_state.string()}};
}

RunRequest run_request_from_json(const Json& json, const std::string& source) {
  RunRequest r;
  JsonFields f(json, source);
  f.read("files", r.files);
  f.read("filter", r.filter);
  f.read("exclude", r.exclude);
  f.read("shard", r.shard);
  f.read("repeat", r.repeat);
  f.read("junit", r.junit);
  f.read("report_dir", r.report_dir);
  f.read("fail_fast", r.fail_fast);
  f.read("keep_failed_state", r.keep_failed_state);
  f.read("accel", r.accel);
  f.read("timeout_scale", r.timeout_scale);
  f.read("verbose", r.verbose);
  f.read("list", r.list);
  f.read("shuffle", r.shuffle);
  f.read("seed", r.seed);
  f.read("no_boot_cache", r.no_boot_cache);
  f.read("jobs", r.jobs);
  f.read("reset", r.reset);
  if (const Json* images = f.object("images")) r.images = images_from(*images, source + ".images");
  f.read("events", r.events);
  f.read("run_name", r.run_name);
  f.read("people_to_stderr", r.people_to_stderr);
  f.read("keep_last_state", r.keep_last_state);
  f.done();
  return r;
}

}  // namespace hurdle
