// node_load_bench: what a loaded node costs and how fast it reacts (issues 3 and 4).
//   1. N running pods (default 100): idle CPU of the daemon, the shims and the containers over a
//      window, as a share of one core;
//   2. container exit -> the API shows it terminated (SIGKILL from here, polled GET);
//   3. probe overhead: CPU time per exec and per httpGet probe run;
//   4. with M extra pods (default 1000) whose image is absent with imagePullPolicy Never, so they
//      stay Pending (ErrImageNeverPull) without a sandbox: GET and LIST latency, watch delivery latency of a label PATCH, and
//      create->Running with kubectl apply's request pattern (GET openapi, GET pod, POST).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "pod_start/bench_env.h"

namespace peapod::bench {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  fs::path buildDir = PEAPOD_BUILD_DIR;
  int pods = 100, apiObjects = 1000, idleSeconds = 10, probeSeconds = 10;
};

std::string podsPath(const std::string& name = "") {
  return "/api/v1/namespaces/default/pods" + (name.empty() ? "" : "/" + name);
}

json podObject(const std::string& name, json container, const std::string& restartPolicy = "Always") {
  container["name"] = "main";
  container["image"] = "busybox:latest";
  container["imagePullPolicy"] = "IfNotPresent";
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}}},
              {"spec", {{"restartPolicy", restartPolicy}, {"terminationGracePeriodSeconds", 0}, {"containers", {container}}}}};
}

bool create(cli::HttpClient& http, const json& pod) {
  auto r = http.request("POST", podsPath(), pod.dump());
  if (!r.ok() || r->status != 201) {
    std::fprintf(stderr, "create %s: %s\n", pod["metadata"]["name"].get<std::string>().c_str(),
                 r.ok() ? r->body.c_str() : r.error().message().c_str());
    return false;
  }
  return true;
}

json getPod(cli::HttpClient& http, const std::string& name) {
  auto r = http.request("GET", podsPath(name));
  if (!r.ok() || r->status != 200) return nullptr;
  return json::parse(r->body, nullptr, false);
}

bool podRunning(const json& p) {
  if (!p.is_object() || p["status"].value("phase", "") != "Running") return false;
  for (const auto& c : p["status"].value("containerStatuses", json::array())) {
    if (!c.value("ready", false)) return false;
  }
  return true;
}

// Waits (polling LIST) until `count` pods with the name prefix are running.
bool waitRunning(cli::HttpClient& http, const std::string& prefix, int count, int timeoutMs) {
  auto t0 = Clock::now();
  while (msSince(t0) < timeoutMs) {
    auto r = http.request("GET", podsPath());
    if (r.ok() && r->status == 200) {
      int n = 0;
      json list = json::parse(r->body);  // a local: a range over a temporary's member dangles
      for (const auto& p : list["items"]) {
        if (p["metadata"].value("name", "").rfind(prefix, 0) == 0 && podRunning(p)) ++n;
      }
      if (n >= count) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// utime+stime of a process in clock ticks (0 when it is gone).
long cpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream f(stat.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; f >> field; ++i) {  // field 3 is the state; utime is 14, stime 15
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return utime + stime;
}

struct CpuSample {
  long daemon = 0, shims = 0, containers = 0;
};
CpuSample sampleCpu(const BenchEnv& env) {
  CpuSample s;
  s.daemon = cpuTicks(env.daemonPid());
  for (pid_t p : env.shimPids()) s.shims += cpuTicks(p);
  for (pid_t p : env.containerPids()) s.containers += cpuTicks(p);
  return s;
}
double ticksToMs(long ticks) { return 1000.0 * ticks / ::sysconf(_SC_CLK_TCK); }

// The main process of a pod's container: the process whose cgroup path ends in pod<uid>/main.
pid_t containerPid(const BenchEnv& env, const std::string& uid) {
  std::string needle = "/pod" + uid + "/main\n";
  for (pid_t p : env.containerPids()) {
    std::ifstream in("/proc/" + std::to_string(p) + "/cgroup");
    std::string c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (c.find(needle) != std::string::npos) return p;
  }
  return -1;
}

void printLatency(const char* what, const std::vector<double>& v) {
  std::printf("%-34s n=%zu  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", what, v.size(), percentile(v, 50),
              percentile(v, 90), percentile(v, 99), percentile(v, 100));
}

void idleCpu(BenchEnv& env, const Options& opt) {
  auto before = sampleCpu(env);
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(opt.idleSeconds));
  double wallMs = msSince(t0);
  auto after = sampleCpu(env);
  auto pct = [&](long d) { return 100.0 * ticksToMs(d) / wallMs; };
  std::printf("idle CPU with %d running pods over %.1f s: daemon %.3f %%, shims %.3f %%, containers %.3f %% "
              "(total %.3f %% of one core; resolution %.1f ms)\n",
              opt.pods, wallMs / 1000, pct(after.daemon - before.daemon), pct(after.shims - before.shims),
              pct(after.containers - before.containers),
              pct(after.daemon + after.shims - before.daemon - before.shims), ticksToMs(1));
}

void exitLatency(BenchEnv& env) {
  auto& http = env.http();
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    std::string name = "exit-" + std::to_string(i);
    if (!create(http, podObject(name, {{"command", {"sleep", "3600"}}}, "Never"))) return;
    if (!waitRunning(http, name, 1, 20000)) return (void)std::fprintf(stderr, "%s did not start\n", name.c_str());
    pid_t pid = containerPid(env, getPod(http, name)["metadata"]["uid"]);
    if (pid <= 0) return (void)std::fprintf(stderr, "%s: container process not found\n", name.c_str());
    auto t0 = Clock::now();
    ::kill(pid, SIGKILL);
    while (msSince(t0) < 10000) {
      auto p = getPod(http, name);
      if (p.is_object() && p["status"]["containerStatuses"][0]["state"].contains("terminated")) {
        ms.push_back(msSince(t0));
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    (void)http.request("DELETE", podsPath(name) + "?gracePeriodSeconds=0");
  }
  printLatency("container exit -> API terminated", ms);
}

// CPU per probe: pods with one probe each at periodSeconds 1, against the same pods without.
void probeOverhead(BenchEnv& env, const Options& opt) {
  auto& http = env.http();
  const int kPods = 10;
  struct Variant {
    const char* name;
    json container;
  } variants[] = {
      {"exec", {{"command", {"sleep", "3600"}},
                {"readinessProbe", {{"exec", {{"command", {"true"}}}}, {"periodSeconds", 1}}}}},
      {"httpGet", {{"command", {"httpd", "-f", "-p", "8080"}},
                   {"readinessProbe", {{"httpGet", {{"path", "/"}, {"port", 8080}}}, {"periodSeconds", 1}}}}},
      {"tcpSocket", {{"command", {"httpd", "-f", "-p", "8080"}},
                     {"readinessProbe", {{"tcpSocket", {{"port", 8080}}}, {"periodSeconds", 1}}}}},
  };
  for (const auto& v : variants) {
    std::string prefix = std::string("probe-") + v.name + "-";  // names are lower-case DNS labels
    for (auto& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (int i = 0; i < kPods; ++i) create(http, podObject(prefix + std::to_string(i), v.container));
    // httpd answers 404 for "/": readiness never succeeds, but every probe still runs.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto before = sampleCpu(env);
    auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(opt.probeSeconds));
    double seconds = msSince(t0) / 1000;
    auto after = sampleCpu(env);
    double probes = kPods * seconds;
    double ms = ticksToMs(after.daemon + after.shims + after.containers - before.daemon - before.shims - before.containers);
    std::printf("probe overhead (%s, %d pods, period 1 s): %.3f ms CPU per probe (daemon+shims+containers, "
                "including the idle baseline)\n",
                v.name, kPods, ms / probes);
    for (int i = 0; i < kPods; ++i) (void)http.request("DELETE", podsPath(prefix + std::to_string(i)) + "?gracePeriodSeconds=0");
  }
}

void apiLatency(BenchEnv& env, const Options& opt) {
  auto& http = env.http();
  auto t0 = Clock::now();
  for (int i = 0; i < opt.apiObjects; ++i) {
    json pod = podObject("obj-" + std::to_string(i), {{"command", {"sleep", "1"}}});
    pod["spec"]["containers"][0]["image"] = "example.invalid/absent:1";
    pod["spec"]["containers"][0]["imagePullPolicy"] = "Never";
    if (!create(http, pod)) return;
  }
  std::printf("created %d Pending pods (image absent, pull policy Never) in %.0f ms\n", opt.apiObjects, msSince(t0));
  std::vector<double> getMs, listMs, listLimitMs;
  for (int i = 0; i < 200; ++i) {
    auto t = Clock::now();
    (void)http.request("GET", podsPath("obj-" + std::to_string(i * 5 % opt.apiObjects)));
    getMs.push_back(msSince(t));
  }
  for (int i = 0; i < 20; ++i) {
    auto t = Clock::now();
    (void)http.request("GET", podsPath());
    listMs.push_back(msSince(t));
    t = Clock::now();
    (void)http.request("GET", podsPath() + "?limit=500");
    listLimitMs.push_back(msSince(t));
  }
  char label[64];
  std::snprintf(label, sizeof label, "GET pod (%d+ pods)", opt.apiObjects);
  printLatency(label, getMs);
  std::snprintf(label, sizeof label, "LIST pods (%d+ pods)", opt.apiObjects);
  printLatency(label, listMs);
  printLatency("LIST pods ?limit=500", listLimitMs);

  // Watch delivery: PATCH a label, time until the watch stream carries the MODIFIED event. One
  // PATCH at a time, each awaited on the stream (a condition variable, no polling).
  constexpr int kWatchSamples = 200;
  auto rv = json::parse(http.request("GET", podsPath() + "?limit=1")->body)["metadata"].value("resourceVersion", "");
  std::mutex mu;
  std::condition_variable arrived;
  std::map<std::string, Clock::time_point> seen;  // label value -> arrival
  bool streamEnded = false;
  std::thread watcher([&] {
    cli::HttpClient w = http;
    std::string partial;
    (void)w.streamWhile(podsPath() + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=" + rv,
                        [&](std::string_view data) {
                          auto now = Clock::now();
                          partial.append(data);
                          std::lock_guard lock(mu);
                          for (size_t nl; (nl = partial.find('\n')) != std::string::npos; partial.erase(0, nl + 1)) {
                            auto ev = json::parse(partial.substr(0, nl), nullptr, false);
                            if (ev.is_discarded()) continue;
                            auto v = ev["object"]["metadata"].value("labels", json::object()).value("bench", "");
                            if (!v.empty() && !seen.count(v)) seen[v] = now;
                          }
                          arrived.notify_all();
                          return seen.size() < kWatchSamples;
                        });
    std::lock_guard lock(mu);
    streamEnded = true;
    arrived.notify_all();
  });
  // The watch is established once a first event has come: PATCH one pod until it does.
  for (int i = 0; i < 50; ++i) {
    (void)http.request("PATCH", podsPath("obj-0"), json{{"metadata", {{"labels", {{"bench", "warmup"}}}}}}.dump(),
                       "application/merge-patch+json");
    std::unique_lock lock(mu);
    if (arrived.wait_for(lock, std::chrono::milliseconds(100), [&] { return seen.count("warmup") > 0; })) break;
  }
  std::vector<double> watchMs;
  for (int i = 0; i + 1 < kWatchSamples; ++i) {
    std::string v = "v" + std::to_string(i);
    auto t = Clock::now();
    (void)http.request("PATCH", podsPath("obj-" + std::to_string(i % opt.apiObjects)),
                       json{{"metadata", {{"labels", {{"bench", v}}}}}}.dump(), "application/merge-patch+json");
    std::unique_lock lock(mu);
    if (arrived.wait_for(lock, std::chrono::seconds(2), [&] { return seen.count(v) > 0; })) {
      watchMs.push_back(std::chrono::duration<double, std::milli>(seen[v] - t).count());
    }
  }
  char watchLabel[96];
  std::snprintf(watchLabel, sizeof watchLabel, "PATCH -> watch event (%zu of %d delivered)", watchMs.size(),
                kWatchSamples - 1);
  printLatency(watchLabel, watchMs);
  // The stream ends at its kWatchSamples-th label; PATCH fillers if some never came.
  for (int i = 0; i < 1000; ++i) {
    std::unique_lock lock(mu);
    if (streamEnded) break;
    lock.unlock();
    (void)http.request("PATCH", podsPath("obj-0"), json{{"metadata", {{"labels", {{"bench", "fill" + std::to_string(i)}}}}}}.dump(),
                       "application/merge-patch+json");
    lock.lock();
    arrived.wait_for(lock, std::chrono::milliseconds(100), [&] { return streamEnded; });
  }
  watcher.join();

  // kubectl apply's pattern for a new pod: the OpenAPI document, GET (404), POST; then Running.
  std::vector<double> applyMs;
  for (int i = 0; i < 20; ++i) {
    std::string name = "apply-" + std::to_string(i);
    auto t = Clock::now();
    (void)http.request("GET", "/openapi/v2");
    (void)http.request("GET", podsPath(name));
    if (!create(http, podObject(name, {{"command", {"sleep", "3600"}}}))) break;
    if (!waitRunning(http, name, 1, 20000)) break;
    applyMs.push_back(msSince(t));
    (void)http.request("DELETE", podsPath(name) + "?gracePeriodSeconds=0");
  }
  printLatency("kubectl-apply pattern -> Running", applyMs);
  std::printf("  (polling LIST of %d+ pods every 50 ms bounds the resolution of that line)\n", opt.apiObjects);
}

int run(const Options& opt) {
  BenchEnv env(opt.buildDir);
  std::printf("node_load_bench: %d pods, %d API objects, root %s\n", opt.pods, opt.apiObjects, env.root().c_str());
  std::string error;
  if (!env.startDaemon(&error)) return std::fprintf(stderr, "%s\n", error.c_str()), 2;
  auto& http = env.http();
  auto imp = http.request("POST", "/peapod/v1/images/import",
                          json{{"path", (opt.buildDir / "images" / "busybox").string()}}.dump());
  if (!imp.ok() || imp->status != 200) return std::fprintf(stderr, "image import failed\n"), 2;

  auto t0 = Clock::now();
  for (int i = 0; i < opt.pods; ++i) {
    if (!create(http, podObject("idle-" + std::to_string(i), {{"command", {"sleep", "3600"}}}))) return 2;
  }
  if (!waitRunning(http, "idle-", opt.pods, 120000)) return std::fprintf(stderr, "pods did not all start\n"), 2;
  std::printf("%d pods running after %.0f ms\n", opt.pods, msSince(t0));
  idleCpu(env, opt);
  exitLatency(env);
  probeOverhead(env, opt);
  apiLatency(env, opt);

  auto list = json::parse(http.request("GET", podsPath())->body);
  for (const auto& p : list["items"]) {
    (void)http.request("DELETE", podsPath(p["metadata"]["name"]) + "?gracePeriodSeconds=0");
  }
  for (auto w0 = Clock::now(); msSince(w0) < 30000 && !env.shimPids().empty();) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  env.stopDaemon();
  auto leaks = env.leaks();
  for (const auto& l : leaks) std::fprintf(stderr, "leak: %s\n", l.c_str());
  env.cleanup();
  return leaks.empty() ? 0 : 1;
}

}  // namespace
}  // namespace peapod::bench

int main(int argc, char** argv) {
  peapod::bench::Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--pods") opt.pods = std::atoi(argv[i + 1]);
    else if (flag == "--api-objects") opt.apiObjects = std::atoi(argv[i + 1]);
    else if (flag == "--idle-seconds") opt.idleSeconds = std::atoi(argv[i + 1]);
    else if (flag == "--probe-seconds") opt.probeSeconds = std::atoi(argv[i + 1]);
    else if (flag == "--build-dir") opt.buildDir = argv[i + 1];
    else return std::fprintf(stderr, "usage: node_load_bench [--pods N] [--api-objects M] [--idle-seconds S] "
                                     "[--probe-seconds S] [--build-dir DIR]\n"), 2;
  }
  if (opt.pods > 250) return std::fprintf(stderr, "--pods: at most 250 (one /24)\n"), 2;
  return peapod::bench::run(opt);
}
