#include "image/oci_layout.h"

#include <gtest/gtest.h>

namespace peapod::image {
namespace {

const std::string kD1 = "sha256:" + std::string(64, 'a');
const std::string kD2 = "sha256:" + std::string(64, 'b');
const std::string kD3 = "sha256:" + std::string(64, 'c');

TEST(OciLayoutTest, ParsesIndexWithAnnotationsAndPlatform) {
  std::string j = R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "digest":")" + kD1 + R"(","size":405,"platform":{"architecture":"amd64","os":"linux"},
    "annotations":{"io.containerd.image.name":"docker.io/library/busybox:latest","org.opencontainers.image.ref.name":"latest"}}]})";
  auto idx = parseIndex(j);
  ASSERT_TRUE(idx.ok()) << idx.error().message();
  ASSERT_EQ(idx->size(), 1u);
  const Descriptor& d = (*idx)[0];
  EXPECT_EQ(d.digest, kD1);
  EXPECT_EQ(d.size, 405);
  EXPECT_EQ(d.os, "linux");
  EXPECT_EQ(d.architecture, "amd64");
  EXPECT_EQ(d.annotations.at(std::string(kAnnotationImageName)), "docker.io/library/busybox:latest");
  EXPECT_EQ(blobKind(d.mediaType, ""), BlobKind::kManifest);
}

TEST(OciLayoutTest, ParsesManifest) {
  std::string j = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + kD1 + R"(","size":10},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" + kD2 + R"(","size":20},
              {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" + kD3 + R"(","size":30}]})";
  auto m = parseManifest(j);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->config.digest, kD1);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].digest, kD2);
  EXPECT_EQ(m->layers[1].size, 30);
  EXPECT_EQ(blobKind("", j), BlobKind::kManifest);
}

TEST(OciLayoutTest, RejectsBadManifests) {
  EXPECT_FALSE(parseManifest("not json").ok());
  EXPECT_FALSE(parseManifest(R"({"schemaVersion":1})").ok());
  auto badDigest = parseManifest(R"({"schemaVersion":2,"config":{"digest":"sha256:../../x","size":1},"layers":[]})");
  ASSERT_FALSE(badDigest.ok());
  EXPECT_NE(badDigest.error().message().find("invalid digest"), std::string::npos);
  auto noSize = parseManifest(R"({"schemaVersion":2,"config":{"digest":")" + kD1 + R"("},"layers":[]})");
  ASSERT_FALSE(noSize.ok());
  auto badLayer = parseManifest(R"({"schemaVersion":2,"config":{"digest":")" + kD1 + R"(","size":1},
     "layers":[{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + kD2 + R"(","size":1}]})");
  ASSERT_FALSE(badLayer.ok());
  EXPECT_NE(badLayer.error().message().find("unsupported layer media type"), std::string::npos);
}

TEST(OciLayoutTest, ParsesConfig) {
  std::string j = R"({"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z",
    "config":{"Env":["PATH=/bin","A=b"],"Entrypoint":["/ep"],"Cmd":["sh","-c","x"],"WorkingDir":"/w",
              "User":"1000:1000","StopSignal":"SIGINT","Labels":{"k":"v"}},
    "rootfs":{"type":"layers","diff_ids":[")" + kD1 + R"("]}})";
  auto c = parseConfig(j);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->created, "2024-01-02T03:04:05Z");
  EXPECT_EQ(c->config.env, (std::vector<std::string>{"PATH=/bin", "A=b"}));
  EXPECT_EQ(c->config.entrypoint, (std::vector<std::string>{"/ep"}));
  EXPECT_EQ(c->config.cmd, (std::vector<std::string>{"sh", "-c", "x"}));
  EXPECT_EQ(c->config.workingDir, "/w");
  EXPECT_EQ(c->config.user, "1000:1000");
  EXPECT_EQ(c->config.stopSignal, "SIGINT");
  EXPECT_EQ(c->config.labels.at("k"), "v");
  EXPECT_EQ(c->diffIds, (std::vector<std::string>{kD1}));
}

TEST(OciLayoutTest, ConfigWithNullsAndNoRootfs) {
  auto c = parseConfig(R"({"config":{"Cmd":null,"Env":null},"rootfs":{"diff_ids":[]}})");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->config.cmd.empty());
  EXPECT_FALSE(parseConfig(R"({"config":{}})").ok());
}

TEST(OciLayoutTest, MediaTypes) {
  EXPECT_EQ(blobKind("application/vnd.oci.image.index.v1+json", ""), BlobKind::kIndex);
  EXPECT_EQ(blobKind("application/vnd.docker.distribution.manifest.list.v2+json", ""), BlobKind::kIndex);
  EXPECT_EQ(blobKind("", R"({"manifests":[]})"), BlobKind::kIndex);
  EXPECT_EQ(blobKind("text/plain", ""), BlobKind::kUnknown);
  EXPECT_TRUE(isLayerMediaType("application/vnd.oci.image.layer.v1.tar+zstd"));
  EXPECT_TRUE(isLayerMediaType("application/vnd.oci.image.layer.v1.tar"));
  EXPECT_FALSE(isLayerMediaType("application/json"));
}

}  // namespace
}  // namespace peapod::image
