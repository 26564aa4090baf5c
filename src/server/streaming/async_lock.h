// AsyncLock: a coroutine mutex for one io_context thread, so several writers (stdout and stderr
// pumps, the status) take turns on a connection that allows one outstanding write. AsyncEvent: a
// one-shot flag coroutines wait for (a process exited, a pump finished).
#pragma once

#include <chrono>
#include <deque>
#include <memory>

#include "server/beast.h"

namespace peapod::server::streaming {

class AsyncLock {
 public:
  asio::awaitable<void> lock() {
    while (locked_) {
      auto waiter = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                         std::chrono::steady_clock::time_point::max());
      waiters_.push_back(waiter);
      boost::system::error_code ec;
      co_await waiter->async_wait(asio::redirect_error(asio::use_awaitable, ec));  // woken by cancel()
    }
    locked_ = true;
  }
  void unlock() {
    locked_ = false;
    if (!waiters_.empty()) {
      waiters_.front()->cancel();
      waiters_.pop_front();
    }
  }

 private:
  bool locked_ = false;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

class AsyncEvent {
 public:
  explicit AsyncEvent(const asio::any_io_executor& ex) : timer_(ex, std::chrono::steady_clock::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool isSet() const { return set_; }
  asio::awaitable<void> wait() {
    while (!set_) {
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  // Waits at most `d`; true if set.
  asio::awaitable<bool> waitFor(std::chrono::steady_clock::duration d) {
    asio::steady_timer limit(co_await asio::this_coro::executor, d);
    bool expired = false;
    limit.async_wait([this, &expired](const boost::system::error_code& ec) {
      if (ec) return;
      expired = true;
      timer_.cancel();
    });
    while (!set_ && !expired) {
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    limit.cancel();
    co_return set_;
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// Holds an AsyncLock for a scope: `auto held = co_await LockGuard::take(lock);`.
class LockGuard {
 public:
  static asio::awaitable<LockGuard> take(AsyncLock& l) {
    co_await l.lock();
    co_return LockGuard(l);
  }
  LockGuard(LockGuard&& o) noexcept : lock_(std::exchange(o.lock_, nullptr)) {}
  LockGuard(const LockGuard&) = delete;
  ~LockGuard() {
    if (lock_) lock_->unlock();
  }

 private:
  explicit LockGuard(AsyncLock& l) : lock_(&l) {}
  AsyncLock* lock_;
};

}  // namespace peapod::server::streaming
