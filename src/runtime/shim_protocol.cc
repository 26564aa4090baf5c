#include "runtime/shim_protocol.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace peapod::runtime {

Status sendMessage(int fd, const nlohmann::json& message) {
  // Exec output may hold any bytes: invalid UTF-8 is replaced rather than thrown on.
  std::string data = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (data.size() > kMaxMessageBytes) return Error("shim message too large");
  ssize_t n;
  do {
    n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("send", "shim message");
  return {};
}

Result<nlohmann::json> recvMessage(int fd) {
  // Peek the datagram size first so small messages need no big buffer.
  ssize_t size;
  do {
    size = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) return Error::sys("recv", "shim message");
  std::string buf(static_cast<size_t>(size), '\0');
  ssize_t n;
  do {
    n = ::recv(fd, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("recv", "shim message");
  if (n == 0 && size == 0) return Error("closed", 0);
  buf.resize(static_cast<size_t>(n));
  auto j = nlohmann::json::parse(buf, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error("malformed shim message");
  return j;
}

Result<sys::UniqueFd> connectShim(const std::string& socketPath) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socketPath.size() >= sizeof addr.sun_path) return Error("socket path too long: " + socketPath);
  std::memcpy(addr.sun_path, socketPath.c_str(), socketPath.size() + 1);
  sys::UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return Error::sys("socket", "AF_UNIX");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Error::sys("connect", socketPath);
  }
  return fd;
}

Result<nlohmann::json> callShim(int fd, nlohmann::json request) {
  PEAPOD_TRY(sendMessage(fd, request));
  const auto& id = request["id"];
  while (true) {
    PEAPOD_ASSIGN_OR_RETURN(nlohmann::json reply, recvMessage(fd));
    if (reply.contains("event") || reply["id"] != id) continue;
    if (!reply.value("ok", false)) return Error(reply.value("error", std::string("shim request failed")));
    return reply;
  }
}

}  // namespace peapod::runtime
