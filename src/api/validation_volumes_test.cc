// Unit tests for the content volume sources, env sources and mount extras: defaults and
// validation messages as Kubernetes prints them.
#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"

namespace peapod::api {
namespace {

Pod podWith(const std::string& yamlSpec) {
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + yamlSpec;
  auto docs = parseManifests(yaml);
  EXPECT_TRUE(docs.ok() && docs->size() == 1) << (docs.ok() ? "" : docs.error().message());
  if (!docs.ok() || docs->empty()) return Pod{};
  auto pod = podFromJson(docs->front());
  EXPECT_TRUE(pod.ok()) << (pod.ok() ? "" : pod.error().message());
  Pod p = pod.ok() ? *pod : Pod{};
  setPodDefaults(p);
  return p;
}

std::string errorsOf(const std::string& yamlSpec) { return joinFieldErrors(validatePod(podWith(yamlSpec))); }

const char* kContainer = "  containers: [{name: c, image: busybox";

TEST(VolumeDefaults, DefaultModeIs420) {
  Pod p = podWith(std::string(kContainer) + "}]\n  volumes:\n"
                  "  - {name: a, configMap: {name: x}}\n  - {name: b, secret: {secretName: s}}\n"
                  "  - {name: c, downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}}\n"
                  "  - {name: d, projected: {sources: []}}\n");
  ASSERT_EQ(p.spec.volumes.size(), 4u);
  EXPECT_EQ(p.spec.volumes[0].configMap->defaultMode, 420);
  EXPECT_EQ(p.spec.volumes[1].secret->defaultMode, 420);
  EXPECT_EQ(p.spec.volumes[2].downwardAPI->defaultMode, 420);
  EXPECT_EQ(p.spec.volumes[2].downwardAPI->items[0].fieldRef->apiVersion, "v1");
  EXPECT_EQ(p.spec.volumes[3].projected->defaultMode, 420);
  EXPECT_FALSE(p.spec.volumes[0].emptyDir);  // a content source is not defaulted to emptyDir
  EXPECT_EQ(joinFieldErrors(validatePod(p)), "");
}

TEST(VolumeValidation, ContentSources) {
  EXPECT_EQ(errorsOf(std::string(kContainer) + "}]\n  volumes: [{name: a, configMap: {defaultMode: 1000, "
                     "items: [{key: '', path: ../x}, {key: k, path: ..y, mode: -1}]}}]\n"),
            "spec.volumes[0].configMap.name: Required value\n"
            "spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 "
            "(octal), both inclusive\n"
            "spec.volumes[0].configMap.items[0].key: Required value\n"
            "spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'\n"
            "spec.volumes[0].configMap.items[1].path: Invalid value: \"..y\": must not start with '..'\n"
            "spec.volumes[0].configMap.items[1].mode: Invalid value: -1: must be a number between 0 and 0777 "
            "(octal), both inclusive");
  EXPECT_EQ(errorsOf(std::string(kContainer) + "}]\n  volumes: [{name: a, secret: {}, emptyDir: {}}]\n"),
            "spec.volumes[0].secret: Forbidden: may not specify more than 1 volume type");
  EXPECT_EQ(errorsOf(std::string(kContainer) + "}]\n  volumes: [{name: a, secret: {}}]\n"),
            "spec.volumes[0].secret.secretName: Required value");
  EXPECT_EQ(errorsOf(std::string(kContainer) + "}]\n  volumes: [{name: a, downwardAPI: {items: "
                     "[{path: /abs, fieldRef: {fieldPath: status.podIP}}, {path: r, resourceFieldRef: "
                     "{resource: limits.cpu}}, {path: none}]}}]\n"),
            "spec.volumes[0].downwardAPI.items[0].path: Invalid value: \"/abs\": must be a relative path\n"
            "spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: \"status.podIP\": "
            "supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", "
            "\"metadata.namespace\", \"metadata.uid\"\n"
            "spec.volumes[0].downwardAPI.items[1].resourceFieldRef.containerName: Required value\n"
            "spec.volumes[0].downwardAPI.items[2]: Required value: one of fieldRef and resourceFieldRef is required");
  EXPECT_EQ(errorsOf(std::string(kContainer) + "}]\n  volumes: [{name: a, projected: {sources: ["
                     "{configMap: {name: x, items: [{key: k, path: p}]}, secret: {name: s}}, "
                     "{secret: {name: z, items: [{key: k, path: p}]}}]}}]\n"),
            "spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source\n"
            "spec.volumes[0].projected: Invalid value: \"z\": conflicting duplicate paths");
}

TEST(VolumeValidation, EnvSourcesAndMountExtras) {
  EXPECT_EQ(errorsOf(std::string(kContainer) + ", env: [{name: A, valueFrom: {configMapKeyRef: {name: Bad_Name, "
                     "key: 'a b'}}}, {name: B, valueFrom: {secretKeyRef: {name: s}}}]}]\n"),
            "spec.containers[0].env[0].valueFrom.configMapKeyRef.name: Invalid value: \"Bad_Name\": a lowercase "
            "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
            "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n"
            "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: \"a b\": a valid config key "
            "must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
            "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')\n"
            "spec.containers[0].env[1].valueFrom.secretKeyRef.key: Required value");
  EXPECT_EQ(errorsOf(std::string(kContainer) + ", envFrom: [{prefix: P_}, {configMapRef: {name: a}, secretRef: "
                     "{name: b}}, {secretRef: {}}]}]\n"),
            "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`\n"
            "spec.containers[0].envFrom: Invalid value: \"\": may not have more than one field specified at a time\n"
            "spec.containers[0].envFrom[2].secretRef.name: Required value");
  EXPECT_EQ(errorsOf(std::string(kContainer) + ", volumeMounts: [{name: v, mountPath: /a, subPath: x, subPathExpr: "
                     "'$(A)'}, {name: v, mountPath: /b, mountPropagation: Sideways}, {name: v, mountPath: /c, "
                     "mountPropagation: Bidirectional}]}]\n  volumes: [{name: v, emptyDir: {}}]\n"),
            "spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"$(A)\": subPathExpr and subPath are "
            "mutually exclusive\n"
            "spec.containers[0].volumeMounts[1].mountPropagation: Unsupported value: \"Sideways\": supported "
            "values: \"Bidirectional\", \"HostToContainer\", \"None\"\n"
            "spec.containers[0].volumeMounts[2].mountPropagation: Forbidden: Bidirectional mount propagation is "
            "available only to privileged containers");
}

}  // namespace
}  // namespace peapod::api
