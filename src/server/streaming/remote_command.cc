#include "server/streaming/remote_command.h"

#include "server/http_types.h"

namespace peapod::server::streaming {
namespace {

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "True"; }

}  // namespace

Result<RemoteCommandOptions> parseRemoteCommandOptions(const std::string& rawQuery, bool attach) {
  RemoteCommandOptions o;
  o.attach = attach;
  size_t pos = 0;
  while (pos <= rawQuery.size()) {
    size_t amp = rawQuery.find('&', pos);
    if (amp == std::string::npos) amp = rawQuery.size();
    std::string part = rawQuery.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key = percentDecode(part.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : percentDecode(part.substr(eq + 1));
    if (key == "command") o.command.push_back(value);
    else if (key == "container") o.container = value;
    else if (key == "stdin") o.stdin = truthy(value);
    else if (key == "stdout") o.stdout = truthy(value);
    else if (key == "stderr") o.stderr = truthy(value);
    else if (key == "tty") o.tty = truthy(value);
  }
  if (!o.stdin && !o.stdout && !o.stderr) return Error("you must specify at least 1 of stdin, stdout, stderr");
  if (!attach && o.command.empty()) return Error("you must specify a command");
  if (o.tty) o.stderr = false;  // a terminal merges them (the kubelet ignores stderr with tty)
  return o;
}

nlohmann::json successStatus() { return nlohmann::json{{"metadata", nlohmann::json::object()}, {"status", "Success"}}; }

nlohmann::json exitCodeStatus(int exitCode) {
  return nlohmann::json{
      {"metadata", nlohmann::json::object()},
      {"status", "Failure"},
      {"message", "command terminated with non-zero exit code: exit status " + std::to_string(exitCode)},
      {"reason", "NonZeroExitCode"},
      {"details", {{"causes", nlohmann::json::array({{{"reason", "ExitCode"}, {"message", std::to_string(exitCode)}}})}}},
  };
}

nlohmann::json failureStatus(int code, std::string_view reason, std::string_view message) {
  return nlohmann::json{{"metadata", nlohmann::json::object()},
                        {"status", "Failure"},
                        {"message", std::string(message)},
                        {"reason", std::string(reason)},
                        {"code", code}};
}

}  // namespace peapod::server::streaming
