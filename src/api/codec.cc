// Non-template parts of the JSON codec: scalar decoding, error rendering, Pod entry points.
#include "api/codec.h"

#include <climits>
#include <cmath>
#include <regex>

namespace peapod::api {
namespace codec_detail {

namespace {

// The bad value as Kubernetes prints it: JSON text, shortened when huge.
std::string renderBad(const nlohmann::json& bad) {
  std::string s = bad.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

}  // namespace

void DecodeErrors::invalid(const std::string& path, const nlohmann::json& bad, std::string_view detail) {
  std::string m = path.empty() ? std::string("<root>") : path;
  m += ": Invalid value: ";
  m += renderBad(bad);
  m += ": ";
  m += detail;
  list.push_back(std::move(m));
}

std::string childPath(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string p = path;
  p += '.';
  p += key;
  return p;
}

std::string indexPath(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

void decodeString(const nlohmann::json& j, std::string& out, const std::string& path, DecodeErrors& e) {
  if (!j.is_string()) return e.invalid(path, j, "must be a string");
  out = j.get<std::string>();
}

void decodeBool(const nlohmann::json& j, bool& out, const std::string& path, DecodeErrors& e) {
  if (!j.is_boolean()) return e.invalid(path, j, "must be a boolean");
  out = j.get<bool>();
}

bool decodeInt(const nlohmann::json& j, int64_t& out, int64_t lo, int64_t hi, const std::string& path,
               DecodeErrors& e) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) {
      e.invalid(path, j, "value is out of range");
      return false;
    }
    out = static_cast<int64_t>(u);
    return true;
  }
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if (v < lo || v > hi) {
      e.invalid(path, j, "value is out of range");
      return false;
    }
    out = v;
    return true;
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    // Integral floats (8080.0) are what YAML/JS tools sometimes produce; accept them as Go does.
    if (std::isfinite(d) && d == std::trunc(d)) {
      if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
        e.invalid(path, j, "value is out of range");
        return false;
      }
      out = static_cast<int64_t>(d);
      return true;
    }
  }
  e.invalid(path, j, "must be an integer");
  return false;
}

void decodeIntOrString(const nlohmann::json& j, IntOrString& out, const std::string& path, DecodeErrors& e) {
  if (j.is_string()) {
    out = IntOrString::ofString(j.get<std::string>());
    return;
  }
  int64_t v = 0;
  if (!j.is_number()) return e.invalid(path, j, "must be an integer or a string");
  if (decodeInt(j, v, INT32_MIN, INT32_MAX, path, e)) out = IntOrString::ofInt(static_cast<int32_t>(v));
}

void decodeQuantity(const nlohmann::json& j, Quantity& out, const std::string& path, DecodeErrors& e) {
  // resource.Quantity unmarshals numbers too ("cpu: 1" in YAML); keep their JSON text.
  static const std::regex kQuantity("([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)");
  if (j.is_string()) {
    out.value = j.get<std::string>();
    if (!std::regex_match(out.value, kQuantity))
      e.invalid(path, j,
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  } else if (j.is_number()) {
    out.value = j.dump();
  } else {
    e.invalid(path, j, "must be a quantity (a string or a number)");
  }
}

Error joinErrors(const std::vector<std::string>& errors) {
  std::string m;
  for (const auto& s : errors) {
    if (!m.empty()) m += '\n';
    m += s;
  }
  return Error(std::move(m));
}

}  // namespace codec_detail

nlohmann::json toJson(const Pod& pod) { return encode(pod); }

Result<Pod> podFromJson(const nlohmann::json& j) {
  codec_detail::DecodeErrors errors;
  Pod pod;
  codec_detail::decodeValue(j, pod, "", errors);
  if (j.is_object()) {
    if (!pod.apiVersion.empty() && pod.apiVersion != "v1")
      errors.invalid("apiVersion", pod.apiVersion, "must be \"v1\"");
    if (!pod.kind.empty() && pod.kind != "Pod") errors.invalid("kind", pod.kind, "must be \"Pod\"");
  }
  if (!errors.list.empty()) return codec_detail::joinErrors(errors.list);
  if (pod.apiVersion.empty()) pod.apiVersion = "v1";
  if (pod.kind.empty()) pod.kind = "Pod";
  return pod;
}

}  // namespace peapod::api
