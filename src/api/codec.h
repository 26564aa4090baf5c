// JSON codec for the api types: walks each struct's `fields(v)` list to encode (Go omitempty
// rules) and to decode strictly (unknown fields and type errors reported with field paths).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "base/result.h"

namespace peapod::api {

namespace codec_detail {

template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type {};
template <class T> struct IsVector : std::false_type {};
template <class T> struct IsVector<std::vector<T>> : std::true_type {};
template <class T> struct IsMap : std::false_type {};
template <class T> struct IsMap<std::map<std::string, T>> : std::true_type {};

template <class T>
inline constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Go's omitempty: zero scalars, empty containers and nil pointers are left out; structs never.
template <class T> bool isEmpty(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || IsVector<T>::value || IsMap<T>::value)
    return v.empty();
  else if constexpr (std::is_same_v<T, bool>)
    return !v;
  else if constexpr (kIsInt<T>)
    return v == 0;
  else if constexpr (IsOptional<T>::value)
    return !v.has_value();
  else
    return false;
}

template <class T> nlohmann::json encodeValue(const T& v);

struct Encoder {
  nlohmann::json out = nlohmann::json::object();
  template <class T> void operator()(const char* key, T& value, FieldOpt opt = kOmitEmpty) {
    if (opt == kTime && isEmpty(value)) {
      out[key] = nullptr;
      return;
    }
    if (opt == kOmitEmpty && isEmpty(value)) return;
    out[key] = encodeValue(value);
  }
};

template <class T> nlohmann::json encodeValue(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || kIsInt<T>) {
    return nlohmann::json(v);
  } else if constexpr (std::is_same_v<T, IntOrString>) {
    return v.isString ? nlohmann::json(v.strVal) : nlohmann::json(v.intVal);
  } else if constexpr (std::is_same_v<T, Quantity>) {
    return nlohmann::json(v.value);
  } else if constexpr (IsMap<T>::value) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [key, value] : v) o[key] = encodeValue(value);
    return o;
  } else if constexpr (IsOptional<T>::value) {
    return v ? encodeValue(*v) : nlohmann::json(nullptr);
  } else if constexpr (IsVector<T>::value) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : v) a.push_back(encodeValue(e));
    return a;
  } else {
    Encoder enc;
    // fields() is a non-const template shared with the decoder; the encoder only reads.
    const_cast<T&>(v).fields(enc);
    return std::move(enc.out);
  }
}

// Decoding state: the errors found so far, in document order.
struct DecodeErrors {
  std::vector<std::string> list;
  void invalid(const std::string& path, const nlohmann::json& bad, std::string_view detail);
};

std::string childPath(const std::string& path, std::string_view key);
std::string indexPath(const std::string& path, size_t i);
void decodeString(const nlohmann::json& j, std::string& out, const std::string& path, DecodeErrors& e);
void decodeBool(const nlohmann::json& j, bool& out, const std::string& path, DecodeErrors& e);
// Accepts JSON integers and integral floats (8080.0) within [lo, hi].
bool decodeInt(const nlohmann::json& j, int64_t& out, int64_t lo, int64_t hi, const std::string& path,
               DecodeErrors& e);
void decodeIntOrString(const nlohmann::json& j, IntOrString& out, const std::string& path, DecodeErrors& e);
void decodeQuantity(const nlohmann::json& j, Quantity& out, const std::string& path, DecodeErrors& e);

template <class T> void decodeValue(const nlohmann::json& j, T& out, const std::string& path, DecodeErrors& e);

struct FieldDecoder {
  const nlohmann::json& obj;
  const std::string& path;
  DecodeErrors& errors;
  std::set<std::string, std::less<>> known;
  template <class T> void operator()(const char* key, T& value, FieldOpt = kOmitEmpty) {
    known.insert(key);
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return;  // null means absent, as in Go
    decodeValue(*it, value, childPath(path, key), errors);
  }
};

template <class T> void decodeValue(const nlohmann::json& j, T& out, const std::string& path, DecodeErrors& e) {
  if constexpr (std::is_same_v<T, std::string>) {
    decodeString(j, out, path, e);
  } else if constexpr (std::is_same_v<T, bool>) {
    decodeBool(j, out, path, e);
  } else if constexpr (kIsInt<T>) {
    int64_t v = 0;
    if (decodeInt(j, v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), path, e))
      out = static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, IntOrString>) {
    decodeIntOrString(j, out, path, e);
  } else if constexpr (std::is_same_v<T, Quantity>) {
    decodeQuantity(j, out, path, e);
  } else if constexpr (IsMap<T>::value) {
    out.clear();
    if (!j.is_object()) {
      e.invalid(path, j, "must be an object");
      return;
    }
    for (const auto& [key, value] : j.items()) {
      if (value.is_null()) continue;
      decodeValue(value, out[key], path + "[" + key + "]", e);
    }
  } else if constexpr (IsOptional<T>::value) {
    if (j.is_null()) {
      out.reset();
      return;
    }
    out.emplace();
    decodeValue(j, *out, path, e);
  } else if constexpr (IsVector<T>::value) {
    out.clear();
    if (!j.is_array()) {
      e.invalid(path, j, "must be an array");
      return;
    }
    out.resize(j.size());
    for (size_t i = 0; i < j.size(); ++i) decodeValue(j[i], out[i], indexPath(path, i), e);
  } else {
    if (!j.is_object()) {
      e.invalid(path, j, "must be an object");
      return;
    }
    FieldDecoder d{j, path, e, {}};
    out.fields(d);
    for (const auto& [key, value] : j.items()) {
      if (!d.known.contains(key)) e.list.push_back("unknown field \"" + childPath(path, key) + "\"");
    }
  }
}

Error joinErrors(const std::vector<std::string>& errors);

}  // namespace codec_detail

// Encodes any api struct as Kubernetes would (omitempty as in core/v1 types.go).
template <class T> nlohmann::json encode(const T& value) { return codec_detail::encodeValue(value); }

// Strictly decodes any api struct. Every problem is reported, one per line, with its path
// under rootPath ("" for a top-level object): `unknown field "spec.containers[0].imagePullPolice"`.
template <class T> Result<T> decodeStrict(const nlohmann::json& j, std::string_view rootPath = {}) {
  T out{};
  codec_detail::DecodeErrors errors;
  codec_detail::decodeValue(j, out, std::string(rootPath), errors);
  if (!errors.list.empty()) return codec_detail::joinErrors(errors.list);
  return out;
}

nlohmann::json toJson(const Pod& pod);
// Strict decode plus apiVersion/kind checks (empty means "v1"/"Pod").
Result<Pod> podFromJson(const nlohmann::json& j);

}  // namespace peapod::api
