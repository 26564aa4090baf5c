// SHA-256 digests ("sha256:<hex>") over memory, files and streams, via OpenSSL EVP.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace peapod::image {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // "sha256:<64 hex>"; call once.
  std::string digest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// "sha256:<hex>" of `data`.
std::string sha256Digest(std::string_view data);

// The 64-hex part of a "sha256:<hex>" digest, or an error naming the bad digest.
Result<std::string> digestHex(std::string_view digest);

// Copies `src` to `dst` (created, fsynced) while checking it has `size` bytes and `digest`;
// on mismatch removes `dst` and fails naming the digest.
Status copyVerified(const std::filesystem::path& src, const std::filesystem::path& dst,
                    std::string_view digest, int64_t size);

// The digest and size of a file's contents.
Result<std::pair<std::string, int64_t>> digestFile(const std::filesystem::path& p);

// Reads a small file (manifests, configs, index) of at most `maxSize` bytes.
Result<std::string> readSmallFile(const std::filesystem::path& p, size_t maxSize = 8u << 20);

}  // namespace peapod::image
