// SpdySession: stream bookkeeping, the reader and the single writer of a SPDY/3.1 connection.
#include "server/streaming/spdy_session.h"

#include <algorithm>

#include "base/log.h"

namespace peapod::server::streaming {
namespace {

using wire::SpdyFrame;
using wire::SpdyFrameType;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxDataFrame = 16 * 1024;
// A stream's unread input above which the reader stops reading the connection (TCP backpressure;
// kubectl ignores SPDY flow control, so windows cannot hold it back).
constexpr size_t kMaxInbound = 4 * 1024 * 1024;
constexpr auto kFlushTimeout = std::chrono::seconds(5);
constexpr auto kLingerTimeout = std::chrono::seconds(2);

}  // namespace

asio::awaitable<bool> SpdySignal::wait(Clock::time_point deadline) {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, deadline);
  waiters_.push_back(timer);
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::operation_aborted) co_return true;
  std::erase(waiters_, timer);
  co_return false;
}

void SpdySignal::notifyAll() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w->cancel();
}

void SpdyTaskGroup::spawn(const asio::any_io_executor& ex, asio::awaitable<void> task) {
  ++running_;
  asio::co_spawn(ex, std::move(task), [this](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error(std::string("spdy task: ") + ex.what());
      }
    }
    if (--running_ == 0) done_.notifyAll();
  });
}

asio::awaitable<void> SpdyTaskGroup::join() {
  while (running_ > 0) co_await done_.wait();
}

std::string SpdyStream::header(const std::string& name) const {
  auto it = headers_.find(name);
  return it == headers_.end() ? std::string() : it->second;
}

bool SpdyStream::writable() const { return !session_.closed_ && !reset_ && !localFin_; }

asio::awaitable<std::optional<std::string>> SpdyStream::read() {
  while (inbound_.empty() && !remoteFin_ && !reset_ && !readStopped_ && !session_.closed_) co_await changed_.wait();
  if (inbound_.empty() || readStopped_) co_return std::nullopt;
  std::string chunk = std::move(inbound_.front());
  inbound_.pop_front();
  inboundBytes_ -= chunk.size();
  changed_.notifyAll();  // the reader may be waiting for room
  // Give the window back as we consume, so a peer that does flow control keeps sending.
  auto delta = static_cast<uint32_t>(chunk.size());
  if (delta > 0 && !session_.closed_) {
    if (!remoteFin_ && !reset_) session_.enqueue(SpdyFrame::windowUpdate(id_, delta));
    session_.enqueue(SpdyFrame::windowUpdate(0, delta));
  }
  co_return chunk;
}

asio::awaitable<bool> SpdyStream::write(std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    if (!writable()) co_return false;
    size_t chunk = std::min(data.size() - off, kMaxDataFrame);
    if (session_.peerFlowControl_) {
      while (writable() && (sendWindow_ <= 0 || session_.connWindow_ <= 0)) co_await session_.windowSignal_.wait();
      if (!writable()) co_return false;
      chunk = std::min<int64_t>({static_cast<int64_t>(chunk), sendWindow_, session_.connWindow_});
    }
    sendWindow_ -= static_cast<int64_t>(chunk);
    session_.connWindow_ -= static_cast<int64_t>(chunk);
    if (!co_await session_.send(SpdyFrame::dataFrame(id_, std::string(data.substr(off, chunk))))) co_return false;
    off += chunk;
  }
  co_return true;
}

asio::awaitable<void> SpdyStream::finish() {
  if (!writable()) co_return;
  localFin_ = true;
  co_await session_.send(SpdyFrame::dataFrame(id_, "", true));
  if (remoteFin_) session_.forget(id_);
}

void SpdyStream::stopReading() {
  readStopped_ = true;
  inbound_.clear();
  inboundBytes_ = 0;
  changed_.notifyAll();
}

void SpdyStream::reset(uint32_t status) {
  if (reset_) return;
  reset_ = true;
  changed_.notifyAll();
  session_.windowSignal_.notifyAll();
  if (!session_.closed_) session_.enqueue(SpdyFrame::rstStream(id_, status));
  session_.forget(id_);
}

SpdySession::~SpdySession() = default;

void SpdySession::start(const asio::any_io_executor& ex) {
  tasks_.spawn(ex, readLoop());
  tasks_.spawn(ex, writeLoop());
}

asio::awaitable<std::shared_ptr<SpdyStream>> SpdySession::accept(Clock::time_point deadline) {
  while (pending_.empty() && !closed_) {
    if (!co_await acceptSignal_.wait(deadline) && pending_.empty()) co_return nullptr;
  }
  if (pending_.empty()) co_return nullptr;
  auto s = std::move(pending_.front());
  pending_.pop_front();
  co_return s;
}

asio::awaitable<void> SpdySession::waitClosed() {
  while (!closed_) co_await closedSignal_.wait();
}

asio::awaitable<void> SpdySession::shutdown() {
  if (!closed_ && !stopping_) enqueue(SpdyFrame::goAway(lastRemoteId_));
  stopping_ = true;
  writeSignal_.notifyAll();
  auto flushBy = Clock::now() + kFlushTimeout;
  while (written_ < enqueued_ && !writeFailed_) {
    if (!co_await writtenSignal_.wait(flushBy)) break;
  }
  // Let the client close first: closing with its bytes unread would make the kernel send RST,
  // which can destroy our last frames before the client reads them.
  auto lingerUntil = Clock::now() + kLingerTimeout;
  while (!closed_) {
    if (!co_await closedSignal_.wait(lingerUntil)) break;
  }
  abort();
  co_await tasks_.join();
}

void SpdySession::abort() {
  stopping_ = true;
  io_.close();
  markClosed();
}

void SpdySession::markClosed() {
  closed_ = true;
  for (auto& [id, s] : streams_) s->changed_.notifyAll();
  for (auto& s : pending_) s->changed_.notifyAll();
  acceptSignal_.notifyAll();
  windowSignal_.notifyAll();
  writeSignal_.notifyAll();
  writtenSignal_.notifyAll();
  closedSignal_.notifyAll();
}

void SpdySession::forget(uint32_t id) { streams_.erase(id); }

uint64_t SpdySession::enqueue(const SpdyFrame& f) {
  auto bytes = framer_.encode(f);
  if (!bytes.ok()) {
    // Only zlib failures land here; the header stream is then unusable for the whole connection.
    log::error("spdy: " + bytes.error().message());
    writeFailed_ = true;
    markClosed();
    return enqueued_;
  }
  queue_.push_back(std::move(*bytes));
  writeSignal_.notifyAll();
  return ++enqueued_;
}

asio::awaitable<bool> SpdySession::send(const SpdyFrame& f) {
  if (writeFailed_) co_return false;
  uint64_t seq = enqueue(f);
  while (written_ < seq && !writeFailed_) co_await writtenSignal_.wait();
  co_return !writeFailed_;
}

asio::awaitable<void> SpdySession::writeLoop() {
  while (true) {
    while (queue_.empty() && !stopping_ && !writeFailed_) co_await writeSignal_.wait();
    if (queue_.empty() || writeFailed_) break;
    // Everything queued so far goes out in one write.
    std::string batch;
    uint64_t upTo = written_ + queue_.size();
    for (auto& q : queue_) batch += q;
    queue_.clear();
    bool ok = co_await io_.write(asio::buffer(batch));
    written_ = upTo;
    if (!ok) {
      writeFailed_ = true;
      markClosed();
    }
    writtenSignal_.notifyAll();
    if (!ok) break;
  }
}

asio::awaitable<void> SpdySession::readLoop() {
  std::string buf(16 * 1024, '\0');
  while (!closed_) {
    size_t n = co_await io_.read(asio::buffer(buf));
    if (n == 0) break;
    framer_.feed(std::string_view(buf.data(), n));
    bool bad = false;
    while (!bad) {
      auto f = framer_.next();
      if (!f.ok()) {
        log::warn("spdy: closing the connection: " + f.error().message());
        enqueue(SpdyFrame::goAway(lastRemoteId_, 1));  // PROTOCOL_ERROR
        bad = true;
      } else if (!f->has_value()) {
        break;
      } else {
        co_await onFrame(std::move(**f));
      }
    }
    if (bad) break;
  }
  markClosed();
}

asio::awaitable<void> SpdySession::onFrame(SpdyFrame f) {
  switch (f.type) {
    case SpdyFrameType::kSynStream:
      onSynStream(f);
      break;
    case SpdyFrameType::kData: {
      auto it = streams_.find(f.streamId);
      if (it == streams_.end()) break;  // late data for a stream we finished or reset: dropped
      auto s = it->second;
      if (s->remoteFin_) {
        s->reset(wire::kSpdyStreamAlreadyClosed);
        break;
      }
      if (!f.data.empty() && !s->readStopped_) {
        s->inboundBytes_ += f.data.size();
        s->inbound_.push_back(std::move(f.data));
      }
      if (f.fin()) s->remoteFin_ = true;
      s->changed_.notifyAll();
      while (s->inboundBytes_ > kMaxInbound && !s->reset_ && !closed_) co_await s->changed_.wait();
      if (s->remoteFin_ && s->localFin_) forget(s->id_);
      break;
    }
    case SpdyFrameType::kRstStream: {
      auto it = streams_.find(f.streamId);
      if (it == streams_.end()) break;
      auto s = it->second;
      s->reset_ = true;
      s->changed_.notifyAll();
      windowSignal_.notifyAll();
      forget(f.streamId);
      break;
    }
    case SpdyFrameType::kHeaders: {
      auto it = streams_.find(f.streamId);
      if (it != streams_.end() && f.fin()) {
        it->second->remoteFin_ = true;
        it->second->changed_.notifyAll();
      }
      break;
    }
    case SpdyFrameType::kPing:
      if (f.value % 2 == 1) enqueue(SpdyFrame::ping(f.value));  // the client's (odd) ids are echoed
      break;
    case SpdyFrameType::kSettings:
      onSettings(f);
      break;
    case SpdyFrameType::kWindowUpdate:
      onWindowUpdate(f);
      break;
    case SpdyFrameType::kGoAway:
    case SpdyFrameType::kSynReply:  // we open no streams
      break;
  }
}

void SpdySession::onSynStream(SpdyFrame& f) {
  // Client streams are odd and increasing (spec 2.3.2).
  if (f.streamId % 2 == 0 || f.streamId <= lastRemoteId_) {
    enqueue(SpdyFrame::rstStream(f.streamId, wire::kSpdyProtocolError));
    return;
  }
  lastRemoteId_ = f.streamId;
  if (stopping_ || closed_) {
    enqueue(SpdyFrame::rstStream(f.streamId, wire::kSpdyRefusedStream));
    return;
  }
  auto s = std::shared_ptr<SpdyStream>(new SpdyStream(*this, f.streamId, std::move(f.headers), initialWindow_));
  s->remoteFin_ = f.fin();
  // A unidirectional stream takes no data from us.
  s->localFin_ = (f.flags & wire::kSpdyFlagUnidirectional) != 0;
  if (!s->localFin_) enqueue(SpdyFrame::synReply(f.streamId));
  if (!(s->remoteFin_ && s->localFin_)) streams_[f.streamId] = s;
  pending_.push_back(std::move(s));
  acceptSignal_.notifyAll();
}

void SpdySession::onWindowUpdate(const SpdyFrame& f) {
  peerFlowControl_ = true;
  if (f.streamId == 0) {
    connWindow_ += f.value;
  } else if (auto it = streams_.find(f.streamId); it != streams_.end()) {
    it->second->sendWindow_ += f.value;
  }
  windowSignal_.notifyAll();
}

void SpdySession::onSettings(const SpdyFrame& f) {
  for (const auto& s : f.settings) {
    if (s.id != wire::kSpdySettingInitialWindowSize) continue;
    peerFlowControl_ = true;
    int64_t delta = static_cast<int64_t>(s.value) - initialWindow_;
    initialWindow_ = s.value;
    for (auto& [id, stream] : streams_) stream->sendWindow_ += delta;
  }
  windowSignal_.notifyAll();
}

}  // namespace peapod::server::streaming
