// `peapod completion bash`: a bash completion script for the verbs, flags and pod names.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

// Pod names come from the API at completion time (`peapod get pods -o name`).
constexpr const char* kBashCompletion = R"BASH(# bash completion for peapod; load with: source <(peapod completion bash)
_peapod() {
  local cur prev verb
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  verb="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "apply create get describe logs delete wait image images daemon completion --help --server --namespace" -- "$cur"))
    return
  fi
  case "$prev" in
    -f|--filename) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -W "wide yaml json name jsonpath=" -- "$cur")); return ;;
  esac
  case "$verb" in
    get|describe|delete)
      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "pods pod po" -- "$cur")); return; fi
      COMPREPLY=($(compgen -W "$(peapod get pods -o name 2>/dev/null | sed 's|^pod/||')" -- "$cur")) ;;
    logs)
      COMPREPLY=($(compgen -W "$(peapod get pods -o name 2>/dev/null | sed 's|^pod/||') -c --container -f --follow -p --previous --tail --timestamps" -- "$cur")) ;;
    wait)
      COMPREPLY=($(compgen -W "$(peapod get pods -o name 2>/dev/null) --for=condition=Ready --for=delete --timeout" -- "$cur")) ;;
    image) COMPREPLY=($(compgen -W "import" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -F _peapod peapod
)BASH";

}  // namespace

void registerCompletion(CLI::App& app) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script: source <(peapod completion bash)");
  cmd->add_option("shell", *shell, "bash")->required()->check(CLI::IsMember({"bash"}));
  cmd->callback([] { std::cout << kBashCompletion; });
}

}  // namespace peapod::cli
