// Static pods: pods the node runs from manifest files (kubelet --pod-manifest-path), watched with
// inotify. Each appears in the API as a mirror pod that an API deletion does not stop.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "node/asio.h"
#include "sys/unique_fd.h"

namespace peapod::node {

inline constexpr const char* kConfigSourceAnnotation = "kubernetes.io/config.source";
inline constexpr const char* kConfigHashAnnotation = "kubernetes.io/config.hash";
inline constexpr const char* kConfigSeenAnnotation = "kubernetes.io/config.seen";
inline constexpr const char* kConfigMirrorAnnotation = "kubernetes.io/config.mirror";

// The pods of one manifest file as the kubelet makes them: name "<name>-<nodeName>", namespace
// "default" when unset, spec.nodeName set, defaults applied and validated, a uid that is a hash
// of the content (an edited file yields new uids), and the config.* annotations (mirror included).
// apiVersion and kind may be left out, as the kubelet allows.
Result<std::vector<api::Pod>> staticPodsFromManifest(std::string_view text, const std::string& nodeName);

// Whether a pod object is the mirror of a static pod.
bool isMirrorPod(const api::Pod& pod);

class StaticPodSource {
 public:
  struct Callbacks {
    std::function<void(const api::Pod&)> added;    // a new or changed pod (a changed one has a new uid)
    std::function<void(const api::Pod&)> removed;  // its file (or that version of it) is gone
    std::function<void(const std::string& file, const std::string& error)> invalid;
  };

  StaticPodSource(asio::io_context& io, std::filesystem::path dir, std::string nodeName, Callbacks callbacks);

  // Reads the directory once (reporting every pod as added) and starts watching it. A missing
  // directory is created.
  Status start();
  // The pods currently defined, by uid.
  const std::map<std::string, api::Pod>& pods() const { return pods_; }

 private:
  void armWatch();
  void rescan();

  asio::io_context& io_;
  std::filesystem::path dir_;
  std::string nodeName_;
  Callbacks callbacks_;
  std::map<std::string, api::Pod> pods_;                      // by uid
  std::map<std::string, std::vector<api::Pod>> byFile_;      // what each file defined last
  std::map<std::string, std::string> badFiles_;               // file -> last error reported
  std::unique_ptr<asio::posix::stream_descriptor> inotify_;
};

}  // namespace peapod::node
