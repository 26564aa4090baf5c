// PEAPOD_CHECK: impossible states crash loudly; likely environment failures are returned as Error.
#pragma once

#include <cstdio>
#include <cstdlib>

#define PEAPOD_CHECK(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
