// Where container logs live (the kubelet's layout) and how to read the CRI log format back.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace peapod::node {

// <logDir>/<namespace>_<name>_<uid>
std::filesystem::path podLogDir(const std::filesystem::path& logDir, const std::string& ns,
                                const std::string& name, const std::string& uid);
// <podLogDir>/<container>/<restartCount>.log
std::filesystem::path containerLogFile(const std::filesystem::path& podLogDir, const std::string& container,
                                       int restartCount);

// Turns CRI log lines ("<time> <stream> <P|F> <text>") back into the container's output; partial
// (P) chunks are joined to the next. With timestamps, each line starts with its RFC3339Nano time.
std::string criLogToText(std::string_view criLog, bool timestamps);

}  // namespace peapod::node
