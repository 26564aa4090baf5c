// Endpoint choice and kubeconfig reading (see endpoint.h).
#include "cli/endpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

namespace peapod::cli {
namespace fs = std::filesystem;
namespace {

Result<std::string> readText(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return Error::sys("open", p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> base64Decode(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (c != '\n' && c != '\r' && c != ' ') clean += c;
  }
  if (clean.size() % 4 != 0) return Error("bad base64 data");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return Error("bad base64 data");
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// The entry named `name` in a kubeconfig list ("clusters", "users", "contexts"), its inner map.
YAML::Node findNamed(const YAML::Node& list, const std::string& name, const char* inner) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& e : list) {
    if (e["name"] && e["name"].as<std::string>() == name) return e[inner];
  }
  return YAML::Node();
}

std::string str(const YAML::Node& n, const char* key) {
  return n && n.IsMap() && n[key] && n[key].IsScalar() ? n[key].as<std::string>() : "";
}

bool canConnect(const std::string& server) {
  if (server.rfind("unix://", 0) != 0) return true;
  struct stat st {};
  std::string path = server.substr(7);
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && ::access(path.c_str(), R_OK | W_OK) == 0;
}

bool readable(const std::string& file) { return !file.empty() && ::access(file.c_str(), R_OK) == 0; }

std::string firstExisting(const std::string& list) {
  std::stringstream ss(list);
  for (std::string f; std::getline(ss, f, ':');) {
    if (!f.empty() && fs::exists(f)) return f;
  }
  return "";
}

}  // namespace

Result<Endpoint> loadKubeconfig(const fs::path& file) {
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readText(file));
  try {
    YAML::Node root = YAML::Load(text);
    std::string current = str(root, "current-context");
    YAML::Node ctx = findNamed(root["contexts"], current, "context");
    if (current.empty() || !ctx) return Error("kubeconfig " + file.string() + ": no current context \"" + current + "\"");
    YAML::Node cluster = findNamed(root["clusters"], str(ctx, "cluster"), "cluster");
    if (!cluster) return Error("kubeconfig " + file.string() + ": no cluster \"" + str(ctx, "cluster") + "\"");
    Endpoint ep;
    ep.server = str(cluster, "server");
    if (ep.server.empty()) return Error("kubeconfig " + file.string() + ": the cluster has no server");
    ep.ns = str(ctx, "namespace");
    ep.insecure = str(cluster, "insecure-skip-tls-verify") == "true";
    if (std::string data = str(cluster, "certificate-authority-data"); !data.empty()) {
      auto pem = base64Decode(data);
      if (!pem.ok()) return Error("kubeconfig " + file.string() + ": certificate-authority-data: " + pem.error().message());
      ep.caPem = *pem;
    } else if (std::string ca = str(cluster, "certificate-authority"); !ca.empty()) {
      fs::path p = fs::path(ca).is_absolute() ? fs::path(ca) : file.parent_path() / ca;
      PEAPOD_ASSIGN_OR_RETURN(ep.caPem, readText(p));
    }
    YAML::Node user = findNamed(root["users"], str(ctx, "user"), "user");
    ep.token = str(user, "token");
    if (std::string tf = str(user, "tokenFile"); ep.token.empty() && !tf.empty()) {
      PEAPOD_ASSIGN_OR_RETURN(ep.token, readText(tf));
      while (!ep.token.empty() && (ep.token.back() == '\n' || ep.token.back() == '\r')) ep.token.pop_back();
    }
    return ep;
  } catch (const std::exception& e) {
    return Error("kubeconfig " + file.string() + ": " + e.what());
  }
}

Result<Endpoint> chooseEndpoint(const EndpointChoice& c) {
  std::string named = !c.kubeconfig.empty() ? c.kubeconfig : firstExisting(c.envKubeconfig);
  if (!c.server.empty()) {
    Endpoint ep(c.server);
    if (ep.tls()) {
      // Credentials not given as flags come from the kubeconfig, as kubectl's --server does.
      std::string file = !named.empty() ? named : (readable(c.defaultKubeconfig) ? c.defaultKubeconfig : "");
      if (!file.empty()) {
        if (auto kc = loadKubeconfig(file); kc.ok()) {
          ep.token = kc->token;
          ep.caPem = kc->caPem;
          ep.insecure = kc->insecure;
        }
      }
    }
    if (!c.token.empty()) ep.token = c.token;
    if (!c.caFile.empty()) {
      PEAPOD_ASSIGN_OR_RETURN(ep.caPem, readText(c.caFile));
    }
    ep.insecure = ep.insecure || c.insecure;
    return ep;
  }
  auto fromFile = [&](const std::string& file) -> Result<Endpoint> {
    PEAPOD_ASSIGN_OR_RETURN(Endpoint ep, loadKubeconfig(file));
    if (!c.token.empty()) ep.token = c.token;
    if (!c.caFile.empty()) {
      PEAPOD_ASSIGN_OR_RETURN(ep.caPem, readText(c.caFile));
    }
    ep.insecure = ep.insecure || c.insecure;
    return ep;
  };
  if (!c.kubeconfig.empty()) return fromFile(c.kubeconfig);
  if (!named.empty()) return fromFile(named);
  if (!c.envServer.empty()) return Endpoint(c.envServer);
  if (canConnect(c.defaultSocket)) return Endpoint(c.defaultSocket);
  if (readable(c.defaultKubeconfig)) return fromFile(c.defaultKubeconfig);
  return Endpoint(c.defaultSocket);
}

}  // namespace peapod::cli
