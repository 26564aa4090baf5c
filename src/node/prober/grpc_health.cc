#include "node/prober/grpc_health.h"

namespace peapod::node {
namespace {

std::string frameHeader(size_t length, uint8_t type, uint8_t flags, uint32_t stream) {
  std::string h(9, '\0');
  h[0] = static_cast<char>(length >> 16), h[1] = static_cast<char>(length >> 8), h[2] = static_cast<char>(length);
  h[3] = static_cast<char>(type), h[4] = static_cast<char>(flags);
  for (int i = 0; i < 4; ++i) h[5 + i] = static_cast<char>(stream >> (24 - 8 * i));
  return h;
}

// HPACK integer with an N-bit prefix (RFC 7541 5.1); the prefix bits above N are `first`.
void hpackInt(std::string& out, uint8_t first, int prefixBits, size_t value) {
  size_t max = (1u << prefixBits) - 1;
  if (value < max) {
    out += static_cast<char>(first | value);
    return;
  }
  out += static_cast<char>(first | max);
  for (value -= max; value >= 128; value >>= 7) out += static_cast<char>(0x80 | (value & 0x7f));
  out += static_cast<char>(value);
}

// "Literal Header Field without Indexing — New Name", no Huffman coding.
void hpackLiteral(std::string& out, const std::string& name, const std::string& value) {
  out += '\0';
  hpackInt(out, 0, 7, name.size());
  out += name;
  hpackInt(out, 0, 7, value.size());
  out += value;
}

// Protobuf varint at p (advancing it); nullopt when truncated.
std::optional<uint64_t> varint(std::string_view s, size_t& p) {
  uint64_t v = 0;
  for (int shift = 0; p < s.size() && shift < 64; shift += 7) {
    auto b = static_cast<uint8_t>(s[p++]);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string grpcHealthRequest(const std::string& authority, const std::string& service) {
  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  out += frameHeader(0, kH2Settings, 0, 0);

  std::string block;
  hpackLiteral(block, ":method", "POST");
  hpackLiteral(block, ":scheme", "http");
  hpackLiteral(block, ":path", "/grpc.health.v1.Health/Check");
  hpackLiteral(block, ":authority", authority);
  hpackLiteral(block, "content-type", "application/grpc");
  hpackLiteral(block, "te", "trailers");
  hpackLiteral(block, "user-agent", "kube-probe/peapod");
  const uint8_t endHeaders = 0x4;
  out += frameHeader(block.size(), kH2Headers, endHeaders, 1);
  out += block;

  // HealthCheckRequest{string service = 1}, behind gRPC's 5-byte message prefix.
  std::string message;
  if (!service.empty()) {
    message += '\x0a';
    for (size_t n = service.size(); ; n >>= 7) {  // varint length
      if (n < 128) { message += static_cast<char>(n); break; }
      message += static_cast<char>(0x80 | (n & 0x7f));
    }
    message += service;
  }
  std::string data(1, '\0');
  for (int i = 0; i < 4; ++i) data += static_cast<char>(message.size() >> (24 - 8 * i));
  data += message;
  out += frameHeader(data.size(), kH2Data, kH2FlagEndStream, 1);
  out += data;
  return out;
}

bool Http2FrameReader::feed(std::string_view bytes, std::vector<Http2Frame>& out, size_t limit) {
  buffered_.append(bytes);
  size_t p = 0;
  while (buffered_.size() - p >= 9) {
    auto u = [&](size_t i) { return static_cast<uint8_t>(buffered_[p + i]); };
    size_t length = (size_t(u(0)) << 16) | (size_t(u(1)) << 8) | u(2);
    if (length > limit) return false;
    if (buffered_.size() - p < 9 + length) break;
    Http2Frame f;
    f.type = u(3), f.flags = u(4);
    f.stream = ((uint32_t(u(5)) << 24) | (uint32_t(u(6)) << 16) | (uint32_t(u(7)) << 8) | u(8)) & 0x7fffffff;
    f.payload = buffered_.substr(p + 9, length);
    out.push_back(std::move(f));
    p += 9 + length;
  }
  buffered_.erase(0, p);
  return true;
}

std::string http2SettingsAck() { return frameHeader(0, kH2Settings, kH2FlagAck, 0); }

std::string http2PingAck(const std::string& opaque) { return frameHeader(opaque.size(), kH2Ping, kH2FlagAck, 0) + opaque; }

std::optional<int> healthStatusFromData(std::string_view payload) {
  if (payload.size() < 5 || payload[0] != 0) return std::nullopt;  // compressed messages are not asked for
  size_t length = (size_t(static_cast<uint8_t>(payload[1])) << 24) | (size_t(static_cast<uint8_t>(payload[2])) << 16) |
                  (size_t(static_cast<uint8_t>(payload[3])) << 8) | static_cast<uint8_t>(payload[4]);
  if (payload.size() - 5 < length) return std::nullopt;
  std::string_view message = payload.substr(5, length);
  int status = 0;  // proto3: an absent field is its zero value, UNKNOWN
  for (size_t p = 0; p < message.size();) {
    auto key = varint(message, p);
    if (!key) return std::nullopt;
    int wireType = static_cast<int>(*key & 7);
    if (wireType == 0) {
      auto v = varint(message, p);
      if (!v) return std::nullopt;
      if ((*key >> 3) == 1) status = static_cast<int>(*v);
    } else if (wireType == 2) {
      auto n = varint(message, p);
      if (!n || message.size() - p < *n) return std::nullopt;
      p += *n;
    } else {
      return std::nullopt;
    }
  }
  return status;
}

const char* servingStatusName(int status) {
  switch (status) {
    case 0: return "UNKNOWN";
    case 1: return "SERVING";
    case 2: return "NOT_SERVING";
    case 3: return "SERVICE_UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace peapod::node
