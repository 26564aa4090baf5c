// SHA-256 via OpenSSL EVP, and the verified blob copy every import goes through.
#include "image/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <vector>

#include "image/reference.h"
#include "sys/unique_fd.h"

namespace peapod::image {

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) { EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr); }
Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t len) { EVP_DigestUpdate(ctx_->md, data, len); }

std::string Sha256::digest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &n);
  static const char kHex[] = "0123456789abcdef";
  std::string s = "sha256:";
  for (unsigned i = 0; i < n; ++i) {
    s.push_back(kHex[out[i] >> 4]);
    s.push_back(kHex[out[i] & 15]);
  }
  return s;
}

std::string sha256Digest(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.digest();
}

Result<std::string> digestHex(std::string_view digest) {
  if (!isDigest(digest)) return Error("invalid digest \"" + std::string(digest) + "\" (want sha256:<64 lowercase hex>)");
  return std::string(digest.substr(7));
}

Status copyVerified(const std::filesystem::path& src, const std::filesystem::path& dst, std::string_view digest,
                    int64_t size) {
  sys::UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return Error::sys("open", src.string()).wrap("blob " + std::string(digest));
  sys::UniqueFd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) return Error::sys("open", dst.string());
  auto fail = [&](Error e) {
    ::unlink(dst.c_str());
    return e;
  };
  Sha256 h;
  std::vector<char> buf(1 << 20);
  int64_t total = 0;
  while (true) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Error::sys("read", src.string()));
    if (n == 0) break;
    total += n;
    if (total > size) break;  // no point hashing a blob that is already too big
    h.update(buf.data(), n);
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf.data() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail(Error::sys("write", dst.string()));
      off += w;
    }
  }
  if (total != size)
    return fail(Error("blob " + std::string(digest) + ": size mismatch: descriptor says " + std::to_string(size) +
                      " bytes, file has " + (total > size ? "more" : std::to_string(total))));
  std::string got = h.digest();
  if (got != digest) return fail(Error("blob " + std::string(digest) + ": digest mismatch: content hashes to " + got));
  if (::fsync(out.get()) != 0) return fail(Error::sys("fsync", dst.string()));
  return {};
}

Result<std::pair<std::string, int64_t>> digestFile(const std::filesystem::path& p) {
  sys::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::sys("open", p.string());
  Sha256 h;
  std::vector<char> buf(1 << 20);
  int64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("read", p.string());
    if (n == 0) break;
    h.update(buf.data(), n);
    total += n;
  }
  return std::pair{h.digest(), total};
}

Result<std::string> readSmallFile(const std::filesystem::path& p, size_t maxSize) {
  sys::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::sys("open", p.string());
  std::string s;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("read", p.string());
    if (n == 0) break;
    s.append(buf, n);
    if (s.size() > maxSize) return Error(p.string() + ": larger than " + std::to_string(maxSize) + " bytes");
  }
  return s;
}

}  // namespace peapod::image
