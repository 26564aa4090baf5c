// pod_start_bench: create→Running and delete→gone latency through the API, per-pod memory, and
// a leak check, against a private daemon. Usage: pod_start_bench [--pods N] [--build-dir DIR]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "pod_start/bench_env.h"

extern char** environ;

namespace peapod::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kPollSleep = std::chrono::microseconds(100);
constexpr double kTimeoutMs = 30000;

struct Options {
  int pods = 50;
  fs::path buildDir;
  std::string daemonWrapper;  // profiling: e.g. "strace -f -T -tt -o /tmp/d.strace"
  std::vector<std::string> features;  // feature groups switched on in every pod (--with)
};

// Feature groups (--with NAME): JSON merged into the pod (metadata and spec) and into its
// container, so the start latency and memory of a feature group can be compared with the
// default pod. "%i" in a patch becomes the pod's index (per-pod hostPorts).
struct FeatureGroup {
  const char* name;
  const char* podPatch;
  const char* containerPatch;
};
constexpr FeatureGroup kFeatureGroups[] = {
    // Resources + security: cgroup limits, the RuntimeDefault seccomp profile, a narrowed
    // capability set, a non-root user, no_new_privs and a read-only root.
    {"security", R"({"spec": {"securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "supplementalGroups": [2000],
                     "seccompProfile": {"type": "RuntimeDefault"}}}})",
     R"({"resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "32Mi"}},
        "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                            "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true}})"},
    // Only the cgroup side of the above: requests and limits (a Burstable pod).
    {"resources", R"({})",
     R"({"resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "32Mi"}}})"},
    // An emptyDir, a ConfigMap (bench-config, made before the pods) and a downwardAPI volume.
    {"volumes", R"({"spec": {"volumes": [{"name": "scratch", "emptyDir": {}},
                   {"name": "config", "configMap": {"name": "bench-config"}},
                   {"name": "podinfo", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]}})",
     R"({"volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}, {"name": "config", "mountPath": "/etc/config"},
                         {"name": "podinfo", "mountPath": "/etc/podinfo"}]})"},
    // A hostPort on 127.0.0.1 (30000 + index: a userspace proxy each), both bandwidth
    // annotations (tbf on the veth, ifb for egress), hostAliases and a dnsConfig merge.
    {"network", R"({"metadata": {"annotations": {"kubernetes.io/ingress-bandwidth": "10M", "kubernetes.io/egress-bandwidth": "10M"}},
                   "spec": {"hostAliases": [{"ip": "192.0.2.10", "hostnames": ["db.bench"]}],
                            "dnsConfig": {"searches": ["bench.example"], "options": [{"name": "ndots", "value": "2"}]}}})",
     R"({"ports": [{"containerPort": 8080, "hostPort": "%i", "hostIP": "127.0.0.1"}]})"},
    // Exec readiness and liveness probes every 10 s (the first runs right after the start).
    {"probes", R"({})",
     R"({"readinessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 10},
        "livenessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 10}})"},
};
std::vector<std::string> gFeatures;

// "%i" (quoted) in a patch becomes the number 30000 + index.
json patchFor(const char* text, int index) {
  std::string t = text;
  for (size_t at; (at = t.find("\"%i\"")) != std::string::npos;) t.replace(at, 4, std::to_string(30000 + index));
  return json::parse(t);
}

std::string podBody(const std::string& name, int index) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
              {"spec",
               {{"containers", json::array({{{"name", "main"},
                                             {"image", "busybox:latest"},
                                             {"imagePullPolicy", "IfNotPresent"},
                                             {"command", {"sleep", "3600"}}}})}}}};
  for (const auto& f : gFeatures) {
    for (const auto& g : kFeatureGroups) {
      if (f != g.name) continue;
      pod.merge_patch(patchFor(g.podPatch, index));
      pod["spec"]["containers"][0].merge_patch(patchFor(g.containerPatch, index));
    }
  }
  return pod.dump();
}

std::string podPath(const std::string& name) { return "/api/v1/namespaces/default/pods/" + name; }

void printLatency(const char* what, const std::vector<double>& v) {
  std::printf("%-28s n=%zu  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  min %.2f ms\n", what, v.size(),
              percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 100), percentile(v, 0));
}

// Polls GET until `done(status, body)`; returns false on timeout. Counts GETs for the resolution.
template <class Done>
bool pollUntil(cli::HttpClient& http, const std::string& path, Done done, int* gets, std::string* last) {
  auto t0 = Clock::now();
  while (msSince(t0) < kTimeoutMs) {
    auto r = http.request("GET", path);
    ++*gets;
    if (r.ok()) {
      *last = r->body;
      if (done(r->status, r->body)) return true;
    }
    std::this_thread::sleep_for(kPollSleep);
  }
  return false;
}

// The machine itself, to compare with the reference table: spawn+wait of a static binary.
void machineBaseline() {
  std::vector<double> vforkMs, forkMs;
  const char* bin = "/bin/busybox";
  char* argv[] = {const_cast<char*>("true"), nullptr};
  for (int i = 0; i < 50; ++i) {
    auto t0 = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, bin, nullptr, nullptr, argv, environ) == 0) waitpid(pid, nullptr, 0);
    vforkMs.push_back(msSince(t0));
    t0 = Clock::now();
    pid = fork();
    if (pid == 0) {
      execve(bin, argv, environ);
      _exit(127);
    }
    waitpid(pid, nullptr, 0);
    forkMs.push_back(msSince(t0));
  }
  std::printf("machine: posix_spawn+exit of static busybox true: p50 %.3f ms; fork+exec+exit: p50 %.3f ms\n",
              percentile(vforkMs, 50), percentile(forkMs, 50));
}

int run(const Options& opt) {
  BenchEnv env(opt.buildDir);
  std::printf("pod_start_bench: %d pods, build %s, root %s, bridge %s, cidr %s, cgroup parent %s\n", opt.pods,
              opt.buildDir.c_str(), env.root().c_str(), env.bridge().c_str(), env.cidr().c_str(),
              env.cgroupParent().c_str());
  machineBaseline();
  std::string error;
  if (!env.startDaemon(&error, opt.daemonWrapper)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  auto& http = env.http();
  std::string imageDir = (opt.buildDir / "images" / "busybox").string();
  auto t0 = Clock::now();
  auto imp = http.request("POST", "/peapod/v1/images/import", json{{"path", imageDir}}.dump());
  if (!imp.ok() || imp->status != 200) {
    std::fprintf(stderr, "image import failed: %s\n", imp.ok() ? imp->body.c_str() : imp.error().message().c_str());
    return 2;
  }
  std::printf("image import: %.1f ms\n", msSince(t0));

  // What the volumes group mounts.
  auto cm = http.request("POST", "/api/v1/namespaces/default/configmaps",
                         json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "bench-config"}}},
                              {"data", {{"app.conf", "mode=bench\n"}, {"level", "3"}}}}
                             .dump());
  if (!cm.ok() || cm->status != 201) {
    std::fprintf(stderr, "configmap create failed: %s\n", cm.ok() ? cm->body.c_str() : cm.error().message().c_str());
    return 2;
  }

  const char* kKernelFields[] = {"Slab", "SUnreclaim", "KernelStack", "PageTables"};
  std::map<std::string, long> kernelBefore;
  for (const char* f : kKernelFields) kernelBefore[f] = meminfoKiB(f);
  long availBefore = meminfoKiB("MemAvailable");
  std::vector<double> createMs, postMs;
  int gets = 0, createGets = 0;
  for (int i = 0; i < opt.pods; ++i) {
    std::string name = "bench-" + std::to_string(i);
    auto start = Clock::now();
    auto r = http.request("POST", "/api/v1/namespaces/default/pods", podBody(name, i));
    postMs.push_back(msSince(start));
    if (!r.ok() || r->status != 201) {
      std::fprintf(stderr, "create %s failed: %s\n", name.c_str(), r.ok() ? r->body.c_str() : r.error().message().c_str());
      return 1;
    }
    std::string last;
    int before = gets;
    bool ok = pollUntil(
        http, podPath(name),
        [](int status, const std::string& body) {
          if (status != 200) return false;
          auto j = json::parse(body, nullptr, false);
          return !j.is_discarded() && j["status"].value("phase", "") == "Running";
        },
        &gets, &last);
    createMs.push_back(msSince(start));
    createGets += gets - before;
    if (!ok) {
      std::fprintf(stderr, "%s not Running after %.0f ms: %s\n", name.c_str(), kTimeoutMs, last.c_str());
      return 1;
    }
  }
  std::printf("\n== create -> Running (POST sent until GET shows phase Running) ==\n");
  printLatency("create->Running", createMs);
  printLatency("POST round trip", postMs);
  // The daemon serves requests on the thread that starts the pod, so the first GET usually
  // waits for the start itself; the resolution is an idle GET's round trip plus the sleep.
  std::vector<double> idleGet;
  for (int i = 0; i < 50; ++i) {
    auto g0 = Clock::now();
    (void)http.request("GET", podPath("bench-0"));
    idleGet.push_back(msSince(g0));
  }
  std::printf("polling: %.2f GETs per pod on average; idle GET round trip p50 %.3f ms + %lld us sleep between GETs "
              "= the resolution of create->Running\n",
              static_cast<double>(createGets) / opt.pods, percentile(idleGet, 50),
              static_cast<long long>(kPollSleep.count()));

  // Memory with all pods running. Let the last pod settle (its shim's pages are touched by now).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  long availAfter = meminfoKiB("MemAvailable");
  auto shims = env.shimPids();
  auto ctrs = env.containerPids();
  auto average = [](const std::vector<pid_t>& pids) {
    std::map<std::string, double> sum;
    for (pid_t p : pids) {
      auto m = smapsRollup(p);
      sum["Rss"] += m["Rss"];
      sum["Pss"] += m["Pss"];
      sum["Private"] += m["Private_Clean"] + m["Private_Dirty"];
    }
    for (auto& [k, v] : sum) v /= pids.empty() ? 1 : static_cast<double>(pids.size());
    return sum;
  };
  auto s = average(shims), c = average(ctrs);
  std::printf("\n== memory with %d pods running ==\n", opt.pods);
  std::printf("shim processes: %zu; per shim: Rss %.0f KiB, Private %.0f KiB, Pss %.0f KiB\n", shims.size(), s["Rss"],
              s["Private"], s["Pss"]);
  std::printf("container processes: %zu; per container: Rss %.0f KiB, Private %.0f KiB, Pss %.0f KiB\n", ctrs.size(),
              c["Rss"], c["Private"], c["Pss"]);
  std::printf("MemAvailable: before %ld KiB, after %ld KiB, delta per pod %.0f KiB (%.2f MiB; includes kernel objects "
              "and any noise from other processes on the machine)\n",
              availBefore, availAfter, static_cast<double>(availBefore - availAfter) / opt.pods,
              static_cast<double>(availBefore - availAfter) / opt.pods / 1024.0);

  std::printf("kernel objects per pod (/proc/meminfo deltas):");
  for (const char* f : kKernelFields) {
    std::printf(" %s %.0f KiB", f, static_cast<double>(meminfoKiB(f) - kernelBefore[f]) / opt.pods);
  }
  std::printf("\n");

  std::vector<double> deleteMs;
  for (int i = 0; i < opt.pods; ++i) {
    std::string name = "bench-" + std::to_string(i);
    auto start = Clock::now();
    auto r = http.request("DELETE", podPath(name) + "?gracePeriodSeconds=0",
                          json{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"gracePeriodSeconds", 0}}.dump());
    if (!r.ok() || (r->status != 200 && r->status != 202)) {
      std::fprintf(stderr, "delete %s failed: %s\n", name.c_str(), r.ok() ? r->body.c_str() : r.error().message().c_str());
      return 1;
    }
    std::string last;
    bool ok = pollUntil(http, podPath(name), [](int status, const std::string&) { return status == 404; }, &gets, &last);
    deleteMs.push_back(msSince(start));
    if (!ok) {
      std::fprintf(stderr, "%s still present after %.0f ms: %s\n", name.c_str(), kTimeoutMs, last.c_str());
      return 1;
    }
  }
  std::printf("\n== delete (gracePeriodSeconds=0) -> GET 404 ==\n");
  printLatency("delete->404", deleteMs);

  // Shims exit after replying to "shutdown"; give them a moment before the daemon goes.
  auto w0 = Clock::now();
  while (!env.shimPids().empty() && msSince(w0) < 5000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  env.stopDaemon();
  auto leaks = env.leaks();
  std::printf("\n== leak check after daemon stop ==\n");
  if (leaks.empty()) std::printf("clean: no shim/container processes, veths on %s, pod cgroups, or mounts left\n",
                                 env.bridge().c_str());
  for (const auto& l : leaks) std::printf("LEAK: %s\n", l.c_str());
  env.cleanup();
  return leaks.empty() ? 0 : 1;
}

fs::path defaultBuildDir() {
#ifdef PEAPOD_BUILD_DIR
  fs::path compiled = PEAPOD_BUILD_DIR;
#else
  fs::path compiled = "build";
#endif
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);  // BUILD/bench/pod_start_bench
  if (!ec && fs::exists(self.parent_path().parent_path() / "bin" / "peapod")) return self.parent_path().parent_path();
  return compiled;
}

}  // namespace
}  // namespace peapod::bench

int main(int argc, char** argv) {
  peapod::bench::Options opt;
  opt.buildDir = peapod::bench::defaultBuildDir();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--pods" && i + 1 < argc) opt.pods = std::atoi(argv[++i]);
    else if (a == "--build-dir" && i + 1 < argc) opt.buildDir = argv[++i];
    else if (a == "--daemon-wrapper" && i + 1 < argc) opt.daemonWrapper = argv[++i];
    else if (a == "--with" && i + 1 < argc) opt.features.push_back(argv[++i]);
    else {
      std::fprintf(stderr, "usage: pod_start_bench [--pods N (1..250, default 50)] [--build-dir DIR] [--daemon-wrapper \"strace -f -o F\"] [--with security|resources|volumes|network|probes]...\n");
      return 2;
    }
  }
  if (opt.pods < 1 || opt.pods > 250) {
    std::fprintf(stderr, "--pods must be in 1..250 (one /24 of pod addresses)\n");
    return 2;
  }
  for (const auto& f : opt.features) {
    bool known = false;
    for (const auto& g : peapod::bench::kFeatureGroups) known = known || f == g.name;
    if (!known) {
      std::fprintf(stderr, "--with: unknown feature group \"%s\"\n", f.c_str());
      return 2;
    }
    std::printf("feature group: %s\n", f.c_str());
  }
  peapod::bench::gFeatures = opt.features;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "pod_start_bench needs root\n");
    return 2;
  }
  return peapod::bench::run(opt);
}
