#include "image/digest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace peapod::image {
namespace {

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(sha256Digest(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.digest(), sha256Digest("abc"));
}

TEST(DigestTest, DigestHex) {
  auto ok = digestHex("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(digestHex("sha256:../../etc").ok());
  EXPECT_FALSE(digestHex("sha512:ab").ok());
}

class CopyVerifiedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/peapod-digest-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::ofstream(dir_ / "src") << "abc";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(CopyVerifiedTest, CopiesMatchingBlob) {
  auto d = sha256Digest("abc");
  ASSERT_TRUE(copyVerified(dir_ / "src", dir_ / "dst", d, 3).ok());
  EXPECT_EQ(*readSmallFile(dir_ / "dst"), "abc");
}

TEST_F(CopyVerifiedTest, RejectsWrongDigestAndSize) {
  auto wrong = sha256Digest("abd");
  auto s = copyVerified(dir_ / "src", dir_ / "dst", wrong, 3);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find(wrong), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("digest mismatch"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "dst"));
  s = copyVerified(dir_ / "src", dir_ / "dst", sha256Digest("abc"), 2);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("size mismatch"), std::string::npos) << s.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "dst"));
}

}  // namespace
}  // namespace peapod::image
