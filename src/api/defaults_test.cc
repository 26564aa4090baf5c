// Unit tests for Pod defaulting.
#include "api/defaults.h"

#include <gtest/gtest.h>

namespace peapod::api {
namespace {

TEST(Defaults, ImageTag) {
  struct Case {
    const char* image;
    const char* tag;
    const char* policy;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"nginx", "latest", "Always"},
           {"nginx:latest", "latest", "Always"},
           {"nginx:1.25", "1.25", "IfNotPresent"},
           {"localhost:5000/nginx", "latest", "Always"},
           {"localhost:5000/nginx:1", "1", "IfNotPresent"},
           {"nginx@sha256:abcd", "", "IfNotPresent"},
           {"nginx:latest@sha256:abcd", "latest", "Always"},
           {"docker.io/library/busybox:1.36", "1.36", "IfNotPresent"},
       }) {
    EXPECT_EQ(imageTagOrLatest(c.image), c.tag) << c.image;
    EXPECT_EQ(defaultImagePullPolicy(c.image), c.policy) << c.image;
  }
}

TEST(Defaults, FillsPod) {
  Pod pod;
  pod.metadata.name = "p";
  Container c;
  c.name = "c";
  c.image = "nginx:1.25";
  c.ports.emplace_back();
  c.ports[0].containerPort = 80;
  pod.spec.containers.push_back(c);
  Container init;
  init.name = "i";
  init.image = "busybox";
  pod.spec.initContainers.push_back(init);
  Volume none;
  none.name = "scratch";
  Volume host;
  host.name = "h";
  host.hostPath.emplace();
  host.hostPath->path = "/srv";
  pod.spec.volumes = {none, host};

  setPodDefaults(pod);
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.spec.restartPolicy, "Always");
  EXPECT_EQ(pod.spec.terminationGracePeriodSeconds, 30);
  EXPECT_EQ(pod.spec.dnsPolicy, "ClusterFirst");
  EXPECT_EQ(pod.spec.schedulerName, "default-scheduler");
  EXPECT_EQ(pod.spec.enableServiceLinks, true);
  const Container& d = pod.spec.containers[0];
  EXPECT_EQ(d.imagePullPolicy, "IfNotPresent");
  EXPECT_EQ(d.terminationMessagePath, "/dev/termination-log");
  EXPECT_EQ(d.terminationMessagePolicy, "File");
  EXPECT_EQ(d.ports[0].protocol, "TCP");
  EXPECT_FALSE(d.ports[0].hostPort.has_value());
  EXPECT_EQ(pod.spec.initContainers[0].imagePullPolicy, "Always");
  EXPECT_EQ(pod.spec.initContainers[0].terminationMessagePolicy, "File");
  EXPECT_TRUE(pod.spec.volumes[0].emptyDir.has_value());
  EXPECT_EQ(pod.spec.volumes[1].hostPath->type, "");
  EXPECT_FALSE(pod.spec.volumes[1].emptyDir.has_value());
  EXPECT_TRUE(pod.metadata.uid.empty());
  EXPECT_TRUE(pod.metadata.creationTimestamp.empty());
}

TEST(Defaults, KeepsSetValues) {
  Pod pod;
  pod.metadata.namespace_ = "prod";
  pod.spec.restartPolicy = "Never";
  pod.spec.terminationGracePeriodSeconds = 0;
  pod.spec.dnsPolicy = "Default";
  pod.spec.enableServiceLinks = false;
  Container c;
  c.image = "nginx";
  c.imagePullPolicy = "Never";
  c.terminationMessagePolicy = "FallbackToLogsOnError";
  c.ports.emplace_back();
  c.ports[0].protocol = "UDP";
  pod.spec.containers.push_back(c);
  setPodDefaults(pod);
  EXPECT_EQ(pod.metadata.namespace_, "prod");
  EXPECT_EQ(pod.spec.restartPolicy, "Never");
  EXPECT_EQ(pod.spec.terminationGracePeriodSeconds, 0);
  EXPECT_EQ(pod.spec.dnsPolicy, "Default");
  EXPECT_EQ(pod.spec.enableServiceLinks, false);
  EXPECT_EQ(pod.spec.containers[0].imagePullPolicy, "Never");
  EXPECT_EQ(pod.spec.containers[0].terminationMessagePolicy, "FallbackToLogsOnError");
  EXPECT_EQ(pod.spec.containers[0].ports[0].protocol, "UDP");
}

TEST(Defaults, HostNetworkCopiesContainerPortToHostPort) {
  Pod pod;
  pod.spec.hostNetwork = true;
  Container c;
  c.ports.emplace_back();
  c.ports[0].containerPort = 8080;
  pod.spec.containers.push_back(c);
  setPodDefaults(pod);
  EXPECT_EQ(pod.spec.containers[0].ports[0].hostPort, 8080);
}

}  // namespace
}  // namespace peapod::api
