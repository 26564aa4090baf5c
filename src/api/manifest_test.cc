// Unit tests for parseManifests (JSON, YAML typing, multi-doc, Lists, errors) and toYaml.
#include "api/manifest.h"

#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/testdata_test.h"

namespace peapod::api {
namespace {

using nlohmann::json;

json parseOne(std::string_view text) {
  auto docs = parseManifests(text);
  EXPECT_TRUE(docs.ok()) << docs.error().message();
  if (!docs.ok() || docs->size() != 1) {
    ADD_FAILURE() << "expected one document";
    return nullptr;
  }
  return (*docs)[0];
}

TEST(ParseManifests, YamlPod) {
  json j = parseOne(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: web
    image: nginx:1.25
    ports:
    - containerPort: 80
      hostPort: 8080.0
)");
  auto pod = podFromJson(j);
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  EXPECT_EQ(pod->metadata.labels.at("app"), "web");
  EXPECT_EQ(pod->spec.containers[0].image, "nginx:1.25");
  EXPECT_EQ(pod->spec.containers[0].ports[0].containerPort, 80);
  EXPECT_EQ(pod->spec.containers[0].ports[0].hostPort, 8080);
}

TEST(ParseManifests, TypedAsKubectlTypesThem) {
  json j = parseOne(R"(a: true
b: False
c: null
d: ~
e:
f: 12
g: -7
h: 0x1F
i: 0o17
j: 1.5
k: 1e3
l: "12"
m: 'true'
n: yes
o: 012
p: !!str 5
q: |
  line1
  line2
r: 2026-11-22T17:40:01Z
)");
  EXPECT_EQ(j["a"], true);
  EXPECT_EQ(j["b"], false);
  EXPECT_TRUE(j["c"].is_null());
  EXPECT_TRUE(j["d"].is_null());
  EXPECT_TRUE(j["e"].is_null());
  EXPECT_EQ(j["f"], 12);
  EXPECT_EQ(j["g"], -7);
  EXPECT_EQ(j["h"], 31);
  EXPECT_EQ(j["i"], 15);
  EXPECT_EQ(j["j"], 1.5);
  EXPECT_EQ(j["k"], 1000.0);
  EXPECT_EQ(j["l"], "12");
  EXPECT_EQ(j["m"], "true");
  EXPECT_EQ(j["n"], true);  // go-yaml v2 (YAML 1.1): yes/on/y are booleans
  EXPECT_EQ(j["o"], 10);    // a leading zero is octal: defaultMode 0644 is 420
  EXPECT_EQ(j["p"], "5");
  EXPECT_EQ(j["q"], "line1\nline2\n");
  EXPECT_EQ(j["r"], "2026-11-22T17:40:01Z");
}

TEST(ParseManifests, YamlOneOneNumbersAndBooleans) {
  json j = parseOne(R"(mode: 0644
neg: -012
zero: 0
grouped: 1_000
bin: 0b101
eight: 08
k_off: off
k_no: No
k_n: n
name: none
max: 9223372036854775807
min: -9223372036854775808
)");
  EXPECT_EQ(j["mode"], 420);
  EXPECT_EQ(j["neg"], -10);
  EXPECT_EQ(j["zero"], 0);
  EXPECT_EQ(j["grouped"], 1000);
  EXPECT_EQ(j["bin"], 5);
  EXPECT_EQ(j["eight"], 8.0);  // not octal, so a float, as Go parses it
  EXPECT_EQ(j["k_off"], false);
  EXPECT_EQ(j["k_no"], false);
  EXPECT_EQ(j["k_n"], false);
  EXPECT_EQ(j["name"], "none");
  EXPECT_EQ(j["max"], INT64_MAX);
  EXPECT_EQ(j["min"], INT64_MIN);
}

TEST(ParseManifests, MultiDocumentSkipsEmptyAndExpandsLists) {
  auto docs = parseManifests(R"(---
# only a comment
---
kind: Pod
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- kind: Pod
  metadata: {name: b}
- kind: Pod
  metadata: {name: c}
)");
  ASSERT_TRUE(docs.ok()) << docs.error().message();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0]["metadata"]["name"], "a");
  EXPECT_EQ((*docs)[1]["metadata"]["name"], "b");
  EXPECT_EQ((*docs)[2]["metadata"]["name"], "c");
}

TEST(ParseManifests, Json) {
  auto docs = parseManifests(R"( {"kind": "Pod", "metadata": {"name": "a"}} {"kind": "Pod"} )");
  ASSERT_TRUE(docs.ok()) << docs.error().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["metadata"]["name"], "a");
  auto list = parseManifests(R"({"kind": "List", "items": [{"kind": "Pod"}]})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST(ParseManifests, EmptyInput) {
  auto docs = parseManifests("  \n");
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE(docs->empty());
}

TEST(ParseManifests, Errors) {
  auto bad = parseManifests("kind: Pod\nmetadata:\n  name: a: b\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "error converting YAML to JSON: yaml: line 3: column 10: illegal map value");
  auto dup = parseManifests("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message(),
            "error converting YAML to JSON: yaml: line 3: column 1: key \"a\" already set in map");
  auto scalar = parseManifests("just text\n");
  ASSERT_FALSE(scalar.ok());
  EXPECT_EQ(scalar.error().message(), "document 1: expected an object, got string");
  auto json = parseManifests("{\"a\": }");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.error().message().find("error parsing JSON"), std::string::npos);
}

TEST(ToYaml, KubectlStyle) {
  json j = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "creationTimestamp": null, "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "nginx", "args": ["-p", "8080"],
                             "ports": [{"containerPort": 80}], "env": []}],
             "nodeSelector": {}},
    "status": {}
  })");
  EXPECT_EQ(toYaml(j), R"(apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    app: web
  name: web
spec:
  containers:
  - args:
    - -p
    - "8080"
    env: []
    image: nginx
    name: web
    ports:
    - containerPort: 80
  nodeSelector: {}
status: {}
)");
}

TEST(ToYaml, QuotesWhatWouldNotReadBackAsString) {
  for (const char* s : {"", "8080", "true", "no", "null", "~", "1.5", "-1", "2026-11-22T17:40:01Z", " x", "x ",
                        "a: b", "a #b", "- x", "-", "*x", "&x", "!x", "{x", "[x", "#x", "@x", "'x", "\"x", "x:",
                        "tab\there", ".inf", "<<"}) {
    json j = {{"k", s}};
    std::string y = toYaml(j);
    auto back = parseManifests(y);
    ASSERT_TRUE(back.ok()) << s << " -> " << y << ": " << back.error().message();
    EXPECT_EQ((*back)[0], j) << y;
    EXPECT_NE(y.find('"'), std::string::npos) << y;
  }
  for (const char* s : {"nginx:1.25", "web", "/dev/termination-log", "a-b", "IfNotPresent", "x.y/z", "-p"}) {
    EXPECT_EQ(toYaml(json{{"k", s}}), std::string("k: ") + s + "\n");
  }
}

TEST(ToYaml, MultiLineStringsUseLiteralBlocks) {
  json j = {{"a", "line1\nline2\n"}, {"b", "x\ny"}, {"c", {"p\nq\n\n"}}};
  std::string y = toYaml(j);
  EXPECT_EQ(y, "a: |\n  line1\n  line2\nb: |-\n  x\n  y\nc:\n- |+\n  p\n  q\n\n");
  auto back = parseManifests(y);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ((*back)[0], j);
}

TEST(ToYaml, FullPodRoundTrips) {
  json j = json::parse(testdata::kFullPodJson);
  std::string y = toYaml(j);
  auto back = parseManifests(y);
  ASSERT_TRUE(back.ok()) << back.error().message() << "\n" << y;
  EXPECT_EQ((*back)[0], j) << y;
}

TEST(ToYaml, NestedSequences) {
  json j = {{"a", json::array({json::array({1, 2}), json::array(), json::object({{"x", json::array({"y"})}})})}};
  std::string y = toYaml(j);
  EXPECT_EQ(y, "a:\n- - 1\n  - 2\n- []\n- x:\n  - \"y\"\n");
  auto back = parseManifests(y);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ((*back)[0], j);
}

}  // namespace
}  // namespace peapod::api
