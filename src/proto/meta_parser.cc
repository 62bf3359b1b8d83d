#include "proto/meta_parser.h"

#include <algorithm>
#include <cstdint>

#include "base/numbers.h"
#include "base/strings.h"
#include "proto/text_parser.h"

namespace memcd {
namespace {

constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadToken =
    "CLIENT_ERROR bad token in command line format";

// memcached's limit counts its final empty token: 20 means 19 real ones.
constexpr size_t kTokenLimit = MetaRequest::kMaxTokens;

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Marks `flag` seen; false when it already was or is not ASCII (memcached
// answers both with "duplicate flag").
bool MarkSeen(MetaRequest* req, char flag) {
  const unsigned c = static_cast<unsigned char>(flag);
  if (c >= 127 || req->has(flag)) return false;
  req->seen[c / 64] |= uint64_t{1} << (c % 64);
  return true;
}

// memcached's _meta_flag_preparse: a duplicate or unknown flag stops at
// once; a bad value is remembered (the last one's message wins) and the
// scan goes on. Returns the error line, or an empty view.
std::string_view ParseFlags(MetaRequest* req) {
  std::string_view error;
  bool failed = false;
  for (size_t i = 0; i < req->num_flags; ++i) {
    const std::string_view token = req->flags[i];
    const std::string_view value = token.substr(1);
    if (!MarkSeen(req, token[0])) return "CLIENT_ERROR duplicate flag";
    switch (token[0]) {
      case 'b':
        req->decoded_key.clear();
        if (!DecodeBase64(req->raw_key, &req->decoded_key)) {
          error = "CLIENT_ERROR error decoding key";
          failed = true;
        }
        req->key_binary = true;
        break;
      case 'N':
      case 'T':
      case 'R': {
        int32_t* out = token[0] == 'N'   ? &req->vivify_ttl
                       : token[0] == 'T' ? &req->ttl
                                         : &req->recache_ttl;
        if (!ParseInt32(value, out)) {
          error = kBadToken;
          failed = true;
        }
        break;
      }
      case 'O': case 'P': case 'L':
      case 'k': case 's': case 't': case 'c': case 'f':
      case 'v': case 'h': case 'l': case 'u': case 'q': case 'I':
      case 'x':  // md: drop the value, keep the item (newer memcached)
        break;
      case 'F':
        // memcached sets no message here: an earlier one, or the default.
        if (!ParseUint32(value, &req->client_flags)) failed = true;
        break;
      case 'C':
        if (!ParseUint64(value, &req->cas)) {
          error = kBadToken;
          failed = true;
        }
        break;
      case 'E':  // newer memcached: accepted by every command
        if (!ParseUint64(value, &req->new_cas)) {
          error = kBadToken;
          failed = true;
        }
        break;
      case 'M':
        if (value.size() != 1) {
          error = "CLIENT_ERROR incorrect length for M token";
          failed = true;
        } else {
          req->mode = value[0];
        }
        break;
      case 'J':
        if (!ParseUint64(value, &req->initial)) {
          error = "CLIENT_ERROR invalid numeric initial value";
          failed = true;
        }
        break;
      case 'D':
        if (!ParseUint64(value, &req->delta)) {
          error = "CLIENT_ERROR invalid numeric delta value";
          failed = true;
        }
        break;
      default:
        return "CLIENT_ERROR invalid flag";
    }
  }
  if (!failed) return {};
  return error.empty() ? kBadFormat : error;
}

bool OpaqueTooLong(const MetaRequest& req) {
  for (size_t i = 0; i < req.num_flags; ++i) {
    if (req.flags[i][0] == 'O' &&
        req.flags[i].size() > MetaRequest::kMaxOpaqueLength) {
      return true;
    }
  }
  return false;
}

MetaParseResult Error(size_t consumed, std::string_view error,
                      uint64_t swallow = 0) {
  MetaParseResult r;
  r.status = MetaParseStatus::kError;
  r.consumed = consumed;
  r.error = error;
  r.swallow = swallow;
  return r;
}

}  // namespace

bool IsMetaCommand(std::string_view buf) {
  if (buf.size() < 3 || buf[0] != 'm') return false;
  const char c = buf[1];
  if (c != 'g' && c != 's' && c != 'd' && c != 'a' && c != 'n' && c != 'e') {
    return false;
  }
  return buf[2] == ' ' || buf[2] == '\r' || buf[2] == '\n';
}

MetaParseResult ParseMetaRequest(std::string_view buf, MetaRequest* req) {
  req->Reset();
  // Space-separated tokens up to the first "\n", found in the same pass;
  // runs of spaces count as one separator, and a "\r" just before the
  // "\n" is not part of the line. The command, the key and (ms) the length
  // go to head; the rest straight to req->flags. Tokens past one more than
  // the limit are counted, not kept: that one tells "too many".
  // REQUIRES (IsMetaCommand): the line starts with "m" and a command letter.
  const size_t nhead = buf[1] == 's' ? 3 : 2;
  std::string_view head[3];
  size_t ntokens = 0;
  const char* p = buf.data();
  const char* const end = p + buf.size();
  while (true) {
    while (p != end && *p == ' ') ++p;
    if (p == end) return MetaParseResult();  // no line end yet
    if (*p == '\n') break;
    const char* const q = FindSpaceOrNewline(p, end);
    if (q == end) return MetaParseResult();
    const char* token_end = q;
    if (*q == '\n' && q[-1] == '\r') --token_end;
    if (token_end != p) {  // else a lone "\r" ending the line
      const std::string_view token(p, static_cast<size_t>(token_end - p));
      if (ntokens < nhead) {
        head[ntokens] = token;
      } else if (ntokens <= kTokenLimit) {
        req->flags[ntokens - nhead] = token;
      }
      ++ntokens;
    }
    p = q;
    if (*p == '\n') break;
  }
  const size_t consumed = static_cast<size_t>(p - buf.data()) + 1;
  const bool too_many = ntokens > kTokenLimit;
  const std::string_view* tokens = head;  // tokens[0..nhead)

  switch (tokens[0][1]) {
    case 'g': req->command = MetaCommand::kGet; break;
    case 's': req->command = MetaCommand::kSet; break;
    case 'd': req->command = MetaCommand::kDelete; break;
    case 'a': req->command = MetaCommand::kArith; break;
    case 'e': req->command = MetaCommand::kDebug; break;
    default: req->command = MetaCommand::kNoop; break;
  }
  MetaParseResult ok;
  ok.status = MetaParseStatus::kOk;
  ok.consumed = consumed;
  if (req->command == MetaCommand::kNoop) return ok;

  if (req->command == MetaCommand::kDebug) {
    if (ntokens < 2 || tokens[1].size() > kKeyMaxLength) {
      return Error(consumed, kBadFormat);
    }
    req->raw_key = tokens[1];
    // "me <key> b": the only flag me knows.
    if (ntokens > 2 && req->flags[0] == "b") {
      req->key_binary = true;
      if (!DecodeBase64(req->raw_key, &req->decoded_key)) {
        return Error(consumed, kBadFormat);  // memcached's me says no more
      }
    }
    return ok;
  }

  if (ntokens < 2) return Error(consumed, "ERROR");
  req->raw_key = tokens[1];
  if (tokens[1].size() > kKeyMaxLength) return Error(consumed, kBadFormat);

  size_t first_flag = 2;
  uint64_t swallow = 0;
  if (req->command == MetaCommand::kSet) {
    int32_t length;
    if (ntokens < 3) return Error(consumed, kBadFormat);
    if (too_many) return Error(consumed, "CLIENT_ERROR options flags too long");
    if (!ParseInt32(tokens[2], &length) || length < 0 ||
        length > INT32_MAX - 2) {
      return Error(consumed, kBadFormat);
    }
    req->value_length = static_cast<uint32_t>(length);
    swallow = uint64_t{req->value_length} + 2;
    first_flag = 3;
  } else if (too_many) {
    return Error(consumed, req->command == MetaCommand::kGet
                               ? "CLIENT_ERROR options flags are too long"
                               : "CLIENT_ERROR options flags too long");
  }
  // The flags are in place already (nhead == first_flag).
  req->num_flags = ntokens > first_flag ? ntokens - first_flag : 0;

  std::string_view error = ParseFlags(req);
  if (!error.empty()) {
    // md and ma answer every flag error alike.
    if (req->command == MetaCommand::kDelete ||
        req->command == MetaCommand::kArith) {
      error = "CLIENT_ERROR invalid or duplicate flag";
    }
    return Error(consumed, error, swallow);
  }
  if (OpaqueTooLong(*req)) {
    return Error(consumed, "CLIENT_ERROR opaque token too long", swallow);
  }
  if (req->command == MetaCommand::kSet && req->mode != 0) {
    switch (req->mode) {
      case 'E': case 'A': case 'P': case 'R': case 'S':
        break;
      default:
        return Error(consumed, "CLIENT_ERROR invalid mode for ms M token",
                     swallow);
    }
  }
  if (req->command == MetaCommand::kArith && req->mode != 0) {
    switch (req->mode) {
      case 'I': case '+': case 'D': case '-':
        break;
      default:
        return Error(consumed, "CLIENT_ERROR invalid mode for ma M token");
    }
  }
  return ok;
}

// memcached's decoder, whose leniency clients may rely on: bytes outside
// the alphabet are skipped, '=' counts as a zero digit wherever it is, and
// decoding stops after the first group holding one or two '='.
bool DecodeBase64(std::string_view in, std::string* out) {
  size_t digits = 0;
  for (char c : in) {
    if (c == '=' || Base64Value(c) >= 0) ++digits;
  }
  if (digits == 0 || digits % 4 != 0) return false;
  const size_t start = out->size();
  uint32_t bits = 0;
  int count = 0;
  int pad = 0;
  for (char c : in) {
    const int v = c == '=' ? 0 : Base64Value(c);
    if (v < 0) continue;
    if (c == '=') ++pad;
    bits = bits << 6 | static_cast<uint32_t>(v);
    if (++count < 4) continue;
    if (pad > 2) return false;
    out->push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out->push_back(static_cast<char>(bits >> 8 & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(bits & 0xff));
    if (pad > 0) break;
    bits = 0;
    count = 0;
  }
  return out->size() > start;
}

void EncodeBase64(std::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t bits = 0;
    for (size_t j = 0; j < 3; ++j) {
      bits = bits << 8 |
             (j < n ? static_cast<unsigned char>(in[i + j]) : 0u);
    }
    out->push_back(kAlphabet[bits >> 18 & 63]);
    out->push_back(kAlphabet[bits >> 12 & 63]);
    out->push_back(n > 1 ? kAlphabet[bits >> 6 & 63] : '=');
    out->push_back(n > 2 ? kAlphabet[bits & 63] : '=');
  }
}

}  // namespace memcd
