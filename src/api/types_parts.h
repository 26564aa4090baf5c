// Building blocks of the core/v1 Pod types (types.h): probes, lifecycle hooks, security
// contexts, resources, env sources, tolerations, plus the IntOrString and Quantity scalars.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/field_opt.h"

namespace peapod::api {

// intstr.IntOrString: a JSON number or string ("8080" or "http").
struct IntOrString {
  bool isString = false;
  int32_t intVal = 0;
  std::string strVal;
  static IntOrString ofInt(int32_t v) { return IntOrString{false, v, {}}; }
  static IntOrString ofString(std::string s) { return IntOrString{true, 0, std::move(s)}; }
  bool operator==(const IntOrString&) const = default;
};

// resource.Quantity kept as its text ("500m", "1Gi"); JSON numbers are accepted on decode.
struct Quantity {
  std::string value;
  bool operator==(const Quantity&) const = default;
};
using ResourceList = std::map<std::string, Quantity>;

struct ResourceRequirements {
  ResourceList limits;
  ResourceList requests;
  template <class V> void fields(V& v) {
    v("limits", limits);
    v("requests", requests);
  }
  bool operator==(const ResourceRequirements&) const = default;
};

struct ObjectFieldSelector {
  std::string apiVersion;
  std::string fieldPath;
  template <class V> void fields(V& v) {
    v("apiVersion", apiVersion);
    v("fieldPath", fieldPath, kAlways);
  }
  bool operator==(const ObjectFieldSelector&) const = default;
};

struct ResourceFieldSelector {
  std::string containerName;
  std::string resource;
  std::optional<Quantity> divisor;
  template <class V> void fields(V& v) {
    v("containerName", containerName);
    v("resource", resource, kAlways);
    v("divisor", divisor);
  }
  bool operator==(const ResourceFieldSelector&) const = default;
};

// configMapKeyRef / secretKeyRef: one key of a ConfigMap or Secret in the pod's namespace.
struct ConfigMapKeySelector {
  std::string name;
  std::string key;
  std::optional<bool> optional;
  template <class V> void fields(V& v) {
    v("name", name);
    v("key", key, kAlways);
    v("optional", optional);
  }
  bool operator==(const ConfigMapKeySelector&) const = default;
};
using SecretKeySelector = ConfigMapKeySelector;  // the same fields in core/v1

struct EnvVarSource {
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<ConfigMapKeySelector> configMapKeyRef;
  std::optional<SecretKeySelector> secretKeyRef;
  template <class V> void fields(V& v) {
    v("fieldRef", fieldRef);
    v("resourceFieldRef", resourceFieldRef);
    v("configMapKeyRef", configMapKeyRef);
    v("secretKeyRef", secretKeyRef);
  }
  bool operator==(const EnvVarSource&) const = default;
};

struct ExecAction {
  std::vector<std::string> command;
  template <class V> void fields(V& v) { v("command", command); }
  bool operator==(const ExecAction&) const = default;
};

struct HTTPHeader {
  std::string name;
  std::string value;
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("value", value, kAlways);
  }
  bool operator==(const HTTPHeader&) const = default;
};

struct HTTPGetAction {
  std::string path;
  IntOrString port;
  std::string host;
  std::string scheme;
  std::vector<HTTPHeader> httpHeaders;
  template <class V> void fields(V& v) {
    v("path", path);
    v("port", port, kAlways);
    v("host", host);
    v("scheme", scheme);
    v("httpHeaders", httpHeaders);
  }
  bool operator==(const HTTPGetAction&) const = default;
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;
  template <class V> void fields(V& v) {
    v("port", port, kAlways);
    v("host", host);
  }
  bool operator==(const TCPSocketAction&) const = default;
};

struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;
  template <class V> void fields(V& v) {
    v("port", port, kAlways);
    v("service", service);
  }
  bool operator==(const GRPCAction&) const = default;
};

struct SleepAction {
  int64_t seconds = 0;
  template <class V> void fields(V& v) { v("seconds", seconds, kAlways); }
  bool operator==(const SleepAction&) const = default;
};

struct Probe {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  std::optional<GRPCAction> grpc;
  int32_t initialDelaySeconds = 0;
  int32_t timeoutSeconds = 0;
  int32_t periodSeconds = 0;
  int32_t successThreshold = 0;
  int32_t failureThreshold = 0;
  std::optional<int64_t> terminationGracePeriodSeconds;
  template <class V> void fields(V& v) {
    v("exec", exec);
    v("httpGet", httpGet);
    v("tcpSocket", tcpSocket);
    v("grpc", grpc);
    v("initialDelaySeconds", initialDelaySeconds);
    v("timeoutSeconds", timeoutSeconds);
    v("periodSeconds", periodSeconds);
    v("successThreshold", successThreshold);
    v("failureThreshold", failureThreshold);
    v("terminationGracePeriodSeconds", terminationGracePeriodSeconds);
  }
  bool operator==(const Probe&) const = default;
};

struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  std::optional<SleepAction> sleep;
  template <class V> void fields(V& v) {
    v("exec", exec);
    v("httpGet", httpGet);
    v("tcpSocket", tcpSocket);
    v("sleep", sleep);
  }
  bool operator==(const LifecycleHandler&) const = default;
};

struct Lifecycle {
  std::optional<LifecycleHandler> postStart;
  std::optional<LifecycleHandler> preStop;
  template <class V> void fields(V& v) {
    v("postStart", postStart);
    v("preStop", preStop);
  }
  bool operator==(const Lifecycle&) const = default;
};

struct Capabilities {
  std::vector<std::string> add;
  std::vector<std::string> drop;
  template <class V> void fields(V& v) {
    v("add", add);
    v("drop", drop);
  }
  bool operator==(const Capabilities&) const = default;
};

struct SeccompProfile {
  std::string type;  // RuntimeDefault, Unconfined, Localhost
  std::optional<std::string> localhostProfile;
  template <class V> void fields(V& v) {
    v("type", type, kAlways);
    v("localhostProfile", localhostProfile);
  }
  bool operator==(const SeccompProfile&) const = default;
};

struct SecurityContext {
  std::optional<Capabilities> capabilities;
  std::optional<bool> privileged;
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::optional<bool> readOnlyRootFilesystem;
  std::optional<bool> allowPrivilegeEscalation;
  std::optional<std::string> procMount;
  std::optional<SeccompProfile> seccompProfile;
  template <class V> void fields(V& v) {
    v("capabilities", capabilities);
    v("privileged", privileged);
    v("runAsUser", runAsUser);
    v("runAsGroup", runAsGroup);
    v("runAsNonRoot", runAsNonRoot);
    v("readOnlyRootFilesystem", readOnlyRootFilesystem);
    v("allowPrivilegeEscalation", allowPrivilegeEscalation);
    v("procMount", procMount);
    v("seccompProfile", seccompProfile);
  }
  bool operator==(const SecurityContext&) const = default;
};

struct Sysctl {
  std::string name;
  std::string value;
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("value", value, kAlways);
  }
  bool operator==(const Sysctl&) const = default;
};

struct PodSecurityContext {
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::vector<int64_t> supplementalGroups;
  std::optional<int64_t> fsGroup;
  std::vector<Sysctl> sysctls;
  std::optional<SeccompProfile> seccompProfile;
  template <class V> void fields(V& v) {
    v("runAsUser", runAsUser);
    v("runAsGroup", runAsGroup);
    v("runAsNonRoot", runAsNonRoot);
    v("supplementalGroups", supplementalGroups);
    v("fsGroup", fsGroup);
    v("sysctls", sysctls);
    v("seccompProfile", seccompProfile);
  }
  bool operator==(const PodSecurityContext&) const = default;
};

struct Toleration {
  std::string key;
  std::string operator_;  // JSON "operator"
  std::string value;
  std::string effect;
  std::optional<int64_t> tolerationSeconds;
  template <class V> void fields(V& v) {
    v("key", key);
    v("operator", operator_);
    v("value", value);
    v("effect", effect);
    v("tolerationSeconds", tolerationSeconds);
  }
  bool operator==(const Toleration&) const = default;
};

struct LocalObjectReference {
  std::string name;
  template <class V> void fields(V& v) { v("name", name); }
  bool operator==(const LocalObjectReference&) const = default;
};

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> blockOwnerDeletion;
  template <class V> void fields(V& v) {
    v("apiVersion", apiVersion, kAlways);
    v("kind", kind, kAlways);
    v("name", name, kAlways);
    v("uid", uid, kAlways);
    v("controller", controller);
    v("blockOwnerDeletion", blockOwnerDeletion);
  }
  bool operator==(const OwnerReference&) const = default;
};

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  template <class V> void fields(V& v) {
    v("name", name);
    v("value", value);
  }
  bool operator==(const PodDNSConfigOption&) const = default;
};

// Extra resolv.conf content; with dnsPolicy None it is the whole of it.
struct PodDNSConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<PodDNSConfigOption> options;
  template <class V> void fields(V& v) {
    v("nameservers", nameservers);
    v("searches", searches);
    v("options", options);
  }
  bool operator==(const PodDNSConfig&) const = default;
};

// An /etc/hosts entry added to the pod's hosts file.
struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  template <class V> void fields(V& v) {
    v("ip", ip);
    v("hostnames", hostnames);
  }
  bool operator==(const HostAlias&) const = default;
};

}  // namespace peapod::api
