#include "cli/jsonpath.h"

#include <vector>

namespace peapod::cli {
namespace {

using json = nlohmann::json;

// One parsed piece of a template.
struct Node {
  enum Kind { kText, kPath, kRange, kEnd } kind;
  std::string text;  // literal text, or the path expression
};

Result<std::vector<Node>> parse(const std::string& t) {
  std::vector<Node> out;
  size_t i = 0;
  while (i < t.size()) {
    size_t open = t.find('{', i);
    if (open == std::string::npos) {
      out.push_back({Node::kText, t.substr(i)});
      break;
    }
    if (open > i) out.push_back({Node::kText, t.substr(i, open - i)});
    size_t close = t.find('}', open);
    if (close == std::string::npos) return Error("unclosed action in jsonpath template \"" + t + "\"");
    std::string expr = t.substr(open + 1, close - open - 1);
    if (expr.size() >= 2 && expr.front() == '"' && expr.back() == '"') {
      std::string lit;
      for (size_t k = 1; k + 1 < expr.size(); ++k) {
        if (expr[k] == '\\' && k + 2 < expr.size()) {
          char c = expr[++k];
          lit.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c);
        } else {
          lit.push_back(expr[k]);
        }
      }
      out.push_back({Node::kText, lit});
    } else if (expr.rfind("range ", 0) == 0) {
      out.push_back({Node::kRange, expr.substr(6)});
    } else if (expr == "end") {
      out.push_back({Node::kEnd, ""});
    } else {
      out.push_back({Node::kPath, expr});
    }
    i = close + 1;
  }
  return out;
}

// Evaluates ".a.b[0].c[*]" against data; [*] and lists fan out.
Result<std::vector<json>> evaluate(const std::string& path, const json& data) {
  std::vector<json> cur = {data};
  size_t i = 0;
  if (!path.empty() && path[0] == '$') i = 1;
  while (i < path.size()) {
    std::vector<json> next;
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      std::string key = path.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      i = end == std::string::npos ? path.size() : end;
      if (key.empty()) continue;
      for (const auto& v : cur) {
        if (v.is_object() && v.contains(key)) next.push_back(v[key]);
      }
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string::npos) return Error("unterminated [ in jsonpath \"" + path + "\"");
      std::string idx = path.substr(i + 1, end - i - 1);
      i = end + 1;
      for (const auto& v : cur) {
        if (!v.is_array()) continue;
        if (idx == "*") {
          for (const auto& e : v) next.push_back(e);
        } else {
          long n = std::stol(idx);
          if (n < 0) n += static_cast<long>(v.size());
          if (n < 0 || n >= static_cast<long>(v.size())) return Error("array index out of bounds: index " + idx);
          next.push_back(v[n]);
        }
      }
    } else {
      return Error("unrecognized character in jsonpath \"" + path + "\"");
    }
    cur = std::move(next);
  }
  return cur;
}

std::string toText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

Result<std::string> render(const std::vector<Node>& nodes, size_t from, size_t to, const json& data) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    const auto& n = nodes[i];
    if (n.kind == Node::kText) {
      out += n.text;
    } else if (n.kind == Node::kPath) {
      PEAPOD_ASSIGN_OR_RETURN(auto values, evaluate(n.text, data));
      for (size_t k = 0; k < values.size(); ++k) out += (k ? " " : "") + toText(values[k]);
    } else if (n.kind == Node::kRange) {
      size_t depth = 1, end = i + 1;
      for (; end < to && depth > 0; ++end) {
        if (nodes[end].kind == Node::kRange) ++depth;
        if (nodes[end].kind == Node::kEnd && --depth == 0) break;
      }
      if (depth != 0) return Error("range without end in jsonpath template");
      PEAPOD_ASSIGN_OR_RETURN(auto items, evaluate(n.text, data));
      for (const auto& item : items) {
        PEAPOD_ASSIGN_OR_RETURN(std::string part, render(nodes, i + 1, end, item));
        out += part;
      }
      i = end;
    } else {
      return Error("end without range in jsonpath template");
    }
  }
  return out;
}

}  // namespace

Result<std::string> renderJsonPath(const std::string& tmpl, const json& data) {
  PEAPOD_ASSIGN_OR_RETURN(auto nodes, parse(tmpl));
  return render(nodes, 0, nodes.size(), data);
}

}  // namespace peapod::cli
