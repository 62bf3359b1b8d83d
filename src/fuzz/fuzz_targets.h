// The fuzz targets as plain functions: each takes one input and checks
// its properties, aborting (FUZZ_CHECK) on a violation. fuzz_entry.cc makes
// each a libFuzzer target; fuzz_test.cc replays the corpora through them in
// every build, sanitizers or not.
#ifndef MEMCD_FUZZ_FUZZ_TARGETS_H_
#define MEMCD_FUZZ_FUZZ_TARGETS_H_

#include <string_view>

namespace memcd {

// A client's byte stream through the text parser (fuzz_text.cc).
void FuzzText(std::string_view input);
// The same through the meta parser, plus the base64 codec (fuzz_meta.cc).
void FuzzMeta(std::string_view input);
// A binary-protocol stream through its parser (fuzz_binary.cc).
void FuzzBinary(std::string_view input);
// A mode byte and a client's bytes through a whole session on a fresh
// store (fuzz_session.cc). Not thread-safe: one process-wide harness.
void FuzzSession(std::string_view input);

}  // namespace memcd

#endif  // MEMCD_FUZZ_FUZZ_TARGETS_H_
