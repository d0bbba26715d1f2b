#include "run/run_request.hpp"

#include "core/field_count.hpp"
#include "core/json_fields.hpp"

namespace hurdle {

using Json = nlohmann::json;

// A field added to one of these and not carried below stops the build here: carry it in both
// functions (and the round-trip test), then change the count.
static_assert(field_count<RunRequest>() == 29, "RunRequest changed: carry the field as JSON");
static_assert(field_count<ImageSettings>() == 6, "ImageSettings changed: carry the field as JSON");
static_assert(field_count<DownloadOptions>() == 8,
              "DownloadOptions changed: carry the field as JSON");

namespace {

// Not carried: `log` and the download's `note` and `abort_fd` are this process's.
template <class F, class D>
void download_fields(F& f, D& d) {
  f.field("attempts", d.attempts);
  f.field("first_pause_ms", d.first_pause);
  f.field("max_pause_ms", d.max_pause);
  f.field("connect_timeout_s", d.connect_timeout);
  f.field("stall_time_s", d.stall_time);
  f.field("ca_file", d.ca_file);
}

template <class F, class S>
void image_fields(F& f, S& s) {
  f.field("lock", s.lock);
  f.field("cache_dir", s.cache_dir);
  f.field("require_pinned", s.require_pinned);
  f.field("fetch", s.fetch);
  f.nested("download", s.download, [](auto& g, auto& d) { download_fields(g, d); });
}

// Every field of a request, once: written and read by the same list.
template <class F, class R>
void request_fields(F& f, R& r) {
  f.field("files", r.files);
  f.field("filter", r.filter);
  f.field("exclude", r.exclude);
  f.field("shard", r.shard);
  f.field("repeat", r.repeat);
  f.field("junit", r.junit);
  f.field("report_dir", r.report_dir);
  f.field("fail_fast", r.fail_fast);
  f.field("keep_failed_state", r.keep_failed_state);
  f.field("accel", r.accel);
  f.field("timeout_scale", r.timeout_scale);
  f.field("verbose", r.verbose);
  f.field("list", r.list);
  f.field("shuffle", r.shuffle);
  f.field("seed", r.seed);
  f.field("no_boot_cache", r.no_boot_cache);
  f.field("jobs", r.jobs);
  f.field("reset", r.reset);
  f.nested("images", r.images, [](auto& g, auto& s) { image_fields(g, s); });
  f.field("events", r.events);
  f.field("run_name", r.run_name);
  f.field("people_to_stderr", r.people_to_stderr);
  f.field("keep_last_state", r.keep_last_state);
  f.field("history", r.history);
  f.field("flaky_window", r.flaky_window);
  f.field("flaky_flips", r.flaky_flips);
  f.field("expectations", r.expectations);
  f.field("strict", r.strict);
  f.field("infra_retries", r.infra_retries);
}

}  // namespace

Json run_request_json(const RunRequest& r) {
  JsonFieldWriter writer;
  request_fields(writer, r);
  return writer.json();
}

RunRequest run_request_from_json(const Json& json, const std::string& source) {
  RunRequest r;
  JsonFields reader(json, source);
  request_fields(reader, r);
  reader.done();
  return r;
}

}  // namespace hurdle
