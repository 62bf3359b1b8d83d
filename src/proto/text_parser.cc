#include "proto/text_parser.h"

#include <algorithm>
#include <climits>

#include "base/numbers.h"

namespace memcd {

namespace {

constexpr std::string_view kErrorReply = "ERROR";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadExptime =
    "CLIENT_ERROR invalid exptime argument";
constexpr std::string_view kBadDelta =
    "CLIENT_ERROR invalid numeric delta argument";
constexpr std::string_view kBadDelete =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
constexpr std::string_view kLineTooLong = "CLIENT_ERROR line too long";
constexpr std::string_view kNoreply = "noreply";

// memcached gives up on an unterminated multiget after this many spaces.
constexpr size_t kMaxLeadingSpaces = 100;
// memcached refuses data blocks this close to INT_MAX (it adds "\r\n").
constexpr int32_t kMaxValueLength = INT_MAX - 2;

// Splits off the next space-separated token of *rest; empty at the end.
std::string_view NextToken(std::string_view* rest) {
  const char* p = rest->data();
  const char* const end = p + rest->size();
  while (p != end && *p == ' ') ++p;
  const char* q = p;
  while (q != end && *q != ' ') ++q;
  *rest = std::string_view(q, static_cast<size_t>(end - q));
  return std::string_view(p, static_cast<size_t>(q - p));
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The tokens of one command line. Every fixed-grammar command has at most
// seven, so only the first kKept are stored; `count` is the full number and
// decides "wrong number of tokens". get/gat/stats read the raw rest instead.
struct Tokens {
  static constexpr size_t kKept = 8;
  std::string_view token[kKept];
  size_t count = 0;
  std::string_view last;

  bool LastIsNoreply() const { return last == kNoreply; }
};

void Tokenize(std::string_view line, Tokens* t) {
  for (std::string_view tok = NextToken(&line); !tok.empty();
       tok = NextToken(&line)) {
    if (t->count < Tokens::kKept) t->token[t->count] = tok;
    ++t->count;
    t->last = tok;
  }
}

// The line after `token` (a view into `line`), without surrounding spaces.
std::string_view RestAfter(std::string_view line, std::string_view token) {
  const size_t end =
      static_cast<size_t>(token.data() - line.data()) + token.size();
  return TrimSpaces(line.substr(end));
}

// memcached's length limit. Like memcached, any other byte but the space
// that ends the key is accepted (clients such as memcaslap send control
// characters); a NUL is refused, where memcached cuts the line there.
bool IsValidKey(std::string_view key) {
  return !key.empty() && key.size() <= kKeyMaxLength &&
         key.find('\0') == std::string_view::npos;
}

ParseResult Ok(bool noreply) {
  ParseResult r;
  r.status = ParseStatus::kOk;
  r.noreply = noreply;
  return r;
}

ParseResult Error(std::string_view message, bool noreply = false) {
  ParseResult r;
  r.status = ParseStatus::kError;
  r.error = message;
  r.noreply = noreply;
  return r;
}

// The key list of a retrieval, every key valid (it may be empty: gat with
// no keys). A bad key anywhere fails the whole request before any lookup, as
// memcached discards what it had gathered for the earlier keys.
ParseResult ParseKeys(std::string_view keys, TextRequest* req) {
  req->keys = keys;
  // Tokens hold no spaces, so a NUL anywhere is inside some key, and no key
  // of a list this short can be too long: one memchr checks the common case.
  if (keys.find('\0') != std::string_view::npos) return Error(kBadFormat);
  if (keys.size() <= kKeyMaxLength) return Ok(false);
  KeyIterator it(keys);
  std::string_view key;
  while (it.Next(&key)) {
    if (key.size() > kKeyMaxLength) return Error(kBadFormat);
  }
  return Ok(false);
}

// get/gets <key>*, gat/gats <exptime> <key>*. memcached ignores "noreply"
// here (it is just another key) and answers "END" to a gat with no keys.
ParseResult ParseRetrieval(std::string_view line, const Tokens& t,
                           bool has_exptime, TextRequest* req) {
  if (t.count < 2) return Error(kErrorReply);
  std::string_view before_keys = t.token[0];
  if (has_exptime) {
    int32_t exptime;
    if (!ParseInt32(t.token[1], &exptime)) return Error(kBadExptime);
    req->exptime = exptime;
    before_keys = t.token[1];
  }
  return ParseKeys(RestAfter(line, before_keys), req);
}

// <cmd> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]. An extra
// last token that is not "noreply" is ignored, as memcached does.
ParseResult ParseStorage(const Tokens& t, bool is_cas, TextRequest* req) {
  const size_t want = is_cas ? 6 : 5;
  if (t.count != want && t.count != want + 1) return Error(kErrorReply);
  // memcached looks at the last token even when it is a required one, so
  // "set k 0 0 noreply" fails silently.
  req->noreply = t.LastIsNoreply();
  int32_t exptime;
  int32_t length;
  if (!IsValidKey(t.token[1]) || !ParseUint32(t.token[2], &req->client_flags) ||
      !ParseInt32(t.token[3], &exptime) || !ParseInt32(t.token[4], &length) ||
      (is_cas && !ParseUint64(t.token[5], &req->cas_unique)) || length < 0 ||
      length > kMaxValueLength) {
    return Error(kBadFormat, req->noreply);
  }
  req->key = t.token[1];
  req->exptime = exptime;
  req->value_length = static_cast<uint32_t>(length);
  return Ok(req->noreply);
}

// delete <key> [0] [noreply]: the "0" is a legacy hold time.
ParseResult ParseDelete(const Tokens& t, TextRequest* req) {
  if (t.count < 2 || t.count > 4) return Error(kErrorReply);
  if (t.count > 2) {
    const bool hold_is_zero = t.token[2] == "0";
    req->noreply = t.LastIsNoreply();
    const bool valid = (t.count == 3 && (hold_is_zero || req->noreply)) ||
                       (t.count == 4 && hold_is_zero && req->noreply);
    if (!valid) return Error(kBadDelete, req->noreply);
  }
  if (!IsValidKey(t.token[1])) return Error(kBadFormat, req->noreply);
  req->key = t.token[1];
  return Ok(req->noreply);
}

// incr/decr <key> <delta> [noreply]
ParseResult ParseArithmetic(const Tokens& t, TextRequest* req) {
  if (t.count != 3 && t.count != 4) return Error(kErrorReply);
  req->noreply = t.LastIsNoreply();
  if (!IsValidKey(t.token[1])) return Error(kBadFormat, req->noreply);
  if (!ParseUint64(t.token[2], &req->delta)) {
    return Error(kBadDelta, req->noreply);
  }
  req->key = t.token[1];
  return Ok(req->noreply);
}

// touch <key> <exptime> [noreply]
ParseResult ParseTouch(const Tokens& t, TextRequest* req) {
  if (t.count != 3 && t.count != 4) return Error(kErrorReply);
  req->noreply = t.LastIsNoreply();
  if (!IsValidKey(t.token[1])) return Error(kBadFormat, req->noreply);
  int32_t exptime;
  if (!ParseInt32(t.token[2], &exptime)) {
    return Error(kBadExptime, req->noreply);
  }
  req->key = t.token[1];
  req->exptime = exptime;
  return Ok(req->noreply);
}

// flush_all [delay] [noreply]. As in memcached, the delay is the first
// argument whenever the line is not exactly "flush_all [noreply]", so
// "flush_all 10 junk" flushes in 10 s and "flush_all noreply 10" is refused.
ParseResult ParseFlushAll(const Tokens& t, TextRequest* req) {
  if (t.count > 3) return Error(kErrorReply);
  req->noreply = t.count > 1 && t.LastIsNoreply();
  if (t.count != (req->noreply ? 2u : 1u)) {
    int32_t delay;
    if (!ParseInt32(t.token[1], &delay)) {
      return Error(kBadExptime, req->noreply);
    }
    req->exptime = delay;
    req->has_delay = true;
  }
  return Ok(req->noreply);
}

// verbosity <level> [noreply]; an extra last token is ignored.
ParseResult ParseVerbosity(const Tokens& t, TextRequest* req) {
  if (t.count != 2 && t.count != 3) return Error(kErrorReply);
  req->noreply = t.LastIsNoreply();
  if (!ParseUint32(t.token[1], &req->verbosity)) {
    return Error(kBadFormat, req->noreply);
  }
  return Ok(req->noreply);
}

// debugtime <seconds>: memcached's debug builds answer ERROR to a bad number.
ParseResult ParseDebugTime(const Tokens& t, TextRequest* req) {
  if (t.count < 2 || !ParseInt64(t.token[1], &req->exptime)) {
    return Error(kErrorReply);
  }
  return Ok(false);
}

struct CommandName {
  std::string_view name;
  TextCommand command;
};

// Most frequent first: the lookup is a linear scan.
constexpr CommandName kCommandNames[] = {
    {"get", TextCommand::kGet},
    {"set", TextCommand::kSet},
    {"gets", TextCommand::kGets},
    {"delete", TextCommand::kDelete},
    {"incr", TextCommand::kIncr},
    {"decr", TextCommand::kDecr},
    {"touch", TextCommand::kTouch},
    {"gat", TextCommand::kGat},
    {"gats", TextCommand::kGats},
    {"add", TextCommand::kAdd},
    {"replace", TextCommand::kReplace},
    {"append", TextCommand::kAppend},
    {"prepend", TextCommand::kPrepend},
    {"cas", TextCommand::kCas},
    {"stats", TextCommand::kStats},
    {"version", TextCommand::kVersion},
    {"quit", TextCommand::kQuit},
    {"flush_all", TextCommand::kFlushAll},
    {"verbosity", TextCommand::kVerbosity},
    {"debugtime", TextCommand::kDebugTime},
    {"lru", TextCommand::kLru},
    {"lru_crawler", TextCommand::kLruCrawler},
    {"slabs", TextCommand::kSlabs},
    {"cache_memlimit", TextCommand::kCacheMemlimit},
    {"shutdown", TextCommand::kShutdown},
    {"watch", TextCommand::kWatch},
    {"refresh_certs", TextCommand::kRefreshCerts},
};

// One complete line, without its "\r\n".
ParseResult ParseLine(std::string_view line, TextRequest* req) {
  // get and gets, most of the traffic, need only their first token: the
  // rest of the line is the key list, not worth tokenizing twice.
  std::string_view rest = line;
  const std::string_view first = NextToken(&rest);
  if (first == "get" || first == "gets") {
    req->command = first.size() == 3 ? TextCommand::kGet : TextCommand::kGets;
    const std::string_view keys = TrimSpaces(rest);
    return keys.empty() ? Error(kErrorReply) : ParseKeys(keys, req);
  }
  Tokens t;
  Tokenize(line, &t);
  if (t.count == 0) return Error(kErrorReply);
  const CommandName* found = nullptr;
  for (const CommandName& c : kCommandNames) {
    if (c.name == t.token[0]) {
      found = &c;
      break;
    }
  }
  if (found == nullptr) return Error(kErrorReply);
  req->command = found->command;

  switch (found->command) {
    case TextCommand::kGet:
    case TextCommand::kGets:
      return ParseRetrieval(line, t, false, req);
    case TextCommand::kGat:
    case TextCommand::kGats:
      return ParseRetrieval(line, t, true, req);
    case TextCommand::kSet:
    case TextCommand::kAdd:
    case TextCommand::kReplace:
    case TextCommand::kAppend:
    case TextCommand::kPrepend:
      return ParseStorage(t, false, req);
    case TextCommand::kCas:
      return ParseStorage(t, true, req);
    case TextCommand::kDelete:
      return ParseDelete(t, req);
    case TextCommand::kIncr:
    case TextCommand::kDecr:
      return ParseArithmetic(t, req);
    case TextCommand::kTouch:
      return ParseTouch(t, req);
    case TextCommand::kFlushAll:
      return ParseFlushAll(t, req);
    case TextCommand::kVerbosity:
      return ParseVerbosity(t, req);
    case TextCommand::kDebugTime:
      return ParseDebugTime(t, req);
    case TextCommand::kStats:
      req->args = RestAfter(line, t.token[0]);
      return Ok(false);
    case TextCommand::kCacheMemlimit:
      // memcached: one argument, then anything; noreply only as the last.
      if (t.count != 2 && t.count != 3) return Error(kErrorReply);
      req->args = t.token[1];
      req->noreply = t.LastIsNoreply();
      return Ok(req->noreply);
    case TextCommand::kSlabs:
      // As memcached, only "slabs automove" looks for noreply.
      if (t.count < 2) return Error(kErrorReply);
      req->args = RestAfter(line, t.token[0]);
      req->noreply = t.token[1] == "automove" && t.LastIsNoreply();
      return Ok(req->noreply);
    case TextCommand::kLru:
      // memcached wants a subcommand; the handler checks the rest.
      if (t.count < 2) return Error(kErrorReply);
      req->args = RestAfter(line, t.token[0]);
      req->noreply = t.LastIsNoreply();
      return Ok(req->noreply);
    case TextCommand::kLruCrawler:
      // memcached counts its tokens exactly, so "noreply" is just a token.
      if (t.count < 2) return Error(kErrorReply);
      req->args = RestAfter(line, t.token[0]);
      return Ok(false);
    case TextCommand::kShutdown:
      // The handler judges the arguments (memcached: "invalid shutdown mode").
      req->args = RestAfter(line, t.token[0]);
      return Ok(false);
    case TextCommand::kWatch:
      // The handler judges the words; memcached's noreply only hushes the
      // reply, the word itself still counts as an (unknown) event type.
      req->args = RestAfter(line, t.token[0]);
      req->noreply = t.LastIsNoreply();
      return Ok(req->noreply);
    case TextCommand::kRefreshCerts:
      // memcached ignores other tokens, but hears a final noreply.
      req->noreply = t.LastIsNoreply();
      return Ok(req->noreply);
    case TextCommand::kVersion:
    case TextCommand::kQuit:
      // memcached ignores any arguments to these.
      return Ok(false);
  }
  return Error(kErrorReply);
}

// Whether an unterminated line may keep growing: only a multiget may, and
// only with at most kMaxLeadingSpaces spaces before it (memcached's rule).
bool MayGrowWithoutNewline(std::string_view buf) {
  size_t spaces = 0;
  while (spaces < buf.size() && buf[spaces] == ' ') ++spaces;
  if (spaces > kMaxLeadingSpaces) return false;
  const std::string_view rest = buf.substr(spaces);
  return rest.substr(0, 4) == "get " || rest.substr(0, 5) == "gets ";
}

}  // namespace

ParseResult ParseTextRequest(std::string_view buf, TextRequest* req) {
  const size_t newline = buf.find('\n');
  if (newline == std::string_view::npos) {
    if (buf.size() > kMaxCommandLine && !MayGrowWithoutNewline(buf)) {
      ParseResult r = Error(kLineTooLong);
      r.consumed = buf.size();
      r.close = true;
      return r;
    }
    return ParseResult();
  }
  std::string_view line = buf.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  *req = TextRequest();
  ParseResult r = ParseLine(line, req);
  r.consumed = newline + 1;
  return r;
}

bool KeyIterator::Next(std::string_view* key) {
  const std::string_view token = NextToken(&rest_);
  if (token.empty()) return false;
  *key = token;
  return true;
}

std::string_view RequestLineForLog(std::string_view buf) {
  const size_t nl = buf.find('\n');
  buf = buf.substr(0, nl == std::string_view::npos ? std::min<size_t>(buf.size(), 200) : nl);
  if (!buf.empty() && buf.back() == '\r') buf.remove_suffix(1);
  return buf;
}

}  // namespace memcd
