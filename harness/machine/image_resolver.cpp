#include "machine/image_resolver.hpp"

#include <cstdlib>

#include "core/cache_directory.hpp"
#include "image/multiboot_medium.hpp"
#include "ssh/owned_key.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

fs::path cache_of(const ImageSettings& s) { return cache_directory(s.cache_dir); }

}  // namespace

fs::path lock_for(const ImageRequest& request, const ImageSettings& settings) {
  if (settings.lock) return *settings.lock;
  if (const char* env = std::getenv("HURDLE_IMAGE_LOCK"); env != nullptr && *env != '\0')
    return env;
  return request.lock;
}

Variables recipe_variables(const fs::path& cache_dir) {
  return {{"hurdle_ssh_public_key", hurdle_owned_key(cache_dir).public_line}};
}

ImageStore open_image_store(const fs::path& lock_file, const ImageSettings& settings) {
  const fs::path cache = cache_of(settings);
  ImageStoreOptions o;
  o.cache_dir = image_cache_directory(cache);
  o.require_pinned = settings.require_pinned;
  o.log = settings.log;
  o.download = settings.download;
  o.recipe_variables = recipe_variables(cache);
  return ImageStore(load_image_lock(lock_file), std::move(o));
}

ImageResolver fetching_image_resolver(ImageSettings settings) {
  return [settings](const ImageRequest& request) {
    ImageStore store = open_image_store(lock_for(request, settings), settings);
    if (settings.fetch) return store.fetch(request.name, request.prepare);
    if (auto found = store.find(request.name, request.prepare)) return *found;
    throw ImageError(request.name + " is not in the image cache yet: run `hurdle image fetch " +
                     request.name + "`");
  };
}

BootMediumMaker boot_medium_maker(ImageSettings settings) {
  return [cache = cache_of(settings)](const MultibootSpec& spec) {
    return multiboot_medium(spec, cache);
  };
}

ProfileImageOptions starting_profile_options(std::string name, ImageSettings settings) {
  ProfileImageOptions options;
  options.name = std::move(name);
  options.boot_medium = boot_medium_maker(settings);
  options.resolve = fetching_image_resolver(std::move(settings));
  return options;
}

ImageResolver checking_image_resolver(ImageSettings settings) {
  return [settings](const ImageRequest& request) {
    const fs::path lock_file = lock_for(request, settings);
    const ImageLock lock = load_image_lock(lock_file);
    const ImageEntry* entry = &lock.find(request.name, &request.where);
    if (!entry->digest && settings.require_pinned) throw unpinned_refusal(*entry);
    // The recipe must resolve.
    std::vector<PrepareStep> steps = entry->prepare;
    steps.insert(steps.end(), request.prepare.begin(), request.prepare.end());
    (void)resolve_recipe(steps, recipe_placeholders());
    PreparedImage placeholder;
    placeholder.name = entry->name;
    placeholder.disk = "(image " + entry->name + ", prepared when first used)";
    placeholder.url = entry->urls.front();
    if (entry->digest) placeholder.artifact = *entry->digest;
    placeholder.pinned = entry->digest.has_value();
    return placeholder;
  };
}

}  // namespace hurdle
