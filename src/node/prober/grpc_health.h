// The bytes of a grpc.health.v1.Health/Check call over cleartext HTTP/2 (h2c with prior
// knowledge), and the frames of the answer: just enough HTTP/2 for the kubelet's gRPC probe.
// No I/O, no HPACK decoding (the verdict is in the response message, not the headers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peapod::node {

// Client preface, SETTINGS, HEADERS (POST /grpc.health.v1.Health/Check) and the DATA frame
// carrying HealthCheckRequest{service}, on stream 1.
std::string grpcHealthRequest(const std::string& authority, const std::string& service);

struct Http2Frame {
  uint8_t type = 0, flags = 0;
  uint32_t stream = 0;
  std::string payload;
};
inline constexpr uint8_t kH2Data = 0, kH2Headers = 1, kH2RstStream = 3, kH2Settings = 4, kH2Ping = 6,
                         kH2Goaway = 7;
inline constexpr uint8_t kH2FlagAck = 0x1, kH2FlagEndStream = 0x1;

// Splits a byte stream into frames as they complete; false once a frame is larger than `limit`.
class Http2FrameReader {
 public:
  bool feed(std::string_view bytes, std::vector<Http2Frame>& out, size_t limit = 1 << 16);

 private:
  std::string buffered_;
};

// The frame that acknowledges a peer's SETTINGS, or answers its PING.
std::string http2SettingsAck();
std::string http2PingAck(const std::string& opaque);

// The ServingStatus in a DATA payload (a gRPC length-prefixed HealthCheckResponse), or nullopt
// when it is not one. 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN.
std::optional<int> healthStatusFromData(std::string_view payload);
const char* servingStatusName(int status);

}  // namespace peapod::node
