// Read requests waiting in a pipelined batch, found ahead of their turn so
// that the server can prefetch their lookups together (Store::PrefetchKeys)
// instead of paying each one's cache misses in turn. A hint only: nothing
// is validated here, the parsers do that when each request's turn comes.
#ifndef MEMCD_PROTO_LOOKAHEAD_H_
#define MEMCD_PROTO_LOOKAHEAD_H_

#include <cstddef>
#include <cstring>
#include <string_view>

namespace memcd {

// The first key of each complete "get", "gets" and "mg" line at the start
// of `input`, at most `max` of them, into keys[]; returns how many. Stops
// at an incomplete line, at any other line (a set's data block must not be
// read as commands) and at a line with no key. Returns 0 at once when the
// first line is all there is, the common case of one request per read.
size_t PipelinedReadKeys(std::string_view input, std::string_view* keys,
                         size_t max);

// The cheap part of PipelinedReadKeys's test, for callers to run before
// setting anything up: the first line may be a read ("g" or "m"), it is
// complete, and something follows it. When false, PipelinedReadKeys finds
// nothing.
inline bool MayHoldPipelinedReads(std::string_view input) {
  if (input.empty() || (input.front() != 'g' && input.front() != 'm')) return false;
  const void* nl = std::memchr(input.data(), '\n', input.size());
  return nl != nullptr && static_cast<const char*>(nl) + 1 != input.data() + input.size();
}

}  // namespace memcd

#endif  // MEMCD_PROTO_LOOKAHEAD_H_
