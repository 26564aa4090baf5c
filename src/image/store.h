// Store: the on-disk, content-addressed image store (blobs, unpacked layers, image index).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/image.h"

namespace peapod::image {

struct ImageRecord;  // one image as kept in the index (store_index.h)

// Layout under root:
//   blobs/sha256/<hex>           verified blobs (manifests, configs, compressed layers)
//   layers/sha256/<diffid hex>/  each layer unpacked once, keyed by its uncompressed digest
//   images.json                  the image index (written atomically)
//   tmp/                         staging for imports; cleaned on open
// Thread-safe: every public method takes the store mutex.
class Store {
 public:
  // Opens (creating when missing) a store rooted at `root`.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& root);

  // Imports an OCI layout directory, or a tar of one (docker-archive: detected by a
  // manifest.json at the tar root). Names every image `tag` (normalized) when given,
  // else by its annotations. Verifies each blob; nothing half-imported is left on failure.
  Result<std::vector<Image>> importArchive(const std::filesystem::path& dirOrTar,
                                           const std::optional<std::string>& tag);

  // Looks an image up by reference (normalized), full id, or a unique prefix of its id
  // ("sha256:abc…" or "abc…", at least 3 hex).
  Result<Image> find(std::string_view ref) const;

  // Every image, sorted by first name.
  std::vector<Image> list() const;

  // Untags `ref`; removes the image when no names remain (or when `ref` is an id) and
  // the layers and blobs no other image uses.
  Status remove(std::string_view ref);

  const std::filesystem::path& root() const { return root_; }

  ~Store();

 private:
  explicit Store(std::filesystem::path root);
  Status load();
  Status save() const;
  Result<const ImageRecord*> findLocked(std::string_view ref) const;
  Image toImage(const ImageRecord& r) const;
  Status garbageCollect();

  std::filesystem::path root_;
  mutable std::mutex mu_;
  std::vector<ImageRecord> records_;  // guarded by mu_
};

}  // namespace peapod::image
