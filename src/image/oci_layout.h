// OCI image layout reading: index/manifest/config JSON parsing and platform selection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/image.h"

namespace peapod::image {

inline constexpr std::string_view kAnnotationImageName = "io.containerd.image.name";
inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

// A content descriptor (OCI image-spec descriptor.md).
struct Descriptor {
  std::string mediaType;
  std::string digest;  // "sha256:<hex>", validated
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::string os, architecture, variant;  // platform, when given
};

struct Manifest {
  Descriptor config;
  std::vector<Descriptor> layers;  // base first
};

// The parts of an image config the store keeps.
struct ConfigInfo {
  ImageConfig config;
  std::string created, os, architecture;
  std::vector<std::string> diffIds;  // "sha256:<hex>" of each uncompressed layer, base first
};

enum class BlobKind { kIndex, kManifest, kUnknown };

// Which kind of JSON document a descriptor (or, failing that, the document) is.
BlobKind blobKind(std::string_view mediaType, std::string_view json);

// True for layer media types we can unpack (tar, tar+gzip, tar+zstd, docker rootfs.diff).
bool isLayerMediaType(std::string_view mediaType);

Result<std::vector<Descriptor>> parseIndex(std::string_view json);
Result<Manifest> parseManifest(std::string_view json);
Result<ConfigInfo> parseConfig(std::string_view json);

// The OS/architecture this build runs images for: "linux"/"amd64" on x86-64.
std::string_view hostArchitecture();

// One image found in a layout: the manifest chosen for this host and the top-level
// annotations (its names).
struct LayoutImage {
  Descriptor manifestDesc;
  Manifest manifest;
  ConfigInfo config;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> repoTags;  // docker-archive names ("busybox:latest"), when that is the source
};

// Reads `dir`/index.json and follows each entry (through nested indexes, choosing
// linux/<host arch>) to its manifest and config, verifying each JSON blob's digest and size.
Result<std::vector<LayoutImage>> readLayout(const std::filesystem::path& dir);

// The path of blob `digest` inside layout `dir` (digest must be valid).
std::filesystem::path layoutBlobPath(const std::filesystem::path& dir, std::string_view digest);

}  // namespace peapod::image
