// The image store's index file: one JSON document listing every image, replaced atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/image.h"

namespace peapod::image {

// One image as the index keeps it.
struct ImageRecord {
  std::string id;                     // "sha256:<config hex>"
  std::string digest;                 // manifest digest
  std::vector<std::string> names;     // normalized references
  std::vector<std::string> pulledNames;  // those a registry pull set (Always re-pulls only these)
  std::vector<std::string> diffIds;   // uncompressed layer digests, base first
  std::vector<std::string> blobs;     // manifest, config and compressed layer digests it holds
  uint64_t size = 0;                  // sum of compressed layer sizes
  std::string created;
  ImageConfig config;
};

// Reads the index; a missing file is an empty store.
Result<std::vector<ImageRecord>> loadIndex(const std::filesystem::path& file);

// Writes the index to a temp file, fsyncs it, renames it over `file` and fsyncs the directory,
// so a crash leaves either the old or the new index, never a torn one.
Status saveIndex(const std::filesystem::path& file, const std::vector<ImageRecord>& records);

}  // namespace peapod::image
