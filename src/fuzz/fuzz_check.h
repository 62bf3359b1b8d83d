// What the fuzz targets share: an assertion that stops the fuzzer with the
// failed condition (libFuzzer then saves the input as a crash), so a target
// checks properties of the parsers, not just that they survive.
#ifndef MEMCD_FUZZ_FUZZ_CHECK_H_
#define MEMCD_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                         \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                       \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

namespace memcd {

// Whether `part` is a view into `whole` (an empty view anywhere counts).
inline bool ViewInside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  const auto begin = reinterpret_cast<uintptr_t>(whole.data());
  const auto p = reinterpret_cast<uintptr_t>(part.data());
  return p >= begin && p + part.size() <= begin + whole.size();
}

}  // namespace memcd

#endif  // MEMCD_FUZZ_FUZZ_CHECK_H_
