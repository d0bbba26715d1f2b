// Downloads with libcurl: HTTPS (and plain HTTP only where the caller has a digest to check),
// redirects kept to the same or a safer protocol, a partial file continued where it stopped
// (HTTP ranges), transient failures retried with a back-off, progress reported; one URL at a
// time (the image store tries a lock entry's mirrors in turn, checking each download). Used by
// the image store for disk images and SHA512SUMS.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "image/transfer_progress.hpp"

namespace hurdle {

struct DownloadOptions {
  int attempts = 4;  // per URL, for failures that may pass (a dropped connection, a 503)
  std::chrono::milliseconds first_pause{1000};  // between attempts, doubling up to max_pause
  std::chrono::milliseconds max_pause{30000};
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds stall_time{60};  // give the attempt up under 1 KiB/s for this long
  // Certificates to trust (PEM); else $CURL_CA_BUNDLE or $SSL_CERT_FILE when set, else the
  // system's.
  std::filesystem::path ca_file;
  // One line per event worth a log line (a retry, a resumed download).
  std::function<void(const std::string&)> note;
  // Readable means stop now (hurdle run's SIGINT): the transfer and any pause between attempts
  // end at once with a DownloadError; what was downloaded is kept for the next fetch.
  int abort_fd = -1;
};

struct DownloadResult {
  std::string url;                 // the one that worked
  std::uint64_t bytes = 0;         // the file's size
  std::uint64_t resumed_from = 0;  // what the partial file already held
  int attempts = 0;
  std::chrono::milliseconds elapsed{0};
};

// One URL tried (with its retries): the download, or why that URL did not give it.
struct UrlAttempt {
  std::optional<DownloadResult> done;
  std::string failure;  // "URL: why (N attempts)", when not done
  int attempts = 0;
};

class Downloader {
 public:
  explicit Downloader(DownloadOptions options = {});

  // Downloads `url` into `partial` (continued), retrying what may pass. A failure of the URL
  // (an HTTP error, a dropped connection every time) is returned; what no other URL would
  // change (the file cannot be written, the download was interrupted) throws DownloadError.
  UrlAttempt try_url(const std::string& url, const std::filesystem::path& partial,
                     TransferProgress* progress);

  // A small file (SHA512SUMS) into memory; refuses anything but https:// when `require_https`.
  std::string fetch_text(const std::string& url, bool require_https,
                         std::size_t max_bytes = 1u << 20);

  [[nodiscard]] const DownloadOptions& options() const { return options_; }

 private:
  // Waits out a back-off pause; throws DownloadError if the abort descriptor fires first.
  void wait_out(std::chrono::milliseconds pause) const;

  DownloadOptions options_;
};

}  // namespace hurdle
