// Turns a `docker save` tree into LayoutImages so the OCI import path does the rest.
#include "image/docker_archive.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/unpack.h"

namespace peapod::image {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A path named inside manifest.json, kept inside the archive.
Result<fs::path> inside(const fs::path& dir, const json& v) {
  if (!v.is_string()) return Error("manifest.json: expected a path string");
  PEAPOD_ASSIGN_OR_RETURN(auto comps, safeComponents(v.get<std::string>()));
  if (comps.empty()) return Error("manifest.json: empty path");
  fs::path p = dir;
  for (const auto& c : comps) p /= c;
  return p;
}

Result<Descriptor> describe(const fs::path& p, std::string mediaType,
                            std::map<std::string, fs::path>* blobPaths) {
  PEAPOD_ASSIGN_OR_RETURN(auto ds, digestFile(p));
  Descriptor d;
  d.mediaType = std::move(mediaType);
  d.digest = ds.first;
  d.size = ds.second;
  (*blobPaths)[d.digest] = p;
  return d;
}

}  // namespace

Result<std::vector<LayoutImage>> readDockerArchive(const fs::path& dir, const fs::path& scratch,
                                                   std::map<std::string, fs::path>* blobPaths) {
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readSmallFile(dir / "manifest.json"));
  json entries = json::parse(text, nullptr, false);
  if (!entries.is_array()) return Error("manifest.json: expected an array of images");
  std::error_code ec;
  fs::create_directories(scratch, ec);
  if (ec) return Error("mkdir " + scratch.string() + ": " + ec.message());

  std::vector<LayoutImage> out;
  for (const auto& e : entries) {
    if (!e.is_object() || !e.contains("Config") || !e.contains("Layers") || !e["Layers"].is_array())
      return Error("manifest.json: an entry lacks Config or Layers");
    LayoutImage img;
    // 1. The config: its digest is the image id.
    PEAPOD_ASSIGN_OR_RETURN(fs::path cfgPath, inside(dir, e["Config"]));
    PEAPOD_ASSIGN_OR_RETURN(img.manifest.config,
                            describe(cfgPath, "application/vnd.docker.container.image.v1+json", blobPaths));
    PEAPOD_ASSIGN_OR_RETURN(std::string cfg, readSmallFile(cfgPath, 16u << 20));
    PEAPOD_ASSIGN_OR_RETURN(img.config, parseConfig(cfg));
    if (!img.config.os.empty() && (img.config.os != "linux" || img.config.architecture != hostArchitecture()))
      continue;
    // 2. The layers: plain (or compressed) tars, checked against diff_ids when unpacked.
    for (const auto& l : e["Layers"]) {
      PEAPOD_ASSIGN_OR_RETURN(fs::path lp, inside(dir, l));
      PEAPOD_ASSIGN_OR_RETURN(Descriptor d, describe(lp, "application/vnd.docker.image.rootfs.diff.tar", blobPaths));
      img.manifest.layers.push_back(std::move(d));
    }
    if (img.manifest.layers.size() != img.config.diffIds.size())
      return Error("manifest.json: " + std::to_string(img.manifest.layers.size()) + " layers but the config lists " +
                   std::to_string(img.config.diffIds.size()) + " diff_ids");
    // 3. A schema2 manifest, so the image has a manifest digest like any other.
    json m{{"schemaVersion", 2},
           {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
           {"config", {{"mediaType", img.manifest.config.mediaType},
                       {"digest", img.manifest.config.digest},
                       {"size", img.manifest.config.size}}},
           {"layers", json::array()}};
    for (const auto& d : img.manifest.layers)
      m["layers"].push_back({{"mediaType", d.mediaType}, {"digest", d.digest}, {"size", d.size}});
    fs::path mp = scratch / ("manifest-" + std::to_string(out.size()) + ".json");
    std::ofstream(mp, std::ios::binary) << m.dump();
    PEAPOD_ASSIGN_OR_RETURN(img.manifestDesc, describe(mp, "application/vnd.docker.distribution.manifest.v2+json", blobPaths));
    if (auto t = e.find("RepoTags"); t != e.end() && t->is_array())
      for (const auto& n : *t)
        if (n.is_string()) img.repoTags.push_back(n.get<std::string>());
    out.push_back(std::move(img));
  }
  if (out.empty()) return Error("manifest.json: no linux/" + std::string(hostArchitecture()) + " image");
  return out;
}

}  // namespace peapod::image
