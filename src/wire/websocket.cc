#include "wire/websocket.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace peapod::wire {
namespace {

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

bool isControl(WsOpcode op) { return static_cast<uint8_t>(op) >= 8; }

}  // namespace

std::string websocketAccept(std::string_view key) {
  std::string in(key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return base64(digest, sizeof digest);
}

std::string websocketKey() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  return base64(raw, sizeof raw);
}

std::string encodeWsFrame(WsOpcode opcode, std::string_view payload, bool mask, bool fin, const uint8_t* maskKey) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | static_cast<uint8_t>(opcode)));
  uint8_t maskBit = mask ? 0x80 : 0;
  size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(maskBit | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(maskBit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(maskBit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((uint64_t(n) >> shift) & 0xff));
  }
  if (!mask) {
    out.append(payload);
    return out;
  }
  uint8_t key[4];
  if (maskKey) std::copy(maskKey, maskKey + 4, key);
  else RAND_bytes(key, 4);
  out.append(reinterpret_cast<const char*>(key), 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < n; ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i % 4]);
  return out;
}

std::string wsClosePayload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out.append(reason.substr(0, 123));  // control frames carry at most 125 bytes
  return out;
}

Result<std::optional<WsMessage>> WsDecoder::next() {
  while (true) {
    const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data());
    size_t avail = buffer_.size();
    if (avail < 2) return std::optional<WsMessage>();
    bool fin = p[0] & 0x80;
    if (p[0] & 0x70) return Error("websocket: reserved bits set", kWsCloseProtocolError);
    auto op = static_cast<WsOpcode>(p[0] & 0x0f);
    uint8_t raw = p[0] & 0x0f;
    if (raw > 10 || (raw > 2 && raw < 8)) return Error("websocket: unknown opcode " + std::to_string(raw), kWsCloseProtocolError);
    bool masked = p[1] & 0x80;
    if (masked != expectMasked_) {
      return Error(expectMasked_ ? "websocket: client frame not masked" : "websocket: server frame masked",
                   kWsCloseProtocolError);
    }
    uint64_t len = p[1] & 0x7f;
    size_t pos = 2;
    if (len == 126) {
      if (avail < 4) return std::optional<WsMessage>();
      len = (uint64_t(p[2]) << 8) | p[3];
      pos = 4;
    } else if (len == 127) {
      if (avail < 10) return std::optional<WsMessage>();
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      pos = 10;
    }
    if (isControl(op) && (len > 125 || !fin)) return Error("websocket: bad control frame", kWsCloseProtocolError);
    if (len > maxMessage_ || fragments_.size() + len > maxMessage_) return Error("websocket: message too big", kWsCloseTooBig);
    size_t need = pos + (masked ? 4 : 0) + static_cast<size_t>(len);
    if (avail < need) return std::optional<WsMessage>();
    std::string payload = buffer_.substr(pos + (masked ? 4 : 0), static_cast<size_t>(len));
    if (masked) {
      const uint8_t* key = p + pos;
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
    }
    buffer_.erase(0, need);
    if (isControl(op)) return std::optional<WsMessage>(WsMessage{op, std::move(payload)});
    if (op == WsOpcode::kContinuation) {
      if (!fragmentOpcode_) return Error("websocket: continuation without a message", kWsCloseProtocolError);
      fragments_ += payload;
      if (!fin) continue;
      WsMessage m{*fragmentOpcode_, std::move(fragments_)};
      fragments_.clear();
      fragmentOpcode_.reset();
      return std::optional<WsMessage>(std::move(m));
    }
    if (fragmentOpcode_) return Error("websocket: new message inside a fragmented one", kWsCloseProtocolError);
    if (fin) return std::optional<WsMessage>(WsMessage{op, std::move(payload)});
    fragmentOpcode_ = op;
    fragments_ = std::move(payload);
  }
}

}  // namespace peapod::wire
