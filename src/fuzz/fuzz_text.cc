// The fuzz target for the text protocol parser (FuzzText()). The input is
// a client's byte stream: it is walked request by request as the session
// does (a storage command's data block skipped), and each step checks the
// parser's contract: progress, views into the buffer, valid keys, a
// complete line parsing alike whatever follows it, and every cut of it
// needing more.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "proto/lookahead.h"
#include "proto/text_parser.h"

namespace memcd {
namespace {

bool IsStorage(TextCommand c) {
  switch (c) {
    case TextCommand::kSet: case TextCommand::kAdd: case TextCommand::kReplace:
    case TextCommand::kAppend: case TextCommand::kPrepend: case TextCommand::kCas:
      return true;
    default:
      return false;
  }
}

bool IsValidKey(std::string_view key) {
  return !key.empty() && key.size() <= kKeyMaxLength &&
         key.find('\0') == std::string_view::npos &&
         key.find(' ') == std::string_view::npos;
}

// What every successfully parsed request must satisfy. `line` is its
// command line, line end included.
void CheckRequest(const TextRequest& req, std::string_view line) {
  FUZZ_CHECK(ViewInside(req.key, line));
  FUZZ_CHECK(ViewInside(req.keys, line));
  FUZZ_CHECK(ViewInside(req.args, line));
  switch (req.command) {
    case TextCommand::kGet: case TextCommand::kGets:
    case TextCommand::kGat: case TextCommand::kGats: {
      KeyIterator it(req.keys);
      std::string_view key;
      size_t n = 0;
      while (it.Next(&key)) {
        FUZZ_CHECK(IsValidKey(key));
        FUZZ_CHECK(ViewInside(key, req.keys));
        ++n;
      }
      const bool with_exptime =
          req.command == TextCommand::kGat || req.command == TextCommand::kGats;
      FUZZ_CHECK(with_exptime || n > 0);
      FUZZ_CHECK(!req.noreply);
      break;
    }
    case TextCommand::kSet: case TextCommand::kAdd: case TextCommand::kReplace:
    case TextCommand::kAppend: case TextCommand::kPrepend: case TextCommand::kCas:
      FUZZ_CHECK(IsValidKey(req.key));
      FUZZ_CHECK(req.value_length <= static_cast<uint32_t>(INT_MAX - 2));
      FUZZ_CHECK(req.exptime >= INT32_MIN && req.exptime <= INT32_MAX);
      break;
    case TextCommand::kDelete: case TextCommand::kIncr: case TextCommand::kDecr:
    case TextCommand::kTouch:
      FUZZ_CHECK(IsValidKey(req.key));
      break;
    case TextCommand::kVersion: case TextCommand::kQuit: case TextCommand::kStats:
    case TextCommand::kDebugTime: case TextCommand::kLruCrawler:
    case TextCommand::kShutdown:
      FUZZ_CHECK(!req.noreply);
      break;
    default:
      break;
  }
  if (req.noreply) {
    std::string_view body = line.substr(0, line.size() - 1);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
    FUZZ_CHECK(body.size() >= 7 && body.substr(body.size() - 7) == "noreply");
  }
}

bool SameResult(const ParseResult& a, const ParseResult& b) {
  return a.status == b.status && a.consumed == b.consumed && a.error == b.error &&
         a.close == b.close && a.noreply == b.noreply;
}

// One request at the front of `rest`; returns the bytes to skip (0: stop).
size_t Step(std::string_view rest) {
  TextRequest req;
  const ParseResult r = ParseTextRequest(rest, &req);
  FUZZ_CHECK(r.consumed <= rest.size());
  if (r.status == ParseStatus::kNeedMore) {
    FUZZ_CHECK(r.consumed == 0);
    FUZZ_CHECK(rest.find('\n') == std::string_view::npos);
    return 0;
  }
  FUZZ_CHECK(r.consumed > 0);
  if (r.status == ParseStatus::kError) {
    FUZZ_CHECK(!r.error.empty());
    if (r.close) {  // line too long: everything goes
      FUZZ_CHECK(rest.find('\n') == std::string_view::npos);
      FUZZ_CHECK(r.consumed == rest.size() && rest.size() > kMaxCommandLine);
      return 0;
    }
    FUZZ_CHECK(!r.noreply || r.error != "ERROR");
  }
  FUZZ_CHECK(rest[r.consumed - 1] == '\n');
  FUZZ_CHECK(rest.substr(0, r.consumed - 1).find('\n') == std::string_view::npos);
  const std::string_view line = rest.substr(0, r.consumed);
  if (r.status == ParseStatus::kOk) CheckRequest(req, line);

  // The line alone parses as it did with more bytes behind it.
  TextRequest alone;
  FUZZ_CHECK(SameResult(ParseTextRequest(line, &alone), r));
  // Every cut before its "\n" needs more (or, past the length limit, is
  // refused as too long).
  for (size_t cut : {r.consumed - 1, r.consumed / 2}) {
    TextRequest partial;
    const ParseResult p = ParseTextRequest(line.substr(0, cut), &partial);
    FUZZ_CHECK(p.status == ParseStatus::kNeedMore ||
               (p.status == ParseStatus::kError && p.close && cut > kMaxCommandLine));
  }

  size_t skip = r.consumed;
  if (r.status == ParseStatus::kOk && IsStorage(req.command)) {
    const uint64_t block = uint64_t{req.value_length} + 2;
    if (block > rest.size() - skip) return 0;
    skip += static_cast<size_t>(block);
  }
  return skip;
}

}  // namespace

void FuzzText(std::string_view buf) {
  const std::string_view logged = RequestLineForLog(buf);
  FUZZ_CHECK(ViewInside(logged, buf) && logged.data() == buf.data());
  FUZZ_CHECK(logged.find('\n') == std::string_view::npos);
  std::string_view rest = buf;
  while (!rest.empty()) {
    const size_t skip = Step(rest);
    if (skip == 0) break;
    rest.remove_prefix(skip);
  }
  // The session's look-ahead over the same bytes: at most `max` keys, each
  // a non-empty view inside the input holding no space or "\n" (a "\r"
  // may be inside a key, as the parsers keep it, but never ends a line's
  // last key).
  std::string_view keys[4];
  const size_t n = PipelinedReadKeys(buf, keys, 4);
  FUZZ_CHECK(n <= 4);
  FUZZ_CHECK(n == 0 || MayHoldPipelinedReads(buf));  // the quick test hides no batch
  for (size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(!keys[i].empty() && ViewInside(keys[i], buf));
    FUZZ_CHECK(keys[i].find_first_of(" \n") == std::string_view::npos);
    const char* after = keys[i].data() + keys[i].size();
    FUZZ_CHECK(!(keys[i].back() == '\r' && after != buf.data() + buf.size() && *after == '\n'));
  }
}

}  // namespace memcd
