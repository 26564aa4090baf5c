// Unit tests of registry credentials, WWW-Authenticate parsing and the image GC thresholds.
#include "image/auth.h"

#include <gtest/gtest.h>

#include "image/gc.h"

namespace peapod::image {
namespace {

TEST(Base64, RoundTrips) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "user:pa:ss"}) {
    auto d = base64Decode(base64Encode(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64Encode("peapod:secret"), "cGVhcG9kOnNlY3JldA==");
  EXPECT_FALSE(base64Decode("not*base64").ok());
}

TEST(AuthConfig, ReadsAuthAndUsernamePasswordAndNormalizesKeys) {
  auto cfg = AuthConfig::parse(R"({"auths": {
      "https://index.docker.io/v1/": {"auth": "cGVhcG9kOnNlY3JldA=="},
      "http://127.0.0.1:5000/v2/": {"username": "u", "password": "p"},
      "empty.example": {}}})");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  auto hub = cfg->find("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "peapod");
  EXPECT_EQ(hub->password, "secret");
  auto local = cfg->find("127.0.0.1:5000");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->username, "u");
  EXPECT_FALSE(cfg->find("empty.example"));
  EXPECT_FALSE(cfg->find("127.0.0.1:5001"));
}

TEST(AuthConfig, RejectsMalformedFiles) {
  EXPECT_FALSE(AuthConfig::parse("{").ok());
  EXPECT_FALSE(AuthConfig::parse(R"({"auths": {"x": {"auth": "bm9jb2xvbg=="}}})").ok());  // "nocolon"
  EXPECT_TRUE(AuthConfig::parse(R"({"credsStore": "desktop"})").ok());
}

TEST(WwwAuthenticate, ParsesBearerAndBasicChallenges) {
  auto c = parseWwwAuthenticate(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params["realm"], "https://auth.example/token");
  EXPECT_EQ(c[0].params["service"], "registry.example");
  EXPECT_EQ(c[0].params["scope"], "repository:a/b:pull,push");
  auto b = parseWwwAuthenticate(R"(Basic realm="Registry Realm", Bearer realm=x)");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].scheme, "basic");
  EXPECT_EQ(b[0].params["realm"], "Registry Realm");
  EXPECT_EQ(b[1].params["realm"], "x");
  EXPECT_TRUE(parseWwwAuthenticate("").empty());
}

TEST(ImageGc, FreesDownToTheLowThresholdOnlyAboveTheHighOne) {
  constexpr uint64_t kGb = 1000ull * 1000 * 1000;
  EXPECT_FALSE(bytesToFree({100 * kGb, 20 * kGb}, 85, 80));  // 80% used
  auto f = bytesToFree({100 * kGb, 10 * kGb}, 85, 80);       // 90% used -> down to 80%
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, 10 * kGb);
  EXPECT_FALSE(bytesToFree({100 * kGb, 0}, 100, 80));  // 100 disables GC
  EXPECT_FALSE(bytesToFree({0, 0}, 85, 80));
}

}  // namespace
}  // namespace peapod::image
