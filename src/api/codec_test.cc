// Unit tests for the JSON codec: omitempty encoding, strict decoding, round trips.
#include "api/codec.h"

#include <gtest/gtest.h>

#include "api/testdata_test.h"

namespace peapod::api {
namespace {

using nlohmann::json;

TEST(Codec, RoundTripsFullPod) {
  json in = json::parse(testdata::kFullPodJson);
  auto pod = podFromJson(in);
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  // null means absent: the encoder leaves it out.
  in["spec"]["containers"][0]["lifecycle"]["postStart"].erase("exec");
  EXPECT_EQ(toJson(*pod), in) << toJson(*pod).dump(2);
  auto again = podFromJson(toJson(*pod));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *pod);
}

TEST(Codec, EncodesLikeGoOmitEmpty) {
  Pod pod;
  pod.metadata.name = "p";
  Container c;
  c.name = "c";
  c.ports.emplace_back();
  pod.spec.containers.push_back(c);
  ContainerStatus cs;
  cs.name = "c";
  cs.state.terminated = ContainerStateTerminated{};
  pod.status.containerStatuses.push_back(cs);
  PodCondition cond;
  cond.type = "Ready";
  cond.status = "False";
  pod.status.conditions.push_back(cond);
  json expected = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "creationTimestamp": null},
    "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 0}], "resources": {}}]},
    "status": {
      "conditions": [{"type": "Ready", "status": "False", "lastProbeTime": null, "lastTransitionTime": null}],
      "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 0, "startedAt": null,
          "finishedAt": null}}, "lastState": {}, "ready": false, "restartCount": 0, "image": "", "imageID": ""}]
    }
  })");
  EXPECT_EQ(toJson(pod), expected) << toJson(pod).dump(2);
}

TEST(Codec, EmptySpecStillHasContainers) {
  Pod pod;
  EXPECT_EQ(toJson(pod)["spec"], json::parse(R"({"containers": []})"));
  Probe p;
  p.httpGet.emplace();
  p.httpGet->port = IntOrString::ofString("http");
  EXPECT_EQ(encode(p), json::parse(R"({"httpGet": {"port": "http"}})"));
  EXPECT_EQ(toJson(pod)["status"], json::object());
}

TEST(Codec, NullMeansAbsent) {
  auto pod = podFromJson(json::parse(
      R"({"metadata": {"name": "a", "labels": null}, "spec": {"containers": null, "hostNetwork": null}, "status": null})"));
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  EXPECT_EQ(pod->metadata.name, "a");
  EXPECT_TRUE(pod->spec.containers.empty());
  EXPECT_EQ(pod->apiVersion, "v1");
  EXPECT_EQ(pod->kind, "Pod");
}

TEST(Codec, AcceptsIntegralFloats) {
  auto pod = podFromJson(json::parse(R"({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080.0}]}]}})"));
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  EXPECT_EQ(pod->spec.containers[0].ports[0].containerPort, 8080);
}

struct BadCase {
  const char* json;
  const char* error;
};

class DecodeErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DecodeErrors, NamesThePath) {
  auto pod = podFromJson(json::parse(GetParam().json));
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error().message(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Codec, DecodeErrors,
    ::testing::Values(
        BadCase{R"({"spec": {"containers": [{"name": "a", "imagePullPolice": "Always"}]}})",
                R"(unknown field "spec.containers[0].imagePullPolice")"},
        BadCase{R"({"bogus": 1})", R"(unknown field "bogus")"},
        BadCase{R"({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": "abc"}]}]}})",
                R"(spec.containers[0].ports[0].containerPort: Invalid value: "abc": must be an integer)"},
        BadCase{R"({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80.5}]}]}})",
                R"(spec.containers[0].ports[0].containerPort: Invalid value: 80.5: must be an integer)"},
        BadCase{R"({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 4294967296}]}]}})",
                R"(spec.containers[0].ports[0].containerPort: Invalid value: 4294967296: value is out of range)"},
        BadCase{R"({"spec": {"hostNetwork": "yes"}})", R"(spec.hostNetwork: Invalid value: "yes": must be a boolean)"},
        BadCase{R"({"spec": {"containers": {"name": "a"}}})",
                R"(spec.containers: Invalid value: {"name":"a"}: must be an array)"},
        BadCase{R"({"metadata": {"name": 5}})", R"(metadata.name: Invalid value: 5: must be a string)"},
        BadCase{R"({"metadata": {"labels": {"a": 1}}})", R"(metadata.labels[a]: Invalid value: 1: must be a string)"},
        BadCase{R"({"spec": "x"})", R"(spec: Invalid value: "x": must be an object)"},
        BadCase{R"({"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "lots"}}}]}})",
                "spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": quantities must match the "
                "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
        BadCase{R"({"spec": {"containers": [{"name": "a", "livenessProbe": {"tcpSocket": {"port": true}}}]}})",
                "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: true: must be an integer or a string"},
        BadCase{R"({"kind": "Deployment"})", R"(kind: Invalid value: "Deployment": must be "Pod")"},
        BadCase{R"({"apiVersion": "apps/v1"})", R"(apiVersion: Invalid value: "apps/v1": must be "v1")"},
        // Every problem is reported, one per line, in document order.
        BadCase{R"({"metadata": {"nam": "a"}, "spec": {"containers": [{"name": 1, "x": 2}]}})",
                "unknown field \"metadata.nam\"\n"
                "spec.containers[0].name: Invalid value: 1: must be a string\n"
                "unknown field \"spec.containers[0].x\""}));

TEST(Codec, GenericDecodeUsesRootPath) {
  auto c = decodeStrict<Container>(json::parse(R"({"name": "a", "nope": 1})"), "spec.containers[3]");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), R"(unknown field "spec.containers[3].nope")");
  auto ok = decodeStrict<Container>(json::parse(R"({"name": "a"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(encode(*ok), json::parse(R"({"name": "a", "resources": {}})"));
}

}  // namespace
}  // namespace peapod::api

namespace peapod::api {
namespace {

TEST(Codec, NumericQuantitiesAndIntOrString) {
  auto c = decodeStrict<Container>(nlohmann::json::parse(
      R"({"name": "a", "resources": {"limits": {"cpu": 1, "memory": 1.5e9}},
          "readinessProbe": {"httpGet": {"port": 8080.0}}, "livenessProbe": {"tcpSocket": {"port": "http"}}})"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->resources.limits.at("cpu").value, "1");
  EXPECT_EQ(c->readinessProbe->httpGet->port, IntOrString::ofInt(8080));
  EXPECT_EQ(c->livenessProbe->tcpSocket->port, IntOrString::ofString("http"));
  EXPECT_EQ(encode(*c)["resources"]["limits"]["cpu"], "1");
}

}  // namespace
}  // namespace peapod::api
