// SpdyClient: the HTTP upgrade to SPDY/3.1 and blocking frame I/O for the CLI.
#include "cli/spdy_client.h"

#include <sys/socket.h>

#include <cstring>

#include "cli/upgrade.h"

namespace peapod::cli {

Result<SpdyClient> SpdyClient::connect(const Endpoint& endpoint, const std::string& target,
                                       const std::string& protocol, HttpResponse* refused) {
  std::string req = "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: peapod\r\nContent-Length: 0\r\n"
                    "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: " + protocol + "\r\n\r\n";
  PEAPOD_ASSIGN_OR_RETURN(UpgradedConnection conn, upgradeConnection(endpoint, req, refused));
  if (headerValue(conn.head, "x-stream-protocol-version") != protocol) {
    return Error("unable to negotiate protocol " + protocol + " with the API");
  }
  SpdyClient c;
  c.fd_ = std::move(conn.fd);
  c.framer_ = std::make_unique<wire::SpdyFramer>();
  c.framer_->feed(conn.rest);  // already SPDY frames
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
