// Small string helpers for protocol arguments.
#ifndef MEMCD_BASE_STRINGS_H_
#define MEMCD_BASE_STRINGS_H_

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

}  // namespace memcd

#endif  // MEMCD_BASE_STRINGS_H_
