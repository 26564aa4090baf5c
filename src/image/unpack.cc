// Unpacks tar streams entry by entry with *at() calls on directory fds resolved by openat2
// (RESOLVE_BENEATH), so neither "..", absolute symlinks nor magic links can redirect a write.
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>

#include "image/digest.h"
#include "sys/unique_fd.h"

namespace peapod::image {
namespace {

using sys::UniqueFd;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::string joinPath(const std::vector<std::string>& comps, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i) s += '/';
    s += comps[i];
  }
  return s.empty() ? "." : s;
}

// Opens `rel` (relative to rootFd) without ever leaving the root; EXDEV/ELOOP mean a
// symlink or ".." tried to.
int openBeneath(int rootFd, const std::string& rel, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, rootFd, rel.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);
  return static_cast<int>(fd);
}

Error escapeOrSys(const char* call, const std::string& entry) {
  if (errno == EXDEV || errno == ELOOP)
    return Error("entry \"" + entry + "\": refusing to write outside the root (through a symlink)", EXDEV);
  return Error::sys(call, entry);
}

class Unpacker {
 public:
  Unpacker(int rootFd, const UnpackOptions& o) : root_(rootFd), opts_(o), root_user_(::geteuid() == 0) {}

  Status entry(archive* a, archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    name_ = raw ? raw : "";
    PEAPOD_ASSIGN_OR_RETURN(auto comps, safeComponents(name_));
    if (comps.empty()) return applyRootMeta(e);  // "./": the layer root itself
    base_ = comps.back();
    PEAPOD_ASSIGN_OR_RETURN(parent_, parentDir(comps));

    if (opts_.layer && base_.starts_with(kWhiteoutPrefix)) return whiteout();
    if (const char* link = archive_entry_hardlink(e)) {
      if (!opts_.layer) return refuse("links are not allowed here");
      return hardlink(link);
    }
    if (!opts_.layer && archive_entry_filetype(e) != AE_IFDIR && archive_entry_filetype(e) != AE_IFREG)
      return refuse("only files and directories are allowed here");
    switch (archive_entry_filetype(e)) {
      case AE_IFDIR: return directory(e);
      case AE_IFREG: return regular(a, e);
      case AE_IFLNK: return symlink(e);
      case AE_IFIFO: return special(e, S_IFIFO, 0);
      case AE_IFCHR:
        if (opts_.layer && archive_entry_rdevmajor(e) == 0 && archive_entry_rdevminor(e) == 0)
          return special(e, S_IFCHR, makedev(0, 0));  // already in overlay whiteout form
        return refuse("device nodes are not allowed");
      case AE_IFBLK: return refuse("device nodes are not allowed");
      default: return refuse("unsupported entry type");
    }
  }

 private:
  Error refuse(std::string_view why) { return Error("entry \"" + name_ + "\": " + std::string(why)); }

  // The directory holding the entry, created (0755, root-owned) when the tar omitted it.
  Result<UniqueFd> parentDir(const std::vector<std::string>& comps) {
    for (size_t n = comps.size() - 1;; --n) {
      // Find the deepest existing ancestor, then create the rest downwards.
      UniqueFd fd(openBeneath(root_, joinPath(comps, n), O_PATH | O_DIRECTORY));
      if (fd) {
        for (size_t i = n; i + 1 < comps.size(); ++i) {
          if (::mkdirat(fd.get(), comps[i].c_str(), 0755) != 0 && errno != EEXIST)
            return Error::sys("mkdir", joinPath(comps, i + 1));
          UniqueFd next(openBeneath(root_, joinPath(comps, i + 1), O_PATH | O_DIRECTORY));
          if (!next) return escapeOrSys("open", joinPath(comps, i + 1));
          fd = std::move(next);
        }
        return fd;
      }
      if (errno != ENOENT || n == 0) return escapeOrSys("open", joinPath(comps, n));
    }
  }

  // Clears whatever sits at parent_/base_ unless both it and the new entry are directories.
  Status clear(bool keepDir) {
    struct stat st;
    if (::fstatat(parent_.get(), base_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return errno == ENOENT ? Status{} : Error::sys("stat", name_);
    if (S_ISDIR(st.st_mode)) {
      if (keepDir) return {};
      std::error_code ec;
      std::filesystem::remove_all("/proc/self/fd/" + std::to_string(parent_.get()) + "/" + base_, ec);
      if (ec) return Error("remove " + name_ + ": " + ec.message());
      return {};
    }
    if (::unlinkat(parent_.get(), base_.c_str(), 0) != 0) return Error::sys("unlink", name_);
    return {};
  }

  Status whiteout() {
    if (base_ == kOpaqueMarker) {
      std::string dir = "/proc/self/fd/" + std::to_string(parent_.get());
      UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd) return Error::sys("open", name_);
      if (::fsetxattr(fd.get(), "trusted.overlay.opaque", "y", 1, 0) != 0)
        return Error::sys("setxattr trusted.overlay.opaque", name_);
      return {};
    }
    if (base_.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.): meaningless here
    base_ = base_.substr(kWhiteoutPrefix.size());
    if (base_.empty() || base_ == "." || base_ == "..") return refuse("invalid whiteout");
    PEAPOD_TRY(clear(false));
    if (::mknodat(parent_.get(), base_.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
      return Error::sys("mknod whiteout", name_);
    return {};
  }

  Status hardlink(const char* target) {
    PEAPOD_ASSIGN_OR_RETURN(auto tc, safeComponents(target));
    if (tc.empty()) return refuse("hard link to the root");
    UniqueFd tparent(openBeneath(root_, joinPath(tc, tc.size() - 1), O_PATH | O_DIRECTORY));
    if (!tparent) return escapeOrSys("open", target);
    PEAPOD_TRY(clear(false));
    if (::linkat(tparent.get(), tc.back().c_str(), parent_.get(), base_.c_str(), 0) != 0)
      return Error::sys("link", name_ + " -> " + target);
    return {};
  }

  Status directory(archive_entry* e) {
    PEAPOD_TRY(clear(true));
    if (::mkdirat(parent_.get(), base_.c_str(), 0700) != 0 && errno != EEXIST) return Error::sys("mkdir", name_);
    UniqueFd fd(::openat(parent_.get(), base_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::sys("open", name_);
    return applyMeta(fd.get(), e, false);
  }

  Status regular(archive* a, archive_entry* e) {
    PEAPOD_TRY(clear(false));
    UniqueFd fd(::openat(parent_.get(), base_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return Error::sys("create", name_);
    const void* buf;
    size_t len;
    la_int64_t off;
    while (true) {
      int r = archive_read_data_block(a, &buf, &len, &off);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Error("read " + name_ + ": " + archive_error_string(a));
      for (size_t done = 0; done < len;) {
        ssize_t w = ::pwrite(fd.get(), static_cast<const char*>(buf) + done, len - done, off + done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return Error::sys("write", name_);
        done += w;
      }
    }
    if (::ftruncate(fd.get(), archive_entry_size(e)) != 0) return Error::sys("truncate", name_);  // sparse tails
    return applyMeta(fd.get(), e, true);
  }

  Status symlink(archive_entry* e) {
    const char* target = archive_entry_symlink(e);
    if (!target) return refuse("symlink without target");
    PEAPOD_TRY(clear(false));
    if (::symlinkat(target, parent_.get(), base_.c_str()) != 0) return Error::sys("symlink", name_);
    if (root_user_ && ::fchownat(parent_.get(), base_.c_str(), archive_entry_uid(e), archive_entry_gid(e),
                                 AT_SYMLINK_NOFOLLOW) != 0)
      return Error::sys("lchown", name_);
    timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
    ::utimensat(parent_.get(), base_.c_str(), ts, AT_SYMLINK_NOFOLLOW);  // cosmetic
    return {};
  }

  Status special(archive_entry* e, mode_t type, dev_t dev) {
    PEAPOD_TRY(clear(false));
    if (::mknodat(parent_.get(), base_.c_str(), type | (archive_entry_perm(e) & 07777), dev) != 0)
      return Error::sys("mknod", name_);
    if (root_user_ && ::fchownat(parent_.get(), base_.c_str(), archive_entry_uid(e), archive_entry_gid(e),
                                 AT_SYMLINK_NOFOLLOW) != 0)
      return Error::sys("chown", name_);
    return {};
  }

  Status applyRootMeta(archive_entry* e) {
    if (archive_entry_filetype(e) != AE_IFDIR) return refuse("the root must be a directory");
    UniqueFd fd(openBeneath(root_, ".", O_RDONLY | O_DIRECTORY));
    if (!fd) return Error::sys("open", "root");
    return applyMeta(fd.get(), e, false);
  }

  // Owner, then mode (chown clears set-id bits), then xattrs and times.
  Status applyMeta(int fd, archive_entry* e, bool times) {
    if (root_user_ && ::fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) != 0) return Error::sys("chown", name_);
    if (::fchmod(fd, archive_entry_perm(e) & 07777) != 0) return Error::sys("chmod", name_);
    const char* key;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
      std::string_view k(key);
      // Overlay's own xattrs (redirect, metacopy, ...) would let a layer steer the mount.
      if (k.starts_with("trusted.overlay.")) return refuse("overlay xattrs are not allowed");
      if (!k.starts_with("user.") && !k.starts_with("security.")) continue;
      if (::fsetxattr(fd, key, value, size, 0) != 0 && errno != ENOTSUP && errno != EPERM)
        return Error::sys("setxattr", name_ + " " + key);
    }
    if (times) {
      timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
      ::futimens(fd, ts);  // cosmetic
    }
    return {};
  }

  int root_;
  const UnpackOptions& opts_;
  bool root_user_;
  std::string name_, base_;
  UniqueFd parent_;
};

// Feeds the tar reader from the decompressing reader, hashing the uncompressed bytes on the way.
// It also stops a decompression bomb: past `maxBytes` of tar stream the read fails.
struct Pipe {
  archive* raw;
  Sha256 hash;
  uint64_t total = 0, maxBytes = 0;
  bool overLimit = false;
  char buf[1 << 16];
};

la_ssize_t pipeRead(archive* a, void* ctx, const void** out) {
  auto* p = static_cast<Pipe*>(ctx);
  la_ssize_t n = archive_read_data(p->raw, p->buf, sizeof p->buf);
  if (n < 0) {
    archive_set_error(a, archive_errno(p->raw), "%s", archive_error_string(p->raw));
    return -1;
  }
  p->total += static_cast<uint64_t>(n);
  if (p->total > p->maxBytes) {
    p->overLimit = true;
    archive_set_error(a, EFBIG, "uncompressed size exceeds the limit");
    return -1;
  }
  p->hash.update(p->buf, static_cast<size_t>(n));
  *out = p->buf;
  return n;
}

}  // namespace

Result<std::vector<std::string>> safeComponents(std::string_view name) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view c = name.substr(i, j - i);
    if (c == "..") return Error("entry \"" + std::string(name) + "\": \"..\" is not allowed in paths", EXDEV);
    if (!c.empty() && c != ".") out.emplace_back(c);
    i = j + 1;
  }
  return out;
}

Status unpackArchive(const std::filesystem::path& archivePath, const std::filesystem::path& dest,
                     const UnpackOptions& options) {
  std::string what = archivePath.string();
  // 1. A decompressing reader that hands out the raw (tar) stream.
  ArchivePtr raw(archive_read_new());
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  if (archive_read_open_filename(raw.get(), archivePath.c_str(), 1 << 20) != ARCHIVE_OK)
    return Error("open " + what + ": " + archive_error_string(raw.get()));
  archive_entry* e;
  if (archive_read_next_header(raw.get(), &e) != ARCHIVE_OK)
    return Error("read " + what + ": " + archive_error_string(raw.get()));

  // 2. A tar reader on top of it.
  auto pipe = std::make_unique<Pipe>();
  pipe->raw = raw.get();
  pipe->maxBytes = options.maxBytes;
  auto tooBig = [&] {
    return Error(what + ": refused: more than " + std::to_string(options.maxBytes) +
                     " bytes uncompressed (a decompression bomb?)",
                 EFBIG);
  };
  ArchivePtr tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), pipe.get(), nullptr, pipeRead, nullptr) != ARCHIVE_OK)
    return Error("read " + what + ": " + archive_error_string(tar.get()));

  UniqueFd root(::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::sys("open", dest.string());
  Unpacker u(root.get(), options);

  // 3. Each entry, in order (later entries replace earlier ones, as tar does).
  for (uint64_t entries = 0;;) {
    int r = archive_read_next_header(tar.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (pipe->overLimit) return tooBig();
    if (r < ARCHIVE_WARN) return Error("read " + what + ": " + archive_error_string(tar.get()));
    if (++entries > options.maxEntries)
      return Error(what + ": refused: more than " + std::to_string(options.maxEntries) + " entries", EFBIG);
    Status s = u.entry(tar.get(), e);
    if (pipe->overLimit) return tooBig();
    if (!s.ok()) return std::move(s).error().wrap(what);
  }

  // 4. The tar trailer (and any padding) is part of the diff_id too.
  if (!options.expectedDiffId.empty()) {
    while (true) {
      la_ssize_t n = archive_read_data(raw.get(), pipe->buf, sizeof pipe->buf);
      if (n < 0) return Error("read " + what + ": " + archive_error_string(raw.get()));
      if (n == 0) break;
      if ((pipe->total += static_cast<uint64_t>(n)) > options.maxBytes) return tooBig();
      pipe->hash.update(pipe->buf, static_cast<size_t>(n));
    }
    std::string got = pipe->hash.digest();
    if (got != options.expectedDiffId)
      return Error(what + ": layer diff_id mismatch: config says " + options.expectedDiffId +
                   ", uncompressed content hashes to " + got);
  }
  return {};
}

}  // namespace peapod::image
