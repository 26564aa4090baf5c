#include "cli/describe_pod.h"

#include <ctime>
#include <sstream>

#include "cli/pod_table.h"

namespace peapod::cli {
namespace {

using json = nlohmann::json;

// kubectl prints times as RFC 1123 ("Sun, 22 Nov 2026 18:09:19 +0000").
std::string rfc1123(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  if (!t) return rfc3339;
  time_t tt = WallClock::to_time_t(*t);
  tm g;
  gmtime_r(&tt, &g);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &g);
  return buf;
}

std::string mapLines(const json& m, const std::string& sep, size_t indent) {
  if (!m.is_object() || m.empty()) return "<none>";
  std::string out;
  for (const auto& [k, v] : m.items()) {
    if (!out.empty()) out += "\n" + std::string(indent, ' ');
    out += k + sep + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

class Writer {
 public:
  void line(size_t level, const std::string& key, const std::string& value, size_t width) {
    std::string k = std::string(level * 2, ' ') + key + ":";
    out_ << k;
    if (!value.empty()) out_ << std::string(k.size() < width ? width - k.size() : 1, ' ') << value;
    out_ << "\n";
  }
  std::ostringstream& raw() { return out_; }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

void describeState(Writer& w, const std::string& title, const json& state) {
  if (state.contains("running")) {
    w.line(2, title, "Running", 20);
    w.line(3, "Started", rfc1123(state["running"].value("startedAt", "")), 20);
  } else if (state.contains("terminated")) {
    const auto& t = state["terminated"];
    w.line(2, title, "Terminated", 20);
    w.line(3, "Reason", t.value("reason", ""), 20);
    if (!t.value("message", "").empty()) w.line(3, "Message", t.value("message", ""), 20);
    w.line(3, "Exit Code", std::to_string(t.value("exitCode", 0)), 20);
    if (!t.value("startedAt", "").empty()) w.line(3, "Started", rfc1123(t.value("startedAt", "")), 20);
    if (!t.value("finishedAt", "").empty()) w.line(3, "Finished", rfc1123(t.value("finishedAt", "")), 20);
  } else if (state.contains("waiting")) {
    w.line(2, title, "Waiting", 20);
    w.line(3, "Reason", state["waiting"].value("reason", ""), 20);
    if (!state["waiting"].value("message", "").empty()) w.line(3, "Message", state["waiting"].value("message", ""), 20);
  }
}

void describeContainers(Writer& w, const std::string& title, const json& containers, const json& statuses) {
  if (!containers.is_array() || containers.empty()) return;
  w.line(0, title, "", 0);
  for (const auto& c : containers) {
    std::string name = c.value("name", "");
    json st = json::object();
    for (const auto& s : statuses) {
      if (s.value("name", "") == name) st = s;
    }
    w.line(1, name, "", 0);
    w.line(2, "Container ID", st.value("containerID", ""), 20);
    w.line(2, "Image", c.value("image", ""), 20);
    w.line(2, "Image ID", st.value("imageID", ""), 20);
    std::string ports;
    for (const auto& p : c.value("ports", json::array())) {
      ports += (ports.empty() ? "" : ", ") + std::to_string(p.value("containerPort", 0)) + "/" + p.value("protocol", "TCP");
    }
    w.line(2, "Port", ports.empty() ? "<none>" : ports, 20);
    for (const char* key : {"command", "args"}) {
      if (!c.contains(key)) continue;
      w.line(2, std::string(1, char(std::toupper(key[0]))) + std::string(key + 1), "", 0);
      for (const auto& a : c[key]) w.raw() << "      " << a.get<std::string>() << "\n";
    }
    describeState(w, "State", st.value("state", json::object()));
    if (st.contains("lastState") && !st["lastState"].empty()) describeState(w, "Last State", st["lastState"]);
    w.line(2, "Ready", st.value("ready", false) ? "True" : "False", 20);
    w.line(2, "Restart Count", std::to_string(st.value("restartCount", 0)), 20);
    auto env = c.value("env", json::array());
    if (env.empty()) {
      w.line(2, "Environment", "<none>", 20);
    } else {
      w.line(2, "Environment", "", 0);
      for (const auto& e : env) {
        std::string v = e.contains("valueFrom") ? " (" + e["valueFrom"].begin().key() + ")" : e.value("value", "");
        w.raw() << "      " << e.value("name", "") << ":  " << v << "\n";
      }
    }
    auto mounts = c.value("volumeMounts", json::array());
    w.line(2, "Mounts", mounts.empty() ? "<none>" : "", mounts.empty() ? 20 : 0);
    for (const auto& m : mounts) {
      w.raw() << "      " << m.value("mountPath", "") << " from " << m.value("name", "") << " ("
              << (m.value("readOnly", false) ? "ro" : "rw") << ")\n";
    }
  }
}

}  // namespace

std::string describePod(const json& pod, const json& events, WallTime now) {
  Writer w;
  const auto& meta = pod["metadata"];
  const auto& spec = pod["spec"];
  const json status = pod.value("status", json::object());
  const int kW = 18;
  w.line(0, "Name", meta.value("name", ""), kW);
  w.line(0, "Namespace", meta.value("namespace", ""), kW);
  w.line(0, "Priority", std::to_string(spec.value("priority", 0)), kW);
  w.line(0, "Service Account", spec.value("serviceAccountName", "default"), kW);
  std::string node = spec.value("nodeName", "");
  w.line(0, "Node", node.empty() ? "<none>" : node + "/" + status.value("hostIP", ""), kW);
  if (status.contains("startTime")) w.line(0, "Start Time", rfc1123(status.value("startTime", "")), kW);
  w.line(0, "Labels", mapLines(meta.value("labels", json::object()), "=", kW), kW);
  auto annotations = meta.value("annotations", json::object());
  annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
  w.line(0, "Annotations", mapLines(annotations, ": ", kW), kW);
  std::string phase = status.value("phase", "");
  if (meta.contains("deletionTimestamp")) {
    phase = "Terminating (lasts " + humanDuration(std::chrono::duration_cast<std::chrono::seconds>(
                                       parseRfc3339(meta.value("deletionTimestamp", "")).value_or(now) - now)) + ")";
  }
  w.line(0, "Status", phase, kW);
  if (!status.value("reason", "").empty()) w.line(0, "Reason", status.value("reason", ""), kW);
  if (!status.value("message", "").empty()) w.line(0, "Message", status.value("message", ""), kW);
  w.line(0, "IP", status.value("podIP", ""), kW);
  w.line(0, "IPs", status.contains("podIPs") ? "" : "<none>", status.contains("podIPs") ? 0 : kW);
  for (const auto& ip : status.value("podIPs", json::array())) w.raw() << "  IP:  " << ip.value("ip", "") << "\n";
  describeContainers(w, "Init Containers", spec.value("initContainers", json::array()),
                     status.value("initContainerStatuses", json::array()));
  describeContainers(w, "Containers", spec.value("containers", json::array()),
                     status.value("containerStatuses", json::array()));
  w.line(0, "Conditions", "", 0);
  std::vector<std::vector<std::string>> rows = {{"  Type", "Status"}};
  for (const auto& c : status.value("conditions", json::array())) rows.push_back({"  " + c.value("type", ""), c.value("status", "")});
  w.raw() << formatColumns(rows);
  auto volumes = spec.value("volumes", json::array());
  w.line(0, "Volumes", volumes.empty() ? "<none>" : "", volumes.empty() ? kW : 0);
  for (const auto& v : volumes) {
    w.line(1, v.value("name", ""), "", 0);
    if (v.contains("emptyDir")) {
      w.line(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)", 16);
      w.line(2, "Medium", v["emptyDir"].value("medium", ""), 16);
      w.line(2, "SizeLimit", v["emptyDir"].value("sizeLimit", "<unset>"), 16);
    } else if (v.contains("hostPath")) {
      w.line(2, "Type", "HostPath (bare host directory volume)", 16);
      w.line(2, "Path", v["hostPath"].value("path", ""), 16);
      w.line(2, "HostPathType", v["hostPath"].value("type", ""), 16);
    }
  }
  w.line(0, "QoS Class", status.value("qosClass", ""), 29);
  w.line(0, "Node-Selectors", mapLines(spec.value("nodeSelector", json::object()), "=", 29), 29);
  w.line(0, "Tolerations", "<none>", 29);
  if (!events.is_array() || events.empty()) {
    w.line(0, "Events", "<none>", 29);
    return w.str();
  }
  w.line(0, "Events", "", 0);
  std::vector<std::vector<std::string>> ev = {{"  Type", "Reason", "Age", "From", "Message"},
                                              {"  ----", "------", "----", "----", "-------"}};
  for (const auto& e : events) {
    std::string last = e.value("lastTimestamp", e.value("eventTime", ""));
    auto t = parseRfc3339(last);
    std::string age = t ? humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t)) : "<unknown>";
    int count = e.value("count", 1);
    if (count > 1) age += " (x" + std::to_string(count) + ")";
    ev.push_back({"  " + e.value("type", ""), e.value("reason", ""), age,
                  e.value("source", json::object()).value("component", ""), e.value("message", "")});
  }
  w.raw() << formatColumns(ev);
  return w.str();
}

}  // namespace peapod::cli
