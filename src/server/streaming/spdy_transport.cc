// SPDY/3.1 transport entry points: protocol negotiation (the kubelet's httpstream.Handshake) and
// the 101 response that hands the connection to the binding.
#include "server/streaming/spdy_transport.h"

#include <algorithm>
#include <vector>

#include "server/api_status.h"
#include "server/streaming/spdy_transport_internal.h"

namespace peapod::server::streaming {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "a, b,c" -> {"a","b","c"}
std::vector<std::string> splitList(const std::string& v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = v.find(',', pos);
    if (comma == std::string::npos) comma = v.size();
    std::string item = v.substr(pos, comma - pos);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

struct Negotiated {
  bool ok = false;
  std::string protocol;  // "" when the client offered none (legacy: no header in the reply)
};

// The first protocol of the client's list that we serve, as the kubelet picks it.
Negotiated negotiate(const Request& req, const std::vector<std::string>& supported) {
  auto offered = splitList(req.header("x-stream-protocol-version"));
  if (offered.empty()) return {true, ""};
  for (const auto& p : offered) {
    if (std::find(supported.begin(), supported.end(), p) != supported.end()) return {true, p};
  }
  return {};
}

Response notNegotiated(const Request& req, const std::vector<std::string>& supported) {
  std::string server;
  for (const auto& p : supported) server += (server.empty() ? "" : " ") + p;
  std::string client;
  for (const auto& p : splitList(req.header("x-stream-protocol-version"))) client += (client.empty() ? "" : " ") + p;
  Response r = statusError(403, "Forbidden",
                           "unable to upgrade: unable to negotiate protocol: client supports [" + client +
                               "], server supports [" + server + "]");
  for (const auto& p : supported) {
    auto& h = r.headers["X-Accepted-Stream-Protocol-Versions"];
    h += (h.empty() ? "" : ", ") + p;
  }
  return r;
}

Response switching(const std::string& protocol, UpgradeBody body) {
  Response r;
  r.status = 101;
  r.contentType.clear();
  r.headers["Connection"] = "Upgrade";
  r.headers["Upgrade"] = "SPDY/3.1";
  if (!protocol.empty()) r.headers["X-Stream-Protocol-Version"] = protocol;
  r.upgrade = std::move(body);
  return r;
}

}  // namespace

bool wantsSpdy(const Request& req) {
  for (const auto& p : splitList(req.header("upgrade"))) {
    if (lower(p) == "spdy/3.1") return true;
  }
  return false;
}

bool wantsTunnelledSpdy(const Request& req) {
  for (const auto& p : splitList(req.header("sec-websocket-protocol"))) {
    if (p == "SPDY/3.1+portforward.k8s.io") return true;
  }
  return false;
}

Response spdyRemoteCommand(const Request& req, PodStreams& pods, RemoteCommandOptions options) {
  // v5 (what 1.35 offers first) is WebSocket-only in practice; over SPDY kubectl accepts v4.
  static const std::vector<std::string> kSupported = {"v4.channel.k8s.io", "v3.channel.k8s.io",
                                                      "v2.channel.k8s.io", "channel.k8s.io"};
  auto n = negotiate(req, kSupported);
  if (!n.ok) return notNegotiated(req, kSupported);
  int version = n.protocol == "v4.channel.k8s.io"   ? 4
                : n.protocol == "v3.channel.k8s.io" ? 3
                : n.protocol == "v2.channel.k8s.io" ? 2
                                                    : 1;
  return switching(n.protocol, spdyRemoteCommandBody(pods, std::move(options), version));
}

Response spdyPortForward(const Request& req, PodStreams& pods, const std::string& ns, const std::string& pod) {
  static const std::vector<std::string> kSupported = {"portforward.k8s.io"};
  auto n = negotiate(req, kSupported);
  if (!n.ok) return notNegotiated(req, kSupported);
  return switching(n.protocol, spdyPortForwardBody(pods, ns, pod));
}

}  // namespace peapod::server::streaming
