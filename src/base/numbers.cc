#include "base/numbers.h"

#include <cstring>
#include <limits>

namespace memcd {

namespace {

// Accumulates the digits of `s` (optionally after one '+') into *out.
// Refuses an empty token, any non-digit byte, and values above `max`.
bool ParseMagnitude(std::string_view s, uint64_t max, uint64_t* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

// Signed parse through the magnitude: a '-' allows one more than the
// positive limit, so the most negative value parses too.
bool ParseSigned(std::string_view s, int64_t min, int64_t max, int64_t* out) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) {
    s.remove_prefix(1);
    // "-+5" is not a number.
    if (!s.empty() && s.front() == '+') return false;
  }
  const uint64_t limit = negative ? static_cast<uint64_t>(-(min + 1)) + 1
                                  : static_cast<uint64_t>(max);
  uint64_t magnitude;
  if (!ParseMagnitude(s, limit, &magnitude)) return false;
  if (!negative) {
    *out = static_cast<int64_t>(magnitude);
  } else if (magnitude == 0) {
    *out = 0;
  } else {
    // Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t.
    *out = -static_cast<int64_t>(magnitude - 1) - 1;
  }
  return true;
}

constexpr char kDigitPairs[] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

size_t CountDigits(uint64_t v) {
  size_t n = 1;
  while (v >= 10000) {
    v /= 10000;
    n += 4;
  }
  if (v >= 1000) return n + 3;
  if (v >= 100) return n + 2;
  if (v >= 10) return n + 1;
  return n;
}

}  // namespace

bool ParseUint64(std::string_view s, uint64_t* out) {
  return ParseMagnitude(s, std::numeric_limits<uint64_t>::max(), out);
}

bool ParseUint32(std::string_view s, uint32_t* out) {
  uint64_t v;
  if (!ParseMagnitude(s, std::numeric_limits<uint32_t>::max(), &v)) {
    return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  return ParseSigned(s, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), out);
}

bool ParseInt32(std::string_view s, int32_t* out) {
  int64_t v;
  if (!ParseSigned(s, std::numeric_limits<int32_t>::min(),
                   std::numeric_limits<int32_t>::max(), &v)) {
    return false;
  }
  *out = static_cast<int32_t>(v);
  return true;
}

size_t FormatUint64Digits(uint64_t v, char* buf) {
  const size_t len = CountDigits(v);
  char* p = buf + len;
  // Two digits per division halves the divisions.
  while (v >= 100) {
    const size_t i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    std::memcpy(p, kDigitPairs + i, 2);
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + v * 2, 2);
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return len;
}

}  // namespace memcd
