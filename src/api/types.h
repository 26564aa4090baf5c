// Kubernetes core/v1 Pod types: plain structs whose members are named like their JSON keys.
//
// Each struct lists its fields once in `fields(v)`; the codec (codec.h) walks that list to
// encode and strictly decode. Adding a field is one member plus one `v(...)` line; append new
// members at the end of a struct so positional aggregate initialisers elsewhere keep working.
// The FieldOpt of a field mirrors its Go json tag: kOmitEmpty for ",omitempty", kAlways when
// the tag has no omitempty, kTime for metav1.Time values (a zero time encodes as null).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/field_opt.h"
#include "api/types_parts.h"
#include "api/types_volumes.h"

namespace peapod::api {

using StringMap = std::map<std::string, std::string>;

struct ObjectMeta {
  std::string name;
  std::string generateName;
  std::string namespace_;  // JSON "namespace"
  std::string uid;
  std::string resourceVersion;
  int64_t generation = 0;
  std::string creationTimestamp;  // RFC 3339; "" encodes as null like Go's zero metav1.Time
  std::optional<std::string> deletionTimestamp;
  std::optional<int64_t> deletionGracePeriodSeconds;
  StringMap labels;
  StringMap annotations;
  std::vector<std::string> finalizers;
  std::vector<OwnerReference> ownerReferences;

  template <class V> void fields(V& v) {
    v("name", name);
    v("generateName", generateName);
    v("namespace", namespace_);
    v("uid", uid);
    v("resourceVersion", resourceVersion);
    v("generation", generation);
    v("creationTimestamp", creationTimestamp, kTime);
    v("deletionTimestamp", deletionTimestamp);
    v("deletionGracePeriodSeconds", deletionGracePeriodSeconds);
    v("labels", labels);
    v("annotations", annotations);
    v("finalizers", finalizers);
    v("ownerReferences", ownerReferences);
  }
  bool operator==(const ObjectMeta&) const = default;
};

struct EnvVar {
  std::string name;
  std::string value;
  std::optional<EnvVarSource> valueFrom;
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("value", value);
    v("valueFrom", valueFrom);
  }
  bool operator==(const EnvVar&) const = default;
};

struct ContainerPort {
  std::string name;
  std::optional<int32_t> hostPort;
  int32_t containerPort = 0;
  std::string protocol;
  std::string hostIP;
  template <class V> void fields(V& v) {
    v("name", name);
    v("hostPort", hostPort);
    v("containerPort", containerPort, kAlways);
    v("protocol", protocol);
    v("hostIP", hostIP);
  }
  bool operator==(const ContainerPort&) const = default;
};

struct VolumeMount {
  std::string name;
  bool readOnly = false;
  std::string mountPath;
  std::string subPath;
  std::optional<std::string> mountPropagation;  // None (unset), HostToContainer, Bidirectional
  std::string subPathExpr;                      // subPath with $(VAR) from the container's env
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("readOnly", readOnly);
    v("mountPath", mountPath, kAlways);
    v("subPath", subPath);
    v("mountPropagation", mountPropagation);
    v("subPathExpr", subPathExpr);
  }
  bool operator==(const VolumeMount&) const = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string workingDir;
  std::vector<ContainerPort> ports;
  std::vector<EnvVar> env;
  std::vector<VolumeMount> volumeMounts;
  std::string terminationMessagePath;
  std::string terminationMessagePolicy;
  std::string imagePullPolicy;
  bool stdin = false;
  bool tty = false;
  ResourceRequirements resources;
  std::optional<Probe> livenessProbe;
  std::optional<Probe> readinessProbe;
  std::optional<Probe> startupProbe;
  std::optional<Lifecycle> lifecycle;
  std::optional<SecurityContext> securityContext;
  bool stdinOnce = false;
  std::optional<std::string> restartPolicy;  // "Always" makes an init container a sidecar
  std::vector<EnvFromSource> envFrom;

  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("image", image);
    v("command", command);
    v("args", args);
    v("workingDir", workingDir);
    v("ports", ports);
    v("env", env);
    v("volumeMounts", volumeMounts);
    v("terminationMessagePath", terminationMessagePath);
    v("terminationMessagePolicy", terminationMessagePolicy);
    v("imagePullPolicy", imagePullPolicy);
    v("stdin", stdin);
    v("tty", tty);
    v("resources", resources);
    v("livenessProbe", livenessProbe);
    v("readinessProbe", readinessProbe);
    v("startupProbe", startupProbe);
    v("lifecycle", lifecycle);
    v("securityContext", securityContext);
    v("stdinOnce", stdinOnce);
    v("restartPolicy", restartPolicy);
    v("envFrom", envFrom);
  }
  bool operator==(const Container&) const = default;
};

struct EmptyDirVolumeSource {
  std::string medium;
  std::string sizeLimit;  // a resource.Quantity, kept as text ("1Gi")
  template <class V> void fields(V& v) {
    v("medium", medium);
    v("sizeLimit", sizeLimit);
  }
  bool operator==(const EmptyDirVolumeSource&) const = default;
};

struct HostPathVolumeSource {
  std::string path;
  std::optional<std::string> type;
  template <class V> void fields(V& v) {
    v("path", path, kAlways);
    v("type", type);
  }
  bool operator==(const HostPathVolumeSource&) const = default;
};

struct Volume {
  std::string name;
  std::optional<HostPathVolumeSource> hostPath;
  std::optional<EmptyDirVolumeSource> emptyDir;
  std::optional<SecretVolumeSource> secret;
  std::optional<ConfigMapVolumeSource> configMap;
  std::optional<DownwardAPIVolumeSource> downwardAPI;
  std::optional<ProjectedVolumeSource> projected;
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("hostPath", hostPath);
    v("emptyDir", emptyDir);
    v("secret", secret);
    v("configMap", configMap);
    v("downwardAPI", downwardAPI);
    v("projected", projected);
  }
  bool operator==(const Volume&) const = default;
};

struct PodSpec {
  std::vector<Volume> volumes;
  std::vector<Container> initContainers;
  std::vector<Container> containers;
  std::string restartPolicy;
  std::optional<int64_t> terminationGracePeriodSeconds;
  std::optional<int64_t> activeDeadlineSeconds;
  std::string dnsPolicy;
  StringMap nodeSelector;
  std::string serviceAccountName;
  std::optional<bool> automountServiceAccountToken;
  std::string nodeName;
  bool hostNetwork = false;
  bool hostPID = false;
  bool hostIPC = false;
  std::optional<bool> shareProcessNamespace;
  std::string hostname;
  std::string subdomain;
  std::string schedulerName;
  std::optional<int32_t> priority;
  std::optional<bool> enableServiceLinks;
  std::optional<PodSecurityContext> securityContext;
  std::vector<Toleration> tolerations;
  std::vector<LocalObjectReference> imagePullSecrets;
  std::optional<PodDNSConfig> dnsConfig;
  std::vector<HostAlias> hostAliases;
  std::optional<bool> setHostnameAsFQDN;
  std::string priorityClassName;
  std::optional<std::string> runtimeClassName;
  std::string serviceAccount;  // deprecated alias of serviceAccountName, still emitted by Kubernetes

  template <class V> void fields(V& v) {
    v("volumes", volumes);
    v("initContainers", initContainers);
    v("containers", containers, kAlways);
    v("restartPolicy", restartPolicy);
    v("terminationGracePeriodSeconds", terminationGracePeriodSeconds);
    v("activeDeadlineSeconds", activeDeadlineSeconds);
    v("dnsPolicy", dnsPolicy);
    v("nodeSelector", nodeSelector);
    v("serviceAccountName", serviceAccountName);
    v("automountServiceAccountToken", automountServiceAccountToken);
    v("nodeName", nodeName);
    v("hostNetwork", hostNetwork);
    v("hostPID", hostPID);
    v("hostIPC", hostIPC);
    v("shareProcessNamespace", shareProcessNamespace);
    v("hostname", hostname);
    v("subdomain", subdomain);
    v("schedulerName", schedulerName);
    v("priority", priority);
    v("enableServiceLinks", enableServiceLinks);
    v("securityContext", securityContext);
    v("tolerations", tolerations);
    v("imagePullSecrets", imagePullSecrets);
    v("dnsConfig", dnsConfig);
    v("hostAliases", hostAliases);
    v("setHostnameAsFQDN", setHostnameAsFQDN);
    v("priorityClassName", priorityClassName);
    v("runtimeClassName", runtimeClassName);
    v("serviceAccount", serviceAccount);
  }
  bool operator==(const PodSpec&) const = default;
};

struct PodCondition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::optional<std::string> lastProbeTime;
  std::string lastTransitionTime;
  std::string reason;
  std::string message;
  template <class V> void fields(V& v) {
    v("type", type, kAlways);
    v("status", status, kAlways);
    v("lastProbeTime", lastProbeTime, kTime);
    v("lastTransitionTime", lastTransitionTime, kTime);
    v("reason", reason);
    v("message", message);
  }
  bool operator==(const PodCondition&) const = default;
};

struct PodIP {
  std::string ip;
  template <class V> void fields(V& v) { v("ip", ip, kAlways); }
  bool operator==(const PodIP&) const = default;
};

struct ContainerStateWaiting {
  std::string reason;
  std::string message;
  template <class V> void fields(V& v) {
    v("reason", reason);
    v("message", message);
  }
  bool operator==(const ContainerStateWaiting&) const = default;
};

struct ContainerStateRunning {
  std::string startedAt;
  template <class V> void fields(V& v) { v("startedAt", startedAt, kTime); }
  bool operator==(const ContainerStateRunning&) const = default;
};

struct ContainerStateTerminated {
  int32_t exitCode = 0;
  int32_t signal = 0;
  std::string reason;
  std::string message;
  std::string startedAt;
  std::string finishedAt;
  std::string containerID;
  template <class V> void fields(V& v) {
    v("exitCode", exitCode, kAlways);
    v("signal", signal);
    v("reason", reason);
    v("message", message);
    v("startedAt", startedAt, kTime);
    v("finishedAt", finishedAt, kTime);
    v("containerID", containerID);
  }
  bool operator==(const ContainerStateTerminated&) const = default;
};

// At most one member is set; none set means "waiting" with no reason yet.
struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  template <class V> void fields(V& v) {
    v("waiting", waiting);
    v("running", running);
    v("terminated", terminated);
  }
  bool operator==(const ContainerState&) const = default;
};

struct ContainerStatus {
  std::string name;
  ContainerState state;
  ContainerState lastState;
  bool ready = false;
  int32_t restartCount = 0;
  std::string image;
  std::string imageID;
  std::string containerID;
  std::optional<bool> started;
  template <class V> void fields(V& v) {
    v("name", name, kAlways);
    v("state", state);
    v("lastState", lastState);
    v("ready", ready, kAlways);
    v("restartCount", restartCount, kAlways);
    v("image", image, kAlways);
    v("imageID", imageID, kAlways);
    v("containerID", containerID);
    v("started", started);
  }
  bool operator==(const ContainerStatus&) const = default;
};

struct PodStatus {
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown
  std::vector<PodCondition> conditions;
  std::string message;
  std::string reason;
  std::string hostIP;
  std::vector<PodIP> hostIPs;
  std::string podIP;
  std::vector<PodIP> podIPs;
  std::optional<std::string> startTime;
  std::vector<ContainerStatus> initContainerStatuses;
  std::vector<ContainerStatus> containerStatuses;
  std::string qosClass;
  template <class V> void fields(V& v) {
    v("phase", phase);
    v("conditions", conditions);
    v("message", message);
    v("reason", reason);
    v("hostIP", hostIP);
    v("hostIPs", hostIPs);
    v("podIP", podIP);
    v("podIPs", podIPs);
    v("startTime", startTime);
    v("initContainerStatuses", initContainerStatuses);
    v("containerStatuses", containerStatuses);
    v("qosClass", qosClass);
  }
  bool operator==(const PodStatus&) const = default;
};

struct Pod {
  std::string apiVersion = "v1";
  std::string kind = "Pod";
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  template <class V> void fields(V& v) {
    v("apiVersion", apiVersion);
    v("kind", kind);
    v("metadata", metadata);
    v("spec", spec);
    v("status", status);
  }
  bool operator==(const Pod&) const = default;
};

}  // namespace peapod::api
