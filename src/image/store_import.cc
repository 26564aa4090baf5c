// Store::importArchive: verify and stage an OCI layout (or a tar of one), then commit it whole.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "base/scope_exit.h"
#include "image/digest.h"
#include "image/docker_archive.h"
#include "image/oci_layout.h"
#include "image/reference.h"
#include "image/store.h"
#include "image/store_index.h"
#include "image/unpack.h"
#include "sys/unique_fd.h"

namespace peapod::image {
namespace fs = std::filesystem;

namespace {

bool pathExists(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

// The names an imported image gets: --tag, else its annotations.
Result<std::vector<std::string>> namesFor(const LayoutImage& img, const std::optional<std::string>& tag,
                                          const fs::path& source) {
  auto named = [&](std::string_view ref, std::string_view from) -> Result<std::vector<std::string>> {
    auto r = parseReference(ref);
    if (!r.ok()) return std::move(r).error().wrap(std::string(from));
    if (!r->digest.empty()) return Error(std::string(from) + ": a name must not carry a digest: " + std::string(ref));
    return std::vector<std::string>{r->str()};
  };
  if (tag) return named(*tag, "--tag");
  if (!img.repoTags.empty()) {
    std::vector<std::string> names;
    for (const auto& t : img.repoTags) {
      PEAPOD_ASSIGN_OR_RETURN(auto n, named(t, "RepoTags"));
      names.push_back(n[0]);
    }
    return names;
  }
  auto a = img.annotations.find(std::string(kAnnotationImageName));
  if (a != img.annotations.end()) return named(a->second, kAnnotationImageName);
  a = img.annotations.find(std::string(kAnnotationRefName));
  if (a != img.annotations.end() && a->second.find_first_of("/:") != std::string::npos)
    return named(a->second, kAnnotationRefName);
  std::string what = a != img.annotations.end() ? "is only named \"" + a->second + "\" (a tag, no repository)"
                                                 : "has no name";
  return Error("image " + img.manifestDesc.digest + " in " + source.string() + " " + what +
               "; give it one with --tag NAME[:TAG]");
}

// Everything an import verified and staged, waiting to be committed.
struct Staged {
  struct Entry {
    ImageRecord record;
  };
  std::vector<Entry> images;
  std::set<std::string> blobs;      // hex digests staged under staging/blobs
  std::set<std::string> layers;     // diff_id hex staged under staging/layers
};

}  // namespace

Result<std::vector<Image>> Store::importArchive(const fs::path& dirOrTar, const std::optional<std::string>& tag) {
  // 1. A private staging dir inside the store (same filesystem, so commits are renames).
  std::string tmpl = (root_ / "tmp" / "import-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Error::sys("mkdtemp", tmpl);
  fs::path staging = tmpl;
  ScopeExit cleanup([&] {
    std::error_code ec;
    fs::remove_all(staging, ec);
  });
  auto wrap = [&](Error e) { return std::move(e).wrap("import " + dirOrTar.string()); };

  // 2. Find the layout: the directory itself, or the tar unpacked into staging.
  struct stat st;
  if (::stat(dirOrTar.c_str(), &st) != 0) return wrap(Error::sys("stat", dirOrTar.string()));
  fs::path layout = dirOrTar;
  if (S_ISREG(st.st_mode)) {
    layout = staging / "archive";
    if (::mkdir(layout.c_str(), 0700) != 0) return Error::sys("mkdir", layout.string());
    PEAPOD_TRY(unpackArchive(dirOrTar, layout, UnpackOptions{.layer = false, .expectedDiffId = {}}));
  } else if (!S_ISDIR(st.st_mode)) {
    return wrap(Error("not a directory or a tar file"));
  }
  // An OCI layout wins over a docker-archive: newer `docker save` writes both.
  std::map<std::string, fs::path> blobPaths;  // docker-archive blobs live at their own paths
  Result<std::vector<LayoutImage>> found = Error("");
  if (pathExists(layout / "index.json")) found = readLayout(layout);
  else if (pathExists(layout / "manifest.json")) found = readDockerArchive(layout, staging / "docker", &blobPaths);
  else return wrap(Error("neither an OCI image layout (index.json) nor a docker-archive (manifest.json)"));
  if (!found.ok()) return wrap(std::move(found).error());
  if (tag && found->size() > 1) {
    std::set<std::string> ids;
    for (const auto& i : *found) ids.insert(i.manifest.config.digest);
    if (ids.size() > 1)
      return wrap(Error("--tag names one image but the archive holds " + std::to_string(ids.size())));
  }

  // 3. Copy each blob into staging, verifying digest and size, and unpack each new layer.
  fs::path sblobs = staging / "blobs", slayers = staging / "layers";
  fs::create_directories(sblobs);
  fs::create_directories(slayers);
  Staged staged;
  auto stageBlob = [&](const Descriptor& d) -> Status {
    std::string hex = d.digest.substr(7);
    if (!staged.blobs.insert(hex).second) return {};
    auto p = blobPaths.find(d.digest);
    fs::path src = p != blobPaths.end() ? p->second : layoutBlobPath(layout, d.digest);
    return copyVerified(src, sblobs / hex, d.digest, d.size);
  };
  for (const LayoutImage& li : *found) {
    ImageRecord rec;
    auto names = namesFor(li, tag, dirOrTar);
    if (!names.ok()) return wrap(std::move(names).error());
    rec.names = std::move(*names);
    rec.id = li.manifest.config.digest;
    rec.digest = li.manifestDesc.digest;
    rec.created = li.config.created;
    rec.config = li.config.config;
    rec.diffIds = li.config.diffIds;
    for (const Descriptor* d : {&li.manifestDesc, &li.manifest.config}) {
      if (Status s = stageBlob(*d); !s.ok()) return wrap(std::move(s).error());
      rec.blobs.push_back(d->digest);
    }
    for (size_t i = 0; i < li.manifest.layers.size(); ++i) {
      const Descriptor& ld = li.manifest.layers[i];
      if (Status s = stageBlob(ld); !s.ok()) return wrap(std::move(s).error());
      rec.blobs.push_back(ld.digest);
      rec.size += static_cast<uint64_t>(ld.size);
      std::string diffHex = rec.diffIds[i].substr(7);
      if (staged.layers.count(diffHex) || pathExists(root_ / "layers" / "sha256" / diffHex)) continue;
      fs::path dir = slayers / diffHex;
      if (::mkdir(dir.c_str(), 0755) != 0 || ::chmod(dir.c_str(), 0755) != 0) return Error::sys("mkdir", dir.string());
      Status s = unpackArchive(sblobs / ld.digest.substr(7), dir, layerUnpackOptions(rec.diffIds[i]));
      if (!s.ok()) return wrap(std::move(s).error().wrap("layer " + ld.digest));
      staged.layers.insert(diffHex);
    }
    staged.images.push_back({std::move(rec)});
  }
  {
    sys::UniqueFd fd(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::syncfs(fd.get());  // layers and blobs are durable before the index names them
  }

  // 4. Commit: move blobs and layers in, then name the images in the index.
  std::vector<ImageRecord> records;
  for (auto& [rec] : staged.images) records.push_back(std::move(rec));
  auto out = commit(staging, std::move(records));
  if (!out.ok()) return wrap(std::move(out).error());
  return out;
}

Result<std::vector<Image>> Store::commit(const fs::path& staging, std::vector<ImageRecord> images) {
  fs::path sblobs = staging / "blobs", slayers = staging / "layers";
  std::lock_guard lock(mu_);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(sblobs, ec)) {
    fs::path dst = root_ / "blobs" / "sha256" / e.path().filename();
    if (!pathExists(dst) && ::rename(e.path().c_str(), dst.c_str()) != 0) return Error::sys("rename", dst.string());
  }
  for (const auto& e : fs::directory_iterator(slayers, ec)) {
    fs::path dst = root_ / "layers" / "sha256" / e.path().filename();
    if (::rename(e.path().c_str(), dst.c_str()) != 0 && errno != EEXIST && errno != ENOTEMPTY)
      return Error::sys("rename", dst.string());  // EEXIST: a concurrent import committed it first
  }
  auto old = records_;
  std::vector<Image> out;
  for (auto& rec : images) {
    for (const auto& d : rec.diffIds)
      if (!pathExists(root_ / "layers" / "sha256" / d.substr(7))) {
        records_ = std::move(old);
        return Error("layer " + d + " was removed during the import; retry");
      }
    for (const auto& b : rec.blobs)
      if (!pathExists(root_ / "blobs" / "sha256" / b.substr(7))) {
        records_ = std::move(old);
        return Error("blob " + b + " was removed during the import; retry");
      }
    // A name moves to the new image (docker load semantics); the old image keeps its others.
    for (auto& r : records_)
      std::erase_if(r.names, [&](const std::string& n) {
        return r.id != rec.id && std::find(rec.names.begin(), rec.names.end(), n) != rec.names.end();
      });
    auto same = std::find_if(records_.begin(), records_.end(), [&](const ImageRecord& r) { return r.id == rec.id; });
    if (same == records_.end()) {
      records_.push_back(rec);
      same = records_.end() - 1;
    } else {
      for (const auto& n : rec.names)
        if (std::find(same->names.begin(), same->names.end(), n) == same->names.end()) same->names.push_back(n);
      for (const auto& b : rec.blobs)
        if (std::find(same->blobs.begin(), same->blobs.end(), b) == same->blobs.end()) same->blobs.push_back(b);
    }
    // A name's origin is its latest commit: pulled names may be re-pulled, imported ones stay local.
    std::erase_if(same->pulledNames, [&](const std::string& n) {
      return std::find(rec.names.begin(), rec.names.end(), n) != rec.names.end();
    });
    for (const auto& n : rec.pulledNames) same->pulledNames.push_back(n);
    lastUsed_.try_emplace(same->id, std::chrono::steady_clock::now());
    out.push_back(toImage(*same));
  }
  if (Status s = save(); !s.ok()) {
    records_ = std::move(old);
    return std::move(s).error();
  }
  return out;
}

}  // namespace peapod::image
