// The fuzz target for the meta protocol parser (FuzzMeta(): mg ms md ma mn
// me). The input is a client's byte stream, walked as the session walks
// it: a line starting with a meta command goes to the meta parser, anything
// else to the text parser; an ms value, or the bytes a refused ms must
// discard, are skipped. Each step checks the parser's contract, and the
// base64 codec (b flag) is checked to round-trip the input's bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "proto/meta_parser.h"
#include "proto/text_parser.h"

namespace memcd {
namespace {

void CheckFlags(const MetaRequest& req, std::string_view line) {
  FUZZ_CHECK(req.num_flags <= MetaRequest::kMaxTokens);
  for (size_t i = 0; i < req.num_flags; ++i) {
    const std::string_view flag = req.flags[i];
    FUZZ_CHECK(!flag.empty() && ViewInside(flag, line));
    FUZZ_CHECK(flag.find(' ') == std::string_view::npos);
    FUZZ_CHECK(req.has(flag[0]));
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(req.flags[j][0] != flag[0]);
    if (flag[0] == 'O') FUZZ_CHECK(flag.size() <= MetaRequest::kMaxOpaqueLength);
  }
}

void CheckOk(const MetaRequest& req, std::string_view line) {
  const char name = line[1];
  const MetaCommand expected = name == 'g' ? MetaCommand::kGet
                               : name == 's' ? MetaCommand::kSet
                               : name == 'd' ? MetaCommand::kDelete
                               : name == 'a' ? MetaCommand::kArith
                               : name == 'e' ? MetaCommand::kDebug
                                             : MetaCommand::kNoop;
  FUZZ_CHECK(req.command == expected);
  if (req.command == MetaCommand::kNoop) return;
  FUZZ_CHECK(!req.raw_key.empty() && req.raw_key.size() <= kKeyMaxLength);
  FUZZ_CHECK(ViewInside(req.raw_key, line));
  if (req.key_binary) {
    FUZZ_CHECK(!req.decoded_key.empty());
    FUZZ_CHECK(req.decoded_key.size() <= req.raw_key.size() * 3 / 4);
  }
  FUZZ_CHECK(!req.key().empty());
  if (req.command == MetaCommand::kDebug) return;
  CheckFlags(req, line);
  if (req.command == MetaCommand::kSet) {
    FUZZ_CHECK(req.value_length <= static_cast<uint32_t>(INT32_MAX - 2));
    if (req.mode != 0) {
      FUZZ_CHECK(std::string_view("EAPRS").find(req.mode) != std::string_view::npos);
    }
  } else {
    FUZZ_CHECK(req.value_length == 0);
  }
  if (req.command == MetaCommand::kArith && req.mode != 0) {
    FUZZ_CHECK(std::string_view("I+D-").find(req.mode) != std::string_view::npos);
  }
}

bool SameResult(const MetaParseResult& a, const MetaParseResult& b) {
  return a.status == b.status && a.consumed == b.consumed && a.error == b.error &&
         a.swallow == b.swallow;
}

// One meta request at the front of `rest`; returns the bytes to skip
// (0: stop).
size_t MetaStep(std::string_view rest) {
  MetaRequest req;
  const MetaParseResult r = ParseMetaRequest(rest, &req);
  FUZZ_CHECK(r.status != MetaParseStatus::kNeedMore);  // the caller saw a "\n"
  FUZZ_CHECK(r.consumed > 0 && r.consumed <= rest.size());
  FUZZ_CHECK(rest[r.consumed - 1] == '\n');
  FUZZ_CHECK(rest.substr(0, r.consumed - 1).find('\n') == std::string_view::npos);
  const std::string_view line = rest.substr(0, r.consumed);
  uint64_t skip = r.consumed;
  if (r.status == MetaParseStatus::kOk) {
    CheckOk(req, line);
    if (req.command == MetaCommand::kSet) skip += uint64_t{req.value_length} + 2;
  } else {
    FUZZ_CHECK(!r.error.empty());
    FUZZ_CHECK(r.swallow == 0 || line[1] == 's');
    FUZZ_CHECK(r.swallow <= uint64_t{INT32_MAX});
    skip += r.swallow;
  }
  // The line alone parses alike; a cut before its "\n" needs more.
  MetaRequest alone;
  FUZZ_CHECK(SameResult(ParseMetaRequest(line, &alone), r));
  MetaRequest partial;
  FUZZ_CHECK(ParseMetaRequest(line.substr(0, r.consumed - 1), &partial).status ==
             MetaParseStatus::kNeedMore);
  return skip > rest.size() ? 0 : static_cast<size_t>(skip);
}

// A non-meta request, as the session hands it to the text parser.
size_t TextStep(std::string_view rest) {
  TextRequest req;
  const ParseResult r = ParseTextRequest(rest, &req);
  if (r.status == ParseStatus::kNeedMore || r.close) return 0;
  FUZZ_CHECK(r.consumed > 0 && r.consumed <= rest.size());
  return r.consumed;
}

void CheckBase64(std::string_view bytes) {
  std::string encoded;
  EncodeBase64(bytes, &encoded);
  FUZZ_CHECK(encoded.size() == (bytes.size() + 2) / 3 * 4);
  std::string decoded = "x";  // decoding appends
  if (bytes.empty()) {
    FUZZ_CHECK(!DecodeBase64(encoded, &decoded));
    return;
  }
  FUZZ_CHECK(DecodeBase64(encoded, &decoded));
  FUZZ_CHECK(decoded.size() == bytes.size() + 1 && decoded.substr(1) == bytes);
  // Whatever the lenient decoder makes of the raw bytes re-encodes to
  // something that decodes to the same.
  std::string lenient;
  if (DecodeBase64(bytes, &lenient)) {
    std::string again_encoded, again;
    EncodeBase64(lenient, &again_encoded);
    FUZZ_CHECK(DecodeBase64(again_encoded, &again) && again == lenient);
  }
}

}  // namespace

void FuzzMeta(std::string_view buf) {
  CheckBase64(buf.substr(0, 512));
  std::string_view rest = buf;
  while (!rest.empty()) {
    size_t skip;
    if (IsMetaCommand(rest) && rest.find('\n') != std::string_view::npos) {
      skip = MetaStep(rest);
    } else {
      skip = TextStep(rest);
    }
    if (skip == 0) break;
    rest.remove_prefix(skip);
  }
}

}  // namespace memcd
