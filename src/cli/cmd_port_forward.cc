// `peapod port-forward POD [LOCAL:]REMOTE...`: kubectl's port-forward over SPDY/3.1
// (portforward.k8s.io). Listens on 127.0.0.1; each accepted connection becomes a stream pair
// (error + data, one requestid) on a single API connection, driven by one poll loop.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/spdy_client.h"

namespace peapod::cli {
namespace {

using wire::SpdyFrame;
using wire::SpdyFrameType;

struct Mapping {
  uint16_t local = 0, remote = 0;
  sys::UniqueFd listener;
};

struct Forward {
  sys::UniqueFd conn;
  const Mapping* mapping = nullptr;
  uint32_t errorId = 0, dataId = 0;
  bool localEof = false;
  std::string errorText;
};

Result<uint16_t> parsePort(const std::string& s, bool allowZero) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Error("invalid port \"" + s + "\"");
  }
  int v = std::stoi(s);
  if (v > 65535 || (v == 0 && !allowZero)) return Error("invalid port \"" + s + "\"");
  return static_cast<uint16_t>(v);
}

// "8080" (same port both sides), "5000:8080", ":8080" (any free local port).
Result<Mapping> parseMapping(const std::string& spec) {
  Mapping m;
  size_t colon = spec.find(':');
  std::string local = colon == std::string::npos ? spec : spec.substr(0, colon);
  std::string remote = colon == std::string::npos ? spec : spec.substr(colon + 1);
  if (local.empty()) local = "0";
  PEAPOD_ASSIGN_OR_RETURN(m.local, parsePort(local, true));
  PEAPOD_ASSIGN_OR_RETURN(m.remote, parsePort(remote, false));
  return m;
}

Status listenOn(Mapping& m) {
  sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::sys("socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(m.local);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Error::sys("bind", "127.0.0.1:" + std::to_string(m.local));
  }
  if (::listen(fd.get(), 64) != 0) return Error::sys("listen");
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  m.local = ntohs(addr.sin_port);
  m.listener = std::move(fd);
  return {};
}

bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

class PortForwarder {
 public:
  PortForwarder(SpdyClient client, std::vector<Mapping>& mappings) : client_(std::move(client)), mappings_(mappings) {}

  // Runs until the API connection ends (an error) or a fatal local failure.
  Status run() {
    while (true) {
      std::vector<pollfd> fds;
      fds.push_back({client_.fd(), POLLIN, 0});
      for (auto& m : mappings_) fds.push_back({m.listener.get(), POLLIN, 0});
      std::vector<uint32_t> order;  // data stream id of each polled local connection
      for (auto& [id, f] : forwards_) {
        if (f.localEof) continue;
        fds.push_back({f.conn.get(), POLLIN, 0});
        order.push_back(id);
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return Error::sys("poll");
      }
      if (fds[0].revents) PEAPOD_TRY(fromApi());
      for (size_t i = 0; i < mappings_.size(); ++i) {
        if (fds[1 + i].revents & POLLIN) PEAPOD_TRY(accept(mappings_[i]));
      }
      for (size_t i = 0; i < order.size(); ++i) {
        if (fds[1 + mappings_.size() + i].revents) PEAPOD_TRY(fromLocal(order[i]));
      }
    }
  }

 private:
  // 1. the error stream, half-closed at once (we never write to it); 2. the data stream.
  Status accept(const Mapping& m) {
    sys::UniqueFd conn(::accept4(m.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return {};
    std::cout << "Handling connection for " << m.local << std::endl;
    std::string rid = std::to_string(nextRequest_++);
    std::string port = std::to_string(m.remote);
    Forward f;
    f.mapping = &m;
    PEAPOD_ASSIGN_OR_RETURN(f.errorId, client_.openStream({{"streamtype", "error"}, {"port", port}, {"requestid", rid}}));
    PEAPOD_TRY(client_.send(SpdyFrame::dataFrame(f.errorId, "", true)));
    PEAPOD_ASSIGN_OR_RETURN(f.dataId, client_.openStream({{"streamtype", "data"}, {"port", port}, {"requestid", rid}}));
    f.conn = std::move(conn);
    errorIds_[f.errorId] = f.dataId;
    forwards_.emplace(f.dataId, std::move(f));
    return {};
  }

  Status fromLocal(uint32_t dataId) {
    auto& f = forwards_.at(dataId);
    char buf[32 * 1024];
    ssize_t n = ::recv(f.conn.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) return {};
    if (n > 0) return client_.send(SpdyFrame::dataFrame(dataId, std::string(buf, static_cast<size_t>(n))));
    // EOF (or a reset): tell the pod side we are done sending.
    f.localEof = true;
    ::shutdown(f.conn.get(), SHUT_RD);
    return client_.send(SpdyFrame::dataFrame(dataId, "", true));
  }

  Status fromApi() {
    PEAPOD_ASSIGN_OR_RETURN(auto frames, client_.readSome());
    for (auto& fr : frames) {
      switch (fr.type) {
        case SpdyFrameType::kData:
          onData(fr);
          break;
        case SpdyFrameType::kRstStream:
          if (auto e = errorIds_.find(fr.streamId); e != errorIds_.end()) {
            finish(e->second, false);
          } else {
            finish(fr.streamId, false);
          }
          break;
        case SpdyFrameType::kPing:
          PEAPOD_TRY(client_.send(fr));
          break;
        case SpdyFrameType::kGoAway:
          return Error("the API ended the port-forward session");
        default:
          break;  // SYN_REPLY, WINDOW_UPDATE, SETTINGS: nothing to do
      }
    }
    return {};
  }

  void onData(const SpdyFrame& fr) {
    if (auto e = errorIds_.find(fr.streamId); e != errorIds_.end()) {
      auto f = forwards_.find(e->second);
      if (f == forwards_.end()) return;
      f->second.errorText += fr.data;
      if (fr.fin() && !f->second.errorText.empty()) {
        // kubectl's wording.
        std::cerr << "error: an error occurred forwarding " << f->second.mapping->local << " -> "
                  << f->second.mapping->remote << ": " << f->second.errorText << std::endl;
        f->second.errorText.clear();
      }
      return;
    }
    auto it = forwards_.find(fr.streamId);
    if (it == forwards_.end()) return;
    if (!fr.data.empty() && !sendAll(it->second.conn.get(), fr.data)) {
      (void)client_.send(SpdyFrame::rstStream(fr.streamId, wire::kSpdyCancel));
      finish(fr.streamId, false);
      return;
    }
    // The pod closed its side: like kubectl, close the local connection and our side too.
    if (fr.fin()) finish(fr.streamId, true);
  }

  void finish(uint32_t dataId, bool sendFin) {
    auto it = forwards_.find(dataId);
    if (it == forwards_.end()) return;
    if (sendFin && !it->second.localEof) (void)client_.send(SpdyFrame::dataFrame(dataId, "", true));
    errorIds_.erase(it->second.errorId);
    forwards_.erase(it);
  }

  SpdyClient client_;
  std::vector<Mapping>& mappings_;
  std::map<uint32_t, Forward> forwards_;  // by data stream id
  std::map<uint32_t, uint32_t> errorIds_;  // error stream id -> data stream id
  uint64_t nextRequest_ = 0;
};

}  // namespace

void registerPortForward(CLI::App& app, std::shared_ptr<Context> ctx) {
  struct Options {
    std::string pod;
    std::vector<std::string> ports;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("port-forward", "Forward local ports to a pod");
  cmd->add_option("pod", o->pod, "pod name (or pod/NAME)")->required();
  cmd->add_option("ports", o->ports, "[LOCAL:]REMOTE port pairs")->required();
  cmd->callback([ctx, o] {
    std::string name = o->pod.rfind("pod/", 0) == 0 ? o->pod.substr(4)
                       : o->pod.rfind("pods/", 0) == 0 ? o->pod.substr(5)
                                                       : o->pod;
    std::vector<Mapping> mappings;
    for (const auto& spec : o->ports) {
      auto m = parseMapping(spec);
      if (!m.ok()) {
        std::cerr << "error: " << m.error().message() << "\n";
        exitWith(1);
      }
      mappings.push_back(std::move(*m));
    }
    auto got = ctx->client().request("GET", podsPath(ctx->ns, name));
    if (!got.ok()) {
      std::cerr << "error: " << got.error().message() << "\n";
      exitWith(1);
    }
    if (got->status != 200) exitWith(printApiError(*got));
    auto pod = nlohmann::json::parse(got->body, nullptr, false);
    std::string phase = pod.is_object() ? pod["status"].value("phase", "") : "";
    if (phase != "Running") {
      std::cerr << "error: unable to forward port because pod is not running. Current status=" << phase << "\n";
      exitWith(1);
    }
    HttpResponse refused;
    auto client = SpdyClient::connect(ctx->endpoint, podsPath(ctx->ns, name) + "/portforward", "portforward.k8s.io",
                                      &refused);
    if (!client.ok()) {
      if (refused.status != 0) exitWith(printApiError(refused));
      std::cerr << "error: " << client.error().message() << "\n";
      exitWith(1);
    }
    for (auto& m : mappings) {
      if (auto s = listenOn(m); !s.ok()) {
        std::cerr << "error: unable to listen on any of the requested ports: " << s.error().message() << "\n";
        exitWith(1);
      }
      std::cout << "Forwarding from 127.0.0.1:" << m.local << " -> " << m.remote << std::endl;
    }
    PortForwarder forwarder(std::move(*client), mappings);
    auto s = forwarder.run();
    std::cerr << "error: lost connection to pod: " << s.error().message() << "\n";
    exitWith(1);
  });
}

}  // namespace peapod::cli
