// `peapod pull IMAGE` (per-layer progress bars on a terminal, plain lines otherwise) and
// `peapod rmi IMAGE...`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <vector>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

std::string mb(int64_t bytes) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1fMB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Draws the pull's progress: one line per layer, redrawn in place on a terminal.
class ProgressView {
 public:
  explicit ProgressView(bool tty) : tty_(tty) {}

  void update(const nlohmann::json& p) {
    std::string id = p.value("id", "");
    std::string status = p.value("status", "");
    if (id.empty()) {
      if (status == "Resolving" && !tty_) std::cout << "Resolving\n";
      return;
    }
    if (!rows_.count(id)) order_.push_back(id);
    Row& r = rows_[id];
    bool changed = r.status != status;
    r.status = status;
    r.current = p.value("current", int64_t(0));
    r.total = p.value("total", int64_t(0));
    if (tty_) redraw();
    else if (changed) std::cout << id << ": " << status << (r.total ? " (" + mb(r.total) + ")" : "") << "\n";
  }

 private:
  struct Row {
    std::string status;
    int64_t current = 0, total = 0;
  };
  void redraw() {
    if (drawn_) std::cout << "\x1b[" << drawn_ << "F";  // back to the first row
    for (const auto& id : order_) {
      const Row& r = rows_[id];
      std::string line = id + ": " + r.status;
      if (r.status == "Downloading" && r.total > 0) {
        int width = 30, filled = static_cast<int>(width * r.current / r.total);
        line += " [" + std::string(filled, '=') + (filled < width ? ">" : "") +
                std::string(std::max(0, width - filled - 1), ' ') + "] " + mb(r.current) + "/" + mb(r.total);
      }
      std::cout << "\x1b[2K" << line << "\n";
    }
    drawn_ = static_cast<int>(order_.size());
    std::cout.flush();
  }
  bool tty_;
  int drawn_ = 0;
  std::vector<std::string> order_;
  std::map<std::string, Row> rows_;
};

}  // namespace

void registerPullVerbs(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto ref = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto* pull = app.add_subcommand("pull", "Pull an image from its registry into the node's image store");
  pull->add_option("image", *ref, "name[:tag] or name@sha256:digest")->required();
  pull->add_flag("-q,--quiet", *quiet, "print only the image id");
  pull->callback([ctx, ref, quiet] {
    ProgressView view(!*quiet && ::isatty(1));
    std::string buffered;
    nlohmann::json final;
    auto r = ctx->client().stream("/peapod/v1/images/pull?image=" + urlEncode(*ref), [&](std::string_view data) {
      buffered.append(data);
      for (size_t nl; (nl = buffered.find('\n')) != std::string::npos; buffered.erase(0, nl + 1)) {
        auto j = nlohmann::json::parse(buffered.substr(0, nl), nullptr, false);
        if (!j.is_object()) continue;
        if (j.contains("image") || j.contains("error")) final = j;
        else if (!*quiet) view.update(j);
      }
    });
    if (!r.ok()) {
      std::cerr << "error: " << r.error().message() << "\n";
      exitWith(1);
    }
    if (r->status != 200) exitWith(printApiError(*r));
    if (final.contains("error")) {
      std::cerr << "Error: " << final["error"].get<std::string>() << "\n";
      exitWith(1);
    }
    if (!final.contains("image")) {
      std::cerr << "error: the pull ended without a result\n";
      exitWith(1);
    }
    const auto& img = final["image"];
    if (*quiet) {
      std::cout << img.value("id", "") << "\n";
      return;
    }
    std::cout << "Digest: " << img.value("digest", "") << "\n";
    std::cout << "Image: " << img.value("id", "") << " (" << final.value("downloaded", uint64_t(0))
              << " bytes downloaded)\n";
    auto names = img.value("names", std::vector<std::string>{});
    std::cout << (names.empty() ? *ref : names[0]) << "\n";
  });

  auto refs = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* rmi = app.add_subcommand("rmi", "Remove images (refused while a pod uses them)");
  rmi->add_option("image", *refs, "name[:tag], id or id prefix")->required();
  rmi->add_flag("-f,--force", *force, "untag even when pods use it (their layers stay until unused)");
  rmi->callback([ctx, refs, force] {
    int rc = 0;
    for (const auto& ref : *refs) {
      auto r = ctx->client().request("POST", "/peapod/v1/images/remove",
                                     nlohmann::json{{"image", ref}, {"force", *force}}.dump());
      if (!r.ok()) {
        std::cerr << "error: " << r.error().message() << "\n";
        rc = 1;
        continue;
      }
      if (r->status != 200) {
        rc = printApiError(*r);
        continue;
      }
      std::cout << "Deleted: " << ref << "\n";
    }
    if (rc) exitWith(rc);
  });
}

}  // namespace peapod::cli
