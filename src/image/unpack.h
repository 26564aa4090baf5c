// Safe tar unpacking (layers and layout tarballs) through libarchive: nothing escapes the root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace peapod::image {

struct UnpackOptions {
  // An OCI layer: ".wh.<name>" becomes an overlay whiteout (char device 0/0) and
  // ".wh..wh..opq" the opaque xattr on its directory; 0/0 char devices are kept.
  // Otherwise (a layout tarball) only plain files and directories are accepted, so blob
  // names can not be links to host files.
  bool layer = true;
  // When set ("sha256:<hex>"), the uncompressed tar stream must hash to it (a layer's diff_id).
  std::string expectedDiffId;
  // Decompression and entry-count bombs: an archive whose uncompressed tar stream is larger, or
  // that holds more entries, is refused. Generous for real images (the largest public layers are
  // a few GB and ~10^5 files); tests lower them.
  uint64_t maxBytes = 64ULL << 30;
  uint64_t maxEntries = 1'000'000;
};

// Unpacks the tar (uncompressed, gzip or zstd; detected) at `archive` into the existing
// directory `dest`. Absolute entry names are made relative; entries with "..", entries
// resolved through a symlink leaving `dest`, device nodes other than whiteouts, and archives
// past options.maxBytes / maxEntries are refused. On error `dest` holds a partial tree: callers unpack into a staging dir.
Status unpackArchive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                     const UnpackOptions& options);

// Splits a tar entry name into safe relative components ("/a/./b/" -> {a, b}); fails on "..".
Result<std::vector<std::string>> safeComponents(std::string_view name);

}  // namespace peapod::image
