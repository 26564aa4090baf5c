#include "server/protobuf.h"

#include <gtest/gtest.h>

namespace peapod::server {
namespace {

std::string field(int number, const std::string& bytes) {
  return std::string(1, static_cast<char>(number << 3 | 2)) + std::string(1, static_cast<char>(bytes.size())) + bytes;
}

TEST(Protobuf, DecodesANamespaceAsKubectl135SendsIt) {
  std::string meta = field(1, "team") + field(2, "") + field(3, "") + field(11, field(1, "k") + field(2, "v"));
  std::string body = std::string("k8s\0", 4) + field(1, field(1, "v1") + field(2, "Namespace")) + field(2, field(1, meta));
  auto obj = decodeK8sProtobuf(body);
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  EXPECT_EQ((*obj)["kind"], "Namespace");
  EXPECT_EQ((*obj)["metadata"]["name"], "team");
  EXPECT_FALSE((*obj)["metadata"].contains("namespace"));
  EXPECT_EQ((*obj)["metadata"]["labels"]["k"], "v");
}

TEST(Protobuf, SecretDataIsBase64AndPodsAreRefused) {
  std::string raw = field(1, field(1, "s")) + field(2, field(1, "p") + field(2, "q")) + field(3, "Opaque");
  auto secret = decodeK8sProtobuf(std::string("k8s\0", 4) + field(1, field(1, "v1") + field(2, "Secret")) + field(2, raw));
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ((*secret)["data"]["p"], "cQ==");
  EXPECT_EQ((*secret)["type"], "Opaque");
  EXPECT_FALSE(decodeK8sProtobuf(std::string("k8s\0", 4) + field(1, field(1, "v1") + field(2, "Pod"))).ok());
  EXPECT_FALSE(decodeK8sProtobuf("{}").ok());
  EXPECT_TRUE(isProtobufContentType("application/vnd.kubernetes.protobuf"));
}

}  // namespace
}  // namespace peapod::server
