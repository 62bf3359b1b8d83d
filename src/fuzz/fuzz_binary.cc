// The fuzz target for the binary protocol parser (FuzzBinary()). The input
// is a client's byte stream, walked as the binary handler walks it: a
// storage command's value and the bytes an unknown command must discard are
// skipped; a request that closes the connection ends the walk. Each step
// checks the parser's contract: the header decodes and re-encodes to the
// same bytes, lengths add up, the key lies where the header says, and every
// cut of a request needs more.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "proto/binary_parser.h"
#include "proto/text_parser.h"

namespace memcd {
namespace {

bool IsStorage(BinaryCommand c) {
  return c == BinaryCommand::kSet || c == BinaryCommand::kAdd ||
         c == BinaryCommand::kReplace || c == BinaryCommand::kAppend ||
         c == BinaryCommand::kPrepend;
}

bool SameResult(const BinaryParseResult& a, const BinaryParseResult& b) {
  return a.status == b.status && a.consumed == b.consumed && a.swallow == b.swallow;
}

// One request at the front of `rest`; returns the bytes to skip (0: stop).
size_t Step(std::string_view rest) {
  BinaryRequest req;
  const BinaryParseResult r = ParseBinaryRequest(rest, &req);
  if (r.status == BinaryParseStatus::kNeedMore) {
    FUZZ_CHECK(r.consumed == 0);
    if (rest.size() >= kBinaryHeaderSize) {
      FUZZ_CHECK(req.header.magic == kBinaryRequestMagic);
      FUZZ_CHECK(rest.size() <
                 kBinaryHeaderSize + req.header.extras_length + req.header.key_length);
    }
    return 0;
  }
  FUZZ_CHECK(rest.size() >= kBinaryHeaderSize);
  char encoded[kBinaryHeaderSize];
  EncodeBinaryHeader(req.header, encoded);
  FUZZ_CHECK(std::memcmp(encoded, rest.data(), kBinaryHeaderSize) == 0);
  const BinaryHeader& h = req.header;
  if (r.status == BinaryParseStatus::kBadMagic) {
    FUZZ_CHECK(h.magic != kBinaryRequestMagic);
    return 0;
  }
  const size_t head = kBinaryHeaderSize + h.extras_length + h.key_length;
  FUZZ_CHECK(r.consumed == head && head <= rest.size());
  if (r.status == BinaryParseStatus::kBadLengths) {
    FUZZ_CHECK(uint32_t{h.key_length} + h.extras_length > h.body_length);
    return 0;
  }
  FUZZ_CHECK(uint32_t{h.key_length} + h.extras_length <= h.body_length);
  if (r.status == BinaryParseStatus::kInvalid) return 0;

  // The request alone parses alike; every cut of it needs more.
  BinaryRequest alone;
  FUZZ_CHECK(SameResult(ParseBinaryRequest(rest.substr(0, head), &alone), r));
  for (size_t cut : {head - 1, head / 2}) {
    BinaryRequest partial;
    FUZZ_CHECK(ParseBinaryRequest(rest.substr(0, cut), &partial).status ==
               BinaryParseStatus::kNeedMore);
  }

  uint64_t skip = head;
  if (r.status == BinaryParseStatus::kUnknownCommand) {
    FUZZ_CHECK(r.swallow <= h.body_length);
    skip += r.swallow;
  } else {
    FUZZ_CHECK(r.status == BinaryParseStatus::kOk);
    FUZZ_CHECK(req.key.size() == h.key_length && h.key_length <= kKeyMaxLength);
    FUZZ_CHECK(req.key.data() == rest.data() + kBinaryHeaderSize + h.extras_length);
    if (IsStorage(req.command)) {
      FUZZ_CHECK(!req.key.empty());
      FUZZ_CHECK(uint64_t{req.value_length} + h.key_length + h.extras_length ==
                 h.body_length);
      skip += req.value_length;
    } else {
      FUZZ_CHECK(req.value_length == 0);
    }
    if (req.command == BinaryCommand::kQuit) return 0;
  }
  return skip > rest.size() ? 0 : static_cast<size_t>(skip);
}

}  // namespace

void FuzzBinary(std::string_view buf) {
  std::string_view rest = buf;
  while (!rest.empty()) {
    const size_t skip = Step(rest);
    if (skip == 0) break;
    rest.remove_prefix(skip);
  }
}

}  // namespace memcd
