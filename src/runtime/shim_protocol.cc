#include "runtime/shim_protocol.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace peapod::runtime {

Status sendMessage(int fd, const nlohmann::json& message) { return sendMessage(fd, message, {}); }

Status sendMessage(int fd, const nlohmann::json& message, const std::vector<int>& fds) {
  // Exec output may hold any bytes: invalid UTF-8 is replaced rather than thrown on.
  std::string data = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (data.size() > kMaxMessageBytes) return Error("shim message too large");
  if (fds.size() > kMaxMessageFds) return Error("shim message carries too many fds");
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)];
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("send", "shim message");
  return {};
}

Result<nlohmann::json> recvMessage(int fd, std::vector<sys::UniqueFd>* fds) {
  // Peek the datagram size first so small messages need no big buffer.
  ssize_t size;
  do {
    size = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) return Error::sys("recv", "shim message");
  std::string buf(static_cast<size_t>(size), '\0');
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("recv", "shim message");
  std::vector<sys::UniqueFd> received;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int one;
      std::memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof one);
      received.emplace_back(one);
    }
  }
  if (fds) *fds = std::move(received);
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
