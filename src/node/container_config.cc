#include "node/container_config.h"

#include <limits.h>
#include <unistd.h>

#include <charconv>

#include "node/security_config.h"

namespace peapod::node {
namespace {

void setEnv(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  std::string entry = name + "=" + value;
  for (auto& e : env) {
    if (e.compare(0, name.size() + 1, name + "=") == 0) {
      e = std::move(entry);
      return;
    }
  }
  env.push_back(std::move(entry));
}

bool parseId(const std::string& s, uint32_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string nodeHostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  return ::gethostname(buf, sizeof buf) == 0 ? std::string(buf) : std::string();
}

std::string podHostname(const api::Pod& pod) {
  std::string h = pod.spec.hostname.empty() ? pod.metadata.name : pod.spec.hostname;
  if (h.size() > 63) h.resize(63);  // the kubelet truncates; a hostname is a DNS label
  while (!h.empty() && (h.back() == '-' || h.back() == '.')) h.pop_back();
  return h;
}

Result<std::vector<std::string>> containerArgv(const api::Container& c, const image::ImageConfig& image) {
  std::vector<std::string> argv;
  if (!c.command.empty()) {
    argv = c.command;
  } else {
    argv = image.entrypoint;
  }
  if (!c.args.empty()) {
    argv.insert(argv.end(), c.args.begin(), c.args.end());
  } else if (c.command.empty()) {
    argv.insert(argv.end(), image.cmd.begin(), image.cmd.end());
  }
  if (argv.empty()) return Error("no command specified");
  return argv;
}

Result<std::vector<std::string>> containerEnv(const api::Pod& pod, const api::Container& c,
                                              const image::ImageConfig& image, const NodeFacts& node,
                                              const std::string& hostname) {
  std::vector<std::string> env;
  for (const auto& e : image.env) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) setEnv(env, e.substr(0, eq), e.substr(eq + 1));
  }
  bool hasPath = false;
  for (const auto& e : env) hasPath = hasPath || e.rfind("PATH=", 0) == 0;
  if (!hasPath) setEnv(env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  // The UTS hostname the container sees: a host-network pod keeps the node's (containerd).
  setEnv(env, "HOSTNAME", !hostname.empty() ? hostname : pod.spec.hostNetwork ? nodeHostname() : podHostname(pod));
  PEAPOD_ASSIGN_OR_RETURN(auto kubelet, kubeletEnv(pod, c, node));
  for (const auto& e : kubelet) {
    size_t eq = e.find('=');
    setEnv(env, e.substr(0, eq), e.substr(eq + 1));
  }
  return env;
}

Result<runtime::ContainerSpec> makeContainerSpec(const api::Pod& pod, const api::Container& c,
                                                 const image::Image& image, const PodPaths& paths,
                                                 const NodeFacts& node, const std::string& logPath) {
  runtime::ContainerSpec spec;
  spec.name = c.name;
  spec.rootfsLayers = image.layerDirs;
  PEAPOD_ASSIGN_OR_RETURN(spec.env, containerEnv(pod, c, image.config, node, paths.hostname));
  api::Container expanded = c;
  expanded.command = expandAll(c.command, spec.env);
  expanded.args = expandAll(c.args, spec.env);
  PEAPOD_ASSIGN_OR_RETURN(spec.args, containerArgv(expanded, image.config));
  spec.workingDir = !c.workingDir.empty() ? c.workingDir
                    : !image.config.workingDir.empty() ? image.config.workingDir
                                                       : "/";
  spec.stdin = c.stdin;
  spec.stdinOnce = c.stdinOnce;
  spec.tty = c.tty;
  // User, groups, capabilities, seccomp, masked paths, sysctls, cgroup limits (security_config.h).
  PEAPOD_TRY(applySecurity(pod, c, image.config, spec, paths.seccompProfileRoot));
  {
    // Numeric ids when the spec names them (the shim resolves names and the image's groups).
    std::string user = spec.user, group;
    if (size_t colon = user.find(':'); colon != std::string::npos) {
      group = user.substr(colon + 1);
      user.resize(colon);
    }
    (void)parseId(user, spec.uid);
    (void)parseId(group, spec.gid);
  }
  bool mountsHosts = false;
  for (const auto& m : c.volumeMounts) {
    auto it = paths.volumes.find(m.name);
    if (it == paths.volumes.end()) return Error("volume \"" + m.name + "\" is not prepared");
    std::string source = it->second;
    if (!m.subPath.empty()) source += "/" + m.subPath;
    spec.mounts.push_back({source, m.mountPath, m.readOnly});
    mountsHosts = mountsHosts || m.mountPath == "/etc/hosts";
  }
  if (!paths.etcHosts.empty() && !mountsHosts) spec.mounts.push_back({paths.etcHosts, "/etc/hosts", false});
  if (!paths.etcHostname.empty()) spec.mounts.push_back({paths.etcHostname, "/etc/hostname", false});
  if (!paths.resolvConf.empty()) spec.mounts.push_back({paths.resolvConf, "/etc/resolv.conf", false});
  spec.logPath = logPath;
  return spec;
}

}  // namespace peapod::node
