// Image and ImageConfig: what the image store hands to the runtime for one imported image.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace peapod::image {

// The runtime-relevant part of an OCI image config ("config" object).
struct ImageConfig {
  std::vector<std::string> entrypoint, cmd, env /*"K=V"*/;
  std::string workingDir, user, stopSignal;
  std::map<std::string, std::string> labels;
};

struct Image {
  std::string id;                       // "sha256:<config digest hex>"
  std::string digest;                   // manifest digest "sha256:..."
  std::vector<std::string> names;       // normalized references, e.g. "docker.io/library/busybox:latest"
  // The names that came from a registry pull; imported names have no registry to re-pull from.
  std::vector<std::string> pulledNames;
  ImageConfig config;
  std::vector<std::string> layerDirs;   // unpacked layer roots, BASE layer first (overlay lowerdir= wants the reverse: top first)
  uint64_t size = 0;                    // sum of compressed layer sizes (what `images` shows)
  std::string created;                  // from the config
};

}  // namespace peapod::image
