#include "mcp/hurdle_tools.hpp"

#include <fstream>
#include <sstream>

#include "core/base64.hpp"
#include "core/boost_process.hpp"
#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "run/suite_run.hpp"
#include "suite/reset_mode.hpp"
#include "vm/control_commands.hpp"
#include "vm/vm_client.hpp"
#include "vm/vm_launcher.hpp"

namespace hurdle::mcp {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// JSON Schema pieces.
Json object_schema(Json properties, Json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}
Json text(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}
Json name_property() {
  return {{"type", "string"},
          {"minLength", 1},
          {"description", "the VM's name (letters, digits, '-' and '_'), as given to vm_start"}};
}
Json open_object() { return {{"type", "object"}}; }

std::chrono::milliseconds seconds_arg(const Json& args, const char* name, double fallback) {
  const double s = args.contains(name) ? args[name].get<double>() : fallback;
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

Tool vm_start(const fs::path& program) {
  Tool t;
  t.name = "vm_start";
  t.title = "Start a VM";
  t.description =
      "Start a virtual machine from a hurdle machine profile (e.g. 'linux-mini', "
      "'hurd-amd64') and wait until its guest has booted (logged in on the serial console "
      "and SSH ready when the profile has SSH). The VM keeps running after this call, "
      "until vm_stop. Nothing it opens listens beyond 127.0.0.1.";
  t.input_schema = object_schema(
      {{"name", name_property()},
       {"profile", text("the machine profile: a name found in the profile folders, or a path")},
       {"image", text("an image lock entry to boot instead of the profile's own")},
       {"accel",
        {{"type", "string"},
         {"enum", {"auto", "kvm", "tcg"}},
         {"description", "the accelerator (default: the profile's)"}}},
       {"debug", {{"type", "boolean"}, {"description", "log QEMU's guest errors"}}},
       {"gdb", {{"type", "boolean"}, {"description", "open a GDB stub on 127.0.0.1"}}},
       {"vnc", {{"type", "boolean"}, {"description", "show the display over VNC on 127.0.0.1"}}}},
      {"name", "profile"});
  t.output_schema = object_schema(
      {{"name", {{"type", "string"}}},
       {"state", {{"type", "string"}}},
       {"accelerator", {{"type", "string"}}},
       {"ports", {{"type", "object"}, {"description", "service -> port on 127.0.0.1"}}},
       {"log_dir", {{"type", "string"}}},
       {"took_ms", {{"type", "integer"}}}},
      {"name", "state", "ports", "took_ms"});
  t.output_schema.erase("additionalProperties");
  t.run = [program](const Json& args, ToolCall& call) {
    LaunchRequest r;
    r.name = args["name"].get<std::string>();
    r.profile = args["profile"].get<std::string>();
    r.image = args.value("image", std::string());
    r.accel = args.value("accel", std::string());
    r.debug = args.value("debug", false);
    r.gdb = args.value("gdb", false);
    r.vnc = args.value("vnc", false);
    call.progress(0, 1, "starting " + r.name + " (" + r.profile + ")");
    const LaunchResult started = launch_vm(r, program);
    call.progress(1, 1, r.name + " booted");
    Json record = started.record.to_json();
    record["took_ms"] = started.took.count();
    return ToolResult{record, {}};
  };
  return t;
}

// A tool that asks a VM's supervisor one thing and returns its answer as it is.
Tool vm_request(const std::string& name, const std::string& title, const std::string& description,
                const std::string& command, Json properties, Json required, Json output,
                std::function<Json(const Json&)> make_args = {},
                std::function<Json(const Json&)> shape = {}) {
  Tool t;
  t.name = name;
  t.title = title;
  t.description = description;
  properties["name"] = name_property();
  required.insert(required.begin(), "name");
  t.input_schema = object_schema(properties, required);
  t.output_schema = std::move(output);
  t.run = [command, make_args, shape](const Json& args, ToolCall&) {
    const VmClient vm = VmClient::open(args["name"].get<std::string>());
    const Json answer = vm.request(command, make_args ? make_args(args) : Json::object());
    return ToolResult{shape ? shape(answer) : answer, {}};
  };
  return t;
}

Tool vm_list() {
  Tool t;
  t.name = "vm_list";
  t.title = "List VMs";
  t.description =
      "The VMs running now, with their state, profile and ports (stale entries of "
      "VMs whose supervisor died are cleaned up).";
  t.input_schema = object_schema(Json::object(), Json::array());
  t.output_schema = {{"type", "object"},
                     {"properties", {{"running", {{"type", "array"}, {"items", open_object()}}}}},
                     {"required", {"running"}}};
  t.annotations = {{"readOnlyHint", true}};
  t.run = [](const Json&, ToolCall&) {
    Json running = Json::array();
    for (const auto& r : list_instances().running) running.push_back(r.to_json());
    return ToolResult{{{"running", running}}, {}};
  };
  return t;
}

Tool vm_stop() {
  Tool t;
  t.name = "vm_stop";
  t.title = "Stop a VM";
  t.description =
      "Stop a VM: QEMU quits at once (the guest is not asked); with force, its "
      "supervisor and QEMU are killed. Its logs stay.";
  t.input_schema =
      object_schema({{"name", name_property()},
                     {"force", {{"type", "boolean"}, {"description", "kill instead of quit"}}}},
                    {"name"});
  t.output_schema = object_schema({{"name", {{"type", "string"}}},
                                   {"stopped", {{"type", "boolean"}}},
                                   {"how", {{"type", "string"}}},
                                   {"log_dir", {{"type", "string"}}}},
                                  {"name", "stopped", "how"});
  t.annotations = {{"destructiveHint", true}};
  t.run = [](const Json& args, ToolCall&) {
    const VmClient vm = VmClient::open(args["name"].get<std::string>());
    const bool force = args.value("force", false);
    bool stopped = false;
    if (force) {
      stopped = vm.kill(std::chrono::seconds(10));
    } else {
      vm.request(control::kQuit);
      stopped = vm.wait_until_stopped(std::chrono::seconds(30));
    }
    return ToolResult{{{"name", vm.record().name},
                       {"stopped", stopped},
                       {"how", force ? "killed" : "quit"},
                       {"log_dir", vm.record().log_dir.string()}},
                      {}};
  };
  return t;
}

Tool screenshot() {
  Tool t;
  t.name = "screenshot";
  t.title = "Screenshot";
  t.description = "The VM's display as a PNG image (what a monitor attached to it shows).";
  t.input_schema = object_schema({{"name", name_property()}}, {"name"});
  t.output_schema = object_schema(
      {{"path", {{"type", "string"}}}, {"bytes", {{"type", "integer"}}}}, {"path", "bytes"});
  t.annotations = {{"readOnlyHint", true}};
  t.run = [](const Json& args, ToolCall&) {
    const VmClient vm = VmClient::open(args["name"].get<std::string>());
    const Json answer = vm.request(control::kScreenshot);
    const std::string path = answer.value("path", std::string());
    std::ifstream in(path, std::ios::binary);
    std::stringstream png;
    png << in.rdbuf();
    const std::string bytes = png.str();
    if (bytes.empty()) throw QemuError("the screenshot " + path + " is empty");
    ToolResult r;
    r.structured = {{"path", path}, {"bytes", bytes.size()}};
    r.content =
        Json::array({{{"type", "image"}, {"data", base64_encode(bytes)}, {"mimeType", "image/png"}},
                     {{"type", "text"}, {"text", r.structured.dump()}}});
    return r;
  };
  return t;
}

// run_suite's arguments as `hurdle run` takes them, with absolute paths.
RunRequest run_request(const Json& args) {
  RunRequest request;
  request.files = args["files"].get<std::vector<std::string>>();
  request.filter = args.value("filter", std::string());
  request.exclude = args.value("exclude", std::string());
  request.accel = args.value("accel", std::string());
  request.jobs = args.value("jobs", 1);
  request.reset = args.value("reset", std::string());
  request.report_dir = fs::absolute(args.value("report_dir", std::string("reports"))).string();
  for (auto& f : request.files) f = fs::absolute(f).string();
  if (args.contains("history")) request.history = fs::absolute(args["history"].get<std::string>());
  if (args.contains("expectations"))
    request.expectations = fs::absolute(args["expectations"].get<std::string>());
  return request;
}

struct FollowedRun {
  int status = 0;
  std::string report_dir;
  std::string junit;
};

// Runs `hurdle run` and follows its events: the report folder when it starts, a progress
// notification per finished scenario; a cancelled call ends the run (which still writes its
// report).
FollowedRun follow_run(const fs::path& program, const RunRequest& request, std::size_t scenarios,
                       ToolCall& call) {
  // The run's events come on the child's stdout (`--events -`, run/run_events.hpp); what it
  // prints for people then goes to its stderr, which is this server's (never its JSON-RPC
  // stdout).
  namespace bp = boost::process::v2;
  // The request goes whole, as JSON on the child's stdin (`hurdle run --request -`).
  boost::asio::io_context ctx;
  boost::asio::readable_pipe events(ctx);
  boost::asio::writable_pipe to_child(ctx);
  RunRequest whole = request;
  whole.events = "-";
  bp::process child(ctx, program.string(), std::vector<std::string>{"run", "--request", "-"},
                    bp::process_stdio{to_child, events, {}}, CloseInheritedFds{});
  {
    boost::system::error_code ec;
    boost::asio::write(to_child, boost::asio::buffer(run_request_json(whole).dump()), ec);
    to_child.close(ec);  // a child that died at once is seen below, by its status
  }
  FollowedRun run;
  std::string pending;
  double done = 0;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n =
        boost::asio::read_until(events, boost::asio::dynamic_buffer(pending), '\n', ec);
    if (ec && n == 0) break;
    const Json event = Json::parse(pending.substr(0, n), nullptr, false);
    pending.erase(0, n);
    if (call.cancelled()) child.request_exit();  // SIGTERM: the run finishes its report
    if (!event.is_object()) continue;
    const std::string kind = event.value("event", std::string());
    if (kind == "run_started") {
      run.report_dir = event.value("report_dir", std::string());
      run.junit = event.value("junit", std::string());
    } else if (kind == "scenario_finished") {
      done += 1;
      // The run's own progress line, as `hurdle run` prints it: "PASS   suite.scenario  0.38 s".
      const std::string line = event.value("line", std::string());
      call.progress(done, static_cast<double>(scenarios),
                    safe_line(line.substr(0, line.find('\n'))));
    }
  }
  run.status = child.wait();
  return run;
}

// run_suite's result: the exit status, and the totals and scenarios of the run's summary.json.
ToolResult run_summary(const FollowedRun& run) {
  if (run.report_dir.empty())
    throw Error("hurdle run ended with status " + std::to_string(run.status) +
                " without a report (its errors are in the MCP server's stderr)");
  std::ifstream summary_file(fs::path(run.report_dir) / "summary.json");
  const Json summary = Json::parse(summary_file, nullptr, false);
  if (summary.is_discarded())
    throw ResultsError(run.report_dir + "/summary.json is missing or no JSON");
  Json scenarios = Json::array();
  for (const auto& suite : summary.value("suites", Json::array()))
    for (const auto& sc : suite.value("scenarios", Json::array())) {
      Json entry = {{"suite", suite.value("name", std::string())},
                    {"name", sc.value("name", std::string())},
                    {"status", sc.value("status", std::string())},
                    {"seconds", sc.value("seconds", 0.0)},
                    {"message", sc.value("message", std::string())}};
      // What the history and the expectations said of it, when the run had them.
      for (const char* finding : {"history", "expectation"})
        if (sc.contains(finding)) entry[finding] = sc[finding];
      scenarios.push_back(std::move(entry));
    }
  return ToolResult{{{"exit_status", run.status},
                     {"totals", summary.value("totals", Json::object())},
                     {"report_dir", run.report_dir},
                     {"junit", run.junit},
                     {"scenarios", scenarios}},
                    {}};
}

Tool run_suite(const fs::path& program) {
  Tool t;
  t.name = "run_suite";
  t.title = "Run test suites";
  t.description =
      "Run hurdle YAML test suites (each boots its own VM; this does not use the VMs of "
      "vm_start) and return the summary: totals, each scenario's status and message, the "
      "report folder and the JUnit file. Progress is reported per scenario.";
  t.input_schema = object_schema(
      {{"files",
        {{"type", "array"},
         {"items", {{"type", "string"}}},
         {"minItems", 1},
         {"description", "suite files (YAML)"}}},
       {"filter", text("SUITE.SCENARIO globs, ':'-separated")},
       {"exclude", text("SUITE.SCENARIO globs to leave out")},
       {"accel", {{"type", "string"}, {"enum", {"auto", "kvm", "tcg"}}}},
       {"jobs",
        {{"type", "integer"},
         {"minimum", 1},
         {"maximum", 64},
         {"description", "scenarios at once"}}},
       {"reset", {{"type", "string"}, {"enum", reset_mode_names()}}},
       {"report_dir", text("where the run's folder goes (default: reports)")},
       {"history", text("a history file (SQLite): the run is recorded in it, and each "
                        "scenario's summary says new failure, still failing, flaky, fixed "
                        "or new test")},
       {"expectations", text("an expectations file of known failures (hurdle-expectations.yaml)")}},
      {"files"});
  t.output_schema = {{"type", "object"},
                     {"properties",
                      {{"exit_status", {{"type", "integer"}}},
                       {"totals", open_object()},
                       {"report_dir", {{"type", "string"}}},
                       {"junit", {{"type", "string"}}},
                       {"scenarios", {{"type", "array"}, {"items", open_object()}}}}},
                     {"required", {"exit_status", "totals", "report_dir", "junit", "scenarios"}}};
  t.run = [program](const Json& args, ToolCall& call) {
    const RunRequest request = run_request(args);
    // Checked here first: a bad suite is an error naming its file and line, before any boot.
    const std::vector<std::string> selected = selected_scenarios(request);
    if (selected.empty()) throw ConfigError({}, "no scenario matches the filter");
    call.progress(0, static_cast<double>(selected.size()),
                  "running " + std::to_string(selected.size()) + " scenario(s)");
    return run_summary(follow_run(program, request, selected.size(), call));
  };
  return t;
}

}  // namespace

std::vector<Tool> hurdle_tools(const fs::path& program) {
  std::vector<Tool> tools;
  tools.push_back(vm_start(program));
  tools.push_back(vm_list());
  tools.push_back(vm_request(
      "vm_status", "VM status",
      "A VM's state (starting, running, boot-failed), QEMU's run state (running, paused...), "
      "uptime, ports and log folder.",
      control::kStatus, Json::object(), Json::array(),
      {{"type", "object"},
       {"properties", {{"state", {{"type", "string"}}}, {"run_state", {{"type", "string"}}}}},
       {"required", {"state", "run_state"}}}));
  tools.back().annotations = {{"readOnlyHint", true}};
  tools.push_back(vm_stop());
  const Json tag = {{"type", "string"}, {"minLength", 1}, {"description", "the snapshot's name"}};
  tools.push_back(
      vm_request("snapshot_save", "Save a snapshot",
                 "Snapshot the whole VM (RAM, devices, disks) under a name, to come back to with "
                 "snapshot_restore.",
                 control::kSnapshotSave, {{"tag", tag}}, {"tag"},
                 object_schema({{"tag", {{"type", "string"}}}, {"took_ms", {{"type", "integer"}}}},
                               {"tag", "took_ms"}),
                 [](const Json& a) {
                   return Json{{"tag", a["tag"]}};
                 }));
  tools.push_back(vm_request(
      "snapshot_restore", "Restore a snapshot",
      "Put the VM back exactly as it was when the snapshot was taken; the guest is proven to "
      "answer before this returns.",
      control::kSnapshotRestore, {{"tag", tag}}, {"tag"},
      object_schema({{"tag", {{"type", "string"}}},
                     {"load_ms", {{"type", "integer"}}},
                     {"verify_ms", {{"type", "integer"}}},
                     {"verified_by", {{"type", "string"}}}},
                    {"tag", "load_ms", "verified_by"}),
      [](const Json& a) {
        return Json{{"tag", a["tag"]}};
      }));
  tools.back().annotations = {{"destructiveHint", true}};
  tools.push_back(vm_request(
      "snapshot_delete", "Delete a snapshot", "Delete one of the VM's snapshots by its name.",
      control::kSnapshotDelete, {{"tag", tag}}, {"tag"},
      object_schema({{"tag", {{"type", "string"}}}, {"deleted", {{"type", "boolean"}}}},
                    {"tag", "deleted"}),
      [](const Json& a) {
        return Json{{"tag", a["tag"]}};
      }));
  tools.back().annotations = {{"destructiveHint", true}};
  tools.push_back(
      vm_request("snapshot_list", "List snapshots", "The names of the VM's snapshots.",
                 control::kSnapshotList, Json::object(), Json::array(),
                 {{"type", "object"},
                  {"properties", {{"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                  {"required", {"tags"}}},
                 {}, [](const Json& answer) {
                   return Json{{"tags", answer}};
                 }));
  tools.back().annotations = {{"readOnlyHint", true}};
  tools.push_back(vm_request(
      "console_send", "Type on the console",
      "Type text on the VM's serial console, followed by Enter unless newline is false.",
      control::kSend,
      {{"text", text("what to type")},
       {"newline", {{"type", "boolean"}, {"description", "press Enter after it (default true)"}}}},
      {"text"}, object_schema({{"sent", {{"type", "integer"}}}}, {"sent"}), [](const Json& a) {
        return Json{{"text", a["text"]}, {"newline", a.value("newline", true)}};
      }));
  tools.push_back(vm_request(
      "console_expect", "Wait for console output",
      "Wait until the serial console prints text matching an RE2 regular expression (output "
      "not consumed by an earlier wait is searched too), and return the match and what came "
      "before it. Fails with the console's last output when the time runs out.",
      control::kExpect,
      {{"pattern", text("an RE2 regular expression")},
       {"timeout_seconds",
        {{"type", "number"}, {"minimum", 0}, {"maximum", 3600}, {"description", "default 30"}}}},
      {"pattern"},
      object_schema({{"text", {{"type", "string"}}}, {"before", {{"type", "string"}}}},
                    {"text", "before"}),
      [](const Json& a) {
        return Json{{"pattern", a["pattern"]},
                    {"timeout_ms", seconds_arg(a, "timeout_seconds", 30).count()}};
      }));
  tools.push_back(vm_request(
      "ssh_run", "Run a command over SSH",
      "Run a shell command in the VM's guest over SSH and return its exit status, stdout and "
      "stderr (each at most 8 MiB).",
      control::kSshRun,
      {{"command", text("the command line, run by the guest's shell")},
       {"timeout_seconds",
        {{"type", "number"},
         {"minimum", 0},
         {"maximum", 86400},
         {"description", "default: the profile's command time-out"}}}},
      {"command"},
      object_schema({{"exit_status", {{"type", "integer"}}},
                     {"signal", {{"type", "string"}}},
                     {"stdout", {{"type", "string"}}},
                     {"stderr", {{"type", "string"}}},
                     {"elapsed_ms", {{"type", "integer"}}}},
                    {"exit_status", "stdout", "stderr"}),
      [](const Json& a) {
        Json out = {{"command", a["command"]}};
        if (a.contains("timeout_seconds"))
          out["timeout_ms"] = seconds_arg(a, "timeout_seconds", 0).count();
        return out;
      }));
  tools.push_back(run_suite(program));
  tools.push_back(screenshot());
  return tools;
}

}  // namespace hurdle::mcp
