#include "cli/image_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>

#include "cli/image_arguments.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/safe_text.hpp"
#include "disk/sparse_file.hpp"
#include "image/lock_pin.hpp"
#include "machine/image_resolver.hpp"

namespace hurdle::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kChanged = 1;

std::string pin_text(const ImageEntry& e) {
  return e.digest ? e.digest->str().substr(0, 23) + "..." : "unpinned";
}

}  // namespace

ImageCommand::ImageCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "image", "Pinned disk images: download once, verify, prepare for the serial console, cache");
  command_->require_subcommand(1);
  command_->fallthrough();  // its options may come after the subcommand too
  command_->add_option("--lock", lock_,
                       "the image lock (default: $HURDLE_IMAGE_LOCK, else "
                       "fixtures/images.lock.yaml, else the one installed with hurdle)");
  command_->add_option("--cache-dir", cache_dir_,
                       "the cache folder (default: $HURDLE_CACHE_DIR, else ~/.cache/hurdle)");
  command_->add_flag("--quiet,-q", quiet_, "no progress, no step lines; errors only");

  list_ = command_->add_subcommand("list", "Lock entries and what the cache holds of each");

  const auto network = [this](CLI::App* c) {
    add_pinning_flags(c, require_pinned_);
    c->add_option("--retries", attempts_, "attempts per URL for failures that may pass (4)")
        ->check(CLI::Range(1, 20));
    c->add_option("--ca-file", ca_file_,
                  "PEM certificates to trust for HTTPS (default: $CURL_CA_BUNDLE, "
                  "$SSL_CERT_FILE, else the system's)");
  };
  fetch_ = command_->add_subcommand(
      "fetch", "Download, verify, unpack, prepare and cache; prints the prepared disk's path");
  fetch_->add_option("names", names_, "lock entries")->required();
  network(fetch_);
  verify_ =
      command_->add_subcommand("verify", "Hash the cached files again; exit 1 if one changed");
  verify_->add_option("names", names_, "lock entries")->required();
  path_ = command_->add_subcommand(
      "path", "Print the prepared disk's path (exit 1 when it is not cached; nothing is fetched)");
  path_->add_option("names", names_, "lock entries")->required();
  add_pinning_flags(path_, require_pinned_);
  pin_ = command_->add_subcommand("pin",
                                  "Write the digest published in SHA512SUMS (HTTPS) into the lock");
  pin_->add_option("names", names_, "lock entries")->required();
  network(pin_);
  import_ = command_->add_subcommand(
      "import", "Verify a file downloaded elsewhere against the lock and cache it (offline)");
  import_->add_option("name", import_name_, "lock entry")->required();
  import_->add_option("file", import_file_, "the downloaded file")
      ->required()
      ->check(CLI::ExistingFile);
  gc_ = command_->add_subcommand(
      "gc", "Remove what no lock entry uses any more, and leftovers of killed runs");
  gc_->add_flag("--all", all_, "remove every cached image");
}

namespace {

// `hurdle image list`: each entry, its pin, and what of it is cached.
int list_images(ImageStore& store) {
  std::cout << std::left << std::setw(30) << "NAME" << std::setw(27) << "DIGEST" << std::setw(8)
            << "ARCHIVE"
            << "CACHED\n";
  for (const auto& e : store.lock().images) {
    std::string cached = "-";
    if (const auto a = store.cached_artifact(e)) {
      cached = "download " + byte_text(fs::file_size(a->file));
      for (const auto& p : store.prepared_images(e))
        cached += ", prepared " + byte_text(file_extent(p.disk).allocated) + " " + p.disk.string();
    }
    std::cout << std::setw(30) << e.name << std::setw(27) << pin_text(e) << std::setw(8)
              << to_string(e.archive) << cached << "\n";
    // Every URL (mirrors, tried in order), and which one served the cached download.
    const auto artifact = store.cached_artifact(e);
    const std::string served = artifact ? artifact->manifest.value("url", "") : "";
    for (const auto& url : e.urls)
      std::cout << "    " << url << (url == served ? "  (served the cached download)" : "") << "\n";
    if (artifact && !served.empty() &&
        std::find(e.urls.begin(), e.urls.end(), served) == e.urls.end())
      std::cout << "    cached from " << served << "\n";
    if (const auto first = store.first_use(e))
      std::cout << "    not pinned: " << first->digest.str() << " from " << first->checksum_list
                << " on first use (" << first->recorded_at << "); hurdle image pin " << e.name
                << " pins it\n";
  }
  return 0;
}

// `hurdle image path`: the prepared disk of each, or kChanged when one is not cached.
int print_paths(ImageStore& store, const std::vector<std::string>& names) {
  int status = 0;
  for (const auto& name : names) {
    if (const auto p = store.find(name)) {
      std::cout << p->disk.string() << "\n";
    } else {
      std::cerr << "hurdle: " << name << " is not in the cache: run `hurdle image fetch " << name
                << "`\n";
      status = kChanged;
    }
  }
  return status;
}

// `hurdle image verify`: each one's report; kChanged when one is not what its lock says.
int verify_images(ImageStore& store, const std::vector<std::string>& names) {
  bool ok = true;
  for (const auto& name : names) {
    const VerifyReport r = store.verify(name);
    for (const auto& line : r.lines) std::cout << line << "\n";
    ok = ok && r.ok;
  }
  return ok ? 0 : kChanged;
}

}  // namespace

int ImageCommand::run() {
  ImageSettings settings;
  if (!cache_dir_.empty()) settings.cache_dir = fs::path(cache_dir_);
  settings.require_pinned = require_pinned_;
  settings.log = {&std::cerr, progress_style(quiet_, STDERR_FILENO), "hurdle: "};
  settings.download.attempts = attempts_;
  if (!ca_file_.empty()) settings.download.ca_file = ca_file_;
  const fs::path lock_file = lock_.empty() ? default_image_lock() : fs::path(lock_);
  try {
    ImageStore store = open_image_store(lock_file, settings);
    if (list_->parsed()) return list_images(store);
    if (fetch_->parsed()) {
      for (const auto& name : names_) std::cout << store.fetch(name).disk.string() << "\n";
      return 0;
    }
    if (path_->parsed()) return print_paths(store, names_);
    if (verify_->parsed()) return verify_images(store, names_);
    if (pin_->parsed()) {
      for (const auto& name : names_) {
        const ImageEntry& entry = store.lock().find(name);
        const Digest d = store.published_digest(entry);
        // The file changed under the same dated name since it was used here: not pinned
        // without a person deciding.
        if (const auto first = store.first_use(entry); first && first->digest != d) {
          std::cerr << "hurdle: " << name << ": the server now publishes " << d.str()
                    << ", but its first use here (" << first->recorded_at << ") took "
                    << first->digest.str() << " from " << first->checksum_list
                    << ": the file changed under the same name. Nothing was written. If you "
                       "trust the new file, remove "
                    << store.first_use_file(entry).string() << " and pin again\n";
          return kChanged;
        }
        pin_image_digest(lock_file, name, d);
        std::cout << "pinned " << name << " in " << lock_file.string() << ": " << d.str() << "\n";
      }
      return 0;
    }
    if (import_->parsed()) {
      const CachedArtifact a = store.import(import_name_, import_file_);
      std::cout << a.file.string() << "\n";
      return 0;
    }
    if (gc_->parsed()) {
      const GcReport r = store.gc(all_);
      for (const auto& p : r.removed) std::cout << "removed " << p.string() << "\n";
      std::cout << "freed " << byte_text(r.bytes) << "\n";
      return 0;
    }
  } catch (const ConfigError& e) {
    std::cerr << "hurdle: " << safe_text(e.what()) << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "hurdle: " << safe_text(e.what()) << "\n";
    return kExitInfrastructure;
  }
  return kExitBadInput;
}

}  // namespace hurdle::cli
