// SpdyClient: the HTTP upgrade to SPDY/3.1 and blocking frame I/O for the CLI.
#include "cli/spdy_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace peapod::cli {
namespace {

Result<sys::UniqueFd> dial(const std::string& server) {
  if (server.rfind("unix://", 0) == 0) {
    std::string path = server.substr(7);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return Error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    sys::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return Error::sys("socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Error::sys("connect", path);
    return fd;
  }
  std::string hostport = server;
  for (const char* scheme : {"tcp://", "http://"}) {
    if (hostport.rfind(scheme, 0) == 0) hostport = hostport.substr(std::strlen(scheme));
  }
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return Error("server address \"" + server + "\" has no port");
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Error("resolve " + host + ": " + ::gai_strerror(rc));
  }
  Error last("connect " + hostport + ": no address");
  for (addrinfo* a = res; a; a = a->ai_next) {
    sys::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (fd && ::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last = Error::sys("connect", hostport);
  }
  ::freeaddrinfo(res);
  return last;
}

Status writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("send");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string headerValue(const std::string& head, const std::string& lowerName) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    size_t end = head.find("\r\n", pos);
    std::string line = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != lowerName) continue;
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(' '));
    return v;
  }
  return "";
}

}  // namespace

Result<SpdyClient> SpdyClient::connect(const std::string& server, const std::string& target,
                                       const std::string& protocol, HttpResponse* refused) {
  auto fd = dial(server);
  if (!fd.ok()) {
    return Error("cannot reach the peapod API at " + server + ": " + fd.error().message() +
                 " (is `peapod daemon` running? set --server or PEAPOD_SERVER)");
  }
  std::string req = "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: peapod\r\nContent-Length: 0\r\n"
                    "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: " + protocol + "\r\n\r\n";
  PEAPOD_TRY(writeAll(fd->get(), req));
  std::string head;
  char buf[4096];
  size_t end;
  while ((end = head.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error("the API closed the connection during the upgrade");
    head.append(buf, static_cast<size_t>(n));
    if (head.size() > (1 << 20)) return Error("upgrade response too large");
  }
  std::string rest = head.substr(end + 4);  // already SPDY frames
  head.resize(end + 2);
  int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  if (status != 101) {
    std::string len = headerValue(head, "content-length");
    size_t want = len.empty() ? 0 : std::strtoul(len.c_str(), nullptr, 10);
    while (rest.size() < want) {
      ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      rest.append(buf, static_cast<size_t>(n));
    }
    if (refused) *refused = HttpResponse{status, headerValue(head, "content-type"), rest};
    return Error("the API refused the upgrade with status " + std::to_string(status));
  }
  if (headerValue(head, "x-stream-protocol-version") != protocol) {
    return Error("unable to negotiate protocol " + protocol + " with the API");
  }
  SpdyClient c;
  c.fd_ = std::move(*fd);
  c.framer_ = std::make_unique<wire::SpdyFramer>();
  c.framer_->feed(rest);
  return c;
}

Result<uint32_t> SpdyClient::openStream(const wire::SpdyHeaders& headers, bool fin) {
  uint32_t id = nextId_;
  nextId_ += 2;
  PEAPOD_TRY(send(wire::SpdyFrame::synStream(id, headers, fin)));
  return id;
}

Status SpdyClient::send(const wire::SpdyFrame& frame) {
  PEAPOD_ASSIGN_OR_RETURN(std::string bytes, framer_->encode(frame));
  return writeAll(fd_.get(), bytes);
}

Status SpdyClient::drain(std::vector<wire::SpdyFrame>& frames) {
  while (true) {
    auto f = framer_->next();
    if (!f.ok()) return std::move(f).error();
    if (!f->has_value()) return {};
    frames.push_back(std::move(**f));
  }
}

Result<std::vector<wire::SpdyFrame>> SpdyClient::readSome() {
  std::vector<wire::SpdyFrame> frames;
  PEAPOD_TRY(drain(frames));  // complete frames already buffered come out without a read
  if (!frames.empty()) return frames;
  char buf[32 * 1024];
  ssize_t n;
  do {
    n = ::recv(fd_.get(), buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("recv", "peapod API");
  if (n == 0) return Error("the API closed the connection");
  framer_->feed(std::string_view(buf, static_cast<size_t>(n)));
  PEAPOD_TRY(drain(frames));
  return frames;
}

}  // namespace peapod::cli
