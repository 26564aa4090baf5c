// Unit tests for probe, lifecycle, env source, sidecar and toleration validation.
#include <functional>

#include <gtest/gtest.h>

#include "api/defaults.h"
#include "api/validation.h"

namespace peapod::api {
namespace {

Pod validPod() {
  Pod pod;
  pod.metadata.name = "web";
  Container c;
  c.name = "web";
  c.image = "nginx:1.25";
  pod.spec.containers.push_back(c);
  setPodDefaults(pod);
  return pod;
}

Container& ctr(Pod& p) { return p.spec.containers[0]; }

Probe httpProbe(IntOrString port) {
  Probe p;
  p.httpGet.emplace();
  p.httpGet->port = std::move(port);
  return p;
}

// Applies `mutate`, then defaults (as the server does), then validates.
std::string check(const std::function<void(Pod&)>& mutate) {
  Pod pod = validPod();
  mutate(pod);
  setPodDefaults(pod);
  return joinFieldErrors(validatePod(pod));
}

TEST(ValidateProbes, Valid) {
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(80));
              ctr(p).readinessProbe = httpProbe(IntOrString::ofString("http"));
              ctr(p).startupProbe.emplace();
              ctr(p).startupProbe->exec = ExecAction{{"true"}};
            }),
            "");
}

TEST(ValidateProbes, Rules) {
  EXPECT_EQ(check([](Pod& p) { ctr(p).livenessProbe.emplace(); }),
            "spec.containers[0].livenessProbe: Required value: must specify a handler type");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(80));
              ctr(p).livenessProbe->tcpSocket = TCPSocketAction{IntOrString::ofInt(80), ""};
            }),
            "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type");
  EXPECT_EQ(check([](Pod& p) { ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(0)); }),
            "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive");
  EXPECT_EQ(check([](Pod& p) { ctr(p).livenessProbe = httpProbe(IntOrString::ofString("9")); }),
            "spec.containers[0].livenessProbe.httpGet.port: Invalid value: \"9\": must contain at least one letter "
            "(a-z)");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(80));
              ctr(p).livenessProbe->httpGet->scheme = "FTP";
            }),
            "spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: "
            "\"HTTP\", \"HTTPS\"");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(80));
              ctr(p).livenessProbe->successThreshold = 2;
              ctr(p).livenessProbe->periodSeconds = -1;
            }),
            "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0\n"
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).readinessProbe = httpProbe(IntOrString::ofInt(80));
              ctr(p).readinessProbe->terminationGracePeriodSeconds = 5;
            }),
            "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set "
            "for readinessProbes");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).startupProbe.emplace();
              ctr(p).startupProbe->exec.emplace();
            }),
            "spec.containers[0].startupProbe.exec.command: Required value");
}

TEST(ValidateLifecycle, Rules) {
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).lifecycle.emplace();
              ctr(p).lifecycle->preStop.emplace();
              ctr(p).lifecycle->preStop->sleep = SleepAction{5};
            }),
            "");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).lifecycle.emplace();
              ctr(p).lifecycle->postStart.emplace();
            }),
            "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).lifecycle.emplace();
              ctr(p).lifecycle->preStop.emplace();
              ctr(p).lifecycle->preStop->sleep = SleepAction{40};
            }),
            "spec.containers[0].lifecycle.preStop.sleep.seconds: Invalid value: 40: must be greater than 0 and less "
            "than terminationGracePeriodSeconds (30)");
}

TEST(ValidateInitContainers, ProbesOnlyForSidecars) {
  auto withInit = [](std::optional<std::string> policy) {
    return [policy](Pod& p) {
      Container init;
      init.name = "init";
      init.image = "busybox";
      init.restartPolicy = policy;
      init.readinessProbe = httpProbe(IntOrString::ofInt(80));
      p.spec.initContainers.push_back(init);
    };
  };
  EXPECT_EQ(check(withInit(std::nullopt)),
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
            "restartPolicy=Always");
  EXPECT_EQ(check(withInit("Always")), "");
  EXPECT_EQ(check(withInit("Never")),
            "spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"\n"
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
            "restartPolicy=Always");
  EXPECT_EQ(check([](Pod& p) { ctr(p).restartPolicy = "Always"; }),
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers");
}

TEST(ValidateEnv, ValueFrom) {
  auto env = [](std::function<void(EnvVar&)> f) {
    return [f](Pod& p) {
      EnvVar e;
      e.name = "X";
      e.valueFrom.emplace();
      f(e);
      ctr(p).env.push_back(e);
    };
  };
  EXPECT_EQ(check(env([](EnvVar& e) { e.valueFrom->fieldRef = ObjectFieldSelector{"", "status.podIP"}; })), "");
  EXPECT_EQ(check(env([](EnvVar& e) { e.valueFrom->fieldRef = ObjectFieldSelector{"v1", "metadata.labels['app']"}; })),
            "");
  EXPECT_EQ(check(env([](EnvVar& e) { e.valueFrom->fieldRef = ObjectFieldSelector{"v1", "spec.hostname"}; })),
            "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"spec.hostname\": supported "
            "values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", "
            "\"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"");
  EXPECT_EQ(check(env([](EnvVar&) {})),
            "spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, "
            "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
  EXPECT_EQ(check(env([](EnvVar& e) {
              e.value = "v";
              e.valueFrom->fieldRef = ObjectFieldSelector{"v1", "metadata.name"};
            })),
            "spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty");
  EXPECT_EQ(check(env([](EnvVar& e) {
              e.valueFrom->resourceFieldRef.emplace();
              e.valueFrom->resourceFieldRef->resource = "limits.gpu";
            })),
            "spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": "
            "supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", "
            "\"requests.ephemeral-storage\", \"requests.memory\"");
}

TEST(ValidateTolerations, Rules) {
  auto tol = [](Toleration t) { return [t](Pod& p) { p.spec.tolerations.push_back(t); }; };
  EXPECT_EQ(check(tol(Toleration{"k", "Equal", "v", "NoSchedule", std::nullopt})), "");
  EXPECT_EQ(check(tol(Toleration{"", "Exists", "", "", std::nullopt})), "");
  EXPECT_EQ(check(tol(Toleration{"", "Equal", "", "", std::nullopt})),
            "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, "
            "which means \"match all values and all keys\"");
  EXPECT_EQ(check(tol(Toleration{"k", "Exists", "v", "", std::nullopt})),
            "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'");
  EXPECT_EQ(check(tol(Toleration{"k", "Equal", "v", "NoSchedule", 5})),
            "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
            "`tolerationSeconds` is set");
}

TEST(ValidateUpdate, TolerationsMayOnlyBeAdded) {
  Pod old = validPod();
  old.spec.tolerations.push_back(Toleration{"k", "Equal", "v", "NoExecute", 10});
  Pod added = old;
  added.spec.tolerations.push_back(Toleration{"k2", "Exists", "", "", std::nullopt});
  added.spec.tolerations[0].tolerationSeconds = 20;
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(added, old)), "");
  Pod removed = old;
  removed.spec.tolerations.clear();
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(removed, old)),
            "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds");
}

TEST(Defaults, ProbesAndSecurityContext) {
  Pod p = validPod();
  ctr(p).livenessProbe = httpProbe(IntOrString::ofInt(80));
  EnvVar e;
  e.name = "N";
  e.valueFrom.emplace();
  e.valueFrom->fieldRef.emplace();
  ctr(p).env.push_back(e);
  setPodDefaults(p);
  const Probe& pr = *ctr(p).livenessProbe;
  EXPECT_EQ(pr.timeoutSeconds, 1);
  EXPECT_EQ(pr.periodSeconds, 10);
  EXPECT_EQ(pr.successThreshold, 1);
  EXPECT_EQ(pr.failureThreshold, 3);
  EXPECT_EQ(pr.httpGet->path, "/");
  EXPECT_EQ(pr.httpGet->scheme, "HTTP");
  EXPECT_EQ(ctr(p).env[0].valueFrom->fieldRef->apiVersion, "v1");
  EXPECT_TRUE(p.spec.securityContext.has_value());
}

}  // namespace
}  // namespace peapod::api

namespace peapod::api {
namespace {

TEST(ValidateDns, Rules) {
  EXPECT_EQ(check([](Pod& p) { p.spec.dnsPolicy = "None"; }),
            "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None");
  EXPECT_EQ(check([](Pod& p) {
              p.spec.dnsPolicy = "None";
              p.spec.dnsConfig.emplace();
            }),
            "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` "
            "is None");
  EXPECT_EQ(check([](Pod& p) {
              p.spec.dnsPolicy = "None";
              p.spec.dnsConfig = PodDNSConfig{{"10.0.0.1", "::1"}, {"svc.cluster.local."}, {{"ndots", "1"}}};
            }),
            "");
  EXPECT_EQ(check([](Pod& p) { p.spec.dnsConfig = PodDNSConfig{{"1.2.3.4", "a", "b", "c"}, {}, {}}; }),
            "spec.dnsConfig.nameservers: Invalid value: []string{\"1.2.3.4\", \"a\", \"b\", \"c\"}: must not have "
            "more than 3 nameservers\n"
            "spec.dnsConfig.nameservers[1]: Invalid value: \"a\": must be a valid IP address, (e.g. 10.9.8.7 or "
            "2001:db8::ffff)\n"
            "spec.dnsConfig.nameservers[2]: Invalid value: \"b\": must be a valid IP address, (e.g. 10.9.8.7 or "
            "2001:db8::ffff)\n"
            "spec.dnsConfig.nameservers[3]: Invalid value: \"c\": must be a valid IP address, (e.g. 10.9.8.7 or "
            "2001:db8::ffff)");
  EXPECT_EQ(check([](Pod& p) { p.spec.dnsConfig = PodDNSConfig{{}, {}, {PodDNSConfigOption{}}}; }),
            "spec.dnsConfig.options[0]: Required value: Option.Name must not be empty");
}

TEST(ValidateHostAliases, Rules) {
  EXPECT_EQ(check([](Pod& p) { p.spec.hostAliases = {HostAlias{"127.0.0.1", {"foo.local", "bar"}}}; }), "");
  EXPECT_EQ(check([](Pod& p) { p.spec.hostAliases = {HostAlias{"300.1.1.1", {"Foo"}}}; }),
            "spec.hostAliases[0].ip: Invalid value: \"300.1.1.1\": must be a valid IP address, (e.g. 10.9.8.7 or "
            "2001:db8::ffff)\n"
            "spec.hostAliases[0].hostnames[0]: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of "
            "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

}  // namespace
}  // namespace peapod::api

namespace peapod::api {
namespace {

TEST(ValidateResources, Rules) {
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).resources.limits = {{"cpu", Quantity{"1"}}, {"memory", Quantity{"1Gi"}}};
              ctr(p).resources.requests = {{"cpu", Quantity{"500m"}}, {"example.com/gpu", Quantity{"1"}}};
            }),
            "");
  EXPECT_EQ(check([](Pod& p) {
              ctr(p).resources.limits = {{"cpu", Quantity{"1"}}};
              ctr(p).resources.requests = {{"cpu", Quantity{"2"}}};
            }),
            "spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit "
            "of 1");
  EXPECT_EQ(check([](Pod& p) { ctr(p).resources.limits = {{"gpu", Quantity{"1"}}}; }),
            "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for "
            "containers");
  EXPECT_EQ(check([](Pod& p) { ctr(p).resources.requests = {{"memory", Quantity{"-1"}}}; }),
            "spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0");
}

}  // namespace
}  // namespace peapod::api

namespace peapod::api {
namespace {

TEST(SecurityContextValidation, KubernetesRules) {
  auto pod = [] {
    Pod p;
    p.metadata.name = "p";
    p.metadata.namespace_ = "default";
    Container c;
    c.name = "c";
    c.image = "busybox";
    p.spec.containers.push_back(c);
    return p;
  };
  auto errors = [](Pod p) {
    setPodDefaults(p);
    std::string all;
    for (const auto& e : validatePod(p)) all += e.toString() + "\n";
    return all;
  };
  Pod ok = pod();
  auto& sc = ok.spec.containers[0].securityContext.emplace();
  sc.runAsUser = 1000;
  sc.seccompProfile = SeccompProfile{"RuntimeDefault", std::nullopt};
  sc.allowPrivilegeEscalation = false;
  auto& psc = ok.spec.securityContext.emplace();
  psc.fsGroup = 2000;
  psc.sysctls = {{"kernel.shm_rmid_forced", "1"}, {"net.ipv4.ip_local_port_range", "1024 65535"}};
  EXPECT_EQ(errors(ok), "");

  Pod bad = pod();
  auto& bsc = bad.spec.containers[0].securityContext.emplace();
  bsc.runAsUser = -1;
  bsc.privileged = true;
  bsc.allowPrivilegeEscalation = false;
  bsc.seccompProfile = SeccompProfile{"Localhost", std::nullopt};
  bsc.procMount = "Weird";
  auto& bpsc = bad.spec.securityContext.emplace();
  bpsc.sysctls = {{"Bad Name", "1"}, {"kernel.sem", "1"}, {"kernel.sem", "2"}};
  std::string e = errors(bad);
  EXPECT_NE(e.find("spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and "
                   "2147483647, inclusive"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot set `allowPrivilegeEscalation` to false and `privileged` to true"), std::string::npos) << e;
  EXPECT_NE(e.find("spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value"),
            std::string::npos) << e;
  EXPECT_NE(e.find("spec.containers[0].securityContext.procMount: Unsupported value: \"Weird\""), std::string::npos) << e;
  EXPECT_NE(e.find("spec.securityContext.sysctls[0].name: Invalid value: \"Bad Name\""), std::string::npos) << e;
  EXPECT_NE(e.find("spec.securityContext.sysctls[2].name: Duplicate value: \"kernel.sem\""), std::string::npos) << e;
}

}  // namespace
}  // namespace peapod::api
