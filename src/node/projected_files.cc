#include "node/projected_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <random>
#include <set>

#include "sys/unique_fd.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDataLink = "..data";

Status checkPath(const std::string& p) {
  if (p.empty() || p.front() == '/' || p.starts_with("..")) return Error("invalid projected path \"" + p + "\"");
  for (const auto& part : fs::path(p)) {
    if (part == ".." || part == ".") return Error("invalid projected path \"" + p + "\"");
  }
  return {};
}

// "..2026_11_22_20_40_17.<random>": the kubelet's name (a timestamp, then randomness).
std::string newDataDirName() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "..%Y_%m_%d_%H_%M_%S.", &tm);
  static std::mt19937_64 rng{std::random_device{}()};
  return std::string(buf) + std::to_string(rng() % 1000000000ULL);
}

Status writeFile(const fs::path& path, const FileProjection& f) {
  sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return Error::sys("create", path.string());
  size_t off = 0;
  while (off < f.data.size()) {
    ssize_t n = ::write(fd.get(), f.data.data() + off, f.data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::sys("write", path.string());
    }
    off += static_cast<size_t>(n);
  }
  // The exact mode, whatever the umask (fchmod, not open's mode argument).
  if (::fchmod(fd.get(), f.mode) != 0) return Error::sys("fchmod", path.string());
  return {};
}

std::string firstComponent(const std::string& p) { return p.substr(0, p.find('/')); }

}  // namespace

Result<Payload> readAtomic(const fs::path& dir) {
  Payload out;
  std::error_code ec;
  fs::path data = dir / kDataLink;
  if (!fs::is_symlink(fs::symlink_status(data, ec))) return out;
  for (auto it = fs::recursive_directory_iterator(data, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) return Error::sys("stat", it->path().string());
    sys::UniqueFd fd(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open", it->path().string());
    std::string content;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) content.append(buf, static_cast<size_t>(n));
    if (n < 0) return Error::sys("read", it->path().string());
    out[fs::relative(it->path(), data).string()] = FileProjection{std::move(content), st.st_mode & 07777};
  }
  if (ec) return Error("read " + data.string() + ": " + ec.message());
  return out;
}

// 1. nothing to do when the payload is in place; 2. a new timestamped dir with every file;
// 3. ..data_tmp -> new dir, renamed over ..data (the atomic step); 4. user-visible links for new
// top-level names, stale ones removed; 5. the previous payload dir goes.
Result<bool> writeAtomic(const fs::path& dir, const Payload& payload) {
  for (const auto& [p, f] : payload) PEAPOD_TRY(checkPath(p));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error("create " + dir.string() + ": " + ec.message());

  fs::path dataLink = dir / kDataLink;
  if (fs::is_symlink(fs::symlink_status(dataLink, ec))) {
    auto current = readAtomic(dir);
    if (current.ok() && *current == payload) return false;
  }

  std::string name = newDataDirName();
  fs::path tsDir = dir / name;
  if (::mkdir(tsDir.c_str(), 0755) != 0) return Error::sys("mkdir", tsDir.string());
  ::chmod(tsDir.c_str(), 0755);
  for (const auto& [p, f] : payload) {
    fs::path target = tsDir / p;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error("create " + target.parent_path().string() + ": " + ec.message());
    PEAPOD_TRY(writeFile(target, f));
  }

  fs::path tmpLink = dir / "..data_tmp";
  fs::remove(tmpLink, ec);
  if (::symlink(name.c_str(), tmpLink.c_str()) != 0) return Error::sys("symlink", tmpLink.string());
  if (::rename(tmpLink.c_str(), dataLink.c_str()) != 0) return Error::sys("rename", dataLink.string());

  std::set<std::string> visible;
  for (const auto& [p, f] : payload) visible.insert(firstComponent(p));
  for (const auto& top : visible) {
    fs::path link = dir / top;
    if (fs::is_symlink(fs::symlink_status(link, ec))) continue;
    if (::symlink((std::string(kDataLink) + "/" + top).c_str(), link.c_str()) != 0) {
      return Error::sys("symlink", link.string());
    }
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string n = entry.path().filename().string();
    if (n.starts_with("..")) {
      // Leftover payload dirs (the previous one, or one a crash abandoned).
      if (n != kDataLink && n != name && entry.is_directory(ec) && !entry.is_symlink(ec)) fs::remove_all(entry.path(), ec);
      continue;
    }
    if (!visible.contains(n) && entry.is_symlink(ec)) fs::remove(entry.path(), ec);
  }
  return true;
}

}  // namespace peapod::node
