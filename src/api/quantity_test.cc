// Unit tests for Quantity parsing.
#include "api/quantity.h"

#include <gtest/gtest.h>

namespace peapod::api {
namespace {

TEST(Quantity, Values) {
  struct Case {
    const char* text;
    int64_t milli;
    int64_t value;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"1", 1000, 1},
           {"500m", 500, 1},
           {"0.5", 500, 1},
           {"1.5", 1500, 2},
           {"250m", 250, 1},
           {"0", 0, 0},
           {"1k", 1000000, 1000},
           {"1Ki", 1024000, 1024},
           {"128Mi", 134217728000, 134217728},
           {"1Gi", 1073741824000, 1073741824},
           {"1.5Gi", 1610612736000, 1610612736},
           {"1G", 1000000000000, 1000000000},
           {"2e3", 2000000, 2000},
           {"1E-3", 1, 1},
           {"100n", 1, 1},
           {"1u", 1, 1},
           {"-1", -1000, -1},
           {"+2", 2000, 2},
           {".5", 500, 1},
       }) {
    EXPECT_EQ(quantityMilliValue(c.text), c.milli) << c.text;
    EXPECT_EQ(quantityValue(c.text), c.value) << c.text;
  }
}

TEST(Quantity, Malformed) {
  for (const char* s : {"", "m", "1x", "1Xi", "1.2.3", "abc", "1e", "1e1234", "1 Gi"}) {
    EXPECT_FALSE(quantityValue(s).has_value()) << s;
  }
  EXPECT_FALSE(quantityValue("100E").has_value());  // beyond int64
  EXPECT_EQ(quantityValue(Quantity{"2Mi"}), 2097152);
}

TEST(Quantity, Compare) {
  EXPECT_EQ(compareQuantities("1", "1000m"), 0);
  EXPECT_EQ(compareQuantities("1Gi", "1G"), 1);
  EXPECT_EQ(compareQuantities("500m", "1"), -1);
  EXPECT_FALSE(compareQuantities("x", "1").has_value());
}

}  // namespace
}  // namespace peapod::api
