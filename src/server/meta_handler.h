// The meta protocol's request handler (mg, ms, md, ma, mn, me): where a
// parsed meta request meets the store, with memcached 1.6.18's reply bytes.
// Like TextHandler it formats into a ResponseBuffer and tells the session
// what to read next; it never touches a socket. An ms keeps its command
// line in PendingStore::meta_line until its data block has arrived.
#ifndef MEMCD_SERVER_META_HANDLER_H_
#define MEMCD_SERVER_META_HANDLER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/meta_parser.h"
#include "server/reply_line.h"
#include "server/response_buffer.h"
#include "server/server_context.h"
#include "server/text_handler.h"
#include "stats/thread_stats.h"
#include "store/store.h"

namespace memcd {

class MetaHandler {
 public:
  // Both pointers are borrowed; `stats` belongs to the calling worker.
  MetaHandler(ServerContext* ctx, ThreadStats* stats)
      : ctx_(ctx), stats_(stats) {}

  // Runs the meta request at the start of `buf` (IsMetaCommand() holds).
  // *consumed is 0 when the line is incomplete (nothing done); otherwise the
  // bytes of command line used. Returns kCommand, or for ms kReadValue /
  // kSwallow with *pending set up as TextHandler does.
  // `known`: the hash of an mg's key, when the look-ahead found it (see
  // Store::KnownHash); used only when it names the very key parsed.
  TextHandler::Next Handle(std::string_view buf, size_t* consumed,
                           ResponseBuffer* out, PendingStore* pending,
                           const Store::KnownHash& known = Store::KnownHash());
  // An ms's data block has arrived; `terminated`: followed by "\r\n".
  void CompleteStore(PendingStore* pending, bool terminated,
                     ResponseBuffer* out);
  // The socket of the connection whose requests follow ("watch" lines).
  void set_current_fd(int fd) { current_fd_ = fd; }

 private:
  void Get(const MetaRequest& req, const Store::KnownHash& known, ResponseBuffer* out);
  TextHandler::Next StartSet(const MetaRequest& req, std::string_view line,
                             ResponseBuffer* out, PendingStore* pending);
  void Delete(const MetaRequest& req, ResponseBuffer* out);
  void Arith(const MetaRequest& req, ResponseBuffer* out);
  void Debug(const MetaRequest& req, ResponseBuffer* out);

  // Appends " k<key>", base64 and " b" when `binary`.
  static void AppendKey(std::string_view key, bool binary, ReplyLine* line);
  // Appends the O and k flags in request order (replies without an item).
  static void AppendOpaqueAndKey(const MetaRequest& req, ReplyLine* line);
  // " t<seconds left>", or " t-1" for an item that never expires.
  void AppendTtl(RelTime exptime, ReplyLine* line) const;

  ServerContext* ctx_;
  ThreadStats* stats_;
  int current_fd_ = -1;
  // Scratch for reply lines: a long line (flags, a key) costs no
  // allocation, and short ones no out-of-line string calls.
  ReplyLine line_;
  // The request being handled (and an ms line again once its value is
  // in), reused: its flag array is large to build.
  MetaRequest req_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_META_HANDLER_H_
