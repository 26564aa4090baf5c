// JSON (de)serialization of the image index and its atomic replacement on disk.
#include "image/store_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "sys/unique_fd.h"

namespace peapod::image {
namespace {

using nlohmann::json;

constexpr int kIndexVersion = 1;

json toJson(const ImageRecord& r) {
  const ImageConfig& c = r.config;
  return json{{"id", r.id},
              {"digest", r.digest},
              {"names", r.names},
              {"pulled", r.pulledNames},
              {"diffIds", r.diffIds},
              {"blobs", r.blobs},
              {"size", r.size},
              {"created", r.created},
              {"config",
               {{"entrypoint", c.entrypoint},
                {"cmd", c.cmd},
                {"env", c.env},
                {"workingDir", c.workingDir},
                {"user", c.user},
                {"stopSignal", c.stopSignal},
                {"labels", c.labels}}}};
}

ImageRecord fromJson(const json& j) {
  ImageRecord r;
  r.id = j.value("id", "");
  r.digest = j.value("digest", "");
  r.names = j.value("names", std::vector<std::string>{});
  r.pulledNames = j.value("pulled", std::vector<std::string>{});
  r.diffIds = j.value("diffIds", std::vector<std::string>{});
  r.blobs = j.value("blobs", std::vector<std::string>{});
  r.size = j.value("size", uint64_t{0});
  r.created = j.value("created", "");
  json c = j.value("config", json::object());
  r.config.entrypoint = c.value("entrypoint", std::vector<std::string>{});
  r.config.cmd = c.value("cmd", std::vector<std::string>{});
  r.config.env = c.value("env", std::vector<std::string>{});
  r.config.workingDir = c.value("workingDir", "");
  r.config.user = c.value("user", "");
  r.config.stopSignal = c.value("stopSignal", "");
  r.config.labels = c.value("labels", std::map<std::string, std::string>{});
  return r;
}

}  // namespace

Result<std::vector<ImageRecord>> loadIndex(const std::filesystem::path& file) {
  if (::access(file.c_str(), F_OK) != 0 && errno == ENOENT) return std::vector<ImageRecord>{};
  PEAPOD_ASSIGN_OR_RETURN(std::string text, readSmallFile(file, 256u << 20));
  std::vector<ImageRecord> out;
  try {
    json j = json::parse(text);
    if (j.value("version", 0) != kIndexVersion)
      return Error(file.string() + ": unsupported index version " + std::to_string(j.value("version", 0)));
    for (const auto& img : j.at("images")) out.push_back(fromJson(img));
  } catch (const json::exception& e) {
    return Error(file.string() + ": corrupt image index: " + e.what());
  }
  return out;
}

Status saveIndex(const std::filesystem::path& file, const std::vector<ImageRecord>& records) {
  json j{{"version", kIndexVersion}, {"images", json::array()}};
  for (const auto& r : records) j["images"].push_back(toJson(r));
  std::string text = j.dump(1) + "\n";

  std::filesystem::path tmp = file;
  tmp += ".tmp";
  sys::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Error::sys("open", tmp.string());
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("write", tmp.string());
    off += n;
  }
  if (::fsync(fd.get()) != 0) return Error::sys("fsync", tmp.string());
  fd.reset();
  if (::rename(tmp.c_str(), file.c_str()) != 0) return Error::sys("rename", file.string());
  sys::UniqueFd dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return {};
}

}  // namespace peapod::image
