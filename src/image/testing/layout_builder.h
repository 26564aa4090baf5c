// Builds small tars and OCI image layouts on disk, for tests (and any code that writes images).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace peapod::image::testing {

struct TarEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kCharDev, kFifo };
  std::string name;
  Type type = kFile;
  std::string data;  // file contents
  std::string link;  // symlink or hardlink target
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  unsigned major = 0, minor = 0;  // kCharDev
};

inline TarEntry fileEntry(std::string name, std::string data, mode_t mode = 0644) {
  TarEntry e;
  e.name = std::move(name);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}
inline TarEntry dirEntry(std::string name, mode_t mode = 0755) {
  TarEntry e;
  e.name = std::move(name);
  e.type = TarEntry::kDir;
  e.mode = mode;
  return e;
}
inline TarEntry linkEntry(std::string name, std::string target, TarEntry::Type type = TarEntry::kSymlink) {
  TarEntry e;
  e.name = std::move(name);
  e.type = type;
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}
inline TarEntry charDevEntry(std::string name, unsigned major, unsigned minor) {
  TarEntry e;
  e.name = std::move(name);
  e.type = TarEntry::kCharDev;
  e.major = major;
  e.minor = minor;
  return e;
}

enum class Compression { kNone, kGzip, kZstd };

// The bytes of a tar of `entries` in order, compressed as asked.
Result<std::string> makeTar(const std::vector<TarEntry>& entries, Compression c = Compression::kGzip);

struct LayoutOptions {
  Compression compression = Compression::kGzip;
  std::map<std::string, std::string> annotations;  // on the index.json manifest descriptor
  std::vector<std::string> cmd = {"sh"};
  bool wrongDiffIds = false;  // write diff_ids that do not match the layers
};

// Writes an OCI layout of one image with `layers` (base first) into `dir`; returns the
// manifest digest.
Result<std::string> writeLayout(const std::filesystem::path& dir, const std::vector<std::vector<TarEntry>>& layers,
                                const LayoutOptions& options = {});

}  // namespace peapod::image::testing
