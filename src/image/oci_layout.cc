// Parses OCI (and docker schema2) index/manifest/config JSON with nlohmann::json.
#include "image/oci_layout.h"

#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/reference.h"

namespace peapod::image {
namespace {

using nlohmann::json;

constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr int kMaxIndexDepth = 4;

Result<json> parseJson(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(std::string(what) + ": invalid JSON");
  if (!j.is_object()) return Error(std::string(what) + ": not a JSON object");
  return j;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Result<Descriptor> parseDescriptor(const json& j, std::string_view where) {
  if (!j.is_object()) return Error(std::string(where) + ": descriptor is not an object");
  Descriptor d;
  d.mediaType = str(j, "mediaType");
  d.digest = str(j, "digest");
  if (!isDigest(d.digest)) {
    if (d.digest.find(':') != std::string::npos && d.digest.substr(0, 7) != "sha256:")
      return Error(std::string(where) + ": unsupported digest algorithm in \"" + d.digest + "\"");
    return Error(std::string(where) + ": invalid digest \"" + d.digest + "\"");
  }
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    return Error(std::string(where) + ": descriptor " + d.digest + " has no valid size");
  d.size = size->get<int64_t>();
  if (auto a = j.find("annotations"); a != j.end() && a->is_object())
    for (auto& [k, v] : a->items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.os = str(*p, "os");
    d.architecture = str(*p, "architecture");
    d.variant = str(*p, "variant");
  }
  return d;
}

bool platformMatches(std::string_view os, std::string_view arch) {
  return os == "linux" && arch == hostArchitecture();
}

// Reads a JSON blob from the layout, checking size and digest before trusting it.
Result<std::string> readVerifiedJson(const std::filesystem::path& dir, const Descriptor& d) {
  if (d.size > (16 << 20)) return Error("blob " + d.digest + ": " + std::to_string(d.size) + " bytes is too big for JSON");
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readSmallFile(layoutBlobPath(dir, d.digest), 16 << 20));
  if (static_cast<int64_t>(text.size()) != d.size)
    return Error("blob " + d.digest + ": size mismatch: descriptor says " + std::to_string(d.size) + " bytes, file has " +
                 std::to_string(text.size()));
  if (std::string got = sha256Digest(text); got != d.digest)
    return Error("blob " + d.digest + ": digest mismatch: content hashes to " + got);
  return text;
}

// Follows `d` to a manifest for this host (through nested indexes). Returns an empty
// digest when `d` is for another platform.
Result<LayoutImage> resolve(const std::filesystem::path& dir, const Descriptor& d, int depth) {
  if (depth > kMaxIndexDepth) return Error("index nesting deeper than " + std::to_string(kMaxIndexDepth));
  LayoutImage img;
  if (!d.os.empty() && !platformMatches(d.os, d.architecture)) return img;
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readVerifiedJson(dir, d));
  switch (blobKind(d.mediaType, text)) {
    case BlobKind::kIndex: {
      PEAPOD_ASSIGN_OR_RETURN(auto children, parseIndex(text));
      for (const auto& c : children) {
        PEAPOD_ASSIGN_OR_RETURN(LayoutImage sub, resolve(dir, c, depth + 1));
        if (!sub.manifestDesc.digest.empty()) return sub;
      }
      return img;
    }
    case BlobKind::kManifest: {
      PEAPOD_ASSIGN_OR_RETURN(img.manifest, parseManifest(text));
      PEAPOD_ASSIGN_OR_RETURN(std::string cfg, readVerifiedJson(dir, img.manifest.config));
      PEAPOD_ASSIGN_OR_RETURN(img.config, parseConfig(cfg));
      if (!img.config.os.empty() && !platformMatches(img.config.os, img.config.architecture)) return LayoutImage{};
      if (img.config.diffIds.size() != img.manifest.layers.size())
        return Error("manifest " + d.digest + ": " + std::to_string(img.manifest.layers.size()) +
                     " layers but config lists " + std::to_string(img.config.diffIds.size()) + " diff_ids");
      img.manifestDesc = d;
      return img;
    }
    case BlobKind::kUnknown:
      break;
  }
  return Error("blob " + d.digest + ": unsupported media type \"" + d.mediaType + "\"");
}

}  // namespace

std::string_view hostArchitecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

BlobKind blobKind(std::string_view mediaType, std::string_view text) {
  if (mediaType == kOciIndex || mediaType == kDockerList) return BlobKind::kIndex;
  if (mediaType == kOciManifest || mediaType == kDockerManifest) return BlobKind::kManifest;
  if (!mediaType.empty()) return BlobKind::kUnknown;
  // No media type on the descriptor: look at the document.
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return BlobKind::kUnknown;
  std::string mt = str(j, "mediaType");
  if (!mt.empty()) return blobKind(mt, text);
  if (j.contains("manifests")) return BlobKind::kIndex;
  if (j.contains("layers") && j.contains("config")) return BlobKind::kManifest;
  return BlobKind::kUnknown;
}

bool isLayerMediaType(std::string_view mt) {
  return mt.starts_with("application/vnd.oci.image.layer.") ||
         mt.starts_with("application/vnd.docker.image.rootfs.diff.tar") ||
         mt.starts_with("application/vnd.docker.image.rootfs.foreign.diff.tar");
}

Result<std::vector<Descriptor>> parseIndex(std::string_view text) {
  PEAPOD_ASSIGN_OR_RETURN(json j, parseJson(text, "index"));
  auto m = j.find("manifests");
  if (m == j.end() || !m->is_array()) return Error("index: no \"manifests\" array");
  std::vector<Descriptor> out;
  for (size_t i = 0; i < m->size(); ++i) {
    PEAPOD_ASSIGN_OR_RETURN(Descriptor d, parseDescriptor((*m)[i], "index manifests[" + std::to_string(i) + "]"));
    out.push_back(std::move(d));
  }
  return out;
}

Result<Manifest> parseManifest(std::string_view text) {
  PEAPOD_ASSIGN_OR_RETURN(json j, parseJson(text, "manifest"));
  if (auto v = j.find("schemaVersion"); v == j.end() || *v != 2) return Error("manifest: schemaVersion must be 2");
  Manifest m;
  auto c = j.find("config");
  if (c == j.end()) return Error("manifest: no config");
  PEAPOD_ASSIGN_OR_RETURN(m.config, parseDescriptor(*c, "manifest config"));
  auto l = j.find("layers");
  if (l == j.end() || !l->is_array()) return Error("manifest: no \"layers\" array");
  for (size_t i = 0; i < l->size(); ++i) {
    std::string where = "manifest layers[" + std::to_string(i) + "]";
    PEAPOD_ASSIGN_OR_RETURN(Descriptor d, parseDescriptor((*l)[i], where));
    if (!d.mediaType.empty() && !isLayerMediaType(d.mediaType))
      return Error(where + ": unsupported layer media type \"" + d.mediaType + "\"");
    m.layers.push_back(std::move(d));
  }
  return m;
}

Result<ConfigInfo> parseConfig(std::string_view text) {
  PEAPOD_ASSIGN_OR_RETURN(json j, parseJson(text, "image config"));
  ConfigInfo ci;
  ci.created = str(j, "created");
  ci.os = str(j, "os");
  ci.architecture = str(j, "architecture");
  if (auto r = j.find("rootfs"); r != j.end() && r->is_object()) {
    for (const auto& id : strings(*r, "diff_ids")) {
      if (!isDigest(id)) return Error("image config: invalid diff_id \"" + id + "\"");
      ci.diffIds.push_back(id);
    }
  } else {
    return Error("image config: no rootfs");
  }
  if (auto c = j.find("config"); c != j.end() && c->is_object()) {
    ImageConfig& ic = ci.config;
    ic.entrypoint = strings(*c, "Entrypoint");
    ic.cmd = strings(*c, "Cmd");
    ic.env = strings(*c, "Env");
    ic.workingDir = str(*c, "WorkingDir");
    ic.user = str(*c, "User");
    ic.stopSignal = str(*c, "StopSignal");
    if (auto l = c->find("Labels"); l != c->end() && l->is_object())
      for (auto& [k, v] : l->items())
        if (v.is_string()) ic.labels[k] = v.get<std::string>();
  }
  return ci;
}

std::filesystem::path layoutBlobPath(const std::filesystem::path& dir, std::string_view digest) {
  return dir / "blobs" / "sha256" / std::string(digest.substr(7));
}

Result<std::vector<LayoutImage>> readLayout(const std::filesystem::path& dir) {
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readSmallFile(dir / "index.json"));
  auto parsed = parseIndex(text);
  if (!parsed.ok()) return std::move(parsed).error().wrap((dir / "index.json").string());
  const auto& top = *parsed;
  std::vector<LayoutImage> out;
  for (const auto& d : top) {
    auto r = resolve(dir, d, 0);
    if (!r.ok()) return std::move(r).error().wrap(dir.string());
    if (r->manifestDesc.digest.empty()) continue;  // another platform
    r->annotations = d.annotations;
    out.push_back(std::move(*r));
  }
  if (out.empty())
    return Error(dir.string() + ": no linux/" + std::string(hostArchitecture()) + " image in index.json");
  return out;
}

}  // namespace peapod::image
