#include "image/reference.h"

#include <gtest/gtest.h>

namespace peapod::image {
namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ReferenceTest, NormalizesLikeDocker) {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"busybox", "docker.io/library/busybox:latest"},
      {"busybox:1.36", "docker.io/library/busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox:latest"},
      {"docker.io/busybox", "docker.io/library/busybox:latest"},
      {"index.docker.io/library/busybox:1", "docker.io/library/busybox:1"},
      {"foo/bar", "docker.io/foo/bar:latest"},
      {"myreg:5000/x/y:t", "myreg:5000/x/y:t"},
      {"myreg:5000/x", "myreg:5000/x:latest"},
      {"localhost/x", "localhost/x:latest"},
      {"registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"},
      {"quay.io/a/b/c:v1.2-rc_3", "quay.io/a/b/c:v1.2-rc_3"},
      {"a__b-c/e.f_g", "docker.io/a__b-c/e.f_g:latest"},
      {"x@sha256:" + kHex, "docker.io/library/x@sha256:" + kHex},
      {"x:1@sha256:" + kHex, "docker.io/library/x:1@sha256:" + kHex},
      {"[::1]:5000/x:t", "[::1]:5000/x:t"},
  };
  for (const auto& c : cases) {
    auto r = parseReference(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
    EXPECT_EQ(r->str(), c.out) << c.in;
    EXPECT_EQ(normalizeReference(c.in), c.out);
  }
}

TEST(ReferenceTest, SplitsFields) {
  auto r = parseReference("myreg:5000/x/y:t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "myreg:5000");
  EXPECT_EQ(r->repository, "x/y");
  EXPECT_EQ(r->tag, "t");
  EXPECT_EQ(r->digest, "");
  auto d = parseReference("x@sha256:" + kHex);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->tag, "");
  EXPECT_EQ(d->digest, "sha256:" + kHex);
}

TEST(ReferenceTest, RejectsInvalid) {
  struct Case {
    std::string in, why;
  } cases[] = {
      {"", "at least one component"},
      {"BusyBox", "repository name must be lowercase"},
      {"docker.io/Foo/bar", "repository name must be lowercase"},
      {"x:", "invalid tag"},
      {"x:-bad", "invalid tag"},
      {"a//b", "invalid repository name component"},
      {"-x", "invalid repository name component"},
      {"x@sha256:abc", "invalid digest"},
      {"x@md5:" + kHex, "unsupported digest algorithm"},
      {kHex, "64-byte hexadecimal"},
      {"x y", "invalid repository name component"},
  };
  for (const auto& c : cases) {
    auto r = parseReference(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_NE(r.error().message().find("invalid reference format"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(c.why), std::string::npos) << c.in << ": " << r.error().message();
  }
  EXPECT_EQ(normalizeReference("BusyBox"), "BusyBox");  // unparseable: returned as is
}

TEST(ReferenceTest, IsDigest) {
  EXPECT_TRUE(isDigest("sha256:" + kHex));
  EXPECT_FALSE(isDigest("sha256:" + kHex.substr(1)));
  EXPECT_FALSE(isDigest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(isDigest(kHex));
}

}  // namespace
}  // namespace peapod::image
