// Root tests of the image store: importing the busybox test image, lookups, naming, removal, corruption.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "image/digest.h"
#include "image/store.h"
#include "image/testing/layout_builder.h"
#include "testing/fixtures.h"

namespace peapod::image {
namespace {

namespace fs = std::filesystem;
using peapod::testing::TempDir;
using testing::TarEntry;

size_t countEntries(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    ASSERT_TRUE(fs::exists(peapod::testing::busyboxImageDir() / "index.json")) << "build the busybox_image target";
    auto s = Store::open(tmp_ / "store");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  // The store holds nothing at all: no images, blobs, layers or staging leftovers.
  void expectEmptyStore() {
    EXPECT_TRUE(store_->list().empty());
    EXPECT_EQ(countEntries(tmp_ / "store/blobs/sha256"), 0u);
    EXPECT_EQ(countEntries(tmp_ / "store/layers/sha256"), 0u);
    EXPECT_EQ(countEntries(tmp_ / "store/tmp"), 0u);
  }
  TempDir tmp_{"peapod-image"};
  std::unique_ptr<Store> store_;
};

TEST_F(ImageStoreTest, ImportsBusyboxLayoutAndFindsItByEveryName) {
  auto imported = store_->importArchive(peapod::testing::busyboxImageDir(), std::nullopt);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  ASSERT_EQ(imported->size(), 1u);
  const Image& img = (*imported)[0];
  EXPECT_EQ(img.names, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_TRUE(img.id.starts_with("sha256:"));
  EXPECT_GT(img.size, 100000u);
  EXPECT_EQ(img.config.cmd, std::vector<std::string>{"sh"});
  ASSERT_EQ(img.config.env.size(), 1u);
  EXPECT_TRUE(img.config.env[0].starts_with("PATH="));

  for (std::string ref : {std::string("busybox"), std::string("busybox:latest"),
                          std::string("docker.io/library/busybox:latest"), img.id, img.id.substr(7, 12),
                          img.id.substr(0, 19), "busybox@" + img.digest}) {
    auto f = store_->find(ref);
    ASSERT_TRUE(f.ok()) << ref << ": " << f.error().message();
    EXPECT_EQ(f->id, img.id) << ref;
  }
  auto missing = store_->find("busybox:1.0");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ENOENT);
  EXPECT_NE(missing.error().message().find("not found"), std::string::npos);

  ASSERT_EQ(img.layerDirs.size(), 1u);
  fs::path layer = img.layerDirs[0];
  struct stat st;
  ASSERT_EQ(::lstat((layer / "bin/busybox").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  EXPECT_EQ(fs::read_symlink(layer / "bin/sh"), "busybox");
  ASSERT_EQ(::lstat((layer / "tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::lstat(layer.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  EXPECT_NE(peapod::testing::readFile(layer / "etc/passwd").find("nobody:"), std::string::npos);

  // Survives a restart.
  store_.reset();
  auto reopened = Store::open(tmp_ / "store");
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  auto f = (*reopened)->find("busybox");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->layerDirs, img.layerDirs);
  EXPECT_EQ(f->config.cmd, img.config.cmd);
}

TEST_F(ImageStoreTest, ImportsTarballAndReusesTheUnpackedLayer) {
  auto first = store_->importArchive(peapod::testing::busyboxImageDir(), std::nullopt);
  ASSERT_TRUE(first.ok()) << first.error().message();
  struct stat before, after;
  ASSERT_EQ(::stat((*first)[0].layerDirs[0].c_str(), &before), 0);

  fs::path tar = peapod::testing::busyboxImageDir();
  tar += ".tar";
  auto second = store_->importArchive(tar, std::nullopt);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ((*second)[0].id, (*first)[0].id);
  EXPECT_EQ((*second)[0].layerDirs, (*first)[0].layerDirs);
  ASSERT_EQ(::stat((*second)[0].layerDirs[0].c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not unpacked again
  EXPECT_EQ(countEntries(tmp_ / "store/layers/sha256"), 1u);
  EXPECT_EQ(countEntries(tmp_ / "store/tmp"), 0u);
  EXPECT_EQ(store_->list().size(), 1u);
}

TEST_F(ImageStoreTest, TagNamesTheImageAndRemoveUntagsThenDeletes) {
  auto a = store_->importArchive(peapod::testing::busyboxImageDir(), std::string("myimg:v1"));
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ((*a)[0].names, std::vector<std::string>{"docker.io/library/myimg:v1"});
  EXPECT_FALSE(store_->find("busybox").ok());
  ASSERT_TRUE(store_->find("myimg:v1").ok());

  auto b = store_->importArchive(peapod::testing::busyboxImageDir(), std::string("registry.local:5000/team/app"));
  ASSERT_TRUE(b.ok()) << b.error().message();
  auto both = store_->find("myimg:v1");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->names.size(), 2u);

  auto bad = store_->importArchive(peapod::testing::busyboxImageDir(), std::string("Bad"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("must be lowercase"), std::string::npos) << bad.error().message();

  ASSERT_TRUE(store_->remove("myimg:v1").ok());
  EXPECT_FALSE(store_->find("myimg:v1").ok());
  auto left = store_->find("registry.local:5000/team/app:latest");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(fs::exists(left->layerDirs[0]));
  ASSERT_TRUE(store_->remove("registry.local:5000/team/app").ok());
  expectEmptyStore();
  EXPECT_FALSE(store_->remove("busybox").ok());
}

TEST_F(ImageStoreTest, RemoveByIdDropsAllNames) {
  auto a = store_->importArchive(peapod::testing::busyboxImageDir(), std::nullopt);
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(store_->importArchive(peapod::testing::busyboxImageDir(), std::string("other")).ok());
  ASSERT_TRUE(store_->remove((*a)[0].id.substr(7, 12)).ok());
  expectEmptyStore();
}

TEST_F(ImageStoreTest, CorruptedBlobFailsNamingTheDigestAndLeavesNothing) {
  fs::path copy = tmp_ / "corrupt";
  fs::copy(peapod::testing::busyboxImageDir(), copy, fs::copy_options::recursive);
  // Flip one byte in the middle of the biggest blob (the layer).
  fs::path biggest;
  for (const auto& e : fs::directory_iterator(copy / "blobs/sha256"))
    if (biggest.empty() || fs::file_size(e.path()) > fs::file_size(biggest)) biggest = e.path();
  {
    std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(5000);
    char c;
    f.get(c);
    f.seekp(5000);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto r = store_->importArchive(copy, std::nullopt);
  ASSERT_FALSE(r.ok());
  std::string digest = "sha256:" + biggest.filename().string();
  EXPECT_NE(r.error().message().find(digest), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("digest mismatch"), std::string::npos) << r.error().message();
  expectEmptyStore();
}

TEST_F(ImageStoreTest, BareTagAnnotationAsksForTag) {
  testing::LayoutOptions o;
  o.annotations["org.opencontainers.image.ref.name"] = "latest";
  ASSERT_TRUE(testing::writeLayout(tmp_ / "layout", {{testing::fileEntry("f", "x")}}, o).ok());
  auto r = store_->importArchive(tmp_ / "layout", std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("--tag"), std::string::npos) << r.error().message();
  expectEmptyStore();
  auto tagged = store_->importArchive(tmp_ / "layout", std::string("t:1"));
  ASSERT_TRUE(tagged.ok()) << tagged.error().message();

  // A full reference in ref.name is a name.
  o.annotations["org.opencontainers.image.ref.name"] = "quay.io/x/y:2";
  ASSERT_TRUE(testing::writeLayout(tmp_ / "layout2", {{testing::fileEntry("g", "y")}}, o).ok());
  auto named = store_->importArchive(tmp_ / "layout2", std::nullopt);
  ASSERT_TRUE(named.ok()) << named.error().message();
  EXPECT_EQ((*named)[0].names, std::vector<std::string>{"quay.io/x/y:2"});
}

TEST_F(ImageStoreTest, ImportsDockerArchiveTarball) {
  auto layer = testing::makeTar({testing::dirEntry("etc"), testing::fileEntry("etc/motd", "hi")},
                                testing::Compression::kNone);
  ASSERT_TRUE(layer.ok()) << layer.error().message();
  std::string config = R"({"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/true"]},)"
                       R"("rootfs":{"type":"layers","diff_ids":[")" + sha256Digest(*layer) + R"("]}})";
  std::string manifest = R"([{"Config":"cfg.json","RepoTags":["dock:1","other/name:2"],"Layers":["l1/layer.tar"]}])";
  auto tar = testing::makeTar({testing::fileEntry("manifest.json", manifest), testing::fileEntry("cfg.json", config),
                               testing::dirEntry("l1"), testing::fileEntry("l1/layer.tar", *layer)},
                              testing::Compression::kNone);
  ASSERT_TRUE(tar.ok());
  { std::ofstream(tmp_ / "docker.tar", std::ios::binary) << *tar; }
  auto r = store_->importArchive(tmp_ / "docker.tar", std::nullopt);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, sha256Digest(config));
  EXPECT_EQ((*r)[0].names, (std::vector<std::string>{"docker.io/library/dock:1", "docker.io/other/name:2"}));
  EXPECT_EQ((*r)[0].config.cmd, std::vector<std::string>{"/bin/true"});
  EXPECT_EQ(peapod::testing::readFile(fs::path((*r)[0].layerDirs[0]) / "etc/motd"), "hi");
  EXPECT_TRUE(store_->find("other/name:2").ok());
}

TEST_F(ImageStoreTest, LayoutTarballsMayNotHoldLinks) {
  auto tar = testing::makeTar({testing::fileEntry("index.json", "{}"), testing::linkEntry("blobs", "/etc")},
                              testing::Compression::kNone);
  ASSERT_TRUE(tar.ok());
  { std::ofstream(tmp_ / "evil.tar", std::ios::binary) << *tar; }
  auto r = store_->importArchive(tmp_ / "evil.tar", std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("only files and directories"), std::string::npos) << r.error().message();
  expectEmptyStore();
}

// Image GC and `peapod image prune`: least recently used first, only as much as asked, never an
// image in use, and the layers and blobs of removed images go with them.
TEST_F(ImageStoreTest, PruneFreesLeastRecentlyUsedFirstAndNeverAnImageInUse) {
  std::map<std::string, Image> imgs;
  for (std::string name : {"inuse", "recent", "old"}) {
    fs::path dir = tmp_ / ("layout-" + name);
    ASSERT_TRUE(testing::writeLayout(dir, {{testing::fileEntry("data/" + name, std::string(4096, name[0]))}}).ok());
    auto r = store_->importArchive(dir, "example.com/gc/" + name + ":v1");
    ASSERT_TRUE(r.ok()) << r.error().message();
    imgs[name] = r->at(0);
  }
  store_->markUsed(imgs["recent"].id);
  std::set<std::string> inUse = {imgs["inuse"].id};
  // One byte to free: the least recently used image alone ("old" was never used).
  auto pruned = store_->prune(inUse, 1);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message();
  ASSERT_EQ(pruned->size(), 1u);
  EXPECT_EQ(pruned->at(0).id, imgs["old"].id);
  EXPECT_FALSE(fs::exists(imgs["old"].layerDirs.at(0)));
  // Everything unused: "recent" goes, the image in use stays with its layer.
  pruned = store_->prune(inUse, std::nullopt);
  ASSERT_TRUE(pruned.ok());
  ASSERT_EQ(pruned->size(), 1u);
  EXPECT_EQ(pruned->at(0).id, imgs["recent"].id);
  ASSERT_EQ(store_->list().size(), 1u);
  EXPECT_EQ(store_->list().at(0).id, imgs["inuse"].id);
  EXPECT_TRUE(fs::exists(imgs["inuse"].layerDirs.at(0) + "/data/inuse"));
  EXPECT_EQ(countEntries(tmp_ / "store/layers/sha256"), 1u);
  // rmi is refused for it too, unless forced (then only untagged while in use).
  auto refused = store_->remove("example.com/gc/inuse:v1", inUse, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("image is being used by running container"), std::string::npos)
      << refused.error().message();
  inUse.clear();
  ASSERT_TRUE(store_->prune(inUse, std::nullopt).ok());
  expectEmptyStore();
}

TEST_F(ImageStoreTest, LookupsWhileImportingOnAnotherThread) {
  ASSERT_TRUE(store_->importArchive(peapod::testing::busyboxImageDir(), std::string("first")).ok());
  std::atomic<bool> done{false};
  Status importStatus;
  std::thread importer([&] {
    auto r = store_->importArchive(peapod::testing::busyboxImageDir(), std::nullopt);
    if (!r.ok()) importStatus = r.error();
    done = true;
  });
  int lookups = 0;
  while (!done) {
    ASSERT_TRUE(store_->find("first").ok());
    ++lookups;
  }
  importer.join();
  ASSERT_TRUE(importStatus.ok()) << importStatus.error().message();
  EXPECT_GT(lookups, 0);
  EXPECT_TRUE(store_->find("busybox").ok());
}

}  // namespace
}  // namespace peapod::image
