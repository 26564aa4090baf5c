// setPodDefaults: mirrors SetDefaults_Pod/PodSpec/Container/Volume/Probe of Kubernetes core/v1.
#include "api/defaults.h"

namespace peapod::api {

std::string imageTagOrLatest(std::string_view image) {
  size_t at = image.find('@');
  bool hasDigest = at != std::string_view::npos;
  std::string_view name = hasDigest ? image.substr(0, at) : image;
  // A ':' after the last '/' separates the tag; earlier ones belong to a registry port.
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    return std::string(name.substr(colon + 1));
  return hasDigest ? std::string() : std::string("latest");
}

std::string defaultImagePullPolicy(std::string_view image) {
  return imageTagOrLatest(image) == "latest" ? "Always" : "IfNotPresent";
}

namespace {

void setHttpGetDefaults(std::optional<HTTPGetAction>& h) {
  if (!h) return;
  if (h->path.empty()) h->path = "/";
  if (h->scheme.empty()) h->scheme = "HTTP";
}

void setProbeDefaults(std::optional<Probe>& p) {
  if (!p) return;
  if (p->timeoutSeconds == 0) p->timeoutSeconds = 1;
  if (p->periodSeconds == 0) p->periodSeconds = 10;
  if (p->successThreshold == 0) p->successThreshold = 1;
  if (p->failureThreshold == 0) p->failureThreshold = 3;
  setHttpGetDefaults(p->httpGet);
}

}  // namespace

void setContainerDefaults(Container& c) {
  setProbeDefaults(c.livenessProbe);
  setProbeDefaults(c.readinessProbe);
  setProbeDefaults(c.startupProbe);
  if (c.lifecycle) {
    if (c.lifecycle->postStart) setHttpGetDefaults(c.lifecycle->postStart->httpGet);
    if (c.lifecycle->preStop) setHttpGetDefaults(c.lifecycle->preStop->httpGet);
  }
  for (auto& e : c.env) {
    if (e.valueFrom && e.valueFrom->fieldRef && e.valueFrom->fieldRef->apiVersion.empty())
      e.valueFrom->fieldRef->apiVersion = "v1";
  }
  if (c.imagePullPolicy.empty()) c.imagePullPolicy = defaultImagePullPolicy(c.image);
  if (c.terminationMessagePath.empty()) c.terminationMessagePath = "/dev/termination-log";
  if (c.terminationMessagePolicy.empty()) c.terminationMessagePolicy = "File";
  for (auto& p : c.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
  }
}

void setPodDefaults(Pod& pod) {
  if (pod.apiVersion.empty()) pod.apiVersion = "v1";
  if (pod.kind.empty()) pod.kind = "Pod";
  if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = "default";
  PodSpec& s = pod.spec;
  if (s.restartPolicy.empty()) s.restartPolicy = "Always";
  if (!s.terminationGracePeriodSeconds) s.terminationGracePeriodSeconds = 30;
  if (s.dnsPolicy.empty()) s.dnsPolicy = "ClusterFirst";
  if (s.schedulerName.empty()) s.schedulerName = "default-scheduler";
  if (!s.enableServiceLinks) s.enableServiceLinks = true;
  if (!s.securityContext) s.securityContext.emplace();
  for (auto& c : s.initContainers) setContainerDefaults(c);
  for (auto& c : s.containers) setContainerDefaults(c);
  // With hostNetwork the host port is the container port (SetDefaults_Pod).
  if (s.hostNetwork) {
    for (auto* list : {&s.initContainers, &s.containers}) {
      for (auto& c : *list) {
        for (auto& p : c.ports) {
          if (!p.hostPort || *p.hostPort == 0) p.hostPort = p.containerPort;
        }
      }
    }
  }
  for (auto& v : s.volumes) {
    // A volume with no source defaults to an emptyDir (SetDefaults_Volume).
    if (!v.hostPath && !v.emptyDir && !v.secret && !v.configMap && !v.downwardAPI && !v.projected) v.emptyDir.emplace();
    if (v.hostPath && !v.hostPath->type) v.hostPath->type = "";
    setVolumeSourceDefaults(v);
  }
}

}  // namespace peapod::api
