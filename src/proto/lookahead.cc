#include "proto/lookahead.h"

#include <cstring>

namespace memcd {
namespace {

// The key of a read line (without its line end), or an empty view.
std::string_view ReadKey(std::string_view line) {
  size_t skip;
  if (line.compare(0, 4, "get ") == 0 || line.compare(0, 3, "mg ") == 0) {
    skip = line[0] == 'g' ? 4 : 3;
  } else if (line.compare(0, 5, "gets ") == 0) {
    skip = 5;
  } else {
    return {};
  }
  line.remove_prefix(skip);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  size_t end = 0;
  while (end < line.size() && line[end] != ' ' && line[end] != '\r') ++end;
  return line.substr(0, end);
}

}  // namespace

size_t PipelinedReadKeys(std::string_view input, std::string_view* keys,
                         size_t max) {
  if (!MayHoldPipelinedReads(input)) return 0;
  const char* nl =
      static_cast<const char*>(std::memchr(input.data(), '\n', input.size()));
  size_t n = 0;
  while (n < max && nl != nullptr) {
    const size_t len = nl - input.data();
    const std::string_view key = ReadKey(input.substr(0, len));
    if (key.empty()) break;
    keys[n++] = key;
    input.remove_prefix(len + 1);
    nl = static_cast<const char*>(std::memchr(input.data(), '\n', input.size()));
  }
  return n;
}

}  // namespace memcd
