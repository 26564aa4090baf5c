#include "runtime/security.h"

#include "runtime/image_user.h"

namespace peapod::runtime {

Result<sys::CapSet> specCapabilities(const ContainerSpec& spec) {
  if (!spec.capabilities) return sys::allCapabilities();
  sys::CapSet set = 0;
  for (const auto& name : *spec.capabilities) {
    auto cap = sys::capabilityFromName(name);
    if (!cap) return Error("unknown capability \"" + name + "\"");
    set |= sys::capBit(*cap);
  }
  return set & sys::allCapabilities();  // ones this kernel lacks cannot be kept anyway
}

Result<ProcessSecurity> makeProcessSecurity(const ContainerSpec& spec, sys::SeccompProgram& program) {
  ProcessSecurity s;
  if (!spec.user.empty()) {
    PEAPOD_ASSIGN_OR_RETURN(ResolvedUser u, resolveImageUser(spec.rootfsLayers, spec.user, spec.supplementalGroups));
    s.uid = u.uid;
    s.gid = u.gid;
    s.groups.assign(u.groups.begin(), u.groups.end());
  } else {
    s.uid = spec.uid;
    s.gid = spec.gid;
    s.groups.assign(spec.supplementalGroups.begin(), spec.supplementalGroups.end());
  }
  PEAPOD_ASSIGN_OR_RETURN(s.capabilities, specCapabilities(spec));
  s.lastCap = sys::lastCapability();
  s.noNewPrivs = spec.noNewPrivs;
  if (!spec.seccomp.empty() && spec.seccomp != "unconfined" && !spec.seccompBpf.empty()) {
    program = spec.seccompBpf;
    s.seccomp = &program;
  } else if (spec.seccomp == "runtime/default") {
    auto prog = sys::defaultSeccomp(s.capabilities);
    if (!prog.ok()) return std::move(prog).error().wrap("seccomp profile");
    s.seccomp = *prog;
  } else if (spec.seccomp.rfind("localhost/", 0) == 0) {
    // Localhost profiles are files on the node: the daemon compiles them, the shim cannot.
    return Error("seccomp profile " + spec.seccomp + " came without its compiled program");
  }
  return s;
}

const std::vector<std::string>& defaultMaskedPaths() {
  static const std::vector<std::string> paths = {
      "/proc/acpi",          "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats",   "/proc/sched_debug",
      "/proc/scsi",          "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return paths;
}

const std::vector<std::string>& defaultReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

}  // namespace peapod::runtime
