#include "server/text_handler.h"

#include <glog/logging.h>

#include <cstring>
#include <string>

#include "base/numbers.h"
#include "base/verbosity.h"
#include "net/tls.h"
#include "server/admin_commands.h"
#include "server/crawler_commands.h"
#include "server/lru_commands.h"
#include "server/meta_handler.h"
#include "server/slabs_commands.h"
#include "server/memlimit_command.h"
#include "server/stats_report.h"

namespace memcd {
namespace {

// Appends `v` in decimal at p; returns the new end.
char* PutNumber(char* p, uint64_t v) { return p + FormatUint64(v, p); }

char* PutText(char* p, std::string_view s) {
  memcpy(p, s.data(), s.size());
  return p + s.size();
}

StoreMode ModeOf(TextCommand c) {
  switch (c) {
    case TextCommand::kAdd: return StoreMode::kAdd;
    case TextCommand::kReplace: return StoreMode::kReplace;
    case TextCommand::kAppend: return StoreMode::kAppend;
    case TextCommand::kPrepend: return StoreMode::kPrepend;
    case TextCommand::kCas: return StoreMode::kCas;
    default: return StoreMode::kSet;
  }
}

}  // namespace

TextHandler::TextHandler(ServerContext* ctx, ThreadStats* stats)
    : ctx_(ctx), stats_(stats), meta_(std::make_unique<MetaHandler>(ctx, stats)) {}

TextHandler::~TextHandler() = default;

void TextHandler::set_current_fd(int fd) {
  current_fd_ = fd;
  meta_->set_current_fd(fd);
}

TextHandler::Next TextHandler::HandleMeta(std::string_view buf, size_t* consumed,
                                          ResponseBuffer* out, PendingStore* pending,
                                          const Store::KnownHash& known) {
  return meta_->Handle(buf, consumed, out, pending, known);
}

void TextHandler::Reply(const TextRequest& req, ResponseBuffer* out,
                        std::string_view line) {
  if (!req.noreply) out->AppendLine(line);
}

TextHandler::Next TextHandler::Handle(const TextRequest& req, ResponseBuffer* out,
                                      PendingStore* pending,
                                      std::unique_ptr<LruMetadump>* dump,
                                      const Store::KnownHash& known) {
  Store* store = ctx_->store;
  switch (req.command) {
    case TextCommand::kGet:
    case TextCommand::kGets:
    case TextCommand::kGat:
    case TextCommand::kGats:
      Get(req, known, out);
      return Next::kCommand;

    case TextCommand::kSet:
    case TextCommand::kAdd:
    case TextCommand::kReplace:
    case TextCommand::kAppend:
    case TextCommand::kPrepend:
    case TextCommand::kCas:
      return StartStore(req, out, pending);

    case TextCommand::kDelete:
    {
      if (admin_ != nullptr) admin_->prefixes->RecordDelete(req.key);
      const WatchDelete watch(*ctx_, req.key);
      stats_->hot_keys.NoteWrite(req.key, *ctx_->clock);
      if (store->Delete(req.key)) {
        watch.Deleted(WatchDeleteCmd::kDelete);
        stats_->delete_hits.Add();
        Reply(req, out, "DELETED");
      } else {
        stats_->delete_misses.Add();
        Reply(req, out, "NOT_FOUND");
      }
      return Next::kCommand;
    }

    case TextCommand::kIncr:
    case TextCommand::kDecr:
      Arith(req, out);
      return Next::kCommand;

    case TextCommand::kTouch:
      stats_->touch_cmds.Add();
      if (store->Touch(req.key, ctx_->clock->ToRelTime(req.exptime))) {
        stats_->touch_hits.Add();
        Reply(req, out, "TOUCHED");
      } else {
        stats_->touch_misses.Add();
        Reply(req, out, "NOT_FOUND");
      }
      return Next::kCommand;

    case TextCommand::kFlushAll: {
      stats_->flush_cmds.Add();
      if (admin_ != nullptr && !admin_->flush_enabled) {
        Reply(req, out, "CLIENT_ERROR flush_all not allowed");
        return Next::kCommand;
      }
      RelTime when = req.has_delay && req.exptime > 0
                         ? ctx_->clock->ToRelTime(req.exptime)
                         : ctx_->clock->Now();
      store->FlushAll(when);
      Reply(req, out, "OK");
      return Next::kCommand;
    }

    case TextCommand::kVersion: {
      std::string line = "VERSION ";
      line += ServerVersion();
      out->AppendLine(line);
      return Next::kCommand;
    }

    case TextCommand::kVerbosity:
      // Not FLAGS_v: workers read it unsynchronized (base/verbosity.h).
      SetVerbosityLevel(static_cast<int>(req.verbosity));
      Reply(req, out, "OK");
      return Next::kCommand;

    case TextCommand::kQuit:
      return Next::kClose;

    case TextCommand::kRefreshCerts: {
      // -Z: reload the certificate and key for new connections. As
      // memcached, noreply hushes "OK" but never the error.
      std::string error = "Error TLS not enabled";
      if (ctx_->tls != nullptr && ctx_->tls->Reload(&error)) {
        Reply(req, out, "OK");
      } else {
        out->AppendLine(error);
      }
      return Next::kCommand;
    }

    case TextCommand::kStats:
      Stats(req, out);
      return Next::kCommand;

    case TextCommand::kSlabs:
      Reply(req, out,
            RunSlabsCommand(req.args, ctx_->options->store.slab_reassign,
                            store));
      return Next::kCommand;

    case TextCommand::kCacheMemlimit:
      Reply(req, out, RunCacheMemlimitCommand(req.args, store));
      return Next::kCommand;

    case TextCommand::kLru: {
      const std::string reply = RunLruCommand(
          req.args, ctx_->options->store.lru_maintainer_thread, store);
      Reply(req, out, reply);
      return Next::kCommand;
    }

    case TextCommand::kLruCrawler: {
      dump->reset();
      const std::string reply = RunLruCrawlerCommand(
          req.args, ctx_->options->dump_enabled, store, dump);
      if (*dump != nullptr) return Next::kStreamDump;
      out->AppendLine(reply);
      return Next::kCommand;
    }

    case TextCommand::kWatch:
      // memcached 1.6.18's replies; "OK" comes from the watch log.
      if (!ctx_->options->watch_enabled || ctx_->watch_log == nullptr) {
        Reply(req, out, "CLIENT_ERROR watch commands not allowed");
        return Next::kCommand;
      }
      if (!ParseWatchArgs(req.args, &watch_flags_)) {
        Reply(req, out, "ERROR");
        return Next::kCommand;
      }
      return Next::kWatch;

    case TextCommand::kShutdown:
      switch (ParseShutdown(req.args, admin_ != nullptr && admin_->shutdown_enabled)) {
        case ShutdownMode::kDisabled:
          out->AppendLine("ERROR: shutdown not enabled");
          return Next::kCommand;
        case ShutdownMode::kInvalid:
          out->AppendLine("CLIENT_ERROR invalid shutdown mode");
          return Next::kCommand;
        case ShutdownMode::kNow:
          admin_->request_shutdown(false);
          return Next::kClose;
        case ShutdownMode::kGraceful:
          admin_->request_shutdown(true);
          return Next::kClose;
      }
      return Next::kClose;

    case TextCommand::kDebugTime:
      if (!ctx_->options->debug_time) {
        out->AppendLine("ERROR");
      } else {
        ctx_->clock->AddOffset(req.exptime);
        out->AppendLine("OK");
      }
      return Next::kCommand;
  }
  out->AppendLine("ERROR");
  return Next::kCommand;
}

void TextHandler::RejectRequest(const TextRequest& req, const ParseResult& result,
                                ResponseBuffer* out) {
  // memcached counts a flush_all before looking at its arguments, but not
  // one with a wrong token count (never dispatched: "ERROR").
  if (req.command == TextCommand::kFlushAll && result.error != "ERROR") {
    stats_->flush_cmds.Add();
    // A disabled flush_all is refused before its arguments are read.
    if (admin_ != nullptr && !admin_->flush_enabled) {
      if (!result.noreply) out->AppendLine("CLIENT_ERROR flush_all not allowed");
      return;
    }
  }
  if (!result.noreply) out->AppendLine(result.error);
}

void TextHandler::Get(const TextRequest& req, const Store::KnownHash& known,
                      ResponseBuffer* out) {
  const bool touch = req.command == TextCommand::kGat || req.command == TextCommand::kGats;
  const bool with_cas = req.command == TextCommand::kGets || req.command == TextCommand::kGats;
  const RelTime exptime = touch ? ctx_->clock->ToRelTime(req.exptime) : 0;
  Store* store = ctx_->store;
  KeyIterator keys(req.keys);
  // A window of keys at a time, prefetched together (see PrefetchKeys).
  std::string_view window[Store::kPrefetchWindow];
  uint32_t hashes[Store::kPrefetchWindow];
  size_t count;
  do {
    count = 0;
    while (count < Store::kPrefetchWindow && keys.Next(&window[count])) ++count;
    if (count == 1 && known.Matches(window[0])) {
      hashes[0] = known.hash;  // one key: PrefetchKeys would only hash it
    } else {
      store->PrefetchKeys(window, count, hashes);
    }
    for (size_t i = 0; i < count; ++i) {
      const std::string_view key = window[i];
      ItemRef item = touch ? store->GetAndTouch(key, hashes[i], exptime)
                           : store->Get(key, hashes[i]);
      if (admin_ != nullptr) admin_->prefixes->RecordGet(key, static_cast<bool>(item));
      WatchFetch(*ctx_, key, item, current_fd_);
      stats_->hot_keys.NoteRead(key, *ctx_->clock);
      // As memcached: gat/gats count as touches, not as gets.
      (touch ? stats_->touch_cmds : stats_->get_cmds).Add();
      if (!item) {
        if (touch) {
          stats_->touch_misses.Add();
        } else {
          stats_->get_misses.Add();
        }
        continue;
      }
      if (touch) {
        stats_->touch_hits.Add();
      } else {
        stats_->get_hits.Add();
        stats_->lru_hits[item.lru_slot()].Add();
      }
      // "VALUE <key> <flags> <bytes>[ <cas>]\r\n"
      char* start = out->ReserveHeader(6 + key.size() + 3 * 21 + 4, item);
      char* p = PutText(start, "VALUE ");
      p = PutText(p, key);  // the item's key, byte for byte
      *p++ = ' ';
      p = PutNumber(p, item.client_flags());
      *p++ = ' ';
      p = PutNumber(p, item.value_length());
      if (with_cas) {
        *p++ = ' ';
        p = PutNumber(p, item.cas());
      }
      *p++ = '\r';
      *p++ = '\n';
      out->CommitWithValue(p - start, std::move(item));
    }
  } while (count == Store::kPrefetchWindow);
  out->Append("END\r\n");
}

TextHandler::Next TextHandler::StartStore(const TextRequest& req, ResponseBuffer* out,
                                          PendingStore* pending) {
  pending->mode = ModeOf(req.command);
  pending->cas_in = req.cas_unique;
  pending->noreply = req.noreply;
  pending->value_length = req.value_length;
  pending->item.Reset();
  if (admin_ != nullptr) admin_->prefixes->RecordSet(req.key);
  AllocResult r = ctx_->store->Allocate(req.key, req.client_flags,
                                        ctx_->clock->ToRelTime(req.exptime),
                                        req.value_length, &pending->item);
  if (r == AllocResult::kOk) return Next::kReadValue;

  if (r == AllocResult::kTooLarge) {
    stats_->store_too_large.Add();
    Reply(req, out, "SERVER_ERROR object too large for cache");
  } else {
    stats_->store_no_memory.Add();
    Reply(req, out, "SERVER_ERROR out of memory storing object");
  }
  // As memcached: a failed set must not leave the old value readable.
  if (pending->mode == StoreMode::kSet) ctx_->store->Delete(req.key);
  return Next::kSwallow;
}

void TextHandler::CompleteStore(PendingStore* pending, bool terminated,
                                ResponseBuffer* out) {
  if (!pending->meta_line.empty()) {
    meta_->CompleteStore(pending, terminated, out);
    return;
  }
  ItemRef item = std::move(pending->item);
  auto reply = [&](std::string_view line) {
    if (!pending->noreply) out->AppendLine(line);
  };
  if (!terminated) {
    reply("CLIENT_ERROR bad data chunk");
    return;
  }
  stats_->set_cmds.Add();
  StoreResult r = ctx_->store->StoreItem(item, pending->mode, pending->cas_in);
  WatchStore(*ctx_, item, pending->mode, r, current_fd_);
  if (item) stats_->hot_keys.NoteWrite(item.key(), *ctx_->clock);
  if (pending->mode == StoreMode::kCas) {
    if (r == StoreResult::kStored) stats_->cas_hits.Add();
    if (r == StoreResult::kExists) stats_->cas_badval.Add();
    if (r == StoreResult::kNotFound) stats_->cas_misses.Add();
  }
  switch (r) {
    case StoreResult::kStored: reply("STORED"); break;
    case StoreResult::kNotStored: reply("NOT_STORED"); break;
    case StoreResult::kExists: reply("EXISTS"); break;
    case StoreResult::kNotFound: reply("NOT_FOUND"); break;
    case StoreResult::kNoMemory: reply("SERVER_ERROR out of memory storing object"); break;
  }
}

void TextHandler::Arith(const TextRequest& req, ResponseBuffer* out) {
  const bool incr = req.command == TextCommand::kIncr;
  uint64_t value = 0;
  ArithResult r = ctx_->store->Arith(req.key, incr, req.delta, &value);
  stats_->hot_keys.NoteWrite(req.key, *ctx_->clock);
  switch (r) {
    case ArithResult::kOk: {
      (incr ? stats_->incr_hits : stats_->decr_hits).Add();
      if (!req.noreply) {
        char* start = out->Reserve(24);
        char* p = PutNumber(start, value);
        *p++ = '\r';
        *p++ = '\n';
        out->Commit(p - start);
      }
      break;
    }
    case ArithResult::kNotFound:
      (incr ? stats_->incr_misses : stats_->decr_misses).Add();
      Reply(req, out, "NOT_FOUND");
      break;
    case ArithResult::kNonNumeric:
      Reply(req, out, "CLIENT_ERROR cannot increment or decrement non-numeric value");
      break;
    case ArithResult::kNoMemory:
      Reply(req, out, "SERVER_ERROR out of memory");
      break;
  }
}

void TextHandler::Stats(const TextRequest& req, ResponseBuffer* out) {
  if (req.args == "reset") {
    ResetStats(*ctx_);
    out->AppendLine("RESET");
    return;
  }
  const std::string_view group = req.args.substr(0, req.args.find(' '));
  const std::string_view rest =
      group.size() < req.args.size() ? req.args.substr(group.size()) : std::string_view();
  if (admin_ != nullptr && group == "detail") {
    out->Append(RunStatsDetail(rest, admin_->prefixes));
    return;
  }
  if (group == "cachedump") {
    out->Append(RunStatsCacheDump(rest, ctx_->options->dump_enabled, ctx_->store,
                                  *ctx_->clock));
    return;
  }
  if (admin_ != nullptr && group == "conns") {
    out->Append(admin_->conns->Report(current_fd_));
    return;
  }
  std::string text;
  if (!WriteStatsGroup(*ctx_, req.args, &text)) {
    out->AppendLine("ERROR");
    return;
  }
  out->Append(text);
}

}  // namespace memcd
