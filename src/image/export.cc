// exportImage: stream the image's verified blobs and a generated index/manifest.json into a tar.
#include "image/export.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/oci_layout.h"
#include "image/reference.h"
#include "sys/unique_fd.h"

namespace peapod::image {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

Status archiveError(archive* a, const std::string& what) {
  return Error(what + ": " + (archive_error_string(a) ? archive_error_string(a) : "libarchive error"));
}

Status addHeader(archive* a, const std::string& name, int64_t size) {
  std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_size(e.get(), size);
  archive_entry_set_mtime(e.get(), 0, 0);
  if (archive_write_header(a, e.get()) != ARCHIVE_OK) return archiveError(a, "write " + name);
  return {};
}

Status addData(archive* a, const std::string& name, const std::string& data) {
  PEAPOD_TRY(addHeader(a, name, static_cast<int64_t>(data.size())));
  if (archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size()))
    return archiveError(a, "write " + name);
  return {};
}

Status addFile(archive* a, const std::string& name, const fs::path& src) {
  sys::UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::sys("open", src.string());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error::sys("fstat", src.string());
  PEAPOD_TRY(addHeader(a, name, st.st_size));
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("read", src.string());
    if (n == 0) break;
    if (archive_write_data(a, buf.data(), static_cast<size_t>(n)) != n) return archiveError(a, "write " + name);
  }
  return {};
}

// "docker.io/library/busybox:latest" -> "busybox:latest" (what docker save writes in RepoTags).
std::string familiarName(const std::string& name) {
  std::string s = name;
  if (s.starts_with("docker.io/")) s = s.substr(10);
  if (s.starts_with("library/")) s = s.substr(8);
  return s;
}

}  // namespace

Result<ExportFormat> parseExportFormat(std::string_view s) {
  if (s == "oci" || s == "oci-archive" || s.empty()) return ExportFormat::kOciArchive;
  if (s == "docker" || s == "docker-archive") return ExportFormat::kDockerArchive;
  return Error("unknown export format \"" + std::string(s) + "\" (want oci or docker)");
}

Status exportImage(const Store& store, std::string_view ref, const fs::path& out, ExportFormat format) {
  PEAPOD_ASSIGN_OR_RETURN(Image img, store.find(ref));
  auto wrap = [&](Error e) { return std::move(e).wrap("export " + std::string(ref)); };
  auto manifestText = readSmallFile(store.blobPath(img.digest));
  if (!manifestText.ok()) return wrap(std::move(manifestText).error());
  auto manifest = parseManifest(*manifestText);
  if (!manifest.ok()) return wrap(std::move(manifest).error());
  std::string mediaType = json::parse(*manifestText, nullptr, false).value("mediaType", "");
  if (mediaType.empty()) mediaType = "application/vnd.oci.image.manifest.v1+json";

  fs::path tmp = out;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK)
    return wrap(archiveError(a.get(), "create " + tmp.string()).error());
  auto fail = [&](Error e) {
    a.reset();
    ::unlink(tmp.c_str());
    return wrap(std::move(e));
  };
  std::vector<std::string> blobs = {img.digest, manifest->config.digest};
  for (const auto& l : manifest->layers) blobs.push_back(l.digest);
  std::set<std::string> written;
  for (const auto& d : blobs) {
    if (!written.insert(d).second) continue;
    if (Status s = addFile(a.get(), "blobs/sha256/" + d.substr(7), store.blobPath(d)); !s.ok())
      return fail(std::move(s).error());
  }
  if (format == ExportFormat::kOciArchive) {
    json desc{{"mediaType", mediaType},
              {"digest", img.digest},
              {"size", manifestText->size()},
              {"platform", {{"os", "linux"}, {"architecture", std::string(hostArchitecture())}}}};
    if (!img.names.empty()) {
      auto r = parseReference(img.names[0]);
      desc["annotations"] = {{std::string(kAnnotationImageName), img.names[0]},
                             {std::string(kAnnotationRefName), r.ok() ? r->tag : std::string("latest")}};
    }
    json index{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", {desc}}};
    if (Status s = addData(a.get(), "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"); !s.ok())
      return fail(std::move(s).error());
    if (Status s = addData(a.get(), "index.json", index.dump()); !s.ok()) return fail(std::move(s).error());
  } else {
    json entry{{"Config", "blobs/sha256/" + manifest->config.digest.substr(7)}, {"RepoTags", json::array()},
               {"Layers", json::array()}};
    for (const auto& n : img.names) entry["RepoTags"].push_back(familiarName(n));
    for (const auto& l : manifest->layers) entry["Layers"].push_back("blobs/sha256/" + l.digest.substr(7));
    if (Status s = addData(a.get(), "manifest.json", json::array({entry}).dump()); !s.ok())
      return fail(std::move(s).error());
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return fail(archiveError(a.get(), "close " + tmp.string()).error());
  a.reset();
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return wrap(Error::sys("rename", out.string()));
  }
  return {};
}

}  // namespace peapod::image
