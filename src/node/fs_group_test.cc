// Unit tests for fsGroup ownership of one volume (the group is the test's own, so no root is
// needed; what is observed is the mode the kubelet's SetVolumeOwnership gives).
#include "node/fs_group.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

mode_t modeOf(const fs::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

class FsGroupVolume : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("fsgroup-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "..data");
    std::ofstream(dir_ / "..data" / "key") << "v1";
    fs::permissions(dir_ / "..data" / "key", fs::perms(0600));
    fs::permissions(dir_, fs::perms(0700));
    pod_.spec.securityContext.emplace().fsGroup = ::getgid();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  api::Pod pod_;
};

TEST_F(FsGroupVolume, RewrittenConfigMapFilesGetTheGroupAgain) {
  api::Volume v;
  v.name = "cfg";
  v.configMap.emplace();
  ASSERT_TRUE(applyFsGroupToVolume(pod_, v, dir_.string()).ok());
  EXPECT_EQ(modeOf(dir_ / "..data" / "key"), 0640u);  // read-only volume: group read
  EXPECT_EQ(modeOf(dir_), 02750u);                    // setgid directory
  // An update writes new files with the writer's mode: the call makes them the group's again.
  fs::remove(dir_ / "..data" / "key");
  std::ofstream(dir_ / "..data" / "key") << "v2";
  fs::permissions(dir_ / "..data" / "key", fs::perms(0600));
  ASSERT_TRUE(applyFsGroupToVolume(pod_, v, dir_.string()).ok());
  EXPECT_EQ(modeOf(dir_ / "..data" / "key"), 0640u);
}

TEST_F(FsGroupVolume, OnlyTheKubeletsVolumeKindsAndOnlyWithFsGroup) {
  api::Volume host;
  host.name = "h";
  host.hostPath.emplace();
  ASSERT_TRUE(applyFsGroupToVolume(pod_, host, dir_.string()).ok());
  EXPECT_EQ(modeOf(dir_ / "..data" / "key"), 0600u);
  api::Volume empty;
  empty.name = "e";
  empty.emptyDir.emplace();
  api::Pod noGroup;
  ASSERT_TRUE(applyFsGroupToVolume(noGroup, empty, dir_.string()).ok());
  EXPECT_EQ(modeOf(dir_ / "..data" / "key"), 0600u);
  ASSERT_TRUE(applyFsGroupToVolume(pod_, empty, dir_.string()).ok());
  EXPECT_EQ(modeOf(dir_ / "..data" / "key"), 0660u);  // writable volume: group read/write
}

}  // namespace
}  // namespace peapod::node
