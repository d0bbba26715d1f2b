#include "image/image_lock.hpp"

#include "core/name_rules.hpp"

#include <cstdlib>
#include <map>

#include "config/yaml_reader.hpp"
#include "core/install_paths.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

std::string last_part(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  return path.substr(path.rfind('/') + 1);
}

void check_url(const YAML::Node& node, const std::string& url, bool has_digest,
               const fs::path& file) {
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  if (!https && !http) fail_at(node, file, "expected an https:// URL, found '" + url + "'");
  if (http && !has_digest)
    fail_at(node, file,
            "a plain http:// URL needs a digest: what comes over plain HTTP can be changed on "
            "the way, and without a digest nothing would notice (use https://, or pin the "
            "digest)");
  const std::string name = last_part(url);
  if (name.empty()) fail_at(node, file, "the URL names no file: '" + url + "'");
  if (name.find_first_of("0123456789") == std::string::npos)
    fail_at(node, file,
            "'" + name +
                "' names no date or version: an alias such as this one moves to "
                "newer builds under you; use the dated file name (for example "
                "debian-hurd-amd64-20250807.img.tar.xz)");
}

std::vector<PrepareStep> read_steps(const YAML::Node& node, const fs::path& file,
                                    const std::string& recipe) {
  if (!node.IsSequence()) fail_at(node, file, "expected a list of preparation steps");
  std::vector<PrepareStep> steps;
  for (const auto& item : node) steps.push_back(read_prepare_step(item, file, recipe));
  return steps;
}

}  // namespace

bool valid_image_name(const std::string& name) { return valid_name(name, NameDots::kAllowed); }

ConfigError unpinned_refusal(const ImageEntry& entry, const std::string& published) {
  return ConfigError(entry.where, entry.name +
                                      " has no digest in the lock: pin it with `hurdle image pin " +
                                      entry.name +
                                      "` (it writes the published digest into the lock; commit "
                                      "that); --require-pinned refuses an entry without one" +
                                      (published.empty() ? "" : "; " + published));
}

std::string ImageEntry::file_name() const { return urls.empty() ? name : last_part(urls.front()); }

const ImageEntry* ImageLock::lookup(const std::string& name) const {
  for (const auto& e : images)
    if (e.name == name) return &e;
  return nullptr;
}

const ImageEntry& ImageLock::find(const std::string& name, const SourceLocation* asked_at) const {
  if (const ImageEntry* e = lookup(name)) return *e;
  std::string known;
  for (const auto& e : images) known += (known.empty() ? "" : ", ") + e.name;
  if (known.empty()) known = "none";
  if (asked_at != nullptr)
    throw ConfigError(*asked_at,
                      "no image named '" + name + "' in " + file.string() + "; it has: " + known);
  throw ConfigError({file, 0, 0}, "no image named '" + name + "' in the lock; it has: " + known);
}

std::string url_directory(const std::string& url) {
  const std::string path = url.substr(0, url.find_first_of("?#"));
  return path.substr(0, path.rfind('/') + 1);
}

namespace {

using Recipes = std::map<std::string, std::vector<PrepareStep>>;

// An entry's `url:` or `urls:` (one of them), each checked (https, or pinned by a digest).
void read_urls(MappingReader& im, const YAML::Node& node, const fs::path& file, ImageEntry& e) {
  if (im.has("url") == im.has("urls"))
    fail_at(node, file, "expected either url: or urls: (a list, tried in turn)");
  if (im.has("url")) {
    e.urls.push_back(as_string(im.get("url"), file));
    check_url(im.get("url"), e.urls.back(), e.digest.has_value(), file);
    return;
  }
  const YAML::Node list = im.get("urls");
  if (!list.IsSequence() || list.size() == 0) fail_at(list, file, "expected a list of URLs");
  for (const auto& u : list) {
    e.urls.push_back(as_string(u, file));
    check_url(u, e.urls.back(), e.digest.has_value(), file);
  }
}

// An entry's `archive:`, `member:`, `format:` and `partition:`: how the disk is in the file.
void read_layout(MappingReader& im, const fs::path& file, ImageEntry& e) {
  const std::string archive = im.string("archive", "none");
  const auto type = parse_archive_type(archive);
  if (!type)
    fail_at(im.get("archive"), file,
            "expected archive tar.xz, tar.gz, tar.zst, tar, xz, gz, zst or none, found '" +
                archive + "'");
  e.archive = *type;
  e.member = im.string("member");
  if (!e.member.empty() && !e.archive.is_tar())
    fail_at(im.get("member"), file,
            "member: names a file inside a tar archive; this is " + archive);
  e.format = im.string("format", "raw");
  if (e.format != "raw" && e.format != "qcow2")
    fail_at(im.get("format"), file, "expected format raw or qcow2, found '" + e.format + "'");
  if (im.has("partition")) {
    const YAML::Node p = im.get("partition");
    const std::string text = as_string(p, file);
    if (text != "root") {
      const auto n = as_integer(p, file);
      if (n < 1 || n > 128) fail_at(p, file, "expected partition root or a number from 1 to 128");
      e.partition.number = static_cast<unsigned>(n);
    }
  }
}

// An entry's `prepare:`: recipe names (their steps in turn) and steps of its own.
void read_entry_prepare(const YAML::Node& prepare, const Recipes& recipes, const fs::path& file,
                        ImageEntry& e) {
  if (!prepare.IsSequence()) fail_at(prepare, file, "expected prepare as a list");
  for (const auto& item : prepare) {
    if (!item.IsScalar()) {
      e.prepare.push_back(read_prepare_step(item, file, ""));
      continue;
    }
    const auto r = recipes.find(item.Scalar());
    if (r == recipes.end()) {
      std::string known;
      for (const auto& [n, s] : recipes) known += (known.empty() ? "" : ", ") + n;
      fail_at(item, file,
              "no recipe named '" + item.Scalar() +
                  "'; recipes here: " + (known.empty() ? "none" : known));
    }
    e.recipes.push_back(item.Scalar());
    e.prepare.insert(e.prepare.end(), r->second.begin(), r->second.end());
  }
}

ImageEntry read_entry(const YAML::Node& key, const YAML::Node& node, const Recipes& recipes,
                      const fs::path& file) {
  ImageEntry e;
  e.name = key.Scalar();
  e.where = location_of(key, file);
  if (!valid_image_name(e.name))
    fail_at(key, file,
            "expected an image name of letters, digits, '.', '_' or '-', found '" + e.name + "'");
  if (!node.IsMap()) fail_at(node, file, "expected the image " + e.name + " as a mapping");
  MappingReader im(node, file, "the image " + e.name);
  e.description = im.string("description");
  if (im.has("digest") && !im.get("digest").IsNull()) {
    std::string why;
    const std::string text = as_string(im.get("digest"), file);
    e.digest = parse_digest(text, &why);
    if (!e.digest) fail_at(im.get("digest"), file, "bad digest '" + text + "': " + why);
  }
  read_urls(im, node, file, e);
  if (im.has("signed_by")) {
    const std::string keyring = im.string("signed_by");
    if (keyring.empty() || keyring.front() != '/')
      fail_at(im.get("signed_by"), file,
              "expected signed_by: as the absolute path of an OpenPGP keyring (a Debian keyring "
              "package's, under /usr/share/keyrings), found '" +
                  keyring + "'");
    e.signed_by = keyring;
  }
  read_layout(im, file, e);
  if (const YAML::Node prepare = im.get("prepare"); prepare && !prepare.IsNull())
    read_entry_prepare(prepare, recipes, file, e);
  im.finish();
  return e;
}

}  // namespace

ImageLock load_image_lock(const fs::path& file) {
  const YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) fail_at(root, file, "expected an image lock: a mapping with images:");
  MappingReader m(root, file, "an image lock");
  ImageLock lock;
  lock.file = file;
  Recipes recipes;
  if (const YAML::Node r = m.get("recipes"); r && !r.IsNull()) {
    if (!r.IsMap()) fail_at(r, file, "expected recipes as a mapping of name: [steps]");
    for (const auto& kv : r) {
      const std::string name = kv.first.Scalar();
      if (!valid_image_name(name))
        fail_at(kv.first, file, "expected a recipe name of letters, digits, '.', '_' or '-'");
      recipes[name] = read_steps(kv.second, file, name);
    }
  }
  const YAML::Node images = m.require("images");
  if (!images.IsMap() || images.size() == 0)
    fail_at(images, file, "expected images as a non-empty mapping of name: entry");
  for (const auto& kv : images)
    lock.images.push_back(read_entry(kv.first, kv.second, recipes, file));
  m.finish();
  return lock;
}

fs::path default_image_lock() {
  if (const char* env = std::getenv("HURDLE_IMAGE_LOCK"); env != nullptr && *env != '\0')
    return env;
  const fs::path local = fs::path("fixtures") / "images.lock.yaml";
  if (fs::exists(local)) return local;
  const fs::path installed = installed_data_directory() / "images.lock.yaml";
  if (fs::exists(installed)) return installed;
  return local;  // the error then names the file one would expect
}

}  // namespace hurdle
