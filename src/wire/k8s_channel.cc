#include "wire/k8s_channel.h"

#include <nlohmann/json.hpp>

namespace peapod::wire {

std::optional<std::string> chooseChannelProtocol(std::string_view offered, bool allowV5) {
  bool v4 = false, v5 = false;
  size_t pos = 0;
  while (pos <= offered.size()) {
    size_t comma = offered.find(',', pos);
    if (comma == std::string_view::npos) comma = offered.size();
    std::string_view item = offered.substr(pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    v4 = v4 || item == kChannelV4;
    v5 = v5 || item == kChannelV5;
    pos = comma + 1;
  }
  if (v5 && allowV5) return std::string(kChannelV5);
  if (v4) return std::string(kChannelV4);
  return std::nullopt;
}

std::string channelMessage(uint8_t channel, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out.push_back(static_cast<char>(channel));
  out.append(data);
  return out;
}

std::optional<ChannelMessage> parseChannelMessage(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  return ChannelMessage{static_cast<uint8_t>(payload[0]), payload.substr(1)};
}

std::optional<TerminalSize> parseTerminalSize(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto num = [&j](const char* k) -> std::optional<uint16_t> {
    if (!j.contains(k) || !j[k].is_number_unsigned()) return std::nullopt;
    auto v = j[k].get<uint64_t>();
    return v > 0xffff ? std::nullopt : std::optional<uint16_t>(static_cast<uint16_t>(v));
  };
  auto w = num("Width"), h = num("Height");
  if (!w || !h) return std::nullopt;
  return TerminalSize{*w, *h};
}

std::string terminalSizeJson(TerminalSize size) {
  return nlohmann::json{{"Width", size.width}, {"Height", size.height}}.dump();
}

}  // namespace peapod::wire
