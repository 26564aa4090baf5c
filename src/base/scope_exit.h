// ScopeExit: runs a callable when the scope ends unless cancel()ed; unwinds half-done setups.
#pragma once

#include <utility>

namespace peapod {

template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) f_();
  }
  void cancel() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace peapod
