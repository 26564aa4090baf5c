// Test-image writer: libarchive tars plus the index/manifest/config JSON around them.
#include "image/testing/layout_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "image/digest.h"

namespace peapod::image::testing {
namespace {

la_ssize_t appendTo(archive*, void* ctx, const void* buf, size_t len) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

Status writeFile(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return Error("write " + p.string() + " failed");
  return {};
}

}  // namespace

Result<std::string> makeTar(const std::vector<TarEntry>& entries, Compression c) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  int fr = ARCHIVE_OK;
  if (c == Compression::kGzip) fr = archive_write_add_filter_gzip(a);
  if (c == Compression::kZstd) fr = archive_write_add_filter_zstd(a);
  if (fr != ARCHIVE_OK) {
    std::string err = archive_error_string(a) ? archive_error_string(a) : "filter unavailable";
    archive_write_free(a);
    return Error("tar compression: " + err);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, appendTo, nullptr);
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_mtime(e, 0, 0);
    switch (t.type) {
      case TarEntry::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
        break;
      case TarEntry::kDir: archive_entry_set_filetype(e, AE_IFDIR); break;
      case TarEntry::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.link.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.link.c_str());
        archive_entry_set_size(e, 0);
        break;
      case TarEntry::kCharDev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, t.major);
        archive_entry_set_rdevminor(e, t.minor);
        break;
      case TarEntry::kFifo: archive_entry_set_filetype(e, AE_IFIFO); break;
    }
    int r = archive_write_header(a, e);
    if (r == ARCHIVE_OK && t.type == TarEntry::kFile && !t.data.empty())
      r = archive_write_data(a, t.data.data(), t.data.size()) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
    archive_entry_free(e);
    if (r != ARCHIVE_OK) {
      std::string err = archive_error_string(a) ? archive_error_string(a) : "?";
      archive_write_free(a);
      return Error("tar entry " + t.name + ": " + err);
    }
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

Result<std::string> writeLayout(const std::filesystem::path& dir, const std::vector<std::vector<TarEntry>>& layers,
                                const LayoutOptions& o) {
  using nlohmann::json;
  std::filesystem::path blobs = dir / "blobs" / "sha256";
  std::error_code ec;
  std::filesystem::create_directories(blobs, ec);
  if (ec) return Error("mkdir " + blobs.string() + ": " + ec.message());
  auto put = [&](const std::string& data) -> Result<json> {
    std::string d = sha256Digest(data);
    PEAPOD_TRY(writeFile(blobs / d.substr(7), data));
    return json{{"digest", d}, {"size", data.size()}};
  };
  const char* layerType = o.compression == Compression::kGzip   ? "application/vnd.oci.image.layer.v1.tar+gzip"
                          : o.compression == Compression::kZstd ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                                                : "application/vnd.oci.image.layer.v1.tar";
  json diffIds = json::array(), layerDescs = json::array();
  for (const auto& entries : layers) {
    PEAPOD_ASSIGN_OR_RETURN(std::string plain, makeTar(entries, Compression::kNone));
    PEAPOD_ASSIGN_OR_RETURN(std::string packed, makeTar(entries, o.compression));
    diffIds.push_back(o.wrongDiffIds ? sha256Digest(plain + "x") : sha256Digest(plain));
    PEAPOD_ASSIGN_OR_RETURN(json d, put(packed));
    d["mediaType"] = layerType;
    layerDescs.push_back(d);
  }
  json config{{"architecture", "amd64"},
              {"os", "linux"},
              {"created", "2024-01-01T00:00:00Z"},
              {"config", {{"Cmd", o.cmd}, {"Env", {"PATH=/bin"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}}};
  PEAPOD_ASSIGN_OR_RETURN(json cd, put(config.dump()));
  cd["mediaType"] = "application/vnd.oci.image.config.v1+json";
  json manifest{{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"config", cd},
                {"layers", layerDescs}};
  PEAPOD_ASSIGN_OR_RETURN(json md, put(manifest.dump()));
  md["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
  if (!o.annotations.empty()) md["annotations"] = o.annotations;
  json index{{"schemaVersion", 2}, {"manifests", {md}}};
  PEAPOD_TRY(writeFile(dir / "index.json", index.dump()));
  PEAPOD_TRY(writeFile(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  return md["digest"].get<std::string>();
}

}  // namespace peapod::image::testing
