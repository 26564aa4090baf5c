// SPDY/3.1 framing: the frames kubectl's exec, attach and port-forward sessions use, parsed from a
// byte buffer and serialised into bytes. Pure: the caller moves the bytes over its connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "wire/spdy_header_block.h"

namespace peapod::wire {

enum class SpdyFrameType : uint16_t {
  kData = 0,  // not a control type: DATA frames have the control bit clear
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

inline constexpr uint8_t kSpdyFlagFin = 0x01;             // DATA, SYN_STREAM, SYN_REPLY, HEADERS
inline constexpr uint8_t kSpdyFlagUnidirectional = 0x02;  // SYN_STREAM
inline constexpr uint32_t kSpdyMaxDataLength = (1u << 24) - 1;
inline constexpr uint32_t kSpdyInitialWindow = 64 * 1024;  // per stream and per connection (3.1)

// RST_STREAM status codes.
enum SpdyRstStatus : uint32_t {
  kSpdyProtocolError = 1,
  kSpdyInvalidStream = 2,
  kSpdyRefusedStream = 3,
  kSpdyCancel = 5,
  kSpdyInternalError = 6,
  kSpdyFlowControlError = 7,
  kSpdyStreamInUse = 8,
  kSpdyStreamAlreadyClosed = 9,
};

inline constexpr uint32_t kSpdySettingInitialWindowSize = 7;

struct SpdySetting {
  uint8_t flags = 0;
  uint32_t id = 0;  // 24 bits
  uint32_t value = 0;
};

// One frame in memory; which fields matter depends on the type (see each field).
struct SpdyFrame {
  SpdyFrameType type = SpdyFrameType::kData;
  uint8_t flags = 0;
  // DATA, SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE (0 = the connection);
  // GOAWAY: the last stream id the sender accepted.
  uint32_t streamId = 0;
  uint32_t associatedStreamId = 0;  // SYN_STREAM
  uint8_t priority = 0;             // SYN_STREAM, 0 (highest) to 7
  // RST_STREAM and GOAWAY: the status; PING: the id; WINDOW_UPDATE: the delta.
  uint32_t value = 0;
  SpdyHeaders headers;                // SYN_STREAM, SYN_REPLY, HEADERS
  std::vector<SpdySetting> settings;  // SETTINGS
  std::string data;                   // DATA

  bool fin() const { return (flags & kSpdyFlagFin) != 0; }

  static SpdyFrame dataFrame(uint32_t streamId, std::string data, bool fin = false);
  static SpdyFrame synStream(uint32_t streamId, SpdyHeaders headers, bool fin = false);
  static SpdyFrame synReply(uint32_t streamId, SpdyHeaders headers = {}, bool fin = false);
  static SpdyFrame rstStream(uint32_t streamId, uint32_t status);
  static SpdyFrame ping(uint32_t id);
  static SpdyFrame goAway(uint32_t lastGoodStreamId, uint32_t status = 0);
  static SpdyFrame windowUpdate(uint32_t streamId, uint32_t delta);
};

// Name of a frame type for logs and errors ("SYN_STREAM").
std::string_view spdyFrameTypeName(SpdyFrameType type);

// The framing state of one connection: a buffer of received bytes, and the two zlib streams
// (the peer's header blocks and ours) that must see every header block of the connection in order.
class SpdyFramer {
 public:
  explicit SpdyFramer(size_t maxFrameLength = 1u << 24);

  // Appends received bytes.
  void feed(std::string_view bytes);
  // The next complete frame, or nullopt when more bytes are needed. Unknown control frame types
  // (CREDENTIAL, future ones) are skipped as the spec requires. An error is fatal for the
  // connection: the zlib state or the framing is lost (answer GOAWAY PROTOCOL_ERROR and close).
  Result<std::optional<SpdyFrame>> next();
  // Serialises a frame; header blocks are compressed on this connection's deflate stream, so
  // frames must be written in the order they were encoded.
  Result<std::string> encode(const SpdyFrame& frame);
  // Bytes received but not yet parsed.
  size_t buffered() const { return in_.size() - pos_; }

 private:
  Result<SpdyFrame> parseControl(uint16_t type, uint8_t flags, std::string_view payload);

  std::string in_;
  size_t pos_ = 0;
  size_t maxFrameLength_;
  SpdyHeaderInflater inflater_;
  SpdyHeaderDeflater deflater_;
};

}  // namespace peapod::wire
