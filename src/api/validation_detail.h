// Internal helpers shared by the validation files: building FieldErrors Kubernetes-style.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "api/validation.h"

namespace peapod::api::validation_detail {

using Errors = std::vector<FieldError>;
using T = FieldError::Type;

inline std::string num(int64_t v) { return std::to_string(v); }

inline void add(Errors& errs, T type, std::string field, std::string bad = {}, std::string detail = {}) {
  errs.push_back(FieldError{type, std::move(field), std::move(bad), std::move(detail)});
}

inline void required(Errors& errs, std::string field, std::string detail = {}) {
  add(errs, T::Required, std::move(field), {}, std::move(detail));
}

inline void forbidden(Errors& errs, std::string field, std::string detail) {
  add(errs, T::Forbidden, std::move(field), {}, std::move(detail));
}

// One Invalid error per message, as Kubernetes reports each failed rule separately.
void invalidEach(Errors& errs, const std::string& field, std::string_view value, const std::vector<std::string>& msgs);
// "Unsupported value: \"x\": supported values: \"a\", \"b\"" (list given sorted, as Kubernetes prints it).
void notSupported(Errors& errs, std::string field, std::string_view value, std::vector<std::string> supported);
// Required when empty, Unsupported when not one of `supported`.
void oneOf(Errors& errs, const std::string& field, const std::string& value, std::vector<std::string> supported);
// Whether one of the path's elements is "..".
bool hasDotDot(std::string_view path);
// "must be greater than or equal to 0" when negative (ValidateNonnegativeField).
void nonNegative(Errors& errs, const std::string& field, int64_t value);

// Probes, lifecycle hooks, env sources, tolerations (validation_container.cc).
void validateProbe(Errors& errs, const Probe& probe, const std::string& path, std::optional<int64_t> gracePeriod);
void validateLifecycle(Errors& errs, const Lifecycle& lc, const std::string& path, std::optional<int64_t> gracePeriod);
void validateEnvValueFrom(Errors& errs, const EnvVar& ev, const std::string& path);
// The probe/lifecycle/restartPolicy rules that differ between init, sidecar and app containers.
void validateContainerExtras(Errors& errs, const Container& c, const std::string& path, bool init,
                             std::optional<int64_t> gracePeriod);
// Resource names, non-negative quantities, requests <= limits.
void validateResources(Errors& errs, const ResourceRequirements& r, const std::string& path);
// validation_security.cc: user/group ids, seccomp profiles, procMount, sysctl names, and
// allowPrivilegeEscalation=false against privileged / CAP_SYS_ADMIN.
void validateSecurityContext(Errors& errs, const SecurityContext& sc, const std::string& path);
void validatePodSecurityContext(Errors& errs, const PodSecurityContext& sc, const std::string& path);
// validation_volumes.cc: volume sources beyond hostPath/emptyDir (returns the running count of
// sources, reporting a second one as Forbidden), mount extras, ConfigMap/Secret env sources.
int validateContentVolumeSources(Errors& errs, const Volume& v, const std::string& path, int sources);
void validateMountExtras(Errors& errs, const Container& c, const VolumeMount& m, const std::string& path);
void validateKeySelector(Errors& errs, const ConfigMapKeySelector& s, const std::string& path);
void validateEnvFrom(Errors& errs, const std::vector<EnvFromSource>& list, const std::string& path);
// validateLocalDescendingPath: "must be a relative path", "must not contain '..'".
void localDescendingPath(Errors& errs, const std::string& field, const std::string& p);
// validation.IsConfigMapKey.
std::vector<std::string> isConfigMapKey(std::string_view key);
void validateTolerations(Errors& errs, const std::vector<Toleration>& tolerations, const std::string& path);
// Update rule: existing tolerations stay (only tolerationSeconds may change); new ones may be added.
void validateOnlyAddedTolerations(Errors& errs, const std::vector<Toleration>& now,
                                  const std::vector<Toleration>& before, const std::string& path);

}  // namespace peapod::api::validation_detail
