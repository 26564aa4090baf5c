#include "server/patch.h"

#include <gtest/gtest.h>

namespace peapod::server {
namespace {

using nlohmann::json;

json pod() {
  return json::parse(R"({"metadata":{"name":"p","labels":{"a":"1"},"finalizers":["x","y"]},
    "spec":{"containers":[
      {"name":"app","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
       "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"terminationMessagePath":"/dev/termination-log"},
      {"name":"side","image":"busybox"}]}})");
}

TEST(StrategicMerge, KubectlApplyPatchMergesContainersByName) {
  auto patch = json::parse(R"({"metadata":{"annotations":{"last":"x"}},
    "spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"side"}],
            "containers":[{"image":"nginx:1.27","name":"app"}]}})");
  auto out = strategicMerge(pod(), patch);
  EXPECT_EQ(out["spec"]["containers"][0]["image"], "nginx:1.27");
  EXPECT_EQ(out["spec"]["containers"][0]["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(out["spec"]["containers"][1]["name"], "side");
  EXPECT_EQ(out["metadata"]["annotations"]["last"], "x");
  EXPECT_EQ(out["metadata"]["labels"]["a"], "1");
}

TEST(StrategicMerge, DirectivesDeleteReplaceOrderAndPrimitiveLists) {
  auto patch = json::parse(R"({"metadata":{"labels":{"a":null},"$deleteFromPrimitiveList/finalizers":["x"]},
    "spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"app"}],
            "containers":[{"name":"app","env":[{"name":"A","$patch":"delete"},{"name":"C","value":"3"}],
                           "ports":[{"$patch":"replace"},{"containerPort":8080}]}]}})");
  auto out = strategicMerge(pod(), patch);
  EXPECT_FALSE(out["metadata"]["labels"].contains("a"));
  EXPECT_EQ(out["metadata"]["finalizers"], json::array({"y"}));
  EXPECT_EQ(out["spec"]["containers"][0]["name"], "side");
  auto app = out["spec"]["containers"][1];
  ASSERT_EQ(app["env"].size(), 2u);
  EXPECT_EQ(app["env"][0]["name"], "B");
  EXPECT_EQ(app["env"][1]["name"], "C");
  EXPECT_EQ(app["ports"], json::parse(R"([{"containerPort":8080}])"));
}

TEST(StrategicMerge, RetainKeysAndMapReplace) {
  auto patch = json::parse(R"({"spec":{"$retainKeys":["containers"],"hostname":"gone"}})");
  auto base = pod();
  base["spec"]["dnsPolicy"] = "ClusterFirst";
  auto out = strategicMerge(base, patch);
  EXPECT_FALSE(out["spec"].contains("dnsPolicy"));
  EXPECT_EQ(out["spec"]["hostname"], "gone");
  auto replaced = strategicMerge(pod(), json::parse(R"({"metadata":{"labels":{"$patch":"replace","b":"2"}}})"));
  EXPECT_EQ(replaced["metadata"]["labels"], json::parse(R"({"b":"2"})"));
}

TEST(ApplyPatch, JsonAndMergePatches) {
  auto j = applyPatch(PatchType::kJson, pod(),
                      json::parse(R"([{"op":"replace","path":"/spec/containers/0/image","value":"x"}])"));
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["spec"]["containers"][0]["image"], "x");
  auto m = applyPatch(PatchType::kMerge, pod(), json::parse(R"({"metadata":{"labels":{"b":"2"}}})"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["metadata"]["labels"], json::parse(R"({"a":"1","b":"2"})"));
  auto bad = applyPatch(PatchType::kJson, pod(), json::parse(R"([{"op":"test","path":"/x","value":1}])"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(patchTypeOf("application/strategic-merge-patch+json; charset=utf-8"), PatchType::kStrategic);
  EXPECT_EQ(patchTypeOf("application/apply-patch+yaml"), PatchType::kApply);
}

}  // namespace
}  // namespace peapod::server
