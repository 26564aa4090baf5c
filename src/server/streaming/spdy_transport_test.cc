// The SPDY transport against a scripted client over an in-memory connection: negotiation, the
// exec flow kubectl 1.20 drives (streams one by one, stdin with FIN, output, Status, FINs,
// GOAWAY), PING, flow control, and port-forward error reporting.
#include "server/streaming/spdy_transport.h"

#include <gtest/gtest.h>

#include "server/streaming/spdy_session.h"
#include "wire/spdy_frame.h"

namespace peapod::server::streaming {
namespace {

using wire::SpdyFrame;
using wire::SpdyFrameType;

// Both ends of an in-memory connection: the server's ByteStream and the test's client side.
class Pipe : public ByteStream {
 public:
  asio::awaitable<size_t> read(asio::mutable_buffer into) override {
    while (toServer_.empty() && !clientClosed_ && !closed_) co_await changed_.wait();
    if (closed_ || toServer_.empty()) co_return 0;
    size_t n = std::min(into.size(), toServer_.size());
    std::memcpy(into.data(), toServer_.data(), n);
    toServer_.erase(0, n);
    co_return n;
  }
  asio::awaitable<bool> write(asio::const_buffer data) override {
    if (closed_) co_return false;
    toClient_.append(static_cast<const char*>(data.data()), data.size());
    changed_.notifyAll();
    co_return true;
  }
  void close() override {
    closed_ = true;
    changed_.notifyAll();
  }

  // Client side.
  void send(const std::string& bytes) {
    toServer_ += bytes;
    changed_.notifyAll();
  }
  void clientClose() {
    clientClosed_ = true;
    changed_.notifyAll();
  }
  // The next frame the server sent; nullopt once the server closed and nothing is left.
  asio::awaitable<std::optional<SpdyFrame>> frame() {
    while (true) {
      framer.feed(toClient_);
      toClient_.clear();
      auto f = framer.next();
      EXPECT_TRUE(f.ok()) << f.error().message();
      if (!f.ok()) co_return std::nullopt;
      if (f->has_value()) co_return std::move(**f);
      if (closed_) co_return std::nullopt;
      co_await changed_.wait();
    }
  }
  // Skips WINDOW_UPDATEs (the server returns window as it consumes).
  asio::awaitable<std::optional<SpdyFrame>> nextNonWindow() {
    while (true) {
      auto f = co_await frame();
      if (!f || f->type != SpdyFrameType::kWindowUpdate) co_return f;
    }
  }
  bool closed() const { return closed_; }

  wire::SpdyFramer framer;  // the client's own zlib streams

 private:
  std::string toServer_, toClient_;
  bool clientClosed_ = false, closed_ = false;
  SpdySignal changed_;
};

class FakeCommand : public RemoteCommandSession {
 public:
  asio::awaitable<bool> writeStdin(std::string_view data) override {
    stdin_ += data;
    co_return true;
  }
  void closeStdin() override {
    stdinClosed_ = true;
    changed_.notifyAll();
  }
  void resize(uint16_t w, uint16_t h) override { sizes.emplace_back(w, h); }
  asio::awaitable<nlohmann::json> run(RemoteCommandOutput& out) override {
    while (!stdinClosed_ && !cancelled) co_await changed_.wait();
    co_await out.write(1, "got:" + stdin_);
    co_await out.write(2, std::string(100 * 1024, 'e'));  // more than one initial window
    co_return exitCode == 0 ? successStatus() : exitCodeStatus(exitCode);
  }
  void cancel() override {
    cancelled = true;
    changed_.notifyAll();
  }

  int exitCode = 3;
  bool cancelled = false;
  std::vector<std::pair<int, int>> sizes;

 private:
  std::string stdin_;
  bool stdinClosed_ = false;
  SpdySignal changed_;
};

class FakePods : public PodStreams {
 public:
  std::optional<Response> check(RemoteCommandOptions&) override { return std::nullopt; }
  asio::awaitable<std::unique_ptr<RemoteCommandSession>> open(const RemoteCommandOptions& o) override {
    opened = o;
    auto c = std::make_unique<FakeCommand>();
    last = c.get();
    co_return c;
  }
  asio::awaitable<Result<asio::ip::tcp::socket>> dial(const std::string&, const std::string&, uint16_t port) override {
    co_return Error("connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
  RemoteCommandOptions opened;
  FakeCommand* last = nullptr;
};

Request spdyRequest(std::string protocols) {
  Request r;
  r.method = "POST";
  r.headers["upgrade"] = "SPDY/3.1";
  r.headers["connection"] = "Upgrade";
  r.headers["x-stream-protocol-version"] = std::move(protocols);
  return r;
}

// Runs the server body and the client script on one io_context until both finish.
void runBoth(const UpgradeBody& body, Pipe& pipe, std::function<asio::awaitable<void>()> client) {
  asio::io_context io;
  bool serverDone = false, clientDone = false;
  asio::co_spawn(io, body(pipe), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    serverDone = true;
  });
  asio::co_spawn(io, client(), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    clientDone = true;
  });
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(serverDone);
  EXPECT_TRUE(clientDone);
}

TEST(SpdyTransport, NegotiatesTheClientsFirstSupportedProtocol) {
  FakePods pods;
  EXPECT_TRUE(wantsSpdy(spdyRequest("")));
  auto r = spdyRemoteCommand(spdyRequest("v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io"),
                             pods, {});
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(r.headers["Upgrade"], "SPDY/3.1");
  EXPECT_EQ(r.headers["X-Stream-Protocol-Version"], "v4.channel.k8s.io");
  // kubectl 1.35's fallback offers v5 first; v4 is what SPDY serves.
  r = spdyRemoteCommand(spdyRequest("v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io"), pods, {});
  EXPECT_EQ(r.headers["X-Stream-Protocol-Version"], "v4.channel.k8s.io");
  r = spdyRemoteCommand(spdyRequest("v9.channel.k8s.io"), pods, {});
  EXPECT_EQ(r.status, 403);
  EXPECT_FALSE(r.upgrade);
  r = spdyPortForward(spdyRequest("portforward.k8s.io"), pods, "default", "p");
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(r.headers["X-Stream-Protocol-Version"], "portforward.k8s.io");
  Request plain;
  EXPECT_FALSE(wantsSpdy(plain));
}

TEST(SpdyTransport, ExecLikeKubectl120) {
  FakePods pods;
  RemoteCommandOptions o;
  o.ns = "default";
  o.pod = "p";
  o.command = {"cat"};
  o.stdin = o.stdout = o.stderr = true;
  auto resp = spdyRemoteCommand(spdyRequest("v4.channel.k8s.io, channel.k8s.io"), pods, o);
  ASSERT_EQ(resp.status, 101);
  Pipe pipe;
  std::string out, err, status;
  bool outFin = false, errFin = false, statusFin = false, goAway = false, pong = false;
  runBoth(resp.upgrade, pipe, [&]() -> asio::awaitable<void> {
    // kubectl opens each stream after the reply to the previous one.
    uint32_t id = 1;
    for (const char* type : {"error", "stdin", "stdout", "stderr"}) {
      pipe.send(*pipe.framer.encode(SpdyFrame::synStream(id, {{"streamtype", type}})));
      auto reply = co_await pipe.nextNonWindow();
      EXPECT_TRUE(reply && reply->type == SpdyFrameType::kSynReply && reply->streamId == id);
      id += 2;
    }
    pipe.send(*pipe.framer.encode(SpdyFrame::ping(1)));
    pipe.send(*pipe.framer.encode(SpdyFrame::dataFrame(3, "abc")));
    pipe.send(*pipe.framer.encode(SpdyFrame::dataFrame(3, "def", true)));
    while (auto f = co_await pipe.nextNonWindow()) {
      if (f->type == SpdyFrameType::kPing) pong = f->value == 1;
      if (f->type == SpdyFrameType::kGoAway) {
        goAway = true;
        break;
      }
      if (f->type != SpdyFrameType::kData) continue;
      if (f->streamId == 5) (outFin = outFin || f->fin()), out += f->data;
      if (f->streamId == 7) (errFin = errFin || f->fin()), err += f->data;
      if (f->streamId == 1) {
        EXPECT_TRUE(outFin && errFin) << "the Status comes after the output's end";
        statusFin = statusFin || f->fin();
        status += f->data;
      }
    }
    pipe.clientClose();
  });
  EXPECT_EQ(pods.opened.command, std::vector<std::string>{"cat"});
  EXPECT_EQ(out, "got:abcdef");
  EXPECT_EQ(err.size(), 100u * 1024);
  EXPECT_TRUE(outFin && errFin && statusFin && goAway && pong);
  auto j = nlohmann::json::parse(status);
  EXPECT_EQ(j["reason"], "NonZeroExitCode");
  EXPECT_EQ(j["details"]["causes"][0]["message"], "3");
  EXPECT_TRUE(pipe.closed());
}

TEST(SpdyTransport, ExecHonoursThePeersWindowWhenItDoesFlowControl) {
  FakePods pods;
  RemoteCommandOptions o;
  o.command = {"x"};
  o.stdin = o.stderr = true;
  auto resp = spdyRemoteCommand(spdyRequest("v4.channel.k8s.io"), pods, o);
  Pipe pipe;
  size_t errBytes = 0, beforeUpdate = 0;
  runBoth(resp.upgrade, pipe, [&]() -> asio::awaitable<void> {
    wire::SpdyFrame settings;
    settings.type = SpdyFrameType::kSettings;
    settings.settings = {{0, wire::kSpdySettingInitialWindowSize, 1000}};
    pipe.send(*pipe.framer.encode(settings));
    uint32_t id = 1;
    for (const char* type : {"error", "stdin", "stderr"}) {
      pipe.send(*pipe.framer.encode(SpdyFrame::synStream(id, {{"streamtype", type}})));
      co_await pipe.nextNonWindow();
      id += 2;
    }
    pipe.send(*pipe.framer.encode(SpdyFrame::dataFrame(3, "", true)));
    bool updated = false;
    while (auto f = co_await pipe.nextNonWindow()) {
      if (f->type == SpdyFrameType::kGoAway) break;
      if (f->type != SpdyFrameType::kData || f->streamId != 5) continue;
      errBytes += f->data.size();
      if (!updated) beforeUpdate = errBytes;
      if (!updated && errBytes >= 1000) {
        updated = true;  // the stream window is spent: grant the rest
        pipe.send(*pipe.framer.encode(SpdyFrame::windowUpdate(5, 1 << 20)));
        pipe.send(*pipe.framer.encode(SpdyFrame::windowUpdate(0, 1 << 20)));
      }
    }
    pipe.clientClose();
  });
  EXPECT_EQ(beforeUpdate, 1000u);
  EXPECT_EQ(errBytes, 100u * 1024);
}

TEST(SpdyTransport, ClientGoneCancelsTheCommand) {
  FakePods pods;
  RemoteCommandOptions o;
  o.command = {"x"};
  o.stdin = o.stdout = true;
  auto resp = spdyRemoteCommand(spdyRequest("v4.channel.k8s.io"), pods, o);
  Pipe pipe;
  runBoth(resp.upgrade, pipe, [&]() -> asio::awaitable<void> {
    uint32_t id = 1;
    for (const char* type : {"error", "stdin", "stdout"}) {
      pipe.send(*pipe.framer.encode(SpdyFrame::synStream(id, {{"streamtype", type}})));
      co_await pipe.nextNonWindow();
      id += 2;
    }
    pipe.clientClose();  // no stdin FIN: the command would wait forever
    co_return;
  });
  ASSERT_NE(pods.last, nullptr);
  EXPECT_TRUE(pods.last->cancelled);
}

TEST(SpdyTransport, MalformedFrameEndsTheConnectionWithGoAway) {
  FakePods pods;
  RemoteCommandOptions o;
  o.command = {"x"};
  o.stdout = true;
  auto resp = spdyRemoteCommand(spdyRequest("v4.channel.k8s.io"), pods, o);
  Pipe pipe;
  bool goAway = false;
  runBoth(resp.upgrade, pipe, [&]() -> asio::awaitable<void> {
    pipe.send(std::string("\x80\x03\x00\x06\x00\x00\x00\x01\x00", 9));  // PING of length 1
    while (auto f = co_await pipe.frame()) {
      if (f->type == SpdyFrameType::kGoAway) goAway = f->value == 1;
    }
    pipe.clientClose();
  });
  EXPECT_TRUE(goAway);
  EXPECT_EQ(pods.last, nullptr);
}

TEST(SpdyTransport, PortForwardReportsDialErrorsOnTheErrorStream) {
  FakePods pods;
  auto resp = spdyPortForward(spdyRequest("portforward.k8s.io"), pods, "default", "web");
  Pipe pipe;
  std::string error;
  bool errorFin = false, dataFin = false;
  runBoth(resp.upgrade, pipe, [&]() -> asio::awaitable<void> {
    // kubectl: the error stream (FIN at once), then the data stream, sharing a requestid.
    pipe.send(*pipe.framer.encode(
        SpdyFrame::synStream(1, {{"streamtype", "error"}, {"port", "8080"}, {"requestid", "0"}})));
    co_await pipe.nextNonWindow();
    pipe.send(*pipe.framer.encode(SpdyFrame::dataFrame(1, "", true)));
    pipe.send(*pipe.framer.encode(
        SpdyFrame::synStream(3, {{"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}})));
    while (!(errorFin && dataFin)) {
      auto f = co_await pipe.nextNonWindow();
      if (!f) break;
      if (f->type != SpdyFrameType::kData) continue;
      if (f->streamId == 1) (error += f->data), errorFin = errorFin || f->fin();
      if (f->streamId == 3) dataFin = dataFin || f->fin();
    }
    pipe.clientClose();
  });
  EXPECT_TRUE(errorFin && dataFin);
  EXPECT_NE(error.find("error forwarding port 8080 to pod default/web"), std::string::npos) << error;
  EXPECT_NE(error.find("Connection refused"), std::string::npos) << error;
}

}  // namespace
}  // namespace peapod::server::streaming
