// Kubernetes defaulting for Pods (pkg/apis/core/v1/defaults.go), applied before validation.
#pragma once

#include <string>
#include <string_view>

#include "api/types.h"

namespace peapod::api {

// Fills every unset field Kubernetes defaults: namespace, restartPolicy, grace period, DNS
// policy, scheduler, service links, per-container pull/termination-message policy, port
// protocols, hostPath type. Leaves uid/creationTimestamp to the server.
void setPodDefaults(Pod& pod);
void setContainerDefaults(Container& c);

// The image's tag, "latest" when it has neither tag nor digest, "" when only a digest.
std::string imageTagOrLatest(std::string_view image);
// Always for ":latest" or untagged images, IfNotPresent otherwise (kubelet's rule).
std::string defaultImagePullPolicy(std::string_view image);

}  // namespace peapod::api
