// End to end: a daemon killed with SIGKILL in the middle of a stream of creates loses no pod it
// acknowledged, and its successor adopts every running pod without restarting any.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

std::string podYaml(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         "}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: busybox, "
         "command: [sleep, '3600']}\n";
}

bool running(const nlohmann::json& p) {
  const auto& statuses = p["status"].value("containerStatuses", nlohmann::json::array());
  return p["status"].value("phase", "") == "Running" && !statuses.empty() && statuses[0].value("ready", false);
}

// name -> the running container's startedAt, for every running pod.
std::map<std::string, std::string> runningPods(const PeapodDaemon& d) {
  std::map<std::string, std::string> out;
  auto r = d.peapod({"get", "pods", "-o", "json"});
  auto list = nlohmann::json::parse(r.out, nullptr, false);
  if (list.is_discarded()) return out;
  for (const auto& p : list["items"]) {
    if (!running(p)) continue;
    out[p["metadata"]["name"]] = p["status"]["containerStatuses"][0]["state"]["running"].value("startedAt", "");
  }
  return out;
}

TEST(PersistenceE2E, KilledDaemonLosesNoAcknowledgedPodAndRestartsNone) {
  PEAPOD_REQUIRE_ROOT();
  PeapodDaemon d;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::string lastError;
  std::atomic<bool> stop{false};
  std::thread creator([&] {
    for (int i = 0; !stop; ++i) {
      std::string name = "stream-" + std::to_string(i);
      auto r = d.apply(podYaml(name));
      std::lock_guard lock(mu);
      if (r.exitCode == 0) acknowledged.push_back(name);
      else lastError = r.err;
    }
  });
  auto ackCount = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  // Let some pods reach Running and others be mid-creation when the daemon dies.
  bool enough = waitUntil([&] { return runningPods(d).size() >= 4 && ackCount() >= 6; }, seconds(60));
  auto before = runningPods(d);
  d.restart(SIGKILL);
  stop = true;
  creator.join();
  ASSERT_TRUE(enough) << "the create stream did not get going: " << acknowledged.size() << " created, "
                      << before.size() << " running; last error: " << lastError;

  std::vector<std::string> names;
  {
    std::lock_guard lock(mu);
    names = acknowledged;
  }
  for (const auto& name : names) {
    EXPECT_TRUE(d.waitPod(name, running, seconds(30))) << name << ": " << d.pod(name).dump(2);
  }
  // Pods that were running before the crash are the same processes: same start, no restart.
  auto after = runningPods(d);
  for (const auto& [name, startedAt] : before) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_EQ(after[name], startedAt) << name << " was restarted";
    EXPECT_EQ(d.pod(name)["status"]["containerStatuses"][0].value("restartCount", -1), 0) << name;
  }
  // One shim per pod object (a create the crash cut short may have stored a pod without
  // acknowledging it: it runs too): none was started twice, none is orphaned.
  auto list = nlohmann::json::parse(d.peapod({"get", "pods", "-o", "json"}).out);
  for (const auto& p : list["items"]) EXPECT_TRUE(d.waitPod(p["metadata"]["name"], running, seconds(30)));
  EXPECT_EQ(shimProcessesUnder(d.root() / "run").size(), list["items"].size());
}

}  // namespace
}  // namespace peapod::testing
