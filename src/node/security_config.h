// What the kubelet and containerd derive from a Pod's security contexts and resources for one
// container: user and groups, runAsNonRoot, capabilities, privileged, no_new_privs, seccomp,
// read-only root, masked paths, sysctls and cgroup limits, written into the ContainerSpec. Pure
// but for the RuntimeDefault seccomp program, compiled once per capability set and cached.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "image/image.h"
#include "runtime/spec.h"
#include "sys/capabilities.h"
#include "sys/seccomp_profile.h"

namespace peapod::node {

// The bounding set containerd gives a non-privileged container: the default set, then "ALL" in
// add (everything) or drop (nothing), then each named add, then each named drop. Unknown names
// are an error.
Result<sys::CapSet> containerCapabilities(const api::Capabilities* caps);

// "uid[:gid]" or "name[:gid]" for the shim to resolve: runAsUser (container, then pod) or the
// image's user (its user part only, as the kubelet passes it), then runAsGroup.
std::string effectiveUser(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image);

// runAsNonRoot (container, then pod): the kubelet's verifyRunAsNonRoot, with its messages.
Status verifyRunAsNonRoot(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image);

// Fills the spec's security, resource and sysctl fields; Localhost seccomp profiles resolve
// under `seccompProfileRoot`. Errors are CreateContainerConfigError.
Status applySecurity(const api::Pod& pod, const api::Container& c, const image::ImageConfig& image,
                     runtime::ContainerSpec& spec, const std::string& seccompProfileRoot = "");

// A Localhost profile: <root>/<localhostProfile> (the kubelet's filepath.Join; ".." refused),
// read, parsed and compiled. Errors carry containerd's wording and the file's path
// (`cannot load seccomp profile "/root/x.json": ...`, `decoding seccomp profile failed ...`).
Result<sys::SeccompProgram> localhostSeccomp(const std::string& root, const std::string& localhostProfile);

// Sysctls that live in a namespace a pod owns (net.*, kernel.shm*, kernel.msg*, kernel.sem,
// fs.mqueue.*): the only ones a pod may set.
bool isNamespacedSysctl(const std::string& name);

}  // namespace peapod::node
