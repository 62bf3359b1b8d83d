// memcached's ASCII authentication (-Y <file>): the file holds "user:pass"
// lines, and a connection authenticates with a "set" whose data block is
// "<user> <pass>". Loaded once at start-up; read-only afterwards, so any
// thread may Check() without a lock.
#ifndef MEMCD_SERVER_AUTH_FILE_H_
#define MEMCD_SERVER_AUTH_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "stats/thread_stats.h"

namespace memcd {

class AuthFile {
 public:
  // As memcached: at most this many entries are read, the rest ignored.
  static constexpr size_t kMaxEntries = 8;

  // Parses file contents. Each line is "user:pass" (the user ends at the
  // first ':', the password at the line end, "\r" excluded); a line without
  // ':', an empty one included, makes the whole file malformed (false).
  bool Parse(std::string_view text);
  // Reads and parses `path`; false with *error (memcached's wording).
  bool Load(const std::string& path, std::string* error);

  // Whether user/pass match an entry (compared in constant time per entry).
  bool Check(std::string_view user, std::string_view pass) const;

  enum class TokenResult {
    kOk,          // STORED: authenticated
    kBadFormat,   // CLIENT_ERROR bad authentication token format
    kFailure,     // CLIENT_ERROR authentication failure
  };
  // Checks a data block (without its "\r\n"): its first two space-separated
  // tokens are user and password; more tokens are ignored, as memcached does.
  TokenResult CheckToken(std::string_view data) const;

  size_t size() const { return entries_.size(); }

  // One step of an unauthenticated text connection on its buffered input
  // `buf`. False when more input is needed (nothing consumed); else
  // *consumed bytes are done with, *reply (with "\r\n") is to be sent,
  // then *swallow more bytes discarded. As memcached, every command but
  // "set <key> <flags> <exptime> <bytes>" answers "CLIENT_ERROR
  // unauthenticated" ("quit" included), and the set's data block is the
  // token. A block larger than kMaxTokenBlock is not buffered: it fails
  // authentication and is swallowed (no entry can be that long).
  // A token checked counts in `stats` (when given) as memcached counts it:
  // auth_cmds, and auth_errors too when it fails; a malformed one does not.
  static constexpr uint64_t kMaxTokenBlock = 4096;
  bool Step(std::string_view buf, size_t* consumed, std::string_view* reply,
            uint64_t* swallow, bool* authenticated,
            ThreadStats* stats = nullptr) const;

 private:
  struct Entry {
    std::string user;
    std::string pass;
  };
  std::vector<Entry> entries_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_AUTH_FILE_H_
