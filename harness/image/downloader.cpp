#include "image/downloader.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "core/backoff.hpp"
#include "core/duration_text.hpp"
#include "core/unique_fd.hpp"
#include "core/unix_socket.hpp"
#include "core/version.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

// One attempt's outcome: done, worth another try, or not.
struct AttemptFailure {
  bool transient = false;
  std::string why;
};

CurlPtr new_handle() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlPtr curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw DownloadError("libcurl could not start");
  return curl;
}

bool https(const std::string& url) { return url.rfind("https://", 0) == 0; }

std::string ca_file(const DownloadOptions& o) {
  if (!o.ca_file.empty()) return o.ca_file.string();
  for (const char* name : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

// What every request shares: protocols, redirects, time-outs, trust.
void common_options(CURL* c, const std::string& url, const DownloadOptions& o, char* error) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect may not downgrade an https:// download to plain http.
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https(url) ? "https" : "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.stall_time.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const std::string agent = std::string("hurdle/") + kVersion;
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  if (const std::string ca = ca_file(o); !ca.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, ca.c_str());
}

long response_code(CURL* c) {
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

std::string describe(CURLcode rc, const char* error, long code) {
  // An HTTP status, as a person reads it: the code first, then what it means here.
  if (rc == CURLE_HTTP_RETURNED_ERROR && code > 0) {
    std::string why = "HTTP " + std::to_string(code);
    if (code == 404 || code == 410)
      why += " (the server has no such file there)";
    else if (code == 401 || code == 403)
      why += " (the server refuses it)";
    else if (code == 429 || code >= 500)
      why += " (the server is unwell or busy)";
    return why;
  }
  const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
  return why + " [curl error " + std::to_string(static_cast<int>(rc)) + "]";
}

bool transient(CURLcode rc, long code) {
  switch (rc) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    case CURLE_HTTP_RETURNED_ERROR:
      return code == 408 || code == 429 || code >= 500;
    default:
      return false;
  }
}

// The state of one attempt at a file, shared with libcurl's callbacks.
struct FileTransfer {
  int fd = -1;
  int abort_fd = -1;
  CURL* curl = nullptr;
  std::uint64_t have = 0;     // bytes in the file before this attempt
  std::uint64_t written = 0;  // bytes this attempt wrote
  bool checked_status = false;
  bool restarted = false;     // the server ignored the range: the file was emptied
  std::string content_range;  // the last Content-Range header
  int write_errno = 0;
  TransferProgress* progress = nullptr;
};

size_t write_to_file(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<FileTransfer*>(user);
  const size_t n = size * count;
  if (!t->checked_status) {
    t->checked_status = true;
    // Asked for a range but given the whole file (200, not 206): start the file over.
    if (t->have > 0 && response_code(t->curl) == 200) {
      if (::ftruncate(t->fd, 0) != 0 || ::lseek(t->fd, 0, SEEK_SET) != 0) {
        t->write_errno = errno;
        return 0;
      }
      t->have = 0;
      t->restarted = true;
    }
  }
  for (size_t done = 0; done < n;) {
    const ssize_t w = ::write(t->fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      t->write_errno = errno;
      return 0;  // libcurl stops with CURLE_WRITE_ERROR
    }
    done += static_cast<size_t>(w);
  }
  t->written += n;
  return n;
}

size_t collect_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<FileTransfer*>(user);
  const std::string line(data, size * count);
  static constexpr char kName[] = "content-range:";
  if (line.size() > sizeof kName - 1 && strncasecmp(line.c_str(), kName, sizeof kName - 1) == 0)
    t->content_range = line.substr(sizeof kName - 1);
  return size * count;
}

bool aborted(int abort_fd) {
  return abort_fd >= 0 && wait_readable(abort_fd, -1, Clock::now()) > 0;
}

int report_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<FileTransfer*>(user);
  if (aborted(t->abort_fd)) return 1;  // libcurl ends the transfer: CURLE_ABORTED_BY_CALLBACK
  if (t->progress != nullptr && (total > 0 || now > 0))
    t->progress->update(t->have + static_cast<std::uint64_t>(now),
                        total > 0 ? t->have + static_cast<std::uint64_t>(total) : 0);
  return 0;
}

// "bytes */12345" -> 12345.
std::optional<std::uint64_t> range_total(const std::string& header) {
  const auto slash = header.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(header.c_str() + slash + 1, &end, 10);
  if (end == header.c_str() + slash + 1) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

std::uint64_t size_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : size;
}

// One attempt at `url`: returns nullopt when the file is complete, else why it is not.
std::optional<AttemptFailure> attempt(const std::string& url, const fs::path& partial,
                                      const DownloadOptions& o, TransferProgress* progress,
                                      DownloadResult& result) {
  const UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid())
    throw DownloadError(partial.string() + ": cannot write the download: " + std::strerror(errno));
  FileTransfer t;
  t.fd = fd.get();
  t.have = size_of(partial);
  t.progress = progress;
  t.abort_fd = o.abort_fd;
  CurlPtr curl = new_handle();
  t.curl = curl.get();
  char error[CURL_ERROR_SIZE] = {};
  common_options(curl.get(), url, o, error);
  // Larger pieces than libcurl's 16 KiB: a 355 MB image in ~700 writes instead of ~22,000.
  curl_easy_setopt(curl.get(), CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, report_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &t);
  if (t.have > 0) {
    curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.have));
    if (result.resumed_from == 0) result.resumed_from = t.have;
    if (o.note) o.note("continuing " + url + " from byte " + std::to_string(t.have));
  }
  const CURLcode rc = curl_easy_perform(curl.get());
  const long code = response_code(curl.get());
  if (t.restarted && o.note) o.note(url + ": the server ignored the range; downloading it whole");
  if (rc == CURLE_OK) {
    result.url = url;
    result.bytes = size_of(partial);
    return std::nullopt;
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    throw DownloadError(url + ": the download was stopped at byte " +
                        std::to_string(size_of(partial)) + " (interrupted); it is kept");
  if (rc == CURLE_WRITE_ERROR && t.write_errno != 0)
    throw DownloadError(partial.string() +
                        ": writing the download failed: " + std::strerror(t.write_errno) +
                        (t.write_errno == ENOSPC ? " (the disk is full)" : ""));
  // Range past the end: either the file was complete already, or it changed upstream.
  if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && t.have > 0) {
    if (range_total(t.content_range) == t.have) {
      result.url = url;
      result.bytes = t.have;
      return std::nullopt;
    }
    (void)::ftruncate(fd.get(), 0);
    return AttemptFailure{true,
                          "the partial download is larger than the file (HTTP 416); "
                          "starting over"};
  }
  return AttemptFailure{transient(rc, code), describe(rc, error, code)};
}

}  // namespace

Downloader::Downloader(DownloadOptions options) : options_(std::move(options)) {}

void Downloader::wait_out(std::chrono::milliseconds pause) const {
  // The back-off's deadline, or the abort descriptor, whichever comes first.
  if (wait_readable(options_.abort_fd, -1, Clock::now() + pause) > 0)
    throw DownloadError("the download was stopped while waiting to try again (interrupted)");
}

UrlAttempt Downloader::try_url(const std::string& url, const fs::path& partial,
                               TransferProgress* progress) {
  const auto start = Clock::now();
  UrlAttempt out;
  DownloadResult result;
  Backoff backoff(options_.first_pause, options_.max_pause);
  for (int n = 1; n <= std::max(1, options_.attempts); ++n) {
    ++result.attempts;
    ++out.attempts;
    const auto failure = attempt(url, partial, options_, progress, result);
    if (!failure) {
      result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      out.done = result;
      return out;
    }
    const bool last = n >= options_.attempts;
    if (!failure->transient || last) {
      out.failure = url + ": " + failure->why +
                    (failure->transient ? " (" + std::to_string(n) + " attempts)" : "");
      return out;
    }
    const auto pause = backoff.next();
    if (options_.note)
      options_.note(url + ": " + failure->why + "; trying again in " + seconds_text(pause) +
                    " (attempt " + std::to_string(n + 1) + " of " +
                    std::to_string(options_.attempts) + ")");
    wait_out(pause);
  }
  return out;
}

std::string Downloader::fetch_text(const std::string& url, bool require_https,
                                   std::size_t max_bytes) {
  if (require_https && !https(url))
    throw DownloadError(url +
                        ": refusing to fetch a checksum list over plain HTTP (anyone on the "
                        "way could change it); use https://");
  struct Sink {
    std::string text;
    std::size_t max = 0;
  } sink{{}, max_bytes};
  std::string failures;
  Backoff backoff(options_.first_pause, options_.max_pause);
  for (int n = 1; n <= std::max(1, options_.attempts); ++n) {
    sink.text.clear();
    CurlPtr curl = new_handle();
    char error[CURL_ERROR_SIZE] = {};
    common_options(curl.get(), url, options_, error);
    curl_easy_setopt(
        curl.get(), CURLOPT_WRITEFUNCTION,
        +[](char* data, size_t size, size_t count, void* user) -> size_t {
          auto* s = static_cast<Sink*>(user);
          if (s->text.size() + size * count > s->max) return 0;
          s->text.append(data, size * count);
          return size * count;
        });
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
    const CURLcode rc = curl_easy_perform(curl.get());
    if (rc == CURLE_OK) return sink.text;
    const long code = response_code(curl.get());
    if (rc == CURLE_WRITE_ERROR)
      throw DownloadError(url + ": larger than the " + std::to_string(max_bytes) +
                          " bytes a checksum list may have");
    const std::string why = describe(rc, error, code);
    if (!transient(rc, code) || n >= options_.attempts)
      throw DownloadError("fetching " + url + " failed: " + why);
    const auto pause = backoff.next();
    if (options_.note) options_.note(url + ": " + why + "; trying again in " + seconds_text(pause));
    wait_out(pause);
  }
  throw DownloadError("fetching " + url + " failed");
}

}  // namespace hurdle
