// Shared test fixtures: temp dirs, root/feature requirements, bounded event waits.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace peapod::testing {

// A fresh directory under /tmp removed (recursively, after detaching mounts) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "peapod-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// Polls `done` every few milliseconds until it holds or `timeout` passes; true if it held.
// For waiting on effects that offer no event to block on (files, API state).
bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Reads a whole file ("" when missing).
std::string readFile(const std::filesystem::path& p);

// A short random lowercase hex string, for unique names (bridges, cgroups, pods).
std::string randomSuffix(size_t len = 6);

// The OCI layout of the busybox test image built by the build (build/images/busybox).
std::filesystem::path busyboxImageDir();

}  // namespace peapod::testing

// Skips the current test naming what is missing.
#define PEAPOD_REQUIRE_ROOT()                                   \
  do {                                                          \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";         \
  } while (0)
