#include "cli/websocket_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "cli/upgrade.h"
#include "wire/websocket.h"

namespace peapod::cli {

Result<WebSocketClient> WebSocketClient::connect(const Endpoint& endpoint, const std::string& target,
                                                 const std::string& protocol, HttpResponse* refused) {
  std::string key = wire::websocketKey();
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: peapod\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n";
  PEAPOD_ASSIGN_OR_RETURN(UpgradedConnection conn, upgradeConnection(endpoint, req, refused));
  if (headerValue(conn.head, "sec-websocket-accept") != wire::websocketAccept(key)) {
    return Error("unable to upgrade connection: bad Sec-WebSocket-Accept");
  }
  WebSocketClient c;
  c.fd_ = std::move(conn.fd);
  c.decoder_.feed(conn.rest);
  return c;
}

Status WebSocketClient::send(wire::WsOpcode op, std::string_view payload) {
  return writeAll(fd_.get(), wire::encodeWsFrame(op, payload, /*mask=*/true));
}

Result<std::optional<wire::WsMessage>> WebSocketClient::readSome() {
  auto ready = decoder_.next();
  if (!ready.ok() || ready->has_value()) return ready;
  char buf[16384];
  ssize_t n;
  do {
    n = ::recv(fd_.get(), buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("recv", "API connection");
  if (n == 0) return Error("the API closed the connection", 0);
  decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
  return decoder_.next();
}

}  // namespace peapod::cli
