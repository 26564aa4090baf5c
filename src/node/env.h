// Container environment as the kubelet builds it (makeEnvironmentVariables): the KUBERNETES_SERVICE
// family, then the container's env in order with $(VAR) expansion and downward-API values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "node/object_source.h"

namespace peapod::node {

// What the downward API and the service variables need from the node.
struct NodeFacts {
  std::string hostIP;
  std::string kubernetesServiceHost = "10.96.0.1";  // the cluster's `kubernetes` service
  int kubernetesServicePort = 443;
  int64_t cpuMillis = 0;     // allocatable, the value of limits.* a container does not set
  int64_t memoryBytes = 0;
  int64_t ephemeralBytes = 0;
  // ConfigMaps and Secrets for envFrom, configMapKeyRef and secretKeyRef; null: none exist.
  const ObjectSource* objects = nullptr;
};

// Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): "$$" is a literal "$",
// $(NAME) is replaced when lookup knows NAME and kept as written otherwise.
std::string expandVars(const std::string& input,
                       const std::function<std::optional<std::string>(const std::string&)>& lookup);

// The value of a fieldRef path ("metadata.labels['app']", "status.podIP", ...).
Result<std::string> podFieldValue(const api::Pod& pod, const std::string& fieldPath);

// The value of a resourceFieldRef ("limits.memory" with divisor "1Mi"), rounded up.
Result<std::string> resourceFieldValue(const api::Container& c, const api::ResourceFieldSelector& sel,
                                       const NodeFacts& node);

// KUBERNETES_SERVICE_HOST, _PORT, KUBERNETES_PORT_443_TCP... as "K=V".
std::vector<std::string> serviceEnv(const NodeFacts& node);

// The kubelet's list for one container ("K=V", duplicates resolved later by the caller):
// service variables, then envFrom (prefixed keys of ConfigMaps/Secrets), then each env entry
// (literal values expanded against everything before it). A missing ConfigMap, Secret or key
// that is not optional fails with the kubelet's message (`configmap "x" not found`,
// `couldn't find key k in ConfigMap ns/x`): the container's CreateContainerConfigError.
Result<std::vector<std::string>> kubeletEnv(const api::Pod& pod, const api::Container& c, const NodeFacts& node);

// command and args with $(VAR) expanded against the final environment.
std::vector<std::string> expandAll(const std::vector<std::string>& in, const std::vector<std::string>& env);

}  // namespace peapod::node
