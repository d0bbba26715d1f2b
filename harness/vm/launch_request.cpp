#include "vm/launch_request.hpp"

#include "core/field_count.hpp"
#include "core/json_fields.hpp"
#include "qemu/accelerator.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A field added to LaunchRequest and not carried below stops the build here: carry it in both
// functions (and the round-trip test), then change the count.
static_assert(field_count<LaunchRequest>() == 14, "LaunchRequest changed: carry the field as JSON");

namespace {

// Every field of a request, once: written and read by the same list.
template <class F, class R>
void request_fields(F& f, R& r) {
  f.field("name", r.name);
  f.field("profile", r.profile);
  f.field("image", r.image);
  f.field("accel", r.accel);
  f.field("debug", r.debug);
  f.field("gdb", r.gdb);
  f.field("vnc", r.vnc);
  f.field("wait_for_boot", r.wait_for_boot);
  f.field("login", r.login);
  f.field("log_dir", r.log_dir);
  f.field("image_lock", r.image_lock);
  f.field("require_pinned", r.require_pinned);
  f.field("resume", r.resume);
  f.field("remove_resumed", r.remove_resumed);
}

fs::path absolute_or_empty(const fs::path& p) {
  return p.empty() ? p : fs::absolute(p).lexically_normal();
}

}  // namespace

Json launch_request_json(const LaunchRequest& request) {
  // The supervisor runs elsewhere: its paths absolute (a profile given as a file, too).
  LaunchRequest r = request;
  std::error_code ec;
  if (fs::is_regular_file(r.profile, ec)) r.profile = fs::absolute(r.profile).string();
  r.log_dir = absolute_or_empty(r.log_dir);
  r.image_lock = absolute_or_empty(r.image_lock);
  r.resume = absolute_or_empty(r.resume);
  JsonFieldWriter writer;
  request_fields(writer, r);
  return writer.json();
}

LaunchRequest launch_request_from_json(const Json& json, const std::string& source) {
  LaunchRequest r;
  JsonFields reader(json, source);
  request_fields(reader, r);
  reader.done();
  return r;
}

SupervisorOptions supervisor_options(const LaunchRequest& r, int ready_fd) {
  SupervisorOptions o;
  o.name = r.name;
  o.profile = r.profile;
  o.image = r.image;
  if (!r.accel.empty()) o.accel = parse_accelerator(r.accel, "accel");
  o.debug = r.debug;
  o.gdb = r.gdb;
  o.vnc = r.vnc;
  o.wait_for_boot = r.wait_for_boot;
  o.login = r.login;
  o.log_dir = r.log_dir;
  o.ready_fd = ready_fd;
  o.resume = r.resume;
  o.remove_resumed = r.remove_resumed;
  if (!r.image_lock.empty()) o.images.lock = r.image_lock;
  o.images.require_pinned = r.require_pinned;
  return o;
}

}  // namespace hurdle
