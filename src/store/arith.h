// The number rules of incr/decr, as memcached applies them to item values.
#ifndef MEMCD_STORE_ARITH_H_
#define MEMCD_STORE_ARITH_H_

#include <cstdint>
#include <string_view>

namespace memcd {

// memcached's safe_strtoull() on a stored value (which memcached always
// follows with "\r\n"): optional leading whitespace, an optional sign, at
// least one decimal digit without overflow, then the end of the value, a
// whitespace byte or a NUL (so "12 a" reads as 12 and a space-padded
// decremented value reads back). A '-' is refused unless the result is
// still small, exactly as strtoull() + memcached's sign check do ("-0" is 0).
bool ParseArithValue(std::string_view value, uint64_t* out);

// incr wraps modulo 2^64; decr stops at 0.
inline uint64_t ApplyDelta(uint64_t value, bool incr, uint64_t delta) {
  if (incr) return value + delta;
  return delta > value ? 0 : value - delta;
}

}  // namespace memcd

#endif  // MEMCD_STORE_ARITH_H_
