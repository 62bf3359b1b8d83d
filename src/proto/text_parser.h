// The memcached text protocol parser: a pure function from the bytes a client
// has sent so far to one request. It never copies: every string_view in a
// TextRequest points into the caller's buffer and lives as long as it does.
// Storage commands return only their command line; the caller then reads the
// `value_length` + 2 bytes of data block that follow it. After a storage
// command is refused, the data block is NOT skipped: memcached parses it as
// the next command line (usually answering "ERROR"), and so do we.
//
// Tokens are separated by spaces only; every other byte, NUL included,
// belongs to a token. Numbers are parsed by base/numbers.h. Keys are at most
// kKeyMaxLength bytes and hold no NUL (other control characters are
// accepted, as memcached accepts them).
#ifndef MEMCD_PROTO_TEXT_PARSER_H_
#define MEMCD_PROTO_TEXT_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace memcd {

// Longest key memcached accepts.
constexpr size_t kKeyMaxLength = 250;
// A buffered line longer than this without "\n" is refused (get/gets excepted).
constexpr size_t kMaxCommandLine = 2048;

enum class TextCommand {
  kGet, kGets, kGat, kGats,
  kSet, kAdd, kReplace, kAppend, kPrepend, kCas,
  kDelete, kIncr, kDecr, kTouch,
  kFlushAll, kVersion, kVerbosity, kQuit, kStats,
  kDebugTime,  // "debugtime <seconds>": moves the clock (tests; off by default)
  kLru,        // "lru <subcommand> ...": `args` holds the rest of the line
  kLruCrawler,  // "lru_crawler <subcommand> ...": `args` as for kLru; no noreply
  kSlabs,  // "slabs <subcommand> ...": `args` as for kLru; noreply: automove only
  kCacheMemlimit,  // "cache_memlimit <MB> [noreply]": `args` is <MB>, unchecked
  kShutdown,  // "shutdown [graceful]": `args` holds the rest of the line; no noreply
  kWatch,  // "watch [type ...]": `args` holds the rest of the line; noreply as the last
  kRefreshCerts,  // "refresh_certs": other tokens ignored; noreply as the last
};

struct TextRequest {
  TextCommand command = TextCommand::kGet;
  std::string_view key;       // single-key commands
  std::string_view keys;      // get/gets/gat/gats: the key list, space separated, validated;
                              // empty only for a gat/gats without keys (memcached: "END")
  std::string_view args;      // stats: everything after "stats" (trimmed); may be empty
  uint32_t client_flags = 0;  // storage commands
  int64_t exptime = 0;        // storage, touch, gat/gats; flush_all delay; debugtime seconds
                              // (an int32 everywhere but debugtime; a delay <= 0 means now)
  uint32_t value_length = 0;  // storage commands: bytes of data before "\r\n" (<= INT_MAX - 2)
  uint64_t cas_unique = 0;    // cas
  uint64_t delta = 0;         // incr/decr
  uint32_t verbosity = 0;     // verbosity
  bool has_delay = false;     // flush_all given a delay argument
  bool noreply = false;       // last token was "noreply" (never for get*, stats, version,
                              // quit, debugtime: memcached ignores it there)
};

enum class ParseStatus {
  kOk,        // *req filled; `consumed` bytes of command line (incl. "\r\n")
  kNeedMore,  // no complete line yet; nothing consumed
  kError,     // `error` is the reply line; `consumed` bytes are to be dropped
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;
  std::string_view error;  // reply without "\r\n", e.g. "ERROR"; static storage
  bool close = false;      // kError: close the connection after the reply
  bool noreply = false;    // the command line ended in "noreply" and memcached stays
                           // silent: set for the CLIENT_ERRORs of such a line, never
                           // for "ERROR" (wrong token count, unknown command)
};

// Parses the first request in `buf`. Accepts "\n" as well as "\r\n" line
// ends, as memcached does. *req is reset whenever a whole line is parsed.
// Without a "\n", more than kMaxCommandLine bytes that are not the start of
// "get "/"gets " (after at most 100 spaces) give kError "CLIENT_ERROR line
// too long" with `close` and every byte consumed; memcached closes silently.
ParseResult ParseTextRequest(std::string_view buf, TextRequest* req);

// The first line of `buf` without its line end (at most 200 bytes when
// there is no "\n" yet), for logging a request.
std::string_view RequestLineForLog(std::string_view buf);

// Walks the validated key list of a get-family request.
class KeyIterator {
 public:
  explicit KeyIterator(std::string_view keys) : rest_(keys) {}
  // Stores the next key in *key; false when there are no more.
  bool Next(std::string_view* key);

 private:
  std::string_view rest_;
};

}  // namespace memcd

#endif  // MEMCD_PROTO_TEXT_PARSER_H_
