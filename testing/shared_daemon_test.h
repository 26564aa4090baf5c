// SharedDaemonTest<Suite>: a gtest suite whose tests share one PeapodDaemon, started once for the
// suite (root only; tests skip without root). Crash loops restart after 200 ms, not 10 s.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {

template <class Suite>
class SharedDaemonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() == 0) daemon_ = new PeapodDaemon({"--restart-backoff-base", "200ms"});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override { PEAPOD_REQUIRE_ROOT(); }
  PeapodDaemon& d() { return *daemon_; }

 private:
  static inline PeapodDaemon* daemon_ = nullptr;
};

}  // namespace peapod::testing
