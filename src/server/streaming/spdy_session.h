// SpdySession: the server side of a SPDY/3.1 connection over an upgraded ByteStream. It accepts the
// client's streams (answering SYN_REPLY at once, as the kubelet does), routes DATA by stream id,
// answers PING, tracks flow-control windows both ways and writes every frame through one queue, so
// the zlib header stream and the connection see frames in one order. Single io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/beast.h"
#include "server/http_types.h"
#include "wire/spdy_frame.h"

namespace peapod::server::streaming {

// Wakes coroutines of one io_context thread: wait() returns at the next notifyAll() (true) or at
// the deadline (false). Callers re-check their condition in a loop.
class SpdySignal {
 public:
  asio::awaitable<bool> wait(std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  void notifyAll();

 private:
  std::vector<std::shared_ptr<asio::steady_timer>> waiters_;
};

// Coroutines started together and joined before what they use goes away.
class SpdyTaskGroup {
 public:
  void spawn(const asio::any_io_executor& ex, asio::awaitable<void> task);
  asio::awaitable<void> join();
  size_t running() const { return running_; }

 private:
  size_t running_ = 0;
  SpdySignal done_;
};

class SpdySession;

// One stream the client opened.
class SpdyStream {
 public:
  uint32_t id() const { return id_; }
  const wire::SpdyHeaders& headers() const { return headers_; }
  // A header's value ("" when absent).
  std::string header(const std::string& name) const;

  // The next bytes the client sent; nullopt once it half-closed, reset the stream or the
  // connection ended.
  asio::awaitable<std::optional<std::string>> read();
  // Sends `data` (kept alive by the caller until done) in frames the peer's window allows. False
  // once the stream was reset, finished by us, or the connection is gone.
  asio::awaitable<bool> write(std::string_view data);
  // Half-closes our side with an empty DATA frame carrying FIN (once).
  asio::awaitable<void> finish();
  // Aborts the stream with RST_STREAM (CANCEL unless told otherwise).
  void reset(uint32_t status = wire::kSpdyCancel);
  // Stops taking input without telling the peer: a pending read() returns nullopt and later DATA
  // is dropped (port-forward, once the pod closed its side).
  void stopReading();

  bool remoteFinished() const { return remoteFin_; }
  bool wasReset() const { return reset_; }

 private:
  friend class SpdySession;
  SpdyStream(SpdySession& session, uint32_t id, wire::SpdyHeaders headers, int64_t window)
      : session_(session), id_(id), headers_(std::move(headers)), sendWindow_(window) {}
  bool writable() const;

  SpdySession& session_;  // the session outlives its streams' use (see SpdySession::shutdown)
  uint32_t id_;
  wire::SpdyHeaders headers_;
  std::deque<std::string> inbound_;
  size_t inboundBytes_ = 0;
  bool remoteFin_ = false, localFin_ = false, reset_ = false, readStopped_ = false;
  int64_t sendWindow_;
  SpdySignal changed_;
};

class SpdySession : public std::enable_shared_from_this<SpdySession> {
 public:
  static std::shared_ptr<SpdySession> create(ByteStream& io) { return std::shared_ptr<SpdySession>(new SpdySession(io)); }
  ~SpdySession();

  // Starts the reader and the writer on `ex`. Call shutdown() before `io` goes away.
  void start(const asio::any_io_executor& ex);
  // The next stream the client opened (already answered); nullptr when the connection ended or
  // the deadline passed.
  asio::awaitable<std::shared_ptr<SpdyStream>> accept(
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  // Sends GOAWAY, flushes the queue, closes the connection and waits for the reader and writer.
  asio::awaitable<void> shutdown();
  // Ends the session without GOAWAY (the client is gone or misbehaves).
  void abort();
  // True once the connection ended (peer closed, I/O or protocol error, shutdown).
  bool closed() const { return closed_; }
  // Waits until the connection ends.
  asio::awaitable<void> waitClosed();

 private:
  friend class SpdyStream;
  explicit SpdySession(ByteStream& io) : io_(io) {}

  asio::awaitable<void> readLoop();
  asio::awaitable<void> writeLoop();
  asio::awaitable<void> onFrame(wire::SpdyFrame f);
  void onSynStream(wire::SpdyFrame& f);
  void onWindowUpdate(const wire::SpdyFrame& f);
  void onSettings(const wire::SpdyFrame& f);
  // Encodes now (fixing the frame's place in the zlib stream) and queues; returns its sequence.
  uint64_t enqueue(const wire::SpdyFrame& f);
  // Queues a frame and waits until it was written; false when the connection failed.
  asio::awaitable<bool> send(const wire::SpdyFrame& f);
  void markClosed();
  void forget(uint32_t id);

  ByteStream& io_;
  wire::SpdyFramer framer_;
  std::map<uint32_t, std::shared_ptr<SpdyStream>> streams_;
  std::deque<std::shared_ptr<SpdyStream>> pending_;
  SpdySignal acceptSignal_, windowSignal_, writeSignal_, writtenSignal_, closedSignal_;
  std::deque<std::string> queue_;
  uint64_t enqueued_ = 0, written_ = 0;
  uint32_t lastRemoteId_ = 0;
  bool closed_ = false, stopping_ = false, writeFailed_ = false;
  // Send side: tracked always, enforced only once the peer shows it does flow control (sends
  // SETTINGS or WINDOW_UPDATE); kubectl's spdystream never does and would stall at 64 KiB.
  bool peerFlowControl_ = false;
  int64_t initialWindow_ = wire::kSpdyInitialWindow;
  int64_t connWindow_ = wire::kSpdyInitialWindow;
  SpdyTaskGroup tasks_;
};

}  // namespace peapod::server::streaming
