// RFC 6455 WebSocket framing, both ways: servers send unmasked frames and require masked ones;
// clients send masked frames. The handshake's accept key, an incremental decoder that reassembles
// fragmented messages and passes control frames (ping/pong/close) through as they come.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace peapod::wire {

enum class WsOpcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

// Close codes used here.
inline constexpr uint16_t kWsCloseNormal = 1000;
inline constexpr uint16_t kWsCloseProtocolError = 1002;
inline constexpr uint16_t kWsCloseTooBig = 1009;

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")): Sec-WebSocket-Accept for a key.
std::string websocketAccept(std::string_view key);
// A fresh random Sec-WebSocket-Key (16 random bytes, base64).
std::string websocketKey();

// One frame. `mask` (clients) masks the payload with a random key, or with *maskKey when given.
std::string encodeWsFrame(WsOpcode opcode, std::string_view payload, bool mask, bool fin = true,
                          const uint8_t* maskKey = nullptr);
// A close frame's payload: the 2-byte code and a reason.
std::string wsClosePayload(uint16_t code, std::string_view reason = {});

struct WsMessage {
  WsOpcode opcode;      // kText, kBinary, kClose, kPing or kPong (never kContinuation)
  std::string payload;  // unmasked; a data message's fragments joined
};

// Feeds bytes in, takes whole messages out.
class WsDecoder {
 public:
  // expectMasked: a server's decoder (client frames must be masked; unmasked ones are an error).
  explicit WsDecoder(bool expectMasked, size_t maxMessage = 16u << 20)
      : expectMasked_(expectMasked), maxMessage_(maxMessage) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete message, nullopt when more bytes are needed, or a protocol Error (the
  // connection should be closed with kWsCloseProtocolError, or kWsCloseTooBig when code() is 1009).
  Result<std::optional<WsMessage>> next();

 private:
  bool expectMasked_;
  size_t maxMessage_;
  std::string buffer_;
  std::string fragments_;  // a data message in progress
  std::optional<WsOpcode> fragmentOpcode_;
};

}  // namespace peapod::wire
