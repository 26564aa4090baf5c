// Registry credentials (Docker config.json "auths") and WWW-Authenticate challenge parsing.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace peapod::image {

struct Credentials {
  std::string username, password;
  std::string identityToken;  // "identitytoken": an OAuth2 refresh token for the token endpoint
};

// The "auths" of a Docker-style config.json: registry host -> credentials.
class AuthConfig {
 public:
  AuthConfig() = default;
  // Reads `file`; a missing file is an empty config, a malformed one an error naming it.
  static Result<AuthConfig> load(const std::filesystem::path& file);
  // Parses config.json text. Each entry has "auth" (base64 "user:password") or
  // "username"/"password"; keys may be URLs ("https://index.docker.io/v1/").
  static Result<AuthConfig> parse(std::string_view json);

  // Credentials for a registry host ("127.0.0.1:5000", "docker.io"), if any.
  std::optional<Credentials> find(std::string_view registry) const;
  bool empty() const { return auths_.empty(); }

 private:
  std::map<std::string, Credentials> auths_;  // by normalized host
};

// The default place of the credentials file: /etc/peapod/auth.json when it exists, else
// $HOME/.docker/config.json.
std::filesystem::path defaultAuthFile();

// One challenge of a WWW-Authenticate header: `Bearer realm="...",service="...",scope="..."`.
struct Challenge {
  std::string scheme;                         // lower-case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case names
};

// Parses a WWW-Authenticate value (one or more challenges, quoted-string params).
std::vector<Challenge> parseWwwAuthenticate(std::string_view header);

std::string base64Encode(std::string_view in);
// Fails on characters outside the base64 alphabet.
Result<std::string> base64Decode(std::string_view in);

}  // namespace peapod::image
