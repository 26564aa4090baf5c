// SPDY/3 name/value header blocks: the uncompressed layout and the per-connection zlib streams
// (primed with the spec's fixed dictionary) that carry them in SYN_STREAM, SYN_REPLY and HEADERS.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace peapod::wire {

// Header names are lower-case; a name with several values keeps them joined by NUL bytes, as on
// the wire.
using SpdyHeaders = std::map<std::string, std::string>;

// The fixed 1423-byte dictionary of SPDY/3 (section 2.6.10.1 of the draft).
std::string_view spdyHeaderDictionary();

// Uncompressed block: u32 count, then per pair u32 length + name, u32 length + value.
std::string encodeSpdyHeaderBlock(const SpdyHeaders& headers);
// Refuses truncated blocks, empty names, duplicate names and trailing bytes.
Result<SpdyHeaders> decodeSpdyHeaderBlock(std::string_view block);

// One direction of a connection's header compression. Every block is compressed on the same
// deflate stream and ends with Z_SYNC_FLUSH, so the peer can inflate each frame as it arrives.
class SpdyHeaderDeflater {
 public:
  SpdyHeaderDeflater();
  ~SpdyHeaderDeflater();
  SpdyHeaderDeflater(const SpdyHeaderDeflater&) = delete;
  SpdyHeaderDeflater& operator=(const SpdyHeaderDeflater&) = delete;
  Result<std::string> compress(const SpdyHeaders& headers);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The receiving direction: one inflate stream for all of the peer's header blocks.
class SpdyHeaderInflater {
 public:
  // maxBlock bounds the decompressed size of one block (a zlib bomb is refused, not allocated).
  explicit SpdyHeaderInflater(size_t maxBlock = 256 * 1024);
  ~SpdyHeaderInflater();
  SpdyHeaderInflater(const SpdyHeaderInflater&) = delete;
  SpdyHeaderInflater& operator=(const SpdyHeaderInflater&) = delete;
  Result<SpdyHeaders> decompress(std::string_view compressed);

 private:
  struct State;
  std::unique_ptr<State> s_;
  size_t maxBlock_;
};

}  // namespace peapod::wire
