#include "node/container_config.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace peapod::node {
namespace {

using Strings = std::vector<std::string>;

struct ArgvCase {
  Strings command, args, entrypoint, cmd, want;
};

TEST(ContainerArgv, KubernetesRules) {
  // https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes
  std::vector<ArgvCase> cases = {
      {{}, {}, {"/ep"}, {"c1"}, {"/ep", "c1"}},
      {{"/cmd"}, {}, {"/ep"}, {"c1"}, {"/cmd"}},
      {{}, {"a1"}, {"/ep"}, {"c1"}, {"/ep", "a1"}},
      {{"/cmd"}, {"a1"}, {"/ep"}, {"c1"}, {"/cmd", "a1"}},
      {{}, {}, {}, {"sh"}, {"sh"}},
      {{}, {"sh", "-c", "x"}, {}, {"sh"}, {"sh", "-c", "x"}},
  };
  for (const auto& tc : cases) {
    api::Container c;
    c.command = tc.command;
    c.args = tc.args;
    image::ImageConfig img;
    img.entrypoint = tc.entrypoint;
    img.cmd = tc.cmd;
    auto argv = containerArgv(c, img);
    ASSERT_TRUE(argv.ok());
    EXPECT_EQ(*argv, tc.want);
  }
}

TEST(ContainerArgv, NothingToRunIsAnError) {
  auto argv = containerArgv(api::Container{}, image::ImageConfig{});
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.error().message(), "no command specified");
}

api::Pod namedPod(const std::string& name) {
  api::Pod pod;
  pod.metadata.name = name;
  return pod;
}

TEST(ContainerEnv, HostNetworkPodsSeeTheNodesHostname) {
  auto pod = namedPod("web");
  pod.spec.hostNetwork = true;
  auto env = containerEnv(pod, api::Container{}, image::ImageConfig{}, NodeFacts{});
  ASSERT_TRUE(env.ok());
  ASSERT_FALSE(nodeHostname().empty());
  EXPECT_NE(std::find(env->begin(), env->end(), "HOSTNAME=" + nodeHostname()), env->end());
}

TEST(ContainerEnv, TheSandboxHostnameWhenGiven) {
  // containerd sets HOSTNAME to the sandbox's hostname: the FQDN with setHostnameAsFQDN.
  auto pod = namedPod("web");
  auto env = containerEnv(pod, api::Container{}, image::ImageConfig{}, NodeFacts{}, "web.sub.default.svc.cluster.local");
  ASSERT_TRUE(env.ok());
  EXPECT_NE(std::find(env->begin(), env->end(), "HOSTNAME=web.sub.default.svc.cluster.local"), env->end());
  PodPaths paths;
  paths.hostname = "h.example";
  api::Container c;
  c.name = "app";
  c.command = {"true"};
  auto spec = makeContainerSpec(pod, c, image::Image{}, paths, NodeFacts{}, "/l");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_NE(std::find(spec->env.begin(), spec->env.end(), "HOSTNAME=h.example"), spec->env.end());
}

TEST(ContainerEnv, ImageThenHostnameThenServiceVarsThenContainerOverrides) {
  api::Container c;
  c.env = {{"FOO", "pod"}, {"NEW", "1"}};
  image::ImageConfig img;
  img.env = {"PATH=/bin", "FOO=image"};
  auto env = containerEnv(namedPod("web"), c, img, NodeFacts{});
  ASSERT_TRUE(env.ok());
  Strings want = {"PATH=/bin", "FOO=pod", "HOSTNAME=web"};
  for (const auto& s : serviceEnv(NodeFacts{})) want.push_back(s);
  want.push_back("NEW=1");
  EXPECT_EQ(*env, want);
}

TEST(ContainerEnv, DefaultPathWhenImageHasNone) {
  auto env = containerEnv(namedPod("h"), api::Container{}, image::ImageConfig{}, NodeFacts{});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ((*env)[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(MakeContainerSpec, ExpandsCommandAndArgsAgainstTheEnvironment) {
  api::Container c;
  c.name = "app";
  c.command = {"echo", "$(GREETING)"};
  c.args = {"$(POD_NAME)", "$$(literal)", "$(UNKNOWN)"};
  c.env = {{"GREETING", "hi"}, {"POD_NAME", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "metadata.name"}, {}}}};
  auto spec = makeContainerSpec(namedPod("p1"), c, image::Image{}, PodPaths{}, NodeFacts{}, "/l");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->args, (Strings{"echo", "hi", "p1", "$(literal)", "$(UNKNOWN)"}));
}

TEST(MakeContainerSpec, MountsVolumesSubPathsAndEtcFiles) {
  api::Pod pod;
  pod.metadata.name = "p";
  api::Container c;
  c.name = "app";
  c.command = {"sleep", "1"};
  c.volumeMounts = {{"data", false, "/data", ""}, {"cfg", true, "/etc/app.conf", "app.conf"}};
  image::Image img;
  img.layerDirs = {"/l/base", "/l/top"};
  img.config.workingDir = "/srv";
  PodPaths paths;
  paths.volumes = {{"data", "/v/data"}, {"cfg", "/v/cfg"}};
  paths.etcHosts = "/r/hosts";
  paths.etcHostname = "/r/hostname";
  auto spec = makeContainerSpec(pod, c, img, paths, NodeFacts{}, "/log/0.log");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->workingDir, "/srv");
  EXPECT_EQ(spec->rootfsLayers, img.layerDirs);
  ASSERT_EQ(spec->mounts.size(), 4u);
  EXPECT_EQ(spec->mounts[1].source, "/v/cfg/app.conf");
  EXPECT_TRUE(spec->mounts[1].readOnly);
  EXPECT_EQ(spec->mounts[2].target, "/etc/hosts");
  EXPECT_EQ(spec->mounts[3].target, "/etc/hostname");
}

TEST(PodHostname, SpecHostnameOrTruncatedName) {
  api::Pod pod;
  pod.metadata.name = std::string(70, 'a');
  EXPECT_EQ(podHostname(pod).size(), 63u);
  pod.spec.hostname = "h1";
  EXPECT_EQ(podHostname(pod), "h1");
}

}  // namespace
}  // namespace peapod::node
