// PATCH bodies applied to stored objects: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and
// Kubernetes' strategic merge patch for Pods (lists merged by key, with its $ directives).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::server {

enum class PatchType { kJson, kMerge, kStrategic, kApply, kUnknown };

// From the Content-Type of a PATCH request.
PatchType patchTypeOf(const std::string& contentType);

// Strategic merge patch as the apiserver applies it to core/v1 objects: merge keys per field
// (containers by name, ports by containerPort, volumeMounts by mountPath...), $patch
// replace/delete/merge, $setElementOrder/<f>, $retainKeys, $deleteFromPrimitiveList/<f>.
nlohmann::json strategicMerge(const nlohmann::json& original, const nlohmann::json& patch);

// Applies a patch of the given type; errors carry the message for a 400/422.
Result<nlohmann::json> applyPatch(PatchType type, const nlohmann::json& original, const nlohmann::json& patch);

}  // namespace peapod::server
