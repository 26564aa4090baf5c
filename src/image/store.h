// Store: the on-disk, content-addressed image store (blobs, unpacked layers, image index).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/image.h"
#include "image/unpack.h"

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

  // Like remove(), but an image whose id is in `inUse` is refused (EBUSY, "image is being used
  // by running container"); with `force` it is only untagged and kept for its containers.
  Status remove(std::string_view ref, const std::set<std::string>& inUse, bool force);

  // Removes images not in `inUse`, least recently used first, until `bytesToFree` bytes of
  // layers were freed (nullopt: every unused image). Returns the removed images.
  Result<std::vector<Image>> prune(const std::set<std::string>& inUse, std::optional<uint64_t> bytesToFree);

  // Records that a container is about to use image `id` (image GC removes the least recently used).
  void markUsed(const std::string& id);

  // --- for pulls (pull.cc) and exports ---
  std::filesystem::path blobPath(std::string_view digest) const;
  bool hasBlob(std::string_view digest) const;
  bool hasLayer(std::string_view diffId) const;
  // A fresh private directory under tmp/ (the store's filesystem, so commits are renames).
  Result<std::filesystem::path> makeStaging(std::string_view prefix);
  // Commits staged images: moves staging/blobs/<hex> and staging/layers/<diff hex> into the
  // store (anything not staged must already be there), then names the images in the index;
  // a name moves to its new image. Everything must have been verified already.
  Result<std::vector<Image>> commit(const std::filesystem::path& staging, std::vector<ImageRecord> images);

  const std::filesystem::path& root() const { return root_; }

  // Decompression and entry-count bomb limits for every layer this store unpacks (imports and
  // pulls); defaults in unpack.h's UnpackOptions. Set before use.
  void setUnpackLimits(uint64_t maxBytes, uint64_t maxEntries) {
    maxLayerBytes_ = maxBytes;
    maxLayerEntries_ = maxEntries;
  }
  // UnpackOptions for a layer with diff_id `diffId`, carrying the limits.
  UnpackOptions layerUnpackOptions(const std::string& diffId) const {
    return UnpackOptions{.layer = true, .expectedDiffId = diffId, .maxBytes = maxLayerBytes_,
                         .maxEntries = maxLayerEntries_};
  }

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
  std::map<std::string, std::chrono::steady_clock::time_point> lastUsed_;  // by id; guarded by mu_
  uint64_t maxLayerBytes_ = UnpackOptions{}.maxBytes;
  uint64_t maxLayerEntries_ = UnpackOptions{}.maxEntries;
};

}  // namespace peapod::image
