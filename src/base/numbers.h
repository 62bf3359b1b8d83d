// Strict decimal parsing of protocol tokens, as memcached's safe_strto*():
// the whole token must be a number that fits, with no trailing garbage.
#ifndef MEMCD_BASE_NUMBERS_H_
#define MEMCD_BASE_NUMBERS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace memcd {

// Leading zeros and one leading '+' are accepted, as memcached's strtoul()
// accepts them; whitespace anywhere and values that do not fit the type are
// refused (memcached truncates 32-bit fields; we do not). On failure *out is
// left untouched.
// Unsigned: digits only, after the optional '+' (a leading '-' is refused,
// never wrapped).
bool ParseUint64(std::string_view s, uint64_t* out);
bool ParseUint32(std::string_view s, uint32_t* out);
// Signed: optional leading '-' (or '+'), then digits.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseInt32(std::string_view s, int32_t* out);

// FormatUint64 for v >= 10.
size_t FormatUint64Digits(uint64_t v, char* buf);

// Writes `v` in decimal to buf (at least 20 bytes); returns the length.
// Inline for one digit: the client flags of most items are 0.
inline size_t FormatUint64(uint64_t v, char* buf) {
  if (v < 10) {
    *buf = static_cast<char>('0' + v);
    return 1;
  }
  return FormatUint64Digits(v, buf);
}

}  // namespace memcd

#endif  // MEMCD_BASE_NUMBERS_H_
