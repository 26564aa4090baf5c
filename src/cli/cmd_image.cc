// `peapod images`, `peapod image import|export|inspect|prune|pull|rm` (pull and rmi: cmd_pull.cc).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/pod_table.h"

namespace peapod::cli {
namespace {

std::string humanSize(uint64_t bytes) {
  char buf[32];
  if (bytes >= 1000 * 1000) snprintf(buf, sizeof buf, "%.3gMB", bytes / 1e6);
  else if (bytes >= 1000) snprintf(buf, sizeof buf, "%.3gkB", bytes / 1e3);
  else snprintf(buf, sizeof buf, "%luB", static_cast<unsigned long>(bytes));
  return buf;
}

// "docker.io/library/busybox:latest" -> {"docker.io/library/busybox", "latest"}
std::pair<std::string, std::string> splitName(const std::string& name) {
  size_t colon = name.rfind(':');
  if (colon == std::string::npos || name.find('/', colon) != std::string::npos) return {name, "<none>"};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

std::string shortId(const std::string& id) {
  std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 12);
}

// POSTs a JSON body and returns the parsed answer, or ends the command with kubectl's error output.
nlohmann::json postOrExit(const Context& ctx, const std::string& path, const nlohmann::json& body) {
  auto r = ctx.client().request("POST", path, body.dump());
  if (!r.ok()) {
    std::cerr << "error: " << r.error().message() << "\n";
    exitWith(1);
  }
  if (r->status != 200) exitWith(printApiError(*r));
  return nlohmann::json::parse(r->body, nullptr, false);
}

}  // namespace

void registerPullVerbs(CLI::App& app, std::shared_ptr<Context> ctx);  // cmd_pull.cc

void registerImage(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto* image = app.add_subcommand("image", "Manage images in the node's image store");
  image->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto tag = std::make_shared<std::string>();
  auto* imp = image->add_subcommand("import", "Import an OCI image layout (directory or tar) or a docker-archive tar");
  imp->add_option("path", *path, "directory or .tar")->required();
  imp->add_option("--tag", *tag, "name the image NAME:TAG (default: the name recorded in the archive)");
  imp->callback([ctx, path, tag] {
    nlohmann::json body = {{"path", std::filesystem::absolute(*path).string()}};
    if (!tag->empty()) body["tag"] = *tag;
    auto r = ctx->client().request("POST", "/peapod/v1/images/import", body.dump());
    if (!r.ok()) {
      std::cerr << "error: " << r.error().message() << "\n";
      exitWith(1);
    }
    if (r->status != 200) exitWith(printApiError(*r));
    auto imported = nlohmann::json::parse(r->body);
    for (const auto& img : imported["items"]) {
      for (const auto& n : img["names"]) std::cout << "imported " << n.get<std::string>() << " (" << shortId(img["id"]) << ")\n";
    }
  });

  auto exportRef = std::make_shared<std::string>();
  auto exportOut = std::make_shared<std::string>();
  auto exportFormat = std::make_shared<std::string>("oci");
  auto* exp = image->add_subcommand("export", "Write an image to a tar: an OCI image layout or a docker-archive");
  exp->add_option("image", *exportRef, "name[:tag] or id")->required();
  exp->add_option("-o,--output", *exportOut, "the tar file to write")->required();
  exp->add_option("--format", *exportFormat, "oci (OCI image layout) or docker (docker save's format)")
      ->check(CLI::IsMember({"oci", "oci-archive", "docker", "docker-archive"}))
      ->capture_default_str();
  exp->callback([ctx, exportRef, exportOut, exportFormat] {
    postOrExit(*ctx, "/peapod/v1/images/export",
               {{"image", *exportRef}, {"path", std::filesystem::absolute(*exportOut).string()}, {"format", *exportFormat}});
    std::cout << "exported " << *exportRef << " to " << *exportOut << "\n";
  });

  auto inspectRef = std::make_shared<std::string>();
  auto* ins = image->add_subcommand("inspect", "Show an image's id, digests, names, config and layers as JSON");
  ins->add_option("image", *inspectRef, "name[:tag] or id")->required();
  ins->callback([ctx, inspectRef] {
    auto r = ctx->client().request("GET", "/peapod/v1/images/inspect?image=" + urlEncode(*inspectRef));
    if (!r.ok()) {
      std::cerr << "error: " << r.error().message() << "\n";
      exitWith(1);
    }
    if (r->status != 200) exitWith(printApiError(*r));
    std::cout << nlohmann::json::parse(r->body, nullptr, false).dump(2) << "\n";
  });

  auto* prune = image->add_subcommand("prune", "Remove every image no pod on this node uses");
  prune->callback([ctx] {
    auto j = postOrExit(*ctx, "/peapod/v1/images/prune", nlohmann::json::object());
    for (const auto& img : j.value("removed", nlohmann::json::array())) {
      auto names = img.value("names", std::vector<std::string>{});
      std::cout << "deleted: " << (names.empty() ? img.value("id", "") : names[0]) << "\n";
    }
    std::cout << "Total reclaimed space: " << humanSize(j.value("reclaimed", uint64_t(0))) << "\n";
  });

  registerPullVerbs(app, ctx);

  auto* list = app.add_subcommand("images", "List images: REPOSITORY TAG IMAGE ID SIZE");
  list->callback([ctx] {
    auto r = ctx->client().request("GET", "/peapod/v1/images");
    if (!r.ok()) {
      std::cerr << "error: " << r.error().message() << "\n";
      exitWith(1);
    }
    if (r->status != 200) exitWith(printApiError(*r));
    std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "TAG", "IMAGE ID", "SIZE"}};
    auto listed = nlohmann::json::parse(r->body);
    for (const auto& img : listed["items"]) {
      auto names = img.value("names", std::vector<std::string>{});
      if (names.empty()) names.push_back("<none>:<none>");
      for (const auto& n : names) {
        auto [repo, t] = splitName(n);
        rows.push_back({repo, t, shortId(img.value("id", "")), humanSize(img.value("size", uint64_t(0)))});
      }
    }
    std::cout << formatColumns(rows);
  });
}

}  // namespace peapod::cli
