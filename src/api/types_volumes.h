// core/v1 volume sources whose content the node writes (configMap, secret, downwardAPI,
// projected) and the envFrom sources: the ConfigMap/Secret consumers of a Pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/field_opt.h"
#include "api/types_parts.h"

namespace peapod::api {

// One key of a ConfigMap or Secret written as a file at `path` (relative to the volume).
struct KeyToPath {
  std::string key;
  std::string path;
  std::optional<int32_t> mode;
  template <class V> void fields(V& v) {
    v("key", key, kAlways);
    v("path", path, kAlways);
    v("mode", mode);
  }
  bool operator==(const KeyToPath&) const = default;
};

struct ConfigMapVolumeSource {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<int32_t> defaultMode;  // defaulted to 0644 (420)
  std::optional<bool> optional;
  template <class V> void fields(V& v) {
    v("name", name);
    v("items", items);
    v("defaultMode", defaultMode);
    v("optional", optional);
  }
  bool operator==(const ConfigMapVolumeSource&) const = default;
};

struct SecretVolumeSource {
  std::string secretName;
  std::vector<KeyToPath> items;
  std::optional<int32_t> defaultMode;  // defaulted to 0644 (420)
  std::optional<bool> optional;
  template <class V> void fields(V& v) {
    v("secretName", secretName);
    v("items", items);
    v("defaultMode", defaultMode);
    v("optional", optional);
  }
  bool operator==(const SecretVolumeSource&) const = default;
};

struct DownwardAPIVolumeFile {
  std::string path;
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<int32_t> mode;
  template <class V> void fields(V& v) {
    v("path", path, kAlways);
    v("fieldRef", fieldRef);
    v("resourceFieldRef", resourceFieldRef);
    v("mode", mode);
  }
  bool operator==(const DownwardAPIVolumeFile&) const = default;
};

struct DownwardAPIVolumeSource {
  std::vector<DownwardAPIVolumeFile> items;
  std::optional<int32_t> defaultMode;  // defaulted to 0644 (420)
  template <class V> void fields(V& v) {
    v("items", items);
    v("defaultMode", defaultMode);
  }
  bool operator==(const DownwardAPIVolumeSource&) const = default;
};

struct ConfigMapProjection {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<bool> optional;
  template <class V> void fields(V& v) {
    v("name", name);
    v("items", items);
    v("optional", optional);
  }
  bool operator==(const ConfigMapProjection&) const = default;
};
using SecretProjection = ConfigMapProjection;  // the same fields in core/v1

struct DownwardAPIProjection {
  std::vector<DownwardAPIVolumeFile> items;
  template <class V> void fields(V& v) { v("items", items); }
  bool operator==(const DownwardAPIProjection&) const = default;
};

// Accepted so that manifests written for a cluster decode; this node has no token issuer.
struct ServiceAccountTokenProjection {
  std::string audience;
  std::optional<int64_t> expirationSeconds;
  std::string path;
  template <class V> void fields(V& v) {
    v("audience", audience);
    v("expirationSeconds", expirationSeconds);
    v("path", path, kAlways);
  }
  bool operator==(const ServiceAccountTokenProjection&) const = default;
};

struct VolumeProjection {
  std::optional<SecretProjection> secret;
  std::optional<DownwardAPIProjection> downwardAPI;
  std::optional<ConfigMapProjection> configMap;
  std::optional<ServiceAccountTokenProjection> serviceAccountToken;
  template <class V> void fields(V& v) {
    v("secret", secret);
    v("downwardAPI", downwardAPI);
    v("configMap", configMap);
    v("serviceAccountToken", serviceAccountToken);
  }
  bool operator==(const VolumeProjection&) const = default;
};

struct ProjectedVolumeSource {
  std::vector<VolumeProjection> sources;
  std::optional<int32_t> defaultMode;  // defaulted to 0644 (420)
  template <class V> void fields(V& v) {
    v("sources", sources);
    v("defaultMode", defaultMode);
  }
  bool operator==(const ProjectedVolumeSource&) const = default;
};

// envFrom: every key of a ConfigMap or Secret as a variable, optionally prefixed.
struct ConfigMapEnvSource {
  std::string name;
  std::optional<bool> optional;
  template <class V> void fields(V& v) {
    v("name", name);
    v("optional", optional);
  }
  bool operator==(const ConfigMapEnvSource&) const = default;
};
using SecretEnvSource = ConfigMapEnvSource;  // the same fields in core/v1

struct EnvFromSource {
  std::string prefix;
  std::optional<ConfigMapEnvSource> configMapRef;
  std::optional<SecretEnvSource> secretRef;
  template <class V> void fields(V& v) {
    v("prefix", prefix);
    v("configMapRef", configMapRef);
    v("secretRef", secretRef);
  }
  bool operator==(const EnvFromSource&) const = default;
};

}  // namespace peapod::api
