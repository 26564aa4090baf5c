#include "sys/cgroup.h"

#include <gtest/gtest.h>
#include <fcntl.h>

#include <filesystem>
#include <fstream>

namespace peapod::sys {
namespace {

namespace fs = std::filesystem;

TEST(DirCgroupManager, CreatesOpensAndRemovesInEveryHierarchy) {
  fs::path tmp = fs::temp_directory_path() / ("cgroup-test-" + std::to_string(::getpid()));
  fs::create_directories(tmp / "cpu");
  fs::create_directories(tmp / "memory");
  auto m = makeCgroupManagerForDirs({(tmp / "cpu").string(), (tmp / "memory").string()}, false);
  ASSERT_TRUE(m->create("peapod/pod1/web").ok());
  EXPECT_TRUE(fs::is_directory(tmp / "cpu/peapod/pod1/web"));
  EXPECT_TRUE(fs::is_directory(tmp / "memory/peapod/pod1/web"));
  // Real cgroupfs provides cgroup.procs; a plain directory needs it made.
  for (const char* h : {"cpu", "memory"}) std::ofstream(tmp / h / "peapod/pod1/web/cgroup.procs");
  auto fds = m->openProcs("peapod/pod1/web");
  ASSERT_TRUE(fds.ok()) << fds.error().message();
  EXPECT_EQ(fds->size(), 2u);
  EXPECT_EQ(m->paths("p").front(), (tmp / "cpu/p").string());
  for (const char* h : {"cpu", "memory"}) fs::remove(tmp / h / "peapod/pod1/web/cgroup.procs");
  EXPECT_TRUE(m->remove("peapod/pod1/web").ok());
  EXPECT_TRUE(m->remove("peapod/pod1/web").ok());  // already gone is fine
  EXPECT_FALSE(fs::exists(tmp / "cpu/peapod/pod1/web"));
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace peapod::sys
