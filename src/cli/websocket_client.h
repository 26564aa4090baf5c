// WebSocketClient: a blocking client connection to the peapod API upgraded to WebSocket (exec,
// attach), over the same unix-socket or TCP addresses as HttpClient.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cli/http_client.h"
#include "sys/unique_fd.h"
#include "wire/websocket.h"

namespace peapod::cli {

class WebSocketClient {
 public:
  // Connects and sends the upgrade for `target` offering `protocol`. When the server answers
  // anything but 101, `refused` gets that response (status and body) and the result is an Error.
  static Result<WebSocketClient> connect(const Endpoint& endpoint, const std::string& target,
                                         const std::string& protocol, HttpResponse* refused);

  int fd() const { return fd_.get(); }
  // Sends one masked frame (blocking).
  Status send(wire::WsOpcode op, std::string_view payload);
  // Reads what the socket has (blocking for at least one byte) and returns a whole message when
  // one is complete; nullopt when more bytes are needed. Error on EOF or a protocol error.
  Result<std::optional<wire::WsMessage>> readSome();
  // A message already complete in the buffer, without reading.
  Result<std::optional<wire::WsMessage>> buffered() { return decoder_.next(); }

 private:
  WebSocketClient() = default;
  sys::UniqueFd fd_;
  wire::WsDecoder decoder_{/*expectMasked=*/false};
};

}  // namespace peapod::cli
