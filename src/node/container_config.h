// What the kubelet's generateContainerConfig does: turns a Pod's container plus its image into
// the runtime's ContainerSpec (argv, env, working dir, user, mounts). Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "image/image.h"
#include "node/env.h"
#include "runtime/spec.h"

namespace peapod::node {

// What the sandbox prepared for one pod: host paths, and the names its containers see.
struct PodPaths {
  std::map<std::string, std::string> volumes;  // volume name -> host directory or file
  std::string etcHosts, etcHostname, resolvConf;  // generated files ("" = don't mount)
  // The sandbox's hostname, containerd's HOSTNAME: the pod's UTS hostname (the FQDN with
  // setHostnameAsFQDN), the node's for host-network pods; "" = derived from the pod alone.
  std::string hostname;
  // Where seccompProfile Localhost paths resolve (the kubelet's <root>/seccomp).
  std::string seccompProfileRoot;
};

// argv by the Kubernetes rules: command replaces the image Entrypoint (and drops its Cmd); args
// replace Cmd. Error when nothing is left to run.
Result<std::vector<std::string>> containerArgv(const api::Container& c, const image::ImageConfig& image);

// Environment: the image's Env, then HOSTNAME (`hostname`, else the pod's short hostname or the
// node's with hostNetwork), then the kubelet's list (kubeletEnv); a later name replaces an earlier
// one in place (the order the runtimes and the kubelet produce).
Result<std::vector<std::string>> containerEnv(const api::Pod& pod, const api::Container& c,
                                              const image::ImageConfig& image, const NodeFacts& node,
                                              const std::string& hostname = "");

// The full spec; `logPath` is where the shim writes this run's log. command and args get $(VAR)
// expansion against the container's environment.
Result<runtime::ContainerSpec> makeContainerSpec(const api::Pod& pod, const api::Container& c,
                                                 const image::Image& image, const PodPaths& paths,
                                                 const NodeFacts& node, const std::string& logPath);

// The pod's hostname: spec.hostname or the pod name, truncated to 63 characters.
std::string podHostname(const api::Pod& pod);
// The node's own hostname (what host-network pods see).
std::string nodeHostname();

}  // namespace peapod::node
