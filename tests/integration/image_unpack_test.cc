// Root tests of layer unpacking: escapes refused, whiteouts in overlay form, links, modes, compression.
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "image/store.h"
#include "image/testing/layout_builder.h"
#include "testing/fixtures.h"

namespace peapod::image {
namespace {

namespace fs = std::filesystem;
using peapod::testing::TempDir;
using namespace testing;  // NOLINT: layout builder helpers

class ImageUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    auto s = Store::open(tmp_ / "store");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  Result<std::vector<Image>> importLayers(const std::vector<std::vector<TarEntry>>& layers,
                                          LayoutOptions o = {}) {
    fs::path dir = tmp_ / ("layout-" + peapod::testing::randomSuffix());
    auto w = writeLayout(dir, layers, o);
    if (!w.ok()) return w.error();
    return store_->importArchive(dir, std::string("test:1"));
  }
  void expectNothingStored() {
    EXPECT_TRUE(store_->list().empty());
    EXPECT_TRUE(fs::is_empty(tmp_ / "store/layers/sha256"));
    EXPECT_TRUE(fs::is_empty(tmp_ / "store/blobs/sha256"));
    EXPECT_TRUE(fs::is_empty(tmp_ / "store/tmp"));
  }
  TempDir tmp_{"peapod-unpack"};
  std::unique_ptr<Store> store_;
};

TEST_F(ImageUnpackTest, RefusesDotDotEntries) {
  auto r = importLayers({{fileEntry("ok", "1"), fileEntry("../escape", "x")}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("../escape"), std::string::npos) << r.error().message();
  EXPECT_FALSE(fs::exists(tmp_ / "store/layers/escape"));
  EXPECT_FALSE(fs::exists(tmp_ / "store/layers/sha256/escape"));
  expectNothingStored();
}

// Bombs: a small gzip layer that inflates past the size limit, and one with too many entries,
// are refused with a clear error, and nothing is left in the store.
TEST_F(ImageUnpackTest, RefusesSizeAndEntryCountBombs) {
  store_->setUnpackLimits(1 << 20, 100);
  auto big = importLayers({{fileEntry("zeros", std::string(8 << 20, '\0'))}});  // ~8 KB gzipped
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("more than 1048576 bytes uncompressed"), std::string::npos)
      << big.error().message();
  expectNothingStored();
  std::vector<TarEntry> many;
  for (int i = 0; i < 101; ++i) many.push_back(fileEntry("f" + std::to_string(i), "x"));
  auto crowded = importLayers({many});
  ASSERT_FALSE(crowded.ok());
  EXPECT_NE(crowded.error().message().find("more than 100 entries"), std::string::npos) << crowded.error().message();
  expectNothingStored();
  // Within the limits the same shapes import.
  many.pop_back();
  auto fine = importLayers({many, {fileEntry("zeros", std::string(1 << 19, '\0'))}});
  ASSERT_TRUE(fine.ok()) << fine.error().message();
}

TEST_F(ImageUnpackTest, RefusesWritingThroughSymlinksThatLeaveTheLayer) {
  std::string victim = "peapod-escape-" + peapod::testing::randomSuffix();
  // An absolute symlink to the host root, then a file below it.
  auto abs = importLayers({{linkEntry("link", "/"), fileEntry("link/tmp/" + victim, "pwned")}});
  ASSERT_FALSE(abs.ok());
  EXPECT_NE(abs.error().message().find("outside the root"), std::string::npos) << abs.error().message();
  // A relative one climbing out.
  auto rel = importLayers({{dirEntry("a"), linkEntry("a/up", "../../../../../../../../tmp"),
                            fileEntry("a/up/" + victim, "pwned")}});
  ASSERT_FALSE(rel.ok());
  EXPECT_NE(rel.error().message().find("outside the root"), std::string::npos) << rel.error().message();
  // A hard link to a host file.
  auto hard = importLayers({{linkEntry("l", "/"), linkEntry("passwd", "l/etc/passwd", TarEntry::kHardlink)}});
  ASSERT_FALSE(hard.ok());
  EXPECT_FALSE(fs::exists("/tmp/" + victim));
  expectNothingStored();
}

TEST_F(ImageUnpackTest, AbsoluteNamesAreMadeRelativeAndInnerSymlinksWork) {
  auto r = importLayers({{dirEntry("/etc"), fileEntry("/etc/hostname", "h"), dirEntry("real"),
                          linkEntry("alias", "real"), fileEntry("alias/f", "via")}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  fs::path layer = (*r)[0].layerDirs[0];
  EXPECT_EQ(peapod::testing::readFile(layer / "etc/hostname"), "h");
  EXPECT_EQ(peapod::testing::readFile(layer / "real/f"), "via");
}

TEST_F(ImageUnpackTest, RefusesDeviceNodes) {
  auto r = importLayers({{charDevEntry("null", 1, 3)}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("device nodes are not allowed"), std::string::npos) << r.error().message();
  expectNothingStored();
}

TEST_F(ImageUnpackTest, RejectsLayersNotMatchingTheirDiffId) {
  LayoutOptions o;
  o.wrongDiffIds = true;
  auto r = importLayers({{fileEntry("f", "x")}}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("diff_id mismatch"), std::string::npos) << r.error().message();
  expectNothingStored();
}

TEST_F(ImageUnpackTest, KeepsModesOwnersHardlinksAndUncompressedOrZstdLayers) {
  TarEntry suid = fileEntry("bin/tool", "#!x", 04755);
  suid.uid = 1000;
  suid.gid = 2000;
  for (Compression c : {Compression::kNone, Compression::kZstd}) {
    LayoutOptions o;
    o.compression = c;
    auto r = importLayers({{dirEntry("bin"), suid, linkEntry("bin/tool2", "bin/tool", TarEntry::kHardlink),
                            TarEntry{.name = "fifo", .type = TarEntry::kFifo, .data = {}, .link = {}, .mode = 0600}}},
                          o);
    ASSERT_TRUE(r.ok()) << r.error().message();
    fs::path layer = (*r)[0].layerDirs[0];
    struct stat st, st2;
    ASSERT_EQ(::lstat((layer / "bin/tool").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 2000u);
    EXPECT_EQ(st.st_nlink, 2u);
    ASSERT_EQ(::lstat((layer / "bin/tool2").c_str(), &st2), 0);
    EXPECT_EQ(st.st_ino, st2.st_ino);
    ASSERT_EQ(::lstat((layer / "fifo").c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
  }
}

TEST_F(ImageUnpackTest, WhiteoutsBecomeOverlayWhiteouts) {
  auto r = importLayers({
      {dirEntry("a"), fileEntry("a/gone", "1"), fileEntry("a/kept", "2"), dirEntry("d"), fileEntry("d/old", "3")},
      {dirEntry("a"), fileEntry("a/.wh.gone", ""), dirEntry("d"), fileEntry("d/.wh..wh..opq", ""),
       fileEntry("d/new", "4")},
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& dirs = (*r)[0].layerDirs;
  ASSERT_EQ(dirs.size(), 2u);
  fs::path top = dirs[1];
  struct stat st;
  ASSERT_EQ(::lstat((top / "a/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(fs::exists(top / "a/.wh.gone"));
  char v[8] = {};
  ASSERT_EQ(::getxattr((top / "d").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(fs::exists(top / "d/.wh..wh..opq"));

  // Mounted as overlay lowerdirs (top first), the whiteouts hide what the base layer had.
  fs::path mnt = tmp_ / "mnt";
  fs::create_directories(mnt);
  std::string opts = "lowerdir=" + dirs[1] + ":" + dirs[0];
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // a private mount namespace, so nothing reaches the host
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(10);
    if (::mount("overlay", mnt.c_str(), "overlay", MS_RDONLY, opts.c_str()) != 0) _exit(11);
    bool ok = !fs::exists(mnt / "a/gone") && fs::exists(mnt / "a/kept") && !fs::exists(mnt / "d/old") &&
              fs::exists(mnt / "d/new");
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 11) GTEST_SKIP() << "overlayfs not available";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "overlay view wrong (10: namespace setup failed)";
}

}  // namespace
}  // namespace peapod::image
