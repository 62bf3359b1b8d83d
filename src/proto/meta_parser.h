// The meta protocol parser (mg, ms, md, ma, mn, me): a pure function from
// the bytes a client has sent so far to one request, with memcached 1.6.18's
// checks in its order and its error lines. Views in a MetaRequest point into
// the caller's buffer, except the base64-decoded key, which it owns.
// Beyond 1.6.18 it takes newer memcached's E<cas> (every command) and x.
//
// An ms line is only the command line: the caller then reads (or, on an
// error after the length was understood, discards) value_length + 2 bytes.
#ifndef MEMCD_PROTO_META_PARSER_H_
#define MEMCD_PROTO_META_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memcd {

enum class MetaCommand { kGet, kSet, kDelete, kArith, kNoop, kDebug };

struct MetaRequest {
  // memcached tokenizes at most 24 tokens and refuses more than 19 before
  // the line end ("options flags too long").
  static constexpr size_t kMaxTokens = 19;
  static constexpr size_t kMaxOpaqueLength = 32;  // 'O' included

  MetaCommand command = MetaCommand::kNoop;
  std::string_view raw_key;  // the key token as sent
  std::string decoded_key;   // with `b`: the decoded key
  bool key_binary = false;   // b
  uint32_t value_length = 0;  // ms: data bytes before "\r\n"

  // Every flag token after the key (and ms's length) in request order; the
  // first byte is the flag. Replies echo O, k, c... in this order.
  std::string_view flags[kMaxTokens];
  size_t num_flags = 0;

  // The parsed values. has(c) tells whether flag c was given.
  uint64_t seen[2] = {0, 0};  // bit c - 64*(c/64) of seen[c/64], c < 128
  int32_t ttl = 0;            // T
  int32_t vivify_ttl = 0;     // N
  int32_t recache_ttl = 0;    // R
  uint32_t client_flags = 0;  // F
  uint64_t cas = 0;           // C
  uint64_t new_cas = 0;       // E: the CAS a changed item gets
  uint64_t initial = 0;       // J
  uint64_t delta = 1;         // D; ma's default step is 1
  char mode = 0;              // M<mode>; 0 when not given

  // Back to a fresh request's values, keeping decoded_key's storage and
  // leaving flags[] past num_flags as they were (never read): cheaper than
  // assigning MetaRequest(), which rewrites the whole array.
  void Reset() {
    command = MetaCommand::kNoop;
    raw_key = {};
    decoded_key.clear();
    key_binary = false;
    value_length = 0;
    num_flags = 0;
    seen[0] = seen[1] = 0;
    ttl = vivify_ttl = recache_ttl = 0;
    client_flags = 0;
    cas = new_cas = initial = 0;
    delta = 1;
    mode = 0;
  }

  bool has(char flag) const {
    const unsigned c = static_cast<unsigned char>(flag);
    return c < 128 && (seen[c / 64] >> (c % 64) & 1) != 0;
  }
  std::string_view key() const {
    return key_binary ? std::string_view(decoded_key) : raw_key;
  }
};

enum class MetaParseStatus {
  kOk,        // *req filled; `consumed` bytes of command line
  kNeedMore,  // no complete line yet
  kError,     // reply `error`; drop `consumed`, then discard `swallow` bytes
};

struct MetaParseResult {
  MetaParseStatus status = MetaParseStatus::kNeedMore;
  size_t consumed = 0;
  std::string_view error;  // the reply line without "\r\n"; static storage
  uint64_t swallow = 0;    // ms refused after its length was read: length + 2
};

// True when `buf` starts with a meta command name (mg, ms, md, ma, mn, me)
// followed by a space or a line end; needs at least 3 bytes.
bool IsMetaCommand(std::string_view buf);

// Parses the first request in `buf`, which IsMetaCommand() accepted. "\n"
// and "\r\n" line ends are both accepted.
MetaParseResult ParseMetaRequest(std::string_view buf, MetaRequest* req);

// Base64 as memcached decodes it (see the .cc for its leniency): appends
// the decoded bytes to *out; false, with *out unspecified, when the digits
// are not a non-zero multiple of 4, the padding is bad or nothing results.
bool DecodeBase64(std::string_view in, std::string* out);
// Appends the padded base64 encoding of `in`.
void EncodeBase64(std::string_view in, std::string* out);

}  // namespace memcd

#endif  // MEMCD_PROTO_META_PARSER_H_
