// End to end: static pods from the manifest directory, their mirror objects, and pod events.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

bool runningPod(const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }

TEST(StaticPodE2E, ManifestFileDrivesThePodAndApiDeletionDoesNotStopIt) {
  PEAPOD_REQUIRE_ROOT();
  PeapodDaemon d;
  std::string name = std::string("web-") + PeapodDaemon::kNodeName;
  // No apiVersion or kind: the kubelet accepts static pod files without them.
  std::ofstream(d.manifestDir() / "web.yaml") << "metadata: {name: web}\n"
                                                 "spec:\n  containers: [{name: main, image: busybox, command: [sleep, '3600']}]\n";
  ASSERT_TRUE(d.waitPod(name, runningPod)) << d.pod(name).dump(2);
  auto pod = d.pod(name);
  std::string uid = pod["metadata"]["uid"];
  EXPECT_TRUE(pod["metadata"]["annotations"].contains("kubernetes.io/config.mirror"));
  EXPECT_EQ(pod["spec"]["nodeName"], PeapodDaemon::kNodeName);

  // Deleting the mirror pod through the API: the pod keeps running and the mirror comes back.
  auto del = d.peapod({"delete", "pod", name, "--wait=false"});
  EXPECT_EQ(del.exitCode, 0) << del.err;
  ASSERT_TRUE(d.waitPod(name, [](const auto& p) { return !p["metadata"].contains("deletionTimestamp") && runningPod(p); }));
  auto again = d.pod(name);
  EXPECT_EQ(again["metadata"]["uid"], uid);
  EXPECT_EQ(again["status"]["containerStatuses"][0]["restartCount"], 0);

  // A broken edit leaves the pod alone; a valid edit replaces it; removing the file removes it.
  std::ofstream(d.manifestDir() / "web.yaml") << "metadata: {name: web\n";
  std::ofstream(d.manifestDir() / "web.yaml") << "metadata: {name: web}\n"
                                                 "spec:\n  restartPolicy: Never\n"
                                                 "  containers: [{name: main, image: busybox, command: [sleep, '3600']}]\n";
  ASSERT_TRUE(d.waitPod(name, [&](const auto& p) { return p["metadata"]["uid"] != uid && runningPod(p); }))
      << d.pod(name).dump(2);
  std::filesystem::remove(d.manifestDir() / "web.yaml");
  EXPECT_TRUE(d.waitGone(name));
}

TEST(StaticPodE2E, PodEventsAreRecorded) {
  PEAPOD_REQUIRE_ROOT();
  PeapodDaemon d({"--restart-backoff-base", "100ms"});
  ASSERT_EQ(d.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: evented}\n"
                    "spec:\n  containers: [{name: main, image: busybox, command: [sleep, '3600']}]\n").exitCode, 0);
  ASSERT_TRUE(d.waitPod("evented", runningPod));
  auto describe = d.peapod({"describe", "pod", "evented"});
  EXPECT_NE(describe.out.find("Scheduled"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Successfully assigned default/evented to peapod-e2e"), std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("Started container main"), std::string::npos) << describe.out;
  // A crash loop counts its BackOff events instead of repeating them.
  ASSERT_EQ(d.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: crashy}\n"
                    "spec:\n  containers: [{name: main, image: busybox, command: [sh, -c, 'exit 1']}]\n").exitCode, 0);
  EXPECT_TRUE(waitUntil([&] { return d.peapod({"describe", "pod", "crashy"}).out.find("BackOff") != std::string::npos; },
                        seconds(20)))
      << d.peapod({"describe", "pod", "crashy"}).out;
}

}  // namespace
}  // namespace peapod::testing
