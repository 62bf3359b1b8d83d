#include "store/arith.h"

#include <cstddef>
#include <limits>

namespace memcd {

namespace {

// The C locale's isspace().
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

}  // namespace

bool ParseArithValue(std::string_view value, uint64_t* out) {
  size_t i = 0;
  while (i < value.size() && IsSpace(value[i])) ++i;
  bool negative = false;
  if (i < value.size() && (value[i] == '+' || value[i] == '-')) {
    negative = value[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  uint64_t v = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
    const uint64_t d = static_cast<uint64_t>(value[i] - '0');
    if (v > (kMax - d) / 10) return false;  // strtoull's ERANGE
    v = v * 10 + d;
  }
  if (i == digits_start) return false;  // nothing converted
  // The byte after the number: the value's end stands for memcached's "\r".
  if (i < value.size() && !IsSpace(value[i]) && value[i] != '\0') return false;
  if (negative) {
    v = 0 - v;  // strtoull negates in unsigned arithmetic
    if (static_cast<int64_t>(v) < 0) return false;
  }
  *out = v;
  return true;
}

}  // namespace memcd
