#include "proto/lookahead.h"

#include <cstring>

#include "base/strings.h"

namespace memcd {
namespace {

// Where the key of a read line starting at p may begin (after "get ",
// "gets " or "mg "), or nullptr for any other line.
const char* AfterReadCommand(const char* p, const char* end) {
  const size_t left = static_cast<size_t>(end - p);
  if (left >= 3 && p[0] == 'm' && p[1] == 'g' && p[2] == ' ') return p + 3;
  if (left >= 4 && p[0] == 'g' && p[1] == 'e' && p[2] == 't') {
    if (p[3] == ' ') return p + 4;
    if (left >= 5 && p[3] == 's' && p[4] == ' ') return p + 5;
  }
  return nullptr;
}

}  // namespace

size_t PipelinedReadKeys(std::string_view input, std::string_view* keys,
                         size_t max) {
  if (!MayHoldPipelinedReads(input)) return 0;
  const char* p = input.data();
  const char* const end = p + input.size();
  size_t n = 0;
  while (n < max) {
    const char* key = AfterReadCommand(p, end);
    if (key == nullptr) break;
    while (key != end && *key == ' ') ++key;
    const char* key_end = FindSpaceOrNewline(key, end);
    // The line must be complete: the rest of it may not have arrived.
    const char* nl = key_end;
    if (nl != end && *nl != '\n') {
      nl = static_cast<const char*>(std::memchr(nl, '\n', static_cast<size_t>(end - nl)));
    }
    if (nl == nullptr || nl == end) break;
    if (key_end != key && *key_end == '\n' && key_end[-1] == '\r') --key_end;
    if (key_end == key) break;  // no key
    keys[n++] = std::string_view(key, static_cast<size_t>(key_end - key));
    p = nl + 1;
  }
  return n;
}

}  // namespace memcd
