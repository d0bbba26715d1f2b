// A real HTTP/1.1 file server on 127.0.0.1 for the image tests, plain or HTTPS (a self-signed
// certificate made at start, for 127.0.0.1, which the client must be told to trust), serving
// the files of one folder and its subfolders (no ".." in a path). It honours byte ranges
// (resumed downloads), can cut a response off halfway (a dropped connection), can slow
// responses down (so that two clients overlap), and counts what it served, so tests can tell a
// resumed download from a second full one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"
#include "support/loopback_listener.hpp"

namespace hurdle::test {

class FileServer {
 public:
  enum class Protocol { kHttp, kHttps };

  // Serves the files in `root` (by path: "NAME" or "FOLDER/NAME"). With kHttps, a key and
  // certificate are made now; ca_file() is the certificate to trust.
  FileServer(std::filesystem::path root, Protocol protocol);
  ~FileServer();
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  // "http://127.0.0.1:PORT/NAME" (or https).
  [[nodiscard]] std::string url(const std::string& name) const;
  [[nodiscard]] const std::filesystem::path& ca_file() const { return ca_file_; }

  // The next `times` responses for /NAME stop after `bytes` bytes of body, the connection
  // closed while the client still expects the rest.
  void drop_after(const std::string& name, std::uint64_t bytes, int times = 1);
  // Every response is sent in 64 KiB pieces with this pause between them.
  void set_pace(std::chrono::milliseconds pause) { pace_ms_ = static_cast<int>(pause.count()); }

  struct Served {
    int requests = 0;        // GETs of the path, whatever came of them
    int range_requests = 0;  // of which with a Range header
    std::uint64_t body_bytes = 0;
  };
  [[nodiscard]] Served served(const std::string& name) const;

 private:
  void accept_loop();
  void handle(UniqueFd client);

  std::filesystem::path root_;
  Protocol protocol_;
  std::filesystem::path ca_file_;
  struct Tls;
  Tls* tls_ = nullptr;
  LoopbackListener listener_;
  std::atomic<int> pace_ms_{0};
  mutable std::mutex mutex_;
  std::map<std::string, Served> served_;
  std::map<std::string, std::pair<std::uint64_t, int>> drops_;  // name -> (bytes, times left)
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace hurdle::test
