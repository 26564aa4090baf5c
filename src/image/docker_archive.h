// docker-archive (`docker save`) reading: manifest.json, config and layer files as OCI descriptors.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/oci_layout.h"

namespace peapod::image {

// Reads the unpacked docker-archive in `dir`. Its files have no digests, so each is hashed
// and given a descriptor; a schema2 manifest is synthesized into `scratch`. `blobPaths`
// receives where each descriptor's content lives.
Result<std::vector<LayoutImage>> readDockerArchive(const std::filesystem::path& dir,
                                                   const std::filesystem::path& scratch,
                                                   std::map<std::string, std::filesystem::path>* blobPaths);

}  // namespace peapod::image
