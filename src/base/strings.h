// Small string helpers for protocol arguments.
#ifndef MEMCD_BASE_STRINGS_H_
#define MEMCD_BASE_STRINGS_H_

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace memcd {

// The tokens of `s` separated by runs of `sep` (empty tokens are skipped, as
// memcached's tokenizer does with repeated spaces). Views into `s`.
inline std::vector<std::string_view> SplitNonEmpty(std::string_view s, char sep = ' ') {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const size_t start = s.find_first_not_of(sep);
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    const size_t end = s.find(sep);
    out.push_back(s.substr(0, end));
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  }
  return out;
}

// The next space-separated token of *rest (skipping leading spaces), which
// then holds what follows it; empty when none is left.
inline std::string_view NextToken(std::string_view* rest) {
  const size_t begin = rest->find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    *rest = {};
    return {};
  }
  size_t end = rest->find(' ', begin);
  if (end == std::string_view::npos) end = rest->size();
  const std::string_view token = rest->substr(begin, end - begin);
  rest->remove_prefix(end);
  return token;
}

// The first space or '\n' in [p, end), or `end`. Command lines are short
// tokens, where a loop costs two compares and a branch per byte; this looks
// at eight bytes at a time while eight remain. In each 64-bit word, a byte
// equal to c becomes zero after XOR with c in every byte, and
// (v - 0x01..01) & ~v & 0x80..80 sets the top bit of the lowest zero byte
// exactly (a borrow only starts at a zero byte, so it cannot invent an
// earlier one); on a little-endian machine the lowest byte comes first.
inline const char* FindSpaceOrNewline(const char* p, const char* end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    const uint64_t spaces = word ^ (kOnes * ' ');
    const uint64_t newlines = word ^ (kOnes * '\n');
    const uint64_t hits =
        (((spaces - kOnes) & ~spaces) | ((newlines - kOnes) & ~newlines)) & kHigh;
    if (hits != 0) return p + (__builtin_ctzll(hits) >> 3);
    p += sizeof(word);
  }
#endif
  while (p != end && *p != ' ' && *p != '\n') ++p;
  return p;
}

}  // namespace memcd

#endif  // MEMCD_BASE_STRINGS_H_
