#include "server/table.h"

#include "api/codec.h"
#include "api/status_text.h"

namespace peapod::server {
namespace {

using nlohmann::json;

struct Column {
  const char* name;
  const char* type;
  const char* format;
  int priority;
  const char* description;
};

json definitions(const std::vector<Column>& cols) {
  json out = json::array();
  for (const auto& c : cols) {
    out.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                   {"priority", c.priority}});
  }
  return out;
}

std::string str(const json& obj, const json::json_pointer& ptr, const std::string& fallback = "<none>") {
  if (!obj.contains(ptr)) return fallback;
  const auto& v = obj.at(ptr);
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  return fallback;
}

std::string age(const json& obj, WallTime now) {
  return api::ageColumn(obj["metadata"].value("creationTimestamp", ""), now);
}

const std::vector<Column> kPodColumns = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."},
    {"Status", "string", "", 0, "The aggregate status of the containers in this pod."},
    {"Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
    {"IP", "string", "", 1, "podIP is an IP address allocated to the pod."},
    {"Node", "string", "", 1, "NodeName indicates in which node this pod is scheduled."},
    {"Nominated Node", "string", "", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."},
    {"Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated for pod readiness."},
};

json podCells(const json& obj, WallTime now) {
  std::string name = obj["metadata"].value("name", "");
  std::string gates = "<none>";
  if (obj.contains("spec") && obj["spec"].contains("readinessGates") && !obj["spec"]["readinessGates"].empty()) {
    size_t total = obj["spec"]["readinessGates"].size(), ok = 0;
    for (const auto& g : obj["spec"]["readinessGates"]) {
      for (const auto& c : obj.value("status", json::object()).value("conditions", json::array())) {
        if (c.value("type", "") == g.value("conditionType", "") && c.value("status", "") == "True") ++ok;
      }
    }
    gates = std::to_string(ok) + "/" + std::to_string(total);
  }
  std::string ready = "0/0", status = "Unknown", restarts = "0", podAge = age(obj, now);
  if (auto pod = api::podFromJson(obj); pod.ok()) {
    auto cols = api::podColumns(*pod, now);
    ready = cols.ready;
    status = cols.status;
    restarts = cols.restarts;
    podAge = cols.age;
  }
  return {name, ready, status, restarts, podAge, str(obj, "/status/podIP"_json_pointer),
          str(obj, "/spec/nodeName"_json_pointer), str(obj, "/status/nominatedNodeName"_json_pointer), gates};
}

const std::vector<Column> kNamespaceColumns = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Status", "string", "", 0, "The status of the namespace"},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
};

const std::vector<Column> kNodeColumns = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Status", "string", "", 0, "The status of the node"},
    {"Roles", "string", "", 0, "The roles of the node"},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
    {"Version", "string", "", 0, "Kubelet Version reported by the node."},
    {"Internal-IP", "string", "", 1, "List of internal IPs."},
    {"External-IP", "string", "", 1, "List of external IPs."},
    {"OS-Image", "string", "", 1, "OS image reported by the node from /etc/os-release."},
    {"Kernel-Version", "string", "", 1, "Kernel version reported by the node."},
    {"Container-Runtime", "string", "", 1, "Container runtime reported by the node."},
};

json nodeCells(const json& obj, WallTime now) {
  std::string ready = "Unknown", internal = "<none>", external = "<none>";
  const json status = obj.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") ready = c.value("status", "") == "True" ? "Ready" : "NotReady";
  }
  for (const auto& a : status.value("addresses", json::array())) {
    if (a.value("type", "") == "InternalIP" && internal == "<none>") internal = a.value("address", "");
    if (a.value("type", "") == "ExternalIP" && external == "<none>") external = a.value("address", "");
  }
  return {obj["metadata"].value("name", ""), ready, "<none>", age(obj, now),
          str(obj, "/status/nodeInfo/kubeletVersion"_json_pointer, ""), internal, external,
          str(obj, "/status/nodeInfo/osImage"_json_pointer, "<unknown>"),
          str(obj, "/status/nodeInfo/kernelVersion"_json_pointer, "<unknown>"),
          str(obj, "/status/nodeInfo/containerRuntimeVersion"_json_pointer, "<unknown>")};
}

const std::vector<Column> kEventColumns = {
    {"Last Seen", "string", "", 0, "Time when this Event was last observed."},
    {"Type", "string", "", 0, "Type of this event (Normal, Warning)."},
    {"Reason", "string", "", 0, "Short, machine understandable string."},
    {"Object", "string", "", 0, "The object this Event is about."},
    {"Message", "string", "", 0, "A human-readable description of the status of this operation."},
};

json eventCells(const json& obj, WallTime now) {
  std::string last = obj.value("lastTimestamp", "");
  if (last.empty()) last = obj.value("eventTime", "");
  const json involved = obj.value("involvedObject", json::object());
  std::string kind = involved.value("kind", "");
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {api::ageColumn(last, now), obj.value("type", ""), obj.value("reason", ""),
          kind + "/" + involved.value("name", ""), obj.value("message", "")};
}

const std::vector<Column> kGenericColumns = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
};

json partialMetadata(const json& obj) {
  json meta = obj.value("metadata", json::object());
  meta.erase("managedFields");
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(meta)}};
}

}  // namespace

bool wantsTable(const Request& req) { return req.header("accept").find("as=Table") != std::string::npos; }

json makeTable(const std::string& resource, const std::vector<json>& objects, const std::string& resourceVersion,
               WallTime now) {
  const std::vector<Column>* cols = &kGenericColumns;
  json (*cells)(const json&, WallTime) = [](const json& o, WallTime t) -> json {
    return {o["metadata"].value("name", ""), age(o, t)};
  };
  if (resource == "pods") {
    cols = &kPodColumns;
    cells = podCells;
  } else if (resource == "namespaces") {
    cols = &kNamespaceColumns;
    cells = [](const json& o, WallTime t) -> json {
      return {o["metadata"].value("name", ""), str(o, "/status/phase"_json_pointer, "Active"), age(o, t)};
    };
  } else if (resource == "nodes") {
    cols = &kNodeColumns;
    cells = nodeCells;
  } else if (resource == "events") {
    cols = &kEventColumns;
    cells = eventCells;
  }
  json rows = json::array();
  for (const auto& o : objects) rows.push_back({{"cells", cells(o, now)}, {"object", partialMetadata(o)}});
  json meta = json::object();
  if (!resourceVersion.empty()) meta["resourceVersion"] = resourceVersion;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", definitions(*cols)},
          {"rows", rows}};
}

}  // namespace peapod::server
