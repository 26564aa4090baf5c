#include "cli/upgrade.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "cli/tls_client.h"

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

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

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
    if (colon != std::string::npos && lower(line.substr(0, colon)) == lowerName) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    }
  }
  return "";
}


Result<UpgradedConnection> upgradeConnection(const Endpoint& endpoint, std::string request, HttpResponse* refused) {
  const std::string& server = endpoint.server;
  if (!endpoint.token.empty() && request.size() >= 4 && request.ends_with("\r\n\r\n")) {
    request.insert(request.size() - 2, "Authorization: Bearer " + endpoint.token + "\r\n");
  }
  Result<sys::UniqueFd> fd = Error("unreachable");
  if (endpoint.tls()) {
    auto conn = dialTls(endpoint);
    if (!conn.ok()) return conn.error();
    fd = relayTls(std::move(*conn));
  } else {
    fd = dial(server);
  }
  if (!fd.ok()) {
    return Error("cannot reach the peapod API at " + server + ": " + fd.error().message() +
                 " (is `peapod daemon` running? set --server or PEAPOD_SERVER)");
  }
  PEAPOD_TRY(writeAll(fd->get(), request));
  // The head, byte-exact: what follows it already belongs to the new protocol.
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
  std::string rest = head.substr(end + 4);
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
    return Error("unable to upgrade connection: status " + std::to_string(status));
  }
  return UpgradedConnection{std::move(*fd), std::move(head), std::move(rest)};
}

}  // namespace peapod::cli
