// Kubernetes defaulting for Pods (pkg/apis/core/v1/defaults.go), applied before validation.
#pragma once

#include <string>
#include <string_view>

#include "api/types.h"

namespace peapod::api {

// Fills every unset field Kubernetes defaults: namespace, restartPolicy, grace period, DNS
// policy, scheduler, service links, pod securityContext {}, per-container pull and
// termination-message policy, port protocols, probe timings (1s/10s/1/3), httpGet path "/" and
// scheme HTTP, fieldRef apiVersion, hostPath type. Leaves uid/creationTimestamp to the server.
void setPodDefaults(Pod& pod);
void setContainerDefaults(Container& c);
// configMap/secret/downwardAPI/projected defaultMode 0644 (420) and item fieldRef apiVersion v1
// (defaults_volumes.cc).
void setVolumeSourceDefaults(Volume& v);

// The image's tag, "latest" when it has neither tag nor digest, "" when only a digest.
std::string imageTagOrLatest(std::string_view image);
// Always for ":latest" or untagged images, IfNotPresent otherwise (kubelet's rule).
std::string defaultImagePullPolicy(std::string_view image);

}  // namespace peapod::api
