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

std::string absolute_or_empty(const fs::path& p) {
  return p.empty() ? std::string() : fs::absolute(p).lexically_normal().string();
}

}  // namespace

Json launch_request_json(const LaunchRequest& r) {
  std::string profile = r.profile;
  std::error_code ec;
  if (fs::is_regular_file(profile, ec)) profile = fs::absolute(profile).string();
  return {{"name", r.name},
          {"profile", profile},
          {"image", r.image},
          {"accel", r.accel},
          {"debug", r.debug},
          {"gdb", r.gdb},
          {"vnc", r.vnc},
          {"wait_for_boot", r.wait_for_boot},
          {"login", r.login ? Json(*r.login) : Json(nullptr)},
          {"log_dir", absolute_or_empty(r.log_dir)},
          {"image_lock", absolute_or_empty(r.image_lock)},
          {"allow_unpinned", r.allow_unpinned},
          {"resume", absolute_or_empty(r.resume)},
          {"remove_resumed", r.remove_resumed}};
}

LaunchRequest launch_request_from_json(const Json& json, const std::string& source) {
  LaunchRequest r;
  JsonFields f(json, source);
  f.read("name", r.name);
  f.read("profile", r.profile);
  f.read("image", r.image);
  f.read("accel", r.accel);
  f.read("debug", r.debug);
  f.read("gdb", r.gdb);
  f.read("vnc", r.vnc);
  f.read("wait_for_boot", r.wait_for_boot);
  f.read("login", r.login);
  f.read("log_dir", r.log_dir);
  f.read("image_lock", r.image_lock);
  f.read("allow_unpinned", r.allow_unpinned);
  f.read("resume", r.resume);
  f.read("remove_resumed", r.remove_resumed);
  f.done();
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
  o.images.allow_unpinned = r.allow_unpinned;
  return o;
}

}  // namespace hurdle
