#include "cli/describe_pod.h"

#include <gtest/gtest.h>

namespace peapod::cli {
namespace {

TEST(DescribePod, KubectlLayout) {
  auto pod = nlohmann::json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}, "uid": "u"},
    "spec": {"nodeName": "n1", "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "9"],
             "ports": [{"containerPort": 80, "protocol": "TCP"}],
             "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
             "volumes": [{"name": "data", "emptyDir": {}}]},
    "status": {"phase": "Running", "podIP": "10.88.0.2", "podIPs": [{"ip": "10.88.0.2"}], "hostIP": "192.0.2.1",
               "startTime": "2026-11-22T18:00:00Z", "qosClass": "BestEffort",
               "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "main", "ready": true, "restartCount": 2, "image": "busybox", "imageID": "",
                                      "state": {"running": {"startedAt": "2026-11-22T18:00:01Z"}},
                                      "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}})");
  nlohmann::json events = nlohmann::json::array({{{"type", "Normal"}, {"reason", "Started"}, {"count", 3},
                                                  {"lastTimestamp", "2026-11-22T18:00:50Z"},
                                                  {"source", {{"component", "kubelet"}}}, {"message", "Started container main"}}});
  auto now = *parseRfc3339("2026-11-22T18:01:00Z");
  std::string out = describePod(pod, events, now);
  for (const char* want : {"Name:             web\n", "Node:             n1/192.0.2.1\n",
                           "Start Time:       Sun, 22 Nov 2026 18:00:00 +0000\n", "Labels:           app=web\n",
                           "Status:           Running\n", "  IP:  10.88.0.2\n", "    Port:           80/TCP\n",
                           "    State:          Running\n", "    Last State:     Terminated\n",
                           "      Exit Code:    1\n", "    Restart Count:  2\n", "      /data from data (rw)\n",
                           "  Ready   True\n", "    Type:       EmptyDir", "    SizeLimit:  <unset>\n", "QoS Class:                   BestEffort\n",
                           "  Normal   Started   10s (x3)   kubelet   Started container main\n"}) {
    EXPECT_NE(out.find(want), std::string::npos) << "missing: " << want << "\n" << out;
  }
}

}  // namespace
}  // namespace peapod::cli
