// Docker config.json credentials and WWW-Authenticate parsing for the registry client.
#include "image/auth.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "image/digest.h"

namespace peapod::image {
namespace {

// "https://index.docker.io/v1/" -> "docker.io"; "http://127.0.0.1:5000/x" -> "127.0.0.1:5000".
std::string normalizeHost(std::string_view key) {
  if (auto p = key.find("://"); p != std::string_view::npos) key.remove_prefix(p + 3);
  if (auto p = key.find('/'); p != std::string_view::npos) key = key.substr(0, p);
  std::string h(key);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (h == "index.docker.io" || h == "registry-1.docker.io" || h == "registry.hub.docker.com") h = "docker.io";
  return h;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s : {18, 12, 6, 0}) out.push_back(kB64[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {kB64[v >> 18 & 63], kB64[v >> 12 & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {kB64[v >> 18 & 63], kB64[v >> 12 & 63], kB64[v >> 6 & 63], '='};
  }
  return out;
}

Result<std::string> base64Decode(std::string_view in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const char* p = std::strchr(kB64, c);
    if (!p || c == 0) return Error("invalid base64");
    v = v << 6 | static_cast<unsigned>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

Result<AuthConfig> AuthConfig::parse(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error("invalid JSON");
  AuthConfig cfg;
  auto auths = j.find("auths");
  if (auths == j.end()) return cfg;
  if (!auths->is_object()) return Error("\"auths\" is not an object");
  for (auto& [key, v] : auths->items()) {
    if (!v.is_object()) continue;
    Credentials c;
    if (auto a = v.find("auth"); a != v.end() && a->is_string() && !a->get<std::string>().empty()) {
      auto decoded = base64Decode(a->get<std::string>());
      if (!decoded.ok()) return Error("auths[\"" + key + "\"].auth: invalid base64");
      auto colon = decoded->find(':');
      if (colon == std::string::npos) return Error("auths[\"" + key + "\"].auth: not base64 of \"user:password\"");
      c.username = decoded->substr(0, colon);
      c.password = decoded->substr(colon + 1);
    } else {
      c.username = v.value("username", "");
      c.password = v.value("password", "");
    }
    c.identityToken = v.value("identitytoken", "");
    if (c.username.empty() && c.identityToken.empty()) continue;
    cfg.auths_[normalizeHost(key)] = std::move(c);
  }
  return cfg;
}

Result<AuthConfig> AuthConfig::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return AuthConfig{};
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readSmallFile(file, 1 << 20));
  auto cfg = parse(text);
  if (!cfg.ok()) return std::move(cfg).error().wrap("registry credentials " + file.string());
  return cfg;
}

std::optional<Credentials> AuthConfig::find(std::string_view registry) const {
  auto it = auths_.find(normalizeHost(registry));
  if (it == auths_.end()) return std::nullopt;
  return it->second;
}

std::filesystem::path defaultAuthFile() {
  std::error_code ec;
  std::filesystem::path etc = "/etc/peapod/auth.json";
  if (std::filesystem::exists(etc, ec)) return etc;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/root") / ".docker" / "config.json";
}

std::vector<Challenge> parseWwwAuthenticate(std::string_view h) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ',')) ++i;
  };
  auto token = [&] {
    size_t start = i;
    while (i < h.size() && h[i] != ' ' && h[i] != '\t' && h[i] != '=' && h[i] != ',') ++i;
    std::string t(h.substr(start, i - start));
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  while (true) {
    skipSpace();
    if (i >= h.size()) break;
    // A token followed by '=' is a parameter of the current challenge; otherwise a new scheme.
    size_t save = i;
    std::string t = token();
    size_t j = i;
    while (j < h.size() && (h[j] == ' ' || h[j] == '\t')) ++j;
    if (j < h.size() && h[j] == '=' && !out.empty()) {
      i = j + 1;
      while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
      std::string value;
      if (i < h.size() && h[i] == '"') {
        for (++i; i < h.size() && h[i] != '"'; ++i) {
          if (h[i] == '\\' && i + 1 < h.size()) ++i;
          value.push_back(h[i]);
        }
        ++i;
      } else {
        size_t start = i;
        while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
        value = std::string(h.substr(start, i - start));
      }
      out.back().params[t] = value;
    } else {
      if (t.empty()) {
        i = save + 1;
        continue;
      }
      out.push_back(Challenge{t, {}});
    }
  }
  return out;
}

}  // namespace peapod::image
