#include "server/binary_handler.h"

#include <glog/logging.h>

#include <cstring>
#include <string>
#include <utility>

#include "base/numbers.h"
#include "base/verbosity.h"
#include "server/prefix_stats.h"
#include "server/stats_report.h"

namespace memcd {
namespace {

using C = BinaryCommand;

// memcached's ENOMEM bodies: its text errors without "SERVER_ERROR ".
const char kNoMemoryItem[] = "Out of memory allocating item";
const char kNoMemoryIncr[] = "Out of memory incrementing value";
const char kNoMemoryNewItem[] = "Out of memory allocating new item";

// SASL's statuses, which proto/binary_parser.h's BinaryStatus leaves out.
// memcached's MAX_SASL_MECH_LEN; a longer mechanism name is EINVAL.
constexpr size_t kMaxMechanism = 32;
// memcached reads SASL data into one unchunked item: ENOMEM above about
// half a slab page.
constexpr uint64_t kMaxSaslData = 512 * 1024;

bool IsSasl(uint8_t opcode) {
  return opcode == binop::kSaslListMechs || opcode == binop::kSaslAuth ||
         opcode == binop::kSaslStep;
}

bool IsTouch(C c) { return c == C::kTouch || c == C::kGat || c == C::kGatK; }

StoreMode ModeOf(const BinaryRequest& req) {
  switch (req.command) {
    case C::kAppend: return StoreMode::kAppend;
    case C::kPrepend: return StoreMode::kPrepend;
    default: break;
  }
  // memcached turns any set/add/replace that carries a CAS into a cas.
  if (req.header.cas != 0) return StoreMode::kCas;
  if (req.command == C::kAdd) return StoreMode::kAdd;
  if (req.command == C::kReplace) return StoreMode::kReplace;
  return StoreMode::kSet;
}

}  // namespace

void BinaryHandler::Reply(const BinaryHeader& request, BinaryStatus status,
                          uint64_t cas, std::string_view extras,
                          std::string_view key, std::string_view body,
                          size_t more, ResponseBuffer* out) {
  BinaryHeader h;
  h.magic = kBinaryResponseMagic;
  h.opcode = request.opcode;
  h.key_length = static_cast<uint16_t>(key.size());
  h.extras_length = static_cast<uint8_t>(extras.size());
  h.status = static_cast<uint16_t>(status);
  h.body_length =
      static_cast<uint32_t>(extras.size() + key.size() + body.size() + more);
  h.opaque = request.opaque;
  h.cas = cas;
  const size_t size =
      kBinaryHeaderSize + extras.size() + key.size() + body.size();
  char* start = out->Reserve(size);
  EncodeBinaryHeader(h, start);
  char* p = start + kBinaryHeaderSize;
  for (std::string_view part : {extras, key, body}) {
    if (part.empty()) continue;
    memcpy(p, part.data(), part.size());
    p += part.size();
  }
  out->Commit(size);
}

void BinaryHandler::Error(const BinaryHeader& request, BinaryStatus status,
                          ResponseBuffer* out, const char* text) {
  std::string_view body = text != nullptr ? text : BinaryStatusText(status);
  Reply(request, status, 0, {}, {}, body, 0, out);
}

void BinaryHandler::Success(const BinaryRequest& req, uint64_t cas,
                            std::string_view body, ResponseBuffer* out) {
  if (req.quiet) return;
  Reply(req.header, BinaryStatus::kSuccess, cas, {}, {}, body, 0, out);
}

BinaryHandler::Next BinaryHandler::Handle(std::string_view input,
                                          size_t* consumed,
                                          ResponseBuffer* out,
                                          PendingStore* pending,
                                          uint64_t* swallow) {
  BinaryRequest req;
  const BinaryParseResult r = ParseBinaryRequest(input, &req);
  *consumed = r.consumed;
  switch (r.status) {
    case BinaryParseStatus::kNeedMore:
      return Next::kNeedMore;
    case BinaryParseStatus::kBadMagic:
      // As memcached: not even an error packet.
      MEMCD_VLOG(1) << "binary: invalid magic " << int{req.header.magic};
      *consumed = input.size();
      return Next::kClose;
    case BinaryParseStatus::kBadLengths:
      Error(req.header, BinaryStatus::kUnknownCommand, out);
      return Next::kClose;
    default:
      break;
  }
  const bool sasl = ctx_->options->sasl;
  // As memcached: checked before the key length and the opcode.
  if (sasl && !authenticated_ && !IsSasl(req.header.opcode) &&
      req.header.opcode != binop::kVersion) {
    MEMCD_VLOG(1) << "binary: unauthenticated opcode " << int{req.header.opcode};
    Error(req.header, BinaryStatus::kAuthError, out);
    return Next::kClose;
  }
  switch (r.status) {
    case BinaryParseStatus::kNeedMore:
    case BinaryParseStatus::kBadMagic:
    case BinaryParseStatus::kBadLengths:
      break;  // answered above
    case BinaryParseStatus::kInvalid:
      MEMCD_VLOG(1) << "binary: protocol error, opcode " << int{req.header.opcode};
      Error(req.header, BinaryStatus::kInvalidArguments, out);
      return Next::kClose;
    case BinaryParseStatus::kUnknownCommand:
      // The parser has checked a SASL request's lengths; without -S it is
      // refused like an unknown opcode.
      if (sasl && IsSasl(req.header.opcode)) {
        return Sasl(req.header, input, r.consumed, r.swallow, consumed, out,
                    swallow);
      }
      Error(req.header, BinaryStatus::kUnknownCommand, out);
      *swallow = r.swallow;
      return r.swallow > 0 ? Next::kSwallow : Next::kCommand;
    case BinaryParseStatus::kOk:
      break;
  }
  MEMCD_VLOG(2) << "binary: opcode " << int{req.header.opcode} << " key "
          << req.key;
  return Execute(req, out, pending, swallow);
}

BinaryHandler::Next BinaryHandler::Execute(const BinaryRequest& req,
                                           ResponseBuffer* out,
                                           PendingStore* pending,
                                           uint64_t* swallow) {
  switch (req.command) {
    case C::kGet:
    case C::kGetK:
    case C::kTouch:
    case C::kGat:
    case C::kGatK:
      Get(req, out);
      return Next::kCommand;
    case C::kSet:
    case C::kAdd:
    case C::kReplace:
    case C::kAppend:
    case C::kPrepend:
      return StartStore(req, out, pending, swallow);
    case C::kDelete:
      Delete(req, out);
      return Next::kCommand;
    case C::kIncrement:
    case C::kDecrement:
      Arith(req, out);
      return Next::kCommand;
    case C::kFlush: {
      stats_->flush_cmds.Add();
      const RelTime when = req.has_exptime && req.exptime > 0
                               ? ctx_->clock->ToRelTime(req.exptime)
                               : ctx_->clock->Now();
      ctx_->store->FlushAll(when);
      Success(req, 0, {}, out);
      return Next::kCommand;
    }
    case C::kNoop:
      Success(req, 0, {}, out);
      return Next::kCommand;
    case C::kVersion:
      Success(req, 0, ServerVersion(), out);
      return Next::kCommand;
    case C::kQuit:
      Success(req, 0, {}, out);
      return Next::kClose;
    case C::kStat:
      Stat(req, out);
      return Next::kCommand;
  }
  Error(req.header, BinaryStatus::kUnknownCommand, out);
  return Next::kCommand;
}

void BinaryHandler::Get(const BinaryRequest& req, ResponseBuffer* out) {
  const bool touch = IsTouch(req.command);
  const bool with_key = req.command == C::kGetK || req.command == C::kGatK;
  Store* store = ctx_->store;
  ItemRef item =
      touch ? store->GetAndTouch(req.key, ctx_->clock->ToRelTime(req.exptime))
            : store->Get(req.key);
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordGet(req.key, static_cast<bool>(item));
  WatchFetch(*ctx_, req.key, item, current_fd_);
  stats_->hot_keys.NoteRead(req.key, *ctx_->clock);
  (touch ? stats_->touch_cmds : stats_->get_cmds).Add();
  if (!item) {
    (touch ? stats_->touch_misses : stats_->get_misses).Add();
    if (req.quiet) return;
    if (with_key) {
      // GETK/GATK: the key instead of "Not found".
      Reply(req.header, BinaryStatus::kKeyNotFound, 0, {}, req.key, {}, 0,
            out);
    } else {
      Error(req.header, BinaryStatus::kKeyNotFound, out);
    }
    return;
  }
  if (touch) {
    stats_->touch_hits.Add();
  } else {
    stats_->get_hits.Add();
    stats_->lru_hits[item.lru_slot()].Add();
  }
  char flags[4];
  StoreBigEndian32(item.client_flags(), flags);
  // TOUCH answers with the flags only.
  const size_t value = req.command == C::kTouch ? 0 : item.value_length();
  Reply(req.header, BinaryStatus::kSuccess, item.cas(),
        std::string_view(flags, 4), with_key ? req.key : std::string_view(),
        {}, value, out);
  if (value > 0) out->AppendValueBytes(std::move(item));
}

BinaryHandler::Next BinaryHandler::StartStore(const BinaryRequest& req,
                                              ResponseBuffer* out,
                                              PendingStore* pending,
                                              uint64_t* swallow) {
  store_header_ = req.header;
  store_command_ = req.command;
  pending->mode = ModeOf(req);
  pending->cas_in = req.header.cas;
  pending->noreply = req.quiet;
  pending->value_length = req.value_length;
  pending->item.Reset();
  // append/prepend keep the old item's flags and expiry.
  const bool concat = req.command == C::kAppend || req.command == C::kPrepend;
  const RelTime exptime = concat ? 0 : ctx_->clock->ToRelTime(req.exptime);
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordSet(req.key);
  AllocResult r = ctx_->store->Allocate(req.key, concat ? 0 : req.flags,
                                        exptime, req.value_length,
                                        &pending->item);
  if (r == AllocResult::kOk) return Next::kReadValue;
  // memcached counts neither store_too_large nor store_no_memory here.
  if (r == AllocResult::kTooLarge) {
    Error(req.header, BinaryStatus::kTooLarge, out);
  } else {
    Error(req.header, BinaryStatus::kOutOfMemory, out, kNoMemoryItem);
  }
  // As memcached: a failed set must not leave the old value readable.
  if (req.command == C::kSet) ctx_->store->Delete(req.key);
  *swallow = req.value_length;
  return req.value_length > 0 ? Next::kSwallow : Next::kCommand;
}

void BinaryHandler::CompleteStore(PendingStore* pending, ResponseBuffer* out) {
  ItemRef item = std::move(pending->item);
  stats_->set_cmds.Add();
  uint64_t cas = 0;
  // MetaStoreItem also compares a CAS given with append/prepend, under the
  // item lock.
  const StoreResult r = ctx_->store->MetaStoreItem(
      item, pending->mode, pending->cas_in, /*invalidate=*/false, &cas);
  WatchStore(*ctx_, item, pending->mode, r, current_fd_);
  if (item) stats_->hot_keys.NoteWrite(item.key(), *ctx_->clock);
  if (pending->mode == StoreMode::kCas) {
    if (r == StoreResult::kStored) stats_->cas_hits.Add();
    if (r == StoreResult::kExists) stats_->cas_badval.Add();
    if (r == StoreResult::kNotFound) stats_->cas_misses.Add();
  }
  switch (r) {
    case StoreResult::kStored:
      if (!pending->noreply) {
        Reply(store_header_, BinaryStatus::kSuccess, cas, {}, {}, {}, 0, out);
      }
      return;
    case StoreResult::kExists:
      Error(store_header_, BinaryStatus::kKeyExists, out);
      return;
    case StoreResult::kNotFound:
      Error(store_header_, BinaryStatus::kKeyNotFound, out);
      return;
    case StoreResult::kNotStored:
    case StoreResult::kNoMemory:
      // memcached names the reason after the command.
      if (store_command_ == C::kAdd) {
        Error(store_header_, BinaryStatus::kKeyExists, out);
      } else if (store_command_ == C::kReplace) {
        Error(store_header_, BinaryStatus::kKeyNotFound, out);
      } else {
        Error(store_header_, BinaryStatus::kNotStored, out);
      }
      return;
  }
}

void BinaryHandler::Delete(const BinaryRequest& req, ResponseBuffer* out) {
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordDelete(req.key);
  const WatchDelete watch(*ctx_, req.key);
  stats_->hot_keys.NoteWrite(req.key, *ctx_->clock);
  switch (ctx_->store->MetaDelete(req.key, req.header.cas != 0,
                                  req.header.cas, /*invalidate=*/false,
                                  /*set_exptime=*/false, 0)) {
    case MetaDeleteResult::kDeleted:
      watch.Deleted(WatchDeleteCmd::kDelete);
      stats_->delete_hits.Add();
      Success(req, 0, {}, out);
      return;
    case MetaDeleteResult::kExists:
      Error(req.header, BinaryStatus::kKeyExists, out);
      return;
    case MetaDeleteResult::kNotFound:
      stats_->delete_misses.Add();
      Error(req.header, BinaryStatus::kKeyNotFound, out);
      return;
    case MetaDeleteResult::kNoMemory:  // only md x allocates
      Error(req.header, BinaryStatus::kOutOfMemory, out, kNoMemoryItem);
      return;
  }
}

void BinaryHandler::Arith(const BinaryRequest& req, ResponseBuffer* out) {
  const bool incr = req.command == C::kIncrement;
  // One store call, under the item lock: the CAS compare, and creating a
  // missing item from `initial` unless the expiration says not to.
  MetaArithOptions options;
  options.incr = incr;
  options.delta = req.delta;
  options.compare_cas = req.header.cas != 0;
  options.cas = req.header.cas;
  options.vivify = req.exptime != kBinaryNoCreate;
  options.initial = req.initial;
  options.vivify_exptime = ctx_->clock->ToRelTime(req.exptime);
  MetaArithOutcome outcome;
  stats_->hot_keys.NoteWrite(req.key, *ctx_->clock);
  switch (ctx_->store->MetaArith(req.key, options, &outcome)) {
    case MetaArithResult::kOk:
      (incr ? stats_->incr_hits : stats_->decr_hits).Add();
      [[fallthrough]];
    case MetaArithResult::kCreated: {  // as memcached, no counter
      char body[8];
      StoreBigEndian64(outcome.value, body);
      Success(req, outcome.cas, std::string_view(body, 8), out);
      return;
    }
    case MetaArithResult::kExists:
      Error(req.header, BinaryStatus::kKeyExists, out);
      return;
    case MetaArithResult::kNonNumeric:
      Error(req.header, BinaryStatus::kDeltaBadValue, out);
      return;
    case MetaArithResult::kNoMemory:
      // The store does not say which allocation failed; with create allowed
      // it is almost always the new item's.
      Error(req.header, BinaryStatus::kOutOfMemory, out,
            options.vivify ? kNoMemoryNewItem : kNoMemoryIncr);
      return;
    case MetaArithResult::kNotFound:
      (incr ? stats_->incr_misses : stats_->decr_misses).Add();
      Error(req.header, BinaryStatus::kKeyNotFound, out);
      return;
  }
}

BinaryHandler::Next BinaryHandler::Sasl(const BinaryHeader& header,
                                        std::string_view input, size_t head,
                                        uint64_t data_length, size_t* consumed,
                                        ResponseBuffer* out,
                                        uint64_t* swallow) {
  if (header.key_length > kMaxMechanism || data_length > kMaxSaslData) {
    if (header.key_length > kMaxMechanism) {
      Error(header, BinaryStatus::kInvalidArguments, out);
    } else {
      Error(header, BinaryStatus::kOutOfMemory, out);
    }
    *swallow = data_length;
    return data_length > 0 ? Next::kSwallow : Next::kCommand;
  }
  if (input.size() - head < data_length) {
    *consumed = 0;
    return Next::kNeedMore;
  }
  *consumed = head + data_length;
  authenticated_ = false;
  if (sasl_ == nullptr) sasl_ = std::make_unique<SaslSession>();
  std::string reply;
  if (header.opcode == binop::kSaslListMechs) {
    if (!sasl_->ListMechanisms(&reply)) {
      Error(header, BinaryStatus::kAuthError, out);
    } else {
      Reply(header, BinaryStatus::kSuccess, 0, {}, {}, reply, 0, out);
    }
    return Next::kCommand;
  }
  const std::string mechanism(input.substr(kBinaryHeaderSize, header.key_length));
  const std::string_view data = input.substr(head, data_length);
  const SaslSession::Result result =
      header.opcode == binop::kSaslAuth
          ? sasl_->Start(mechanism, data, &reply)
          : sasl_->Step(data, &reply);
  switch (result) {
    case SaslSession::Result::kOk:
      authenticated_ = true;
      stats_->auth_cmds.Add();
      Reply(header, BinaryStatus::kSuccess, 0, {}, {}, "Authenticated", 0, out);
      break;
    case SaslSession::Result::kContinue:
      Reply(header, BinaryStatus::kAuthContinue, 0, {}, {}, reply, 0, out);
      break;
    case SaslSession::Result::kFailed:
      MEMCD_VLOG(1) << "binary: SASL " << mechanism << " failed";
      stats_->auth_cmds.Add();
      stats_->auth_errors.Add();
      Error(header, BinaryStatus::kAuthError, out);
      break;
  }
  return Next::kCommand;
}

void BinaryHandler::Stat(const BinaryRequest& req, ResponseBuffer* out) {
  // memcached's binary STAT matches "reset" and "settings" as prefixes and
  // the other groups exactly; "detail" (which memcd lacks) and the rest are
  // KEY_ENOENT.
  std::string_view group = req.key;
  std::string text;
  if (group.substr(0, 5) == "reset") {
    ResetStats(*ctx_);
  } else if (group.substr(0, 8) == "settings") {
    WriteStatsGroup(*ctx_, "settings", &text);
  } else if (!(group.empty() || group == "items" || group == "slabs" ||
               group == "sizes") ||
             !WriteStatsGroup(*ctx_, group, &text)) {
    Error(req.header, BinaryStatus::kKeyNotFound, out);
    return;
  }
  // One packet per "STAT <name> <value>\r\n" line, then an empty one.
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 2);
    if (line.substr(0, 5) != "STAT ") continue;  // "END"
    line.remove_prefix(5);
    const size_t space = line.find(' ');
    std::string_view name = line.substr(0, space);
    std::string_view value =
        space == std::string_view::npos ? std::string_view()
                                        : line.substr(space + 1);
    Reply(req.header, BinaryStatus::kSuccess, 0, {}, name, value, 0, out);
  }
  Reply(req.header, BinaryStatus::kSuccess, 0, {}, {}, {}, 0, out);
}

}  // namespace memcd
