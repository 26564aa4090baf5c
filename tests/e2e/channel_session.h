// For e2e tests: one exec or attach over WebSocket with a raw channel client, and what the server
// sent on each channel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/websocket_client.h"
#include "wire/k8s_channel.h"

namespace peapod::testing {

struct ChannelTranscript {
  std::string out, err;
  nlohmann::json status;  // the error channel's Status; {"refused": code, "body": ...} on a refusal
};

// Upgrades `path` on `server`, sends `frames` (channel messages), then reads until the server
// closes, or until `enough` holds for what arrived so far (then the client hangs up).
inline ChannelTranscript runChannels(const std::string& server, const std::string& path,
                                     const std::vector<std::string>& frames,
                                     const std::string& protocol = std::string(wire::kChannelV5),
                                     const std::function<bool(const ChannelTranscript&)>& enough = {}) {
  ChannelTranscript t;
  cli::HttpResponse refused;
  auto ws = cli::WebSocketClient::connect(server, path, protocol, &refused);
  if (!ws.ok()) {
    t.status = nlohmann::json{{"refused", refused.status}, {"body", refused.body}};
    return t;
  }
  for (const auto& f : frames) {
    if (!ws->send(wire::WsOpcode::kBinary, f).ok()) return t;
  }
  while (!(enough && enough(t))) {
    auto m = ws->readSome();
    if (!m.ok()) break;
    if (!m->has_value()) continue;
    if ((*m)->opcode == wire::WsOpcode::kClose) break;
    auto cm = wire::parseChannelMessage((*m)->payload);
    if (!cm) continue;
    if (cm->channel == 1) t.out += cm->data;
    if (cm->channel == 2) t.err += cm->data;
    if (cm->channel == 3) t.status = nlohmann::json::parse(cm->data, nullptr, false);
  }
  return t;
}

}  // namespace peapod::testing
