// HostPorts: the claim table and the TCP/UDP proxies (see host_ports.h).
#include "network/host_ports.h"

#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <array>
#include <cerrno>
#include <chrono>
#include <list>

#include <boost/asio.hpp>

#include "base/log.h"

namespace peapod::network {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

constexpr size_t kBufferSize = 64 * 1024;
// A UDP "connection" (one client address) is forgotten after this much silence, as docker-proxy does.
constexpr std::chrono::seconds kUdpIdle{90};

bool wildcard(const std::string& ip) { return ip.empty() || ip == "0.0.0.0"; }

// One direction of a proxied TCP connection: read from `from`, write all of it to `to`, repeat;
// at EOF half-close `to` so the peer sees the end too.
struct TcpSession : std::enable_shared_from_this<TcpSession> {
  tcp::socket client, upstream;
  std::array<char, kBufferSize> up{}, down{};
  int open = 2;  // directions still flowing

  explicit TcpSession(asio::io_context& io) : client(io), upstream(io) {}

  void pump(tcp::socket& from, tcp::socket& to, std::array<char, kBufferSize>& buf) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf](boost::system::error_code ec,
                                                                                          size_t n) {
      if (ec) {
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        if (--self->open == 0 || ec != asio::error::eof) self->close();
        return;
      }
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](boost::system::error_code ec, size_t) {
        if (ec) return self->close();
        self->pump(from, to, buf);
      });
    });
  }
  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
};

}  // namespace

std::string PortMapping::str() const {
  return protocol + " " + (wildcard(hostIP) ? std::string("0.0.0.0") : hostIP) + ":" + std::to_string(hostPort);
}

bool conflicts(const PortMapping& a, const PortMapping& b) {
  return a.protocol == b.protocol && a.hostPort == b.hostPort &&
         (wildcard(a.hostIP) || wildcard(b.hostIP) || a.hostIP == b.hostIP);
}

// The listening side of one mapping. Sessions are tracked weakly so closing the proxy ends them.
struct HostPortLease::Proxy : std::enable_shared_from_this<Proxy> {
  asio::io_context& io;
  PortMapping port;
  tcp::endpoint tcpTarget;
  udp::endpoint udpTarget;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::list<std::weak_ptr<TcpSession>> sessions;
  // UDP: the host socket, and one upstream socket per client address.
  std::unique_ptr<udp::socket> udpSocket;
  struct UdpFlow {
    std::unique_ptr<udp::socket> upstream;
    std::unique_ptr<asio::steady_timer> idle;
    std::array<char, kBufferSize> buf{};
  };
  std::map<udp::endpoint, std::shared_ptr<UdpFlow>> flows;
  std::array<char, kBufferSize> udpBuf{};
  udp::endpoint udpFrom;
  bool closed = false;

  Proxy(asio::io_context& io, PortMapping p) : io(io), port(std::move(p)) {}

  Status open(const std::string& podIP) {
    boost::system::error_code ec;
    auto hostAddr = asio::ip::make_address_v4(wildcard(port.hostIP) ? "0.0.0.0" : port.hostIP, ec);
    if (ec) return Error("hostIP \"" + port.hostIP + "\": not an IPv4 address", EINVAL);
    auto podAddr = asio::ip::make_address_v4(podIP, ec);
    if (ec) return Error("pod IP \"" + podIP + "\": not an IPv4 address", EINVAL);
    auto hostPort = static_cast<uint16_t>(port.hostPort);
    auto podPort = static_cast<uint16_t>(port.containerPort);
    auto fail = [&](const char* call) {
      return Error::sys(call, port.str(), ec.value()).wrap("hostPort proxy");
    };
    if (port.protocol == "TCP") {
      tcpTarget = tcp::endpoint(podAddr, podPort);
      acceptor = std::make_unique<tcp::acceptor>(io);
      tcp::endpoint at(hostAddr, hostPort);
      acceptor->open(at.protocol(), ec);
      if (ec) return fail("socket");
      acceptor->set_option(tcp::acceptor::reuse_address(true), ec);  // no TIME_WAIT lockout on restart
      acceptor->bind(at, ec);
      if (ec) return fail("bind");
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return fail("listen");
      accept();
    } else if (port.protocol == "UDP") {
      udpTarget = udp::endpoint(podAddr, podPort);
      udpSocket = std::make_unique<udp::socket>(io);
      udp::endpoint at(hostAddr, hostPort);
      udpSocket->open(at.protocol(), ec);
      if (ec) return fail("socket");
      udpSocket->bind(at, ec);
      if (ec) return fail("bind");
      receive();
    }
    // SCTP: claimed (conflicts are still refused) but not proxied.
    return {};
  }

  void accept() {
    auto session = std::make_shared<TcpSession>(io);
    acceptor->async_accept(session->client, [self = shared_from_this(), session](boost::system::error_code ec) {
      if (self->closed) return;
      if (!ec) self->connect(session);
      if (ec != asio::error::operation_aborted) self->accept();
    });
  }

  void connect(const std::shared_ptr<TcpSession>& session) {
    sessions.remove_if([](const auto& w) { return w.expired(); });
    sessions.push_back(session);
    session->upstream.async_connect(tcpTarget, [session](boost::system::error_code ec) {
      if (ec) return session->close();  // the client sees a reset, as with a closed port
      session->pump(session->client, session->upstream, session->up);
      session->pump(session->upstream, session->client, session->down);
    });
  }

  void receive() {
    udpSocket->async_receive_from(asio::buffer(udpBuf), udpFrom, [self = shared_from_this()](
                                                                     boost::system::error_code ec, size_t n) {
      if (self->closed || ec == asio::error::operation_aborted) return;
      if (!ec) self->forward(n);
      self->receive();
    });
  }

  // A datagram from a client: out through that client's upstream socket, so replies map back.
  void forward(size_t n) {
    auto& flow = flows[udpFrom];
    if (!flow) {
      flow = std::make_shared<UdpFlow>();
      flow->upstream = std::make_unique<udp::socket>(io);
      flow->idle = std::make_unique<asio::steady_timer>(io);
      boost::system::error_code ec;
      flow->upstream->open(udp::v4(), ec);
      if (!ec) flow->upstream->connect(udpTarget, ec);
      if (ec) {
        flows.erase(udpFrom);
        return;
      }
      replies(udpFrom, flow);
    }
    touch(udpFrom, flow);
    boost::system::error_code ec;
    flow->upstream->send(asio::buffer(udpBuf.data(), n), 0, ec);
  }

  void replies(udp::endpoint client, std::shared_ptr<UdpFlow> flow) {
    flow->upstream->async_receive(asio::buffer(flow->buf), [self = shared_from_this(), client, flow](
                                                               boost::system::error_code ec, size_t n) {
      if (self->closed || ec == asio::error::operation_aborted) return;
      if (!ec) {
        boost::system::error_code ignored;
        self->udpSocket->send_to(asio::buffer(flow->buf.data(), n), client, 0, ignored);
        self->touch(client, flow);
      }
      // ECONNREFUSED (nothing listening in the pod yet) is transient: keep the flow.
      self->replies(client, flow);
    });
  }

  void touch(const udp::endpoint& client, const std::shared_ptr<UdpFlow>& flow) {
    flow->idle->expires_after(kUdpIdle);
    flow->idle->async_wait([self = shared_from_this(), client, weak = std::weak_ptr<UdpFlow>(flow)](
                               boost::system::error_code ec) {
      if (ec || self->closed) return;  // re-armed or closed
      auto it = self->flows.find(client);
      if (it != self->flows.end() && it->second == weak.lock()) {
        boost::system::error_code ignored;
        it->second->upstream->close(ignored);
        self->flows.erase(it);
      }
    });
  }

  void close() {
    closed = true;
    boost::system::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    for (auto& w : sessions) {
      if (auto s = w.lock()) s->close();
    }
    sessions.clear();
    if (udpSocket) udpSocket->close(ignored);
    for (auto& [client, flow] : flows) {
      flow->upstream->close(ignored);
      flow->idle->cancel();
    }
    flows.clear();
  }
};

HostPortLease::HostPortLease(HostPorts& owner, uint64_t id, std::vector<PortMapping> ports)
    : owner_(owner), id_(id), ports_(std::move(ports)) {}

HostPortLease::~HostPortLease() {
  for (auto& p : proxies_) p->close();
  owner_.release(id_);
}

std::string HostPorts::conflictWith(const std::vector<PortMapping>& ports) const {
  for (const auto& want : ports) {
    for (const auto& [id, claim] : claims_) {
      for (const auto& held : claim.ports) {
        if (conflicts(want, held)) return want.str() + " is taken by pod " + claim.holder + " (" + held.str() + ")";
      }
    }
  }
  return "";
}

Result<std::unique_ptr<HostPortLease>> HostPorts::claim(const std::string& holder,
                                                        const std::vector<PortMapping>& ports,
                                                        const std::string& podIP) {
  if (std::string why = conflictWith(ports); !why.empty()) return Error(why, EADDRINUSE);
  uint64_t id = nextId_++;
  claims_[id] = Claim{holder, ports};
  std::unique_ptr<HostPortLease> lease(new HostPortLease(*this, id, ports));  // releases on error
  if (podIP.empty()) return lease;
  for (const auto& p : ports) {
    auto proxy = std::make_shared<HostPortLease::Proxy>(io_, p);
    lease->proxies_.push_back(proxy);
    PEAPOD_TRY(proxy->open(podIP));
  }
  return lease;
}

size_t HostPorts::claimedCount() const {
  size_t n = 0;
  for (const auto& [id, c] : claims_) n += c.ports.size();
  return n;
}

}  // namespace peapod::network
