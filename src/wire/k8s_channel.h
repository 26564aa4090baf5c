// The Kubernetes streaming channel protocols over WebSocket (v4.channel.k8s.io, v5.channel.k8s.io):
// each binary message is [channel byte][payload]. v5 adds channel 255 ("close"): [255, c] means
// the sender is done writing channel c (stdin EOF is [255, 0]).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peapod::wire {

inline constexpr std::string_view kChannelV4 = "v4.channel.k8s.io";
inline constexpr std::string_view kChannelV5 = "v5.channel.k8s.io";

enum K8sChannel : uint8_t {
  kChannelStdin = 0,
  kChannelStdout = 1,
  kChannelStderr = 2,
  kChannelError = 3,   // the final Status (JSON)
  kChannelResize = 4,  // {"Width":W,"Height":H}
  kChannelClose = 255, // v5 only
};

// The protocol to answer with, picked from a Sec-WebSocket-Protocol header (comma-separated
// offers): v5 over v4; nullopt when neither is offered.
std::optional<std::string> chooseChannelProtocol(std::string_view offered, bool allowV5 = true);

std::string channelMessage(uint8_t channel, std::string_view data);

struct ChannelMessage {
  uint8_t channel;
  std::string_view data;  // points into the payload it was parsed from
};
std::optional<ChannelMessage> parseChannelMessage(std::string_view payload);

struct TerminalSize {
  uint16_t width = 0, height = 0;
};
// {"Width":100,"Height":30} (kubectl's resize message); nullopt when malformed.
std::optional<TerminalSize> parseTerminalSize(std::string_view json);
std::string terminalSizeJson(TerminalSize size);

}  // namespace peapod::wire
