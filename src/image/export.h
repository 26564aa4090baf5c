// Image export: one stored image written as a tar in OCI image layout or docker-archive form,
// both of which Store::importArchive (and docker load, skopeo) read back.
#pragma once

#include <filesystem>
#include <string_view>

#include "base/result.h"
#include "image/store.h"

namespace peapod::image {

enum class ExportFormat { kOciArchive, kDockerArchive };

// Parses "oci" / "oci-archive" / "docker" / "docker-archive".
Result<ExportFormat> parseExportFormat(std::string_view s);

// Writes image `ref` to `out` (a tar, replaced atomically): blobs/sha256/* plus index.json and
// oci-layout, or manifest.json (Config, RepoTags, Layers) for a docker-archive.
Status exportImage(const Store& store, std::string_view ref, const std::filesystem::path& out, ExportFormat format);

}  // namespace peapod::image
