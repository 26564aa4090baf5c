#include "cli/jsonpath.h"

#include <gtest/gtest.h>

namespace peapod::cli {
namespace {

const nlohmann::json kList = nlohmann::json::parse(R"({"items": [
  {"metadata": {"name": "a"}, "status": {"podIP": "10.0.0.1", "phase": "Running"}},
  {"metadata": {"name": "b"}, "status": {"podIP": "10.0.0.2", "phase": "Pending"}}]})");

std::string render(const std::string& t) {
  auto r = renderJsonPath(t, kList);
  return r.ok() ? *r : "ERROR: " + r.error().message();
}

TEST(JsonPath, FieldsIndexesWildcardsAndRanges) {
  EXPECT_EQ(render("{.items[0].metadata.name}"), "a");
  EXPECT_EQ(render("{.items[-1].status.podIP}"), "10.0.0.2");
  EXPECT_EQ(render("{.items[*].metadata.name}"), "a b");
  EXPECT_EQ(render("ip={.items[1].status.podIP}"), "ip=10.0.0.2");
  EXPECT_EQ(render(R"({range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end})"), "a\tRunning\nb\tPending\n");
  EXPECT_EQ(render("{.items[0].metadata}"), R"({"name":"a"})");
  EXPECT_EQ(render("{.missing}"), "");
}

TEST(JsonPath, Errors) {
  EXPECT_EQ(render("{.items[5]}").rfind("ERROR: array index out of bounds", 0), 0u);
  EXPECT_EQ(render("{.items").rfind("ERROR: unclosed action", 0), 0u);
  EXPECT_EQ(render("{range .items[*]}x").rfind("ERROR: range without end", 0), 0u);
}

}  // namespace
}  // namespace peapod::cli
