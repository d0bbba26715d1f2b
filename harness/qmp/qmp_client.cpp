#include "qmp/qmp_client.hpp"

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/line_buffer.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

namespace {
constexpr std::size_t kMaxQueuedEvents = 10'000;

}  // namespace

QmpClient::QmpClient(UniqueFd socket, const std::filesystem::path& transcript,
                     std::chrono::milliseconds timeout, ClosedHandler on_closed,
                     const std::vector<std::string>& secrets, EventHandler on_event)
    : socket_(std::move(socket)),
      on_closed_(std::move(on_closed)),
      on_event_(std::move(on_event)),
      transcript_(transcript, LogFile::Stamp::kElapsed) {
  transcript_.count_from(started_);
  for (const auto& secret : secrets) transcript_.add_secret(secret);
  reader_ = std::make_unique<SocketReader>(
      socket_.get(), 64 * 1024,
      SocketReader::Callbacks{
          [this](std::string_view bytes) { take(bytes); }, {}, {}, [this] { end_of_stream(); }});
  try {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [this] { return greeted_ || closed_; })) {
      throw TimeoutError("QEMU sent no QMP greeting within " + seconds_text(timeout));
    }
    const bool greeted = greeted_;
    lock.unlock();
    if (!greeted) throw_closed("the QMP greeting");
    execute("qmp_capabilities", Json::object(), timeout);
  } catch (...) {
    reader_.reset();  // the destructor does not run when the constructor throws
    throw;
  }
}

QmpClient::~QmpClient() { reader_.reset(); }

void QmpClient::log(const char* direction, const std::string& text) {
  transcript_.write(std::string(direction) + ' ' + text);
}

void QmpClient::take(std::string_view bytes) {
  lines_.feed(
      bytes,
      [this](std::string_view line) {
        if (!line.empty()) handle_line(std::string(line));
      },
      [this](std::size_t length) {
        log("<-", "(a line of " + std::to_string(length) + " bytes, too long to be QMP: dropped)");
      });
}

void QmpClient::end_of_stream() {
  log("--", "connection closed");
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void QmpClient::handle_line(const std::string& line) {
  log("<-", line);
  Json msg = Json::parse(line, nullptr, false);
  if (msg.is_discarded() || !msg.is_object()) return;
  if (on_event_ && msg.contains("event") && msg["event"].is_string()) {
    try {
      on_event_(msg);
    } catch (const std::exception& e) {
      log("--", std::string("the event handler failed: ") + e.what());
    }
  }
  std::lock_guard lock(mutex_);
  if (msg.contains("QMP")) {
    greeting_ = std::move(msg);
    greeted_ = true;
  } else if (msg.contains("event")) {
    events_.push_back({next_event_seq_++, std::move(msg)});
    if (events_.size() > kMaxQueuedEvents) events_.pop_front();
  } else if (msg.contains("id") && (msg.contains("return") || msg.contains("error"))) {
    // Take the key first: json's operator= takes its argument by value, so moving `msg` into
    // the map would empty it before the key expression is evaluated.
    std::string key = msg["id"].is_string() ? msg["id"].get<std::string>() : msg["id"].dump();
    replies_[std::move(key)] = std::move(msg);
  }
  changed_.notify_all();
}

void QmpClient::throw_closed(const std::string& waiting_for) {
  if (on_closed_) on_closed_();
  throw QmpError("the QMP connection closed while waiting for " + waiting_for);
}

QmpClient::Json QmpClient::execute(const std::string& command, const Json& arguments,
                                   std::chrono::milliseconds timeout) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = "hurdle-" + std::to_string(next_id_++);
  }
  Json request = {{"execute", command}, {"id", id}};
  if (!arguments.empty()) request["arguments"] = arguments;
  const std::string text = request.dump();
  log("->", text);
  {
    std::lock_guard lock(send_mutex_);
    try {
      const std::string line = text + "\n";
      write_all(socket_.get(), line.data(), line.size(), "QMP socket");
    } catch (const Error&) {
      throw_closed("the reply to '" + command + "'");
    }
  }
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return replies_.count(id) > 0 || closed_; })) {
    throw TimeoutError("QMP command '" + command + "' got no reply within " +
                       seconds_text(timeout));
  }
  auto it = replies_.find(id);
  if (it == replies_.end()) {
    lock.unlock();
    throw_closed("the reply to '" + command + "'");
  }
  Json reply = std::move(it->second);
  replies_.erase(it);
  if (reply.contains("error")) {
    const Json& err = reply["error"];
    throw QmpError(command, err.value("class", "GenericError"), err.value("desc", err.dump()));
  }
  return reply["return"];
}

std::string QmpClient::human(const std::string& command_line, std::chrono::milliseconds timeout) {
  const Json out = execute("human-monitor-command", {{"command-line", command_line}}, timeout);
  return out.is_string() ? out.get<std::string>() : out.dump();
}

void QmpClient::human_silent(const std::string& command_line, std::chrono::milliseconds timeout) {
  std::string out = human(command_line, timeout);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (!out.empty()) throw QmpError("human-monitor-command " + command_line, "HmpError", out);
}

std::uint64_t QmpClient::event_mark() const {
  std::lock_guard lock(mutex_);
  return next_event_seq_;
}

QmpClient::Json QmpClient::wait_for_event(const std::string& name,
                                          const std::function<bool(const Json&)>& match,
                                          std::chrono::milliseconds timeout, std::uint64_t since) {
  std::unique_lock lock(mutex_);
  Json found;
  const auto take = [&] {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->seq < since || it->body.value("event", "") != name) continue;
      if (match && !match(it->body)) continue;
      found = std::move(it->body);
      events_.erase(it);
      return true;
    }
    return closed_;
  };
  if (!changed_.wait_for(lock, timeout, take)) {
    throw TimeoutError("no QMP event " + name + " within " + seconds_text(timeout));
  }
  if (found.is_null()) {
    lock.unlock();
    throw_closed("the QMP event " + name);
  }
  return found;
}

std::string QmpClient::qemu_version() const {
  if (!greeting_.contains("QMP")) return "";
  const Json v = greeting_["QMP"].value("version", Json::object()).value("qemu", Json::object());
  return std::to_string(v.value("major", 0)) + "." + std::to_string(v.value("minor", 0)) + "." +
         std::to_string(v.value("micro", 0));
}

bool QmpClient::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace hurdle
