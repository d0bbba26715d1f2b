#include "image/image_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/atomic_file.hpp"
#include "core/duration_text.hpp"
#include "core/file_lock.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "core/version.hpp"
#include "core/wall_clock.hpp"
#include "disk/sparse_file.hpp"
#include "image/checksum_list.hpp"
#include "image/disk_preparation.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Bumped when preparation changes what the same recipe produces, so old prepared disks are
// not taken for new ones.
constexpr int kPreparationFormat = 1;

std::string key_of(const Digest& d) { return to_string(d.algorithm) + "-" + d.hex; }

std::string prepared_key(const Digest& artifact, const Digest& recipe) {
  return to_string(artifact.algorithm) + "-" + artifact.short_hex(24) + "-recipe-" +
         recipe.short_hex(16);
}

std::optional<nlohmann::json> read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

void make_read_only(const fs::path& file) { ::chmod(file.c_str(), 0444); }

std::string now_text() { return wall_clock_text("%Y-%m-%dT%H:%M:%SZ"); }

std::string where_text(const ImageEntry& e) { return e.where.str() + ": " + e.name; }

std::uint64_t tree_bytes(const fs::path& p) {
  std::uint64_t total = 0;
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return file_extent(p).allocated;
  for (auto it = fs::recursive_directory_iterator(p, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += file_extent(it->path()).allocated;
  }
  return total;
}

// Removes a scratch folder unless released (the work is done and moved into place).
class ScratchFolder {
 public:
  explicit ScratchFolder(fs::path path) : path_(std::move(path)) {
    std::error_code ec;
    fs::remove_all(path_, ec);  // what a killed run left behind
    fs::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ec;
    if (!released_) fs::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  // Moves the folder to `to` (atomically, same file system); it is kept from then on.
  void move_to(const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::rename(path_, to);
    released_ = true;
  }

 private:
  fs::path path_;
  bool released_ = false;
};

std::optional<Digest> digest_field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  return parse_digest(j[key].get<std::string>());
}

std::optional<PreparedImage> prepared_from(const fs::path& dir) {
  const auto m = read_json(dir / "manifest.json");
  if (!m || !fs::exists(dir / "disk.qcow2")) return std::nullopt;
  const auto artifact = digest_field((*m)["artifact"], "digest");
  const auto recipe = digest_field((*m)["recipe"], "digest");
  const auto disk = digest_field((*m)["disk"], "sha256");
  if (!artifact || !recipe || !disk) return std::nullopt;
  PreparedImage p;
  p.name = m->value("image", "");
  p.disk = dir / "disk.qcow2";
  p.manifest = dir / "manifest.json";
  p.url = (*m)["artifact"].value("url", "");
  p.artifact = *artifact;
  p.recipe = *recipe;
  p.disk_sha256 = *disk;
  p.pinned = (*m)["artifact"].value("pinned", true);
  p.checksum_list = (*m)["artifact"].value("checksum_list", "");
  p.first_used = (*m)["artifact"].value("first_used", "");
  return p;
}

// What the expected digest is: the lock's pin, or the checksum list's on first use.
std::string held_to_text(const ImageEntry& entry, const std::optional<FirstUse>& first) {
  if (entry.digest) return "the lock pins (" + entry.where.str() + ")";
  if (first)
    return "the checksum list " + first->checksum_list + " named on first use (" +
           first->recorded_at + ")";
  return "the published checksum names";
}

}  // namespace

fs::path image_cache_directory(const fs::path& cache_dir) { return cache_dir / "images"; }

std::string unpinned_notice(const PreparedImage& image) {
  return image.name + " was verified against " +
         (image.checksum_list.empty() ? std::string("its server's checksum list")
                                      : "the server's checksum list " + image.checksum_list) +
         (image.first_used.empty() ? std::string() : " on first use (" + image.first_used + ")") +
         ", not against a digest pinned in the repository; pin it: hurdle image pin " + image.name;
}

struct ImageStore::Plan {
  Digest artifact;
  bool pinned = true;
  std::optional<FirstUse> first_use;
  std::vector<PrepareStep> resolved;
  nlohmann::json recipe_json;
  Digest recipe;
  std::string key;
};

ImageStore::ImageStore(ImageLock lock, ImageStoreOptions options)
    : lock_(std::move(lock)), options_(std::move(options)) {}

namespace {

// The checksum list's detached signature (LIST.sign), checked by gpgv against the entry's
// keyring. ImageError when the keyring is missing, the signature cannot be fetched, or gpgv
// does not accept it.
void check_list_signature(const ImageEntry& entry, Downloader& downloader,
                          const std::string& list_url, const std::string& text) {
  const fs::path keyring = *entry.signed_by;
  if (!fs::exists(keyring))
    throw ImageError(where_text(entry) + ": signed_by names " + keyring.string() +
                     ", which is not here: install the Debian keyring package that holds it");
  std::string signature;
  try {
    signature = downloader.fetch_text(list_url + ".sign", /*require_https=*/true);
  } catch (const DownloadError& e) {
    throw ImageError(where_text(entry) + ": the signature of " + list_url +
                     " could not be read: " + e.what());
  }
  const PrivateFolder work("list-signature");
  write_file_atomically(work / "list", text);
  write_file_atomically(work / "list.sign", signature);
  const ProgramResult checked =
      run_program({"gpgv", "--keyring", keyring.string(), (work / "list.sign").string(),
                   (work / "list").string()});
  if (!checked.ok())
    throw ImageError(where_text(entry) + ": the signature of " + list_url +
                     " does not verify against " + keyring.string() +
                     "; the list is not used. gpgv said:\n" + checked.err);
}

}  // namespace

PublishedDigest ImageStore::published(const ImageEntry& entry) {
  Downloader downloader(options_.download);
  std::vector<std::string> dirs;
  for (const auto& url : entry.urls)
    if (std::find(dirs.begin(), dirs.end(), url_directory(url)) == dirs.end())
      dirs.push_back(url_directory(url));
  std::string failures;
  for (const auto& dir : dirs) {
    for (const auto& [list, algorithm] : {std::pair{"SHA512SUMS", DigestAlgorithm::kSha512},
                                          std::pair{"SHA256SUMS", DigestAlgorithm::kSha256}}) {
      std::string text;
      try {
        text = downloader.fetch_text(dir + list, /*require_https=*/true);
      } catch (const DownloadError& e) {
        failures += "\n  " + std::string(e.what());
        continue;
      }
      // A list whose signature does not verify is refused outright: no other list is taken
      // in its place.
      if (entry.signed_by) check_list_signature(entry, downloader, dir + list, text);
      if (auto d = find_in_checksum_list(text, entry.file_name(), algorithm))
        return {*d, dir + list +
                        (entry.signed_by ? " (signed, " + entry.signed_by->string() + ")"
                                         : std::string())};
      failures += "\n  " + dir + list + " does not list " + entry.file_name();
    }
  }
  throw ImageError(
      "no published checksum found for " + entry.file_name() + " (" + where_text(entry) +
      "):" + failures +
      "\nCheck that the entry's URL names a file its server still publishes (a dated "
      "file may have moved to another folder), or pin a digest you trust: `digest: sha512:...` "
      "in the lock, or `hurdle image import " +
      entry.name + " FILE` of a copy you verified");
}

fs::path ImageStore::first_use_file(const ImageEntry& entry) const {
  return options_.cache_dir / "first-use" /
         (text_digest(entry.urls.front()).short_hex(24) + ".json");
}

std::optional<FirstUse> ImageStore::first_use(const ImageEntry& entry) const {
  const auto m = read_json(first_use_file(entry));
  if (!m) return std::nullopt;
  const auto d = digest_field(*m, "digest");
  if (!d || m->value("url", "") != entry.urls.front() || m->value("file", "") != entry.file_name())
    return std::nullopt;
  return FirstUse{*d, m->value("checksum_list", ""), m->value("recorded_at", "")};
}

FirstUse ImageStore::record_first_use(const ImageEntry& entry, const PublishedDigest& published) {
  FirstUse first{published.digest, published.list_url, now_text()};
  const nlohmann::json m = {{"image", entry.name},
                            {"url", entry.urls.front()},
                            {"file", entry.file_name()},
                            {"digest", first.digest.str()},
                            {"checksum_list", first.checksum_list},
                            {"recorded_at", first.recorded_at},
                            {"hurdle_version", kVersion}};
  fs::create_directories(first_use_file(entry).parent_path());
  write_file_atomically(first_use_file(entry), m.dump(2) + "\n");
  return first;
}

ImageStore::Plan ImageStore::plan(const ImageEntry& entry, const std::vector<PrepareStep>& extra,
                                  bool may_ask_network) {
  Plan p;
  std::vector<PrepareStep> steps = entry.prepare;
  steps.insert(steps.end(), extra.begin(), extra.end());
  p.resolved = resolve_recipe(steps, options_.recipe_variables);
  p.recipe_json = {{"preparation_format", kPreparationFormat},
                   {"disk_format", entry.format},
                   {"partition", entry.partition.number},
                   {"steps", recipe_json(p.resolved)}};
  p.recipe = text_digest(p.recipe_json.dump());
  if (entry.digest) {
    p.artifact = *entry.digest;
  } else {
    p.pinned = false;
    if (options_.require_pinned) {
      std::string published_text;
      if (may_ask_network) {
        try {
          published_text = "the published checksum is " + published_digest(entry).str();
        } catch (const Error& e) {
          published_text =
              "its published checksum could not be read (" + std::string(e.what()) + ")";
        }
      }
      throw unpinned_refusal(entry, published_text);
    }
    if (auto first = first_use(entry)) {
      p.artifact = first->digest;  // held to what its first use found
      p.first_use = std::move(first);
    } else if (auto cached = cached_artifact(entry)) {
      p.artifact = cached->digest;  // cached before first uses were recorded
    } else if (may_ask_network) {
      const PublishedDigest pub = published(entry);
      p.first_use = record_first_use(entry, pub);
      p.artifact = pub.digest;
      options_.log.say(entry.name + " has no digest in the lock: its first use here takes " +
                       pub.digest.short_hex() + "... from " + pub.list_url +
                       " and records it; later uses are held to it");
    } else {
      throw ImageError(where_text(entry) + ": not in the cache (unpinned, never fetched)");
    }
  }
  p.key = prepared_key(p.artifact, p.recipe);
  return p;
}

std::optional<CachedArtifact> ImageStore::cached_artifact(const ImageEntry& entry) const {
  const fs::path root = options_.cache_dir / "artifacts";
  const auto load = [&](const fs::path& dir) -> std::optional<CachedArtifact> {
    const auto m = read_json(dir / "manifest.json");
    if (!m) return std::nullopt;
    const auto d = digest_field(*m, "digest");
    const fs::path file = dir / m->value("file", "");
    if (!d || m->value("file", "").empty() || !fs::exists(file)) return std::nullopt;
    return CachedArtifact{file, *d, *m};
  };
  if (entry.digest) return load(root / key_of(*entry.digest));
  // Unpinned: the download this entry's URL brought, if any.
  std::error_code ec;
  std::optional<CachedArtifact> found;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    auto a = load(dir.path());
    if (!a) continue;
    const std::string url = a->manifest.value("url", "");
    for (const auto& u : entry.urls)
      if (u == url) found = a;
  }
  return found;
}

std::vector<PreparedImage> ImageStore::prepared_images(const ImageEntry& entry) const {
  std::vector<PreparedImage> out;
  const auto artifact = cached_artifact(entry);
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(options_.cache_dir / "prepared", ec)) {
    auto p = prepared_from(dir.path());
    if (p && (p->name == entry.name || (artifact && p->artifact == artifact->digest)))
      out.push_back(std::move(*p));
  }
  return out;
}

CachedArtifact ImageStore::ensure_artifact(const ImageEntry& entry, const Digest& digest,
                                           bool pinned, const std::string& held_to) {
  const fs::path dir = options_.cache_dir / "artifacts" / key_of(digest);
  // Keyed by digest: the same file under another entry's name, or from another mirror, is the
  // same download.
  const auto cached = [&]() -> std::optional<CachedArtifact> {
    const auto m = read_json(dir / "manifest.json");
    const std::string file = m ? m->value("file", "") : "";
    if (file.empty() || !fs::exists(dir / file)) return std::nullopt;
    return CachedArtifact{dir / file, digest, *m};
  };
  if (auto a = cached()) return *a;
  const FileLock lock = FileLock::acquire(
      options_.cache_dir / "locks" / ("artifact-" + digest.short_hex(24) + ".lock"), [&] {
        options_.log.say("waiting for another hurdle that is downloading " + entry.file_name());
      });
  if (auto a = cached()) return *a;

  const fs::path partial = options_.cache_dir / "downloads" / (key_of(digest) + ".part");
  fs::create_directories(partial.parent_path());
  DownloadOptions dopts = options_.download;
  const StatusLog log = options_.log;
  dopts.note = [log](const std::string& line) { log.say(line); };
  Downloader downloader(dopts);
  // Each URL in turn (the lock's mirrors), each download checked: a mirror that fails, or
  // serves other bytes, gives way to the next.
  std::vector<std::string> failures;
  bool other_bytes = false;
  int attempts_before = 0;
  for (std::size_t i = 0; i < entry.urls.size(); ++i) {
    const std::string& url = entry.urls[i];
    TransferProgress meter = log.meter("downloading " + entry.file_name());
    UrlAttempt tried = downloader.try_url(url, partial, &meter);
    const bool more = i + 1 < entry.urls.size();
    if (!tried.done) {
      meter.finish(0, "failed");
      failures.push_back(tried.failure);
      attempts_before += tried.attempts;
      if (more) log.say(tried.failure + "; trying the next URL");
      continue;
    }
    DownloadResult got = *tried.done;
    got.attempts += attempts_before;
    meter.finish(got.bytes, byte_text(got.bytes) + " from " + got.url);
    const auto t = Clock::now();
    const Digest actual = file_digest(partial, digest.algorithm);
    if (actual != digest) {
      std::error_code ec;
      fs::remove(partial, ec);
      failures.push_back(url + ": " + entry.file_name() + " from there is not the file " + held_to +
                         ": expected " + digest.str() + ", got " + actual.str() + " (deleted)");
      other_bytes = true;
      attempts_before += tried.attempts;
      if (more) log.say(failures.back() + "; trying the next URL");
      continue;
    }
    const auto verify_time =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
    log.say("verified " + entry.file_name() + " from " + got.url + ": " +
            to_string(digest.algorithm) + " " + digest.short_hex() + "... matches (" +
            seconds_text(verify_time) + ")");

    ScratchFolder staging(options_.cache_dir / "artifacts" / (key_of(digest) + ".new"));
    const fs::path file = staging.path() / entry.file_name();
    fs::rename(partial, file);
    make_read_only(file);
    nlohmann::json m = {
        {"image", entry.name},
        {"file", entry.file_name()},
        {"url", got.url},
        {"urls", entry.urls},
        {"digest", digest.str()},
        {"pinned", pinned},
        {"bytes", got.bytes},
        {"source", "download"},
        {"cached_at", now_text()},
        {"download",
         {{"seconds", std::chrono::duration<double>(got.elapsed).count()},
          {"attempts", got.attempts},
          {"resumed_from", got.resumed_from},
          {"failed_urls", failures}}},
        {"verify", {{"seconds", std::chrono::duration<double>(verify_time).count()}}},
        {"hurdle_version", kVersion}};
    write_file_atomically(staging.path() / "manifest.json", m.dump(2) + "\n");
    staging.move_to(dir);
    return {dir / entry.file_name(), digest, m};
  }

  std::string text =
      "could not download " + entry.name + " (" + entry.where.str() + ") from " +
      (entry.urls.size() == 1 ? std::string("its URL")
                              : "any of its " + std::to_string(entry.urls.size()) + " URLs") +
      ":";
  for (const auto& f : failures) text += "\n  " + f;
  std::error_code ec;
  if (const auto kept = fs::file_size(partial, ec); !ec && kept > 0)
    text += "\nThe " + byte_text(kept) +
            " downloaded so far are kept; the next fetch continues from them.";
  if (other_bytes) {
    text +=
        "\nThe download was deleted; nothing was cached. A server that serves other bytes "
        "under the same dated name is not to be trusted for this image";
    throw ImageError(text);
  }
  text +=
      "\nAn HTTP 404 means the server no longer has the file there: give the entry a URL "
      "that serves the same dated file (urls: [...], tried in order), or a newer dated "
      "image. Without network here? Download " +
      entry.urls.front() + " elsewhere, then run: hurdle image import " + entry.name + " FILE";
  throw DownloadError(text);
}

CachedArtifact ImageStore::import(const std::string& name, const fs::path& file) {
  const ImageEntry& entry = lock_.find(name);
  if (!entry.digest)
    throw ConfigError(entry.where,
                      name + " has no digest in the lock, so there is nothing to check " +
                          file.string() + " against: pin it first (`hurdle image pin " + name +
                          "` where there is network, or write `digest: sha512:...` into the lock)");
  if (!fs::is_regular_file(file)) throw ImageError(file.string() + ": no such file to import");
  const Digest& digest = *entry.digest;
  const auto t = Clock::now();
  const Digest actual = file_digest(file, digest.algorithm);
  if (actual != digest)
    throw ImageError(file.string() + " is not the file the lock pins for " + name + " (" +
                     entry.where.str() + "): expected " + digest.str() + ", got " + actual.str() +
                     ". Nothing was cached");
  const fs::path dir = options_.cache_dir / "artifacts" / key_of(digest);
  const FileLock lock = FileLock::acquire(options_.cache_dir / "locks" /
                                          ("artifact-" + digest.short_hex(24) + ".lock"));
  ScratchFolder staging(options_.cache_dir / "artifacts" / (key_of(digest) + ".new"));
  const fs::path copy = staging.path() / entry.file_name();
  fs::copy_file(file, copy);
  if (file_digest(copy, digest.algorithm) != digest)
    throw ImageError(copy.string() + ": the copy differs from " + file.string());
  make_read_only(copy);
  nlohmann::json m = {{"image", name},
                      {"file", entry.file_name()},
                      {"url", entry.urls.front()},
                      {"urls", entry.urls},
                      {"digest", digest.str()},
                      {"pinned", true},
                      {"bytes", fs::file_size(copy)},
                      {"source", "import"},
                      {"imported_from", fs::absolute(file).string()},
                      {"cached_at", now_text()},
                      {"hurdle_version", kVersion}};
  write_file_atomically(staging.path() / "manifest.json", m.dump(2) + "\n");
  std::error_code ec;
  fs::remove_all(dir, ec);  // an earlier copy of the same digest: same bytes
  staging.move_to(dir);
  options_.log.say(
      "imported " + file.string() + " as " + name + " (" + digest.short_hex() + "..., checked in " +
      seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t)) + ")");
  return {dir / entry.file_name(), digest, m};
}

PreparedImage ImageStore::prepare(const ImageEntry& entry, const Plan& plan,
                                  const CachedArtifact& artifact) {
  const fs::path dir = options_.cache_dir / "prepared" / plan.key;
  if (auto p = prepared_from(dir)) return *p;
  const FileLock lock = FileLock::acquire(
      options_.cache_dir / "locks" / ("prepared-" + plan.key + ".lock"),
      [&] { options_.log.say("waiting for another hurdle that is preparing " + entry.name); });
  if (auto p = prepared_from(dir)) return *p;

  ScratchFolder work(options_.cache_dir / "work" / plan.key);
  const fs::path disk = work.path() / "disk.qcow2";
  const PreparationResult result = prepare_disk(entry, artifact.file, plan.resolved,
                                                work.path() / "scratch", disk, options_.log);
  fs::remove_all(work.path() / "scratch");
  const Digest sha = file_digest(disk, DigestAlgorithm::kSha256);
  make_read_only(disk);
  nlohmann::json m = {
      {"image", entry.name},
      {"lock", fs::absolute(lock_.file).string()},
      {"artifact",
       {{"digest", artifact.digest.str()},
        {"file", artifact.file.filename().string()},
        {"url", artifact.manifest.value("url", "")},
        {"pinned", plan.pinned},
        {"checksum_list", plan.first_use ? plan.first_use->checksum_list : ""},
        {"first_used", plan.first_use ? plan.first_use->recorded_at : ""}}},
      {"recipe", {{"digest", plan.recipe.str()}, {"definition", plan.recipe_json}}},
      {"disk", {{"file", "disk.qcow2"}, {"sha256", sha.str()}, {"bytes", fs::file_size(disk)}}},
      {"preparation", result.to_json()},
      {"prepared_at", now_text()},
      {"hurdle_version", kVersion}};
  write_file_atomically(work.path() / "manifest.json", m.dump(2) + "\n");
  std::error_code ec;
  fs::remove_all(dir, ec);  // an incomplete one (no disk or no manifest) from a killed run
  work.move_to(dir);
  auto p = prepared_from(dir);
  if (!p) throw ImageError(dir.string() + ": the prepared image did not land in the cache");
  return *p;
}

PreparedImage ImageStore::fetch(const std::string& name, const std::vector<PrepareStep>& extra) {
  const ImageEntry& entry = lock_.find(name);
  const Plan p = plan(entry, extra, /*may_ask_network=*/true);
  PreparedImage prepared;
  if (auto ready = prepared_from(options_.cache_dir / "prepared" / p.key)) {
    prepared = std::move(*ready);
  } else {
    const CachedArtifact artifact =
        ensure_artifact(entry, p.artifact, p.pinned, held_to_text(entry, p.first_use));
    prepared = prepare(entry, p, artifact);
    options_.log.say(name + " is ready: " + prepared.disk.string());
  }
  if (p.first_use) {
    prepared.checksum_list = p.first_use->checksum_list;
    prepared.first_used = p.first_use->recorded_at;
  }
  if (!prepared.pinned) options_.log.say(unpinned_notice(prepared));
  return prepared;
}

std::optional<PreparedImage> ImageStore::find(const std::string& name,
                                              const std::vector<PrepareStep>& extra) {
  const ImageEntry& entry = lock_.find(name);
  if (!entry.digest && !options_.require_pinned && !first_use(entry) && !cached_artifact(entry))
    return std::nullopt;
  const Plan p = plan(entry, extra, /*may_ask_network=*/false);
  return prepared_from(options_.cache_dir / "prepared" / p.key);
}

VerifyReport ImageStore::verify(const std::string& name) {
  const ImageEntry& entry = lock_.find(name);
  VerifyReport r;
  const auto artifact = cached_artifact(entry);
  if (!artifact) {
    r.lines.push_back(name + ": no download in the cache (hurdle image fetch " + name + ")");
  } else {
    const Digest actual = file_digest(artifact->file, artifact->digest.algorithm);
    const auto first = entry.digest ? std::nullopt : first_use(entry);
    const bool ok = actual == artifact->digest && (!entry.digest || *entry.digest == actual) &&
                    (!first || first->digest == actual);
    r.ok = r.ok && ok;
    r.lines.push_back(
        artifact->file.string() + ": " +
        (ok ? "ok (" + actual.str().substr(0, 23) + "...)"
            : "CHANGED: expected " + artifact->digest.str() + ", got " + actual.str()));
  }
  for (const auto& p : prepared_images(entry)) {
    const Digest actual = file_digest(p.disk, DigestAlgorithm::kSha256);
    const bool ok = actual == p.disk_sha256;
    r.ok = r.ok && ok;
    r.lines.push_back(p.disk.string() + ": " +
                      (ok ? "ok (" + actual.str().substr(0, 23) + "...)"
                          : "CHANGED: expected " + p.disk_sha256.str() + ", got " + actual.str()));
  }
  return r;
}

GcReport ImageStore::gc(bool all) {
  GcReport report;
  std::set<std::string> keep;  // artifact digests the lock still uses
  if (!all) {
    for (const auto& e : lock_.images)
      if (auto a = cached_artifact(e))
        keep.insert(a->digest.str());
      else if (e.digest)
        keep.insert(e.digest->str());
  }
  const auto remove = [&](const fs::path& p) {
    const std::uint64_t bytes = tree_bytes(p);
    std::error_code ec;
    fs::remove_all(p, ec);
    if (!ec) {
      report.removed.push_back(p);
      report.bytes += bytes;
    }
  };
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(options_.cache_dir / "artifacts", ec)) {
    const auto m = read_json(dir.path() / "manifest.json");
    const auto d = m ? digest_field(*m, "digest") : std::nullopt;
    if (!d || !keep.contains(d->str())) remove(dir.path());
  }
  for (const auto& dir : fs::directory_iterator(options_.cache_dir / "prepared", ec)) {
    const auto p = prepared_from(dir.path());
    if (!p || !keep.contains(p->artifact.str())) remove(dir.path());
  }
  for (const auto& f : fs::directory_iterator(options_.cache_dir / "downloads", ec)) {
    const std::string stem = f.path().stem().string();  // <algorithm>-<hex>
    const auto dash = stem.find('-');
    const auto d = dash == std::string::npos
                       ? std::nullopt
                       : parse_digest(stem.substr(0, dash) + ":" + stem.substr(dash + 1));
    if (!d || !keep.contains(d->str())) {
      if (auto lock =
              FileLock::try_acquire(options_.cache_dir / "locks" /
                                    ("artifact-" + (d ? d->short_hex(24) : stem) + ".lock")))
        remove(f.path());
    }
  }
  for (const auto& w : fs::directory_iterator(options_.cache_dir / "work", ec)) {
    // Scratch of a preparation that is not running any more (its lock is free).
    if (auto lock = FileLock::try_acquire(options_.cache_dir / "locks" /
                                          ("prepared-" + w.path().filename().string() + ".lock")))
      remove(w.path());
  }
  return report;
}

}  // namespace hurdle
