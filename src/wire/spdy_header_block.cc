// SPDY/3 header blocks: layout, the fixed zlib dictionary and the per-connection zlib streams.
#include "wire/spdy_header_block.h"

#include <zlib.h>

#include <cstdint>

namespace peapod::wire {
namespace {

// Verbatim from the SPDY/3 draft; as bytes (no trailing NUL). Its Adler-32 is 0xe3c6a7c2.
constexpr char kDictionary[] =
    "\000\000\000\007options\000\000\000\004head\000\000\000\004post\000\000\000\003put\000\000\000\006"
    "delete\000\000\000\005trace\000\000\000\006accept\000\000\000\016accept-charset\000\000\000\017a"
    "ccept-encoding\000\000\000\017accept-language\000\000\000\015accept-ranges\000\000\000\003age\000"
    "\000\000\005allow\000\000\000\015authorization\000\000\000\015cache-control\000\000\000\012conne"
    "ction\000\000\000\014content-base\000\000\000\020content-encoding\000\000\000\020content-languag"
    "e\000\000\000\016content-length\000\000\000\020content-location\000\000\000\013content-md5\000\000"
    "\000\015content-range\000\000\000\014content-type\000\000\000\004date\000\000\000\004etag\000\000"
    "\000\006expect\000\000\000\007expires\000\000\000\004from\000\000\000\004host\000\000\000\010if-"
    "match\000\000\000\021if-modified-since\000\000\000\015if-none-match\000\000\000\010if-range\000\000"
    "\000\023if-unmodified-since\000\000\000\015last-modified\000\000\000\010location\000\000\000\014"
    "max-forwards\000\000\000\006pragma\000\000\000\022proxy-authenticate\000\000\000\023proxy-author"
    "ization\000\000\000\005range\000\000\000\007referer\000\000\000\013retry-after\000\000\000\006se"
    "rver\000\000\000\002te\000\000\000\007trailer\000\000\000\021transfer-encoding\000\000\000\007up"
    "grade\000\000\000\012user-agent\000\000\000\004vary\000\000\000\003via\000\000\000\007warning\000"
    "\000\000\020www-authenticate\000\000\000\006method\000\000\000\003get\000\000\000\006status\000\000"
    "\000\006200 OK\000\000\000\007version\000\000\000\010HTTP/1.1\000\000\000\003url\000\000\000\006"
    "public\000\000\000\012set-cookie\000\000\000\012keep-alive\000\000\000\006origin1001012012022052"
    "06300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative "
    "Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 No"
    "t Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Ju"
    "n Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,imag"
    "e/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publi"
    "cprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
;
static_assert(sizeof(kDictionary) - 1 == 1423);

void putU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

bool getU32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  auto b = reinterpret_cast<const unsigned char*>(in.data());
  v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  in.remove_prefix(4);
  return true;
}

bool getString(std::string_view& in, std::string& s) {
  uint32_t n;
  if (!getU32(in, n) || in.size() < n) return false;
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

const Bytef* dictBytes() { return reinterpret_cast<const Bytef*>(kDictionary); }

}  // namespace

std::string_view spdyHeaderDictionary() { return {kDictionary, sizeof(kDictionary) - 1}; }

std::string encodeSpdyHeaderBlock(const SpdyHeaders& headers) {
  std::string out;
  putU32(out, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    putU32(out, static_cast<uint32_t>(name.size()));
    out += name;
    putU32(out, static_cast<uint32_t>(value.size()));
    out += value;
  }
  return out;
}

Result<SpdyHeaders> decodeSpdyHeaderBlock(std::string_view in) {
  uint32_t count;
  if (!getU32(in, count)) return Error("spdy header block: truncated count");
  SpdyHeaders headers;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name, value;
    if (!getString(in, name) || !getString(in, value)) return Error("spdy header block: truncated pair");
    if (name.empty()) return Error("spdy header block: empty header name");
    // Go's framer lower-cases names and so do we; only a duplicate is a protocol error.
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!headers.emplace(std::move(name), std::move(value)).second) {
      return Error("spdy header block: duplicate header name");
    }
  }
  if (!in.empty()) return Error("spdy header block: trailing bytes");
  return headers;
}

struct SpdyHeaderDeflater::State {
  z_stream z{};
  bool ok = false;
};

SpdyHeaderDeflater::SpdyHeaderDeflater() : s_(std::make_unique<State>()) {
  s_->ok = deflateInit(&s_->z, Z_BEST_COMPRESSION) == Z_OK &&
           deflateSetDictionary(&s_->z, dictBytes(), sizeof(kDictionary) - 1) == Z_OK;
}

SpdyHeaderDeflater::~SpdyHeaderDeflater() { deflateEnd(&s_->z); }

Result<std::string> SpdyHeaderDeflater::compress(const SpdyHeaders& headers) {
  if (!s_->ok) return Error("spdy header deflate: zlib stream unusable");
  std::string plain = encodeSpdyHeaderBlock(headers);
  std::string out;
  z_stream& z = s_->z;
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  char buf[4096];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    int rc = deflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      s_->ok = false;
      return Error("spdy header deflate: zlib error " + std::to_string(rc));
    }
    out.append(buf, sizeof(buf) - z.avail_out);
  } while (z.avail_out == 0);  // a full buffer may hide more pending output
  return out;
}

struct SpdyHeaderInflater::State {
  z_stream z{};
  bool ok = false;
};

SpdyHeaderInflater::SpdyHeaderInflater(size_t maxBlock) : s_(std::make_unique<State>()), maxBlock_(maxBlock) {
  s_->ok = inflateInit(&s_->z) == Z_OK;
}

SpdyHeaderInflater::~SpdyHeaderInflater() { inflateEnd(&s_->z); }

Result<SpdyHeaders> SpdyHeaderInflater::decompress(std::string_view compressed) {
  if (!s_->ok) return Error("spdy header inflate: zlib stream unusable");
  z_stream& z = s_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string plain;
  char buf[4096];
  // Any failure leaves the shared stream out of step with the peer: the connection is done.
  auto fail = [&](const std::string& what) {
    s_->ok = false;
    return Error("spdy header inflate: " + what);
  };
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      if (inflateSetDictionary(&z, dictBytes(), sizeof(kDictionary) - 1) != Z_OK) return fail("wrong dictionary");
      continue;
    }
    if (rc == Z_STREAM_END) return fail("peer ended the zlib stream");
    if (rc != Z_OK && rc != Z_BUF_ERROR) return fail("zlib error " + std::to_string(rc));
    plain.append(buf, sizeof(buf) - z.avail_out);
    if (plain.size() > maxBlock_) return fail("header block too large");
    if (z.avail_in == 0 && z.avail_out != 0) break;  // all input used and nothing left pending
    if (rc == Z_BUF_ERROR && z.avail_out != 0) return fail("truncated block");
  }
  return decodeSpdyHeaderBlock(plain);
}

}  // namespace peapod::wire
