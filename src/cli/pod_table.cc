#include "cli/pod_table.h"

#include <algorithm>

#include "api/codec.h"
#include "api/status_text.h"

namespace peapod::cli {

std::string formatColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string podTable(const std::vector<nlohmann::json>& pods, bool wide, bool withNamespace, WallTime now) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"NAME", "READY", "STATUS", "RESTARTS", "AGE"};
  if (withNamespace) header.insert(header.begin(), "NAMESPACE");
  if (wide) header.insert(header.end(), {"IP", "NODE", "NOMINATED NODE", "READINESS GATES"});
  rows.push_back(header);
  for (const auto& obj : pods) {
    auto pod = api::podFromJson(obj);
    if (!pod.ok()) continue;
    std::vector<std::string> row = {pod->metadata.name, api::readyColumn(*pod),
                                    api::podPhaseReasonForPrinting(*pod, now), api::restartsColumn(*pod, now),
                                    api::ageColumn(pod->metadata.creationTimestamp, now)};
    if (withNamespace) row.insert(row.begin(), pod->metadata.namespace_);
    if (wide) {
      row.push_back(pod->status.podIP.empty() ? "<none>" : pod->status.podIP);
      row.push_back(pod->spec.nodeName.empty() ? "<none>" : pod->spec.nodeName);
      row.push_back("<none>");
      row.push_back("<none>");
    }
    rows.push_back(std::move(row));
  }
  return formatColumns(rows);
}

}  // namespace peapod::cli
