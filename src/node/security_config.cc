#include "node/security_config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "node/resources.h"
#include "runtime/seccomp_json.h"
#include "runtime/security.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

bool parseId(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool hasAll(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) { return upper(n) == "ALL"; });
}

// The user part of the image's "user[:group]".
std::string imageUserPart(const image::ImageConfig& image) {
  std::string u = image.user;
  if (size_t colon = u.find(':'); colon != std::string::npos) u.resize(colon);
  return u;
}

template <class T, class F>
auto pick(const api::Pod& pod, const api::Container& c, F field) -> std::optional<T> {
  if (c.securityContext) {
    if (auto v = field(*c.securityContext)) return v;
  }
  if (pod.spec.securityContext) {
    if (auto v = field(*pod.spec.securityContext)) return v;
  }
  return std::nullopt;
}

std::optional<int64_t> runAsUser(const api::Pod& pod, const api::Container& c) {
  return pick<int64_t>(pod, c, [](const auto& sc) { return sc.runAsUser; });
}
std::optional<int64_t> runAsGroup(const api::Pod& pod, const api::Container& c) {
  return pick<int64_t>(pod, c, [](const auto& sc) { return sc.runAsGroup; });
}

// The kubelet's format.Pod: name_namespace(uid).
std::string podText(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "(" + pod.metadata.uid + ")";
}

}  // namespace

Result<sys::CapSet> containerCapabilities(const api::Capabilities* caps) {
  sys::CapSet set = sys::defaultCapabilities();
  if (!caps) return set;
  if (hasAll(caps->add)) set = sys::allCapabilities();
  if (hasAll(caps->drop)) set = 0;
  for (const auto& name : caps->add) {
    if (upper(name) == "ALL") continue;
    auto cap = sys::capabilityFromName(name);
    if (!cap) return Error("unknown capability \"" + name + "\" in capabilities.add");
    set |= sys::capBit(*cap);
  }
  for (const auto& name : caps->drop) {
    if (upper(name) == "ALL") continue;
    auto cap = sys::capabilityFromName(name);
    if (!cap) return Error("unknown capability \"" + name + "\" in capabilities.drop");
    set &= ~sys::capBit(*cap);
  }
  return set;
}

std::string effectiveUser(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image) {
  std::string user;
  if (auto uid = runAsUser(pod, c)) user = std::to_string(*uid);
  else user = imageUserPart(image);
  if (user.empty()) user = "0";
  if (auto gid = runAsGroup(pod, c)) user += ":" + std::to_string(*gid);
  return user;
}

Status verifyRunAsNonRoot(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image) {
  auto nonRoot = pick<bool>(pod, c, [](const auto& sc) { return sc.runAsNonRoot; });
  if (!nonRoot || !*nonRoot) return {};
  const std::string where = " (pod: \"" + podText(pod) + "\", container: " + c.name + ")";
  if (auto uid = runAsUser(pod, c)) {
    if (*uid == 0) return Error("container's runAsUser breaks non-root policy" + where);
    return {};
  }
  std::string user = imageUserPart(image);
  int64_t uid = 0;
  if (!user.empty() && !parseId(user, uid)) {
    return Error("container has runAsNonRoot and image has non-numeric user (" + user +
                 "), cannot verify user is non-root" + where);
  }
  if (uid == 0) return Error("container has runAsNonRoot and image will run as root" + where);
  return {};
}

bool isNamespacedSysctl(const std::string& name) {
  for (const char* prefix : {"net.", "kernel.shm", "kernel.msg", "fs.mqueue."}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return name == "kernel.sem";
}

Result<sys::SeccompProgram> localhostSeccomp(const std::string& root, const std::string& localhostProfile) {
  if (localhostProfile.empty()) return Error("localhostProfile must be set if seccompProfile type is Localhost.");
  fs::path rel = fs::path(localhostProfile).relative_path();
  for (const auto& part : rel) {
    if (part == "..") return Error("seccomp profile \"" + localhostProfile + "\" must not contain \"..\"");
  }
  const std::string file = (fs::path(root) / rel).lexically_normal().string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Error("cannot load seccomp profile \"" + file + "\": open " + file + ": " + std::strerror(errno), errno);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto profile = runtime::parseSeccompProfile(text.str());
  if (!profile.ok()) {
    return Error("decoding seccomp profile failed \"" + file + "\": " + profile.error().message());
  }
  auto prog = sys::compileSeccompProfile(*profile);
  if (!prog.ok()) return Error("compiling seccomp profile \"" + file + "\": " + prog.error().message());
  return std::move(*prog);
}

Status applySecurity(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image,
                     runtime::ContainerSpec& spec, const std::string& seccompProfileRoot) {
  PEAPOD_TRY(verifyRunAsNonRoot(pod, c, image));
  const api::SecurityContext* sc = c.securityContext ? &*c.securityContext : nullptr;
  const api::PodSecurityContext* psc = pod.spec.securityContext ? &*pod.spec.securityContext : nullptr;

  // 1. Identity: the shim resolves names and the image's groups; the kubelet adds fsGroup to
  //    the supplemental groups.
  spec.user = effectiveUser(pod, c, image);
  if (psc) {
    for (int64_t g : psc->supplementalGroups) spec.supplementalGroups.push_back(static_cast<uint32_t>(g));
    if (psc->fsGroup) spec.supplementalGroups.push_back(static_cast<uint32_t>(*psc->fsGroup));
  }

  // 2. Privileges. Privileged: every capability, no seccomp, nothing masked, /sys writable.
  spec.privileged = sc && sc->privileged.value_or(false);
  if (!spec.privileged) {
    PEAPOD_ASSIGN_OR_RETURN(sys::CapSet caps, containerCapabilities(sc && sc->capabilities ? &*sc->capabilities : nullptr));
    spec.capabilities = sys::capabilityNames(caps);
    bool unmasked = sc && sc->procMount.value_or("Default") == "Unmasked";
    if (!unmasked) {
      spec.maskedPaths = runtime::defaultMaskedPaths();
      spec.readonlyPaths = runtime::defaultReadonlyPaths();
    }
    std::optional<api::SeccompProfile> profile;
    if (sc && sc->seccompProfile) profile = sc->seccompProfile;
    else if (psc && psc->seccompProfile) profile = psc->seccompProfile;
    if (profile && profile->type == "RuntimeDefault") {
      spec.seccomp = "runtime/default";
      // Compiled here once per capability set for the daemon's lifetime (defaultSeccomp caches).
      auto prog = sys::defaultSeccomp(caps);
      if (!prog.ok()) return std::move(prog).error().wrap("seccomp profile");
      spec.seccompBpf = **prog;
    }
    else if (profile && profile->type == "Localhost") {
      std::string name = profile->localhostProfile.value_or("");
      PEAPOD_ASSIGN_OR_RETURN(spec.seccompBpf, localhostSeccomp(seccompProfileRoot, name));
      spec.seccomp = "localhost/" + name;
    }
  }
  spec.noNewPrivs = sc && sc->allowPrivilegeEscalation && !*sc->allowPrivilegeEscalation;
  spec.readOnlyRootfs = sc && sc->readOnlyRootFilesystem.value_or(false);

  // 3. Pod-level sysctls (in the pod's namespaces) and cgroups.
  if (psc) {
    for (const auto& s : psc->sysctls) {
      if (!isNamespacedSysctl(s.name)) return Error("sysctl \"" + s.name + "\" is not namespaced");
      // The kubelet refuses them rather than change the node's own namespaces.
      if (pod.spec.hostNetwork && s.name.rfind("net.", 0) == 0) {
        return Error("sysctl \"" + s.name + "\" not allowed with host net enabled");
      }
      if (pod.spec.hostIPC && s.name.rfind("net.", 0) != 0) {
        return Error("sysctl \"" + s.name + "\" not allowed with host ipc enabled");
      }
      spec.sysctls.emplace_back(s.name, s.value);
    }
  }
  spec.resources = containerCgroupLimits(c);
  spec.podResources = podCgroupLimits(pod.spec);
  return {};
}

}  // namespace peapod::node
