// Validation of the security contexts (pod and container), as Kubernetes' ValidateSecurityContext
// and validatePodSpecSecurityContext check them.
#include <regex>
#include <set>

#include "api/validation_detail.h"

namespace peapod::api::validation_detail {
namespace {

constexpr int64_t kMaxId = 2147483647;

void validId(Errors& errs, const std::string& field, int64_t id) {
  if (id < 0 || id > kMaxId) add(errs, T::Invalid, field, num(id), "must be between 0 and 2147483647, inclusive");
}

void validateSeccomp(Errors& errs, const std::optional<SeccompProfile>& p, const std::string& path) {
  if (!p) return;
  const std::vector<std::string> types = {"Localhost", "RuntimeDefault", "Unconfined"};
  oneOf(errs, path + ".type", p->type, types);
  if (p->type == "Localhost" && p->localhostProfile.value_or("").empty()) {
    required(errs, path + ".localhostProfile", "must be set when seccomp type is Localhost");
  } else if (p->type != "Localhost" && p->localhostProfile) {
    add(errs, T::Invalid, path + ".localhostProfile", quoteValue(*p->localhostProfile),
        "can only be set when seccomp type is Localhost");
  }
}

}  // namespace

void validateSecurityContext(Errors& errs, const SecurityContext& sc, const std::string& path) {
  if (sc.runAsUser) validId(errs, path + ".runAsUser", *sc.runAsUser);
  if (sc.runAsGroup) validId(errs, path + ".runAsGroup", *sc.runAsGroup);
  if (sc.procMount) oneOf(errs, path + ".procMount", *sc.procMount, {"Default", "Unmasked"});
  validateSeccomp(errs, sc.seccompProfile, path + ".seccompProfile");
  if (sc.allowPrivilegeEscalation && !*sc.allowPrivilegeEscalation) {
    if (sc.privileged.value_or(false)) {
      add(errs, T::Invalid, path, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
    }
    if (sc.capabilities) {
      for (const auto& c : sc.capabilities->add) {
        if (c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN") {
          add(errs, T::Invalid, path, "", "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN");
        }
      }
    }
  }
}

void validatePodSecurityContext(Errors& errs, const PodSecurityContext& sc, const std::string& path) {
  if (sc.runAsUser) validId(errs, path + ".runAsUser", *sc.runAsUser);
  if (sc.runAsGroup) validId(errs, path + ".runAsGroup", *sc.runAsGroup);
  if (sc.fsGroup) validId(errs, path + ".fsGroup", *sc.fsGroup);
  for (size_t i = 0; i < sc.supplementalGroups.size(); ++i) {
    validId(errs, path + ".supplementalGroups[" + num(static_cast<int64_t>(i)) + "]", sc.supplementalGroups[i]);
  }
  validateSeccomp(errs, sc.seccompProfile, path + ".seccompProfile");
  static const std::regex kSysctl(R"(^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$)");
  std::set<std::string> seen;
  for (size_t i = 0; i < sc.sysctls.size(); ++i) {
    const std::string field = path + ".sysctls[" + num(static_cast<int64_t>(i)) + "].name";
    const std::string& name = sc.sysctls[i].name;
    if (name.empty()) {
      required(errs, field);
    } else if (name.size() > 253 || !std::regex_match(name, kSysctl)) {
      add(errs, T::Invalid, field, quoteValue(name),
          "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$");
    } else if (!seen.insert(name).second) {
      add(errs, T::Duplicate, field, quoteValue(name));
    }
  }
}

}  // namespace peapod::api::validation_detail
