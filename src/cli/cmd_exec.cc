// `peapod exec [-i] [-t] POD [-c CONTAINER] -- CMD...` and `peapod attach [-i] [-t] POD [-c CONTAINER]`:
// kubectl exec/attach over WebSocket (v5.channel.k8s.io). With -t the local terminal goes raw and
// its size follows SIGWINCH; exec's exit code is the remote command's.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/scope_exit.h"
#include "cli/commands.h"
#include "cli/websocket_client.h"
#include "wire/k8s_channel.h"

namespace peapod::cli {
namespace {

using wire::WsOpcode;

int winchPipe[2] = {-1, -1};

void onWinch(int) {
  int saved = errno;
  (void)!::write(winchPipe[1], "w", 1);
  errno = saved;
}

std::optional<wire::TerminalSize> terminalSize() {
  winsize ws{};
  for (int fd : {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO}) {
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return wire::TerminalSize{ws.ws_col, ws.ws_row};
  }
  return std::nullopt;
}

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct ExecOptions {
  std::string pod, container;
  std::vector<std::string> command;
  bool stdin = false, tty = false, quiet = false;
  bool attach = false;
};

// Maps the final Status to kubectl's messages and exit code.
int finish(const nlohmann::json& status, bool quiet) {
  if (status.value("status", "") == "Success") return 0;
  if (status.value("reason", "") == "NonZeroExitCode") {
    int code = 1;
    for (const auto& c : status["details"].value("causes", nlohmann::json::array())) {
      if (c.value("reason", "") == "ExitCode") code = std::atoi(c.value("message", "1").c_str());
    }
    if (!quiet) std::cerr << "command terminated with exit code " << code << "\n";
    return code;
  }
  std::cerr << "error: " << status.value("message", status.dump()) << "\n";
  return 1;
}

// kubectl picks the container client-side: the default-container annotation, else the first one
// (saying so when there are several).
std::string defaultContainer(const Context& ctx, const std::string& pod, bool quiet) {
  auto r = ctx.client().request("GET", podsPath(ctx.ns, pod));
  if (!r.ok() || r->status != 200) return "";  // the exec request reports the error
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return "";
  auto ann = j["metadata"].value("annotations", nlohmann::json::object());
  if (ann.contains("kubectl.kubernetes.io/default-container")) {
    return ann["kubectl.kubernetes.io/default-container"].get<std::string>();
  }
  auto containers = j["spec"].value("containers", nlohmann::json::array());
  if (containers.empty()) return "";
  std::string first = containers[0].value("name", "");
  if (containers.size() > 1 && !quiet) {
    std::string names;
    for (const auto& c : containers) names += (names.empty() ? "" : ", ") + c.value("name", "");
    std::cerr << "Defaulted container \"" << first << "\" out of: " << names << "\n";
  }
  return first;
}

int runExec(const Context& ctx, ExecOptions o) {
  if (o.container.empty()) o.container = defaultContainer(ctx, o.pod, o.quiet);
  bool tty = o.tty && ::isatty(STDIN_FILENO);
  if (o.tty && !tty && !o.quiet) std::cerr << "Unable to use a TTY - input is not a terminal or the right kind of file\n";
  std::string target = podsPath(ctx.ns, o.pod) + (o.attach ? "/attach?" : "/exec?");
  for (const auto& a : o.command) target += "command=" + urlEncode(a) + "&";
  if (!o.container.empty()) target += "container=" + urlEncode(o.container) + "&";
  if (o.stdin) target += "stdin=true&";
  target += "stdout=true&";
  target += tty ? "tty=true" : "stderr=true";
  HttpResponse refused;
  auto ws = WebSocketClient::connect(ctx.endpoint, target, std::string(wire::kChannelV5), &refused);
  if (!ws.ok()) {
    if (refused.status != 0) return printApiError(refused);
    std::cerr << "error: " << ws.error().message() << "\n";
    return 1;
  }

  // Raw local terminal for -t: keystrokes go to the remote side as typed.
  termios saved{};
  bool raw = tty && o.stdin && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  ScopeExit restore([&] {
    if (raw) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
  });
  if (raw) {
    termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
  }
  if (tty) {
    if (::pipe2(winchPipe, O_CLOEXEC | O_NONBLOCK) == 0) ::signal(SIGWINCH, onWinch);
    if (auto size = terminalSize()) {
      (void)ws->send(WsOpcode::kBinary, wire::channelMessage(wire::kChannelResize, wire::terminalSizeJson(*size)));
    }
  }

  std::optional<nlohmann::json> status;
  bool stdinOpen = o.stdin;
  char buf[16384];
  while (true) {
    // Messages already decoded first, then wait for any source.
    auto m = ws->buffered();
    if (m.ok() && !m->has_value()) {
      pollfd fds[3] = {{ws->fd(), POLLIN, 0}, {stdinOpen ? STDIN_FILENO : -1, POLLIN, 0}, {winchPipe[0], POLLIN, 0}};
      int r = ::poll(fds, 3, -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) break;
      if (fds[2].revents & POLLIN) {
        while (::read(winchPipe[0], buf, sizeof buf) > 0) {
        }
        if (auto size = terminalSize()) {
          (void)ws->send(WsOpcode::kBinary, wire::channelMessage(wire::kChannelResize, wire::terminalSizeJson(*size)));
        }
      }
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
          (void)ws->send(WsOpcode::kBinary, wire::channelMessage(wire::kChannelStdin, std::string_view(buf, n)));
        } else if (n == 0 || errno != EINTR) {
          stdinOpen = false;  // stdin EOF: [255, 0]
          (void)ws->send(WsOpcode::kBinary, wire::channelMessage(wire::kChannelClose, std::string(1, '\0')));
        }
      }
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      m = ws->readSome();
    }
    if (!m.ok()) break;  // closed or failed: the status (if any) came before
    if (!m->has_value()) continue;
    const wire::WsMessage& msg = **m;
    if (msg.opcode == WsOpcode::kPing) {
      (void)ws->send(WsOpcode::kPong, msg.payload);
      continue;
    }
    if (msg.opcode == WsOpcode::kClose) {
      (void)ws->send(WsOpcode::kClose, wire::wsClosePayload(wire::kWsCloseNormal));
      break;
    }
    auto cm = wire::parseChannelMessage(msg.payload);
    if (msg.opcode != WsOpcode::kBinary || !cm) continue;
    if (cm->channel == wire::kChannelStdout) writeAll(STDOUT_FILENO, cm->data);
    else if (cm->channel == wire::kChannelStderr) writeAll(STDERR_FILENO, cm->data);
    else if (cm->channel == wire::kChannelError) {
      auto j = nlohmann::json::parse(cm->data, nullptr, false);
      status = j.is_discarded() ? nlohmann::json{{"status", "Failure"}, {"message", std::string(cm->data)}} : j;
    }
  }
  if (raw) {
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
    raw = false;
  }
  if (!status) {
    std::cerr << "error: the connection to the API ended before the command's status arrived\n";
    return 1;
  }
  return finish(*status, o.quiet);
}

}  // namespace

void registerExec(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto o = std::make_shared<ExecOptions>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a container");
  cmd->add_option("pod", o->pod, "pod name")->required();
  cmd->add_option("command", o->command, "the command and its arguments (after --)")->required();
  cmd->add_option("-c,--container", o->container, "container name (default: the pod's only or default one)");
  cmd->add_flag("-i,--stdin", o->stdin, "pass stdin to the container");
  cmd->add_flag("-t,--tty", o->tty, "stdin is a TTY");
  cmd->add_flag("-q,--quiet", o->quiet, "only print output from the remote session");
  cmd->callback([ctx, o] {
    int code = runExec(*ctx, *o);
    if (code != 0) exitWith(code);
  });

  auto a = std::make_shared<ExecOptions>();
  a->attach = true;
  auto* att = app.add_subcommand("attach", "Attach to a running container's output (and stdin with -i)");
  att->add_option("pod", a->pod, "pod name")->required();
  att->add_option("-c,--container", a->container, "container name (default: the pod's only or default one)");
  att->add_flag("-i,--stdin", a->stdin, "pass stdin to the container (its spec must have stdin: true)");
  att->add_flag("-t,--tty", a->tty, "stdin is a TTY");
  att->add_flag("-q,--quiet", a->quiet, "only print output from the remote session");
  att->callback([ctx, a] {
    int code = runExec(*ctx, *a);
    if (code != 0) exitWith(code);
  });
}

}  // namespace peapod::cli
