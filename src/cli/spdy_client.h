// SpdyClient: a blocking client connection to the peapod API upgraded to SPDY/3.1 (port-forward),
// over the same unix-socket or TCP addresses as HttpClient. The caller polls fd() and drives it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/http_client.h"
#include "sys/unique_fd.h"
#include "wire/spdy_frame.h"

namespace peapod::cli {

class SpdyClient {
 public:
  // Connects and POSTs `target` with Upgrade: SPDY/3.1 offering `protocol`. When the server answers
  // anything but 101, `refused` gets that response and the result is an Error.
  static Result<SpdyClient> connect(const Endpoint& endpoint, const std::string& target,
                                    const std::string& protocol, HttpResponse* refused);

  int fd() const { return fd_.get(); }
  // Opens a client stream (SYN_STREAM, odd ids from 1) and returns its id.
  Result<uint32_t> openStream(const wire::SpdyHeaders& headers, bool fin = false);
  // Sends one frame (blocking until written).
  Status send(const wire::SpdyFrame& frame);
  // Reads what the socket has (blocking for at least one byte); the frames now complete, possibly
  // none. Error once the server closed the connection or broke the protocol.
  Result<std::vector<wire::SpdyFrame>> readSome();

 private:
  SpdyClient() = default;
  Status drain(std::vector<wire::SpdyFrame>& frames);
  sys::UniqueFd fd_;
  std::unique_ptr<wire::SpdyFramer> framer_;  // the connection's zlib streams
  uint32_t nextId_ = 1;
};

}  // namespace peapod::cli
