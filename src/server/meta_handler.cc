#include "server/meta_handler.h"

#include <glog/logging.h>

#include <optional>
#include <string>

#include "base/hash.h"
#include "base/numbers.h"
#include "server/prefix_stats.h"
#include "store/item.h"

namespace memcd {
namespace {

// " <flag><number>"
void AppendFlag(char flag, uint64_t v, ReplyLine* line) {
  const char head[2] = {' ', flag};
  line->Append(std::string_view(head, 2));
  line->AppendNumber(v);
}

bool ItemKeyBinary(const ItemRef& item) {
  return item.get()->has_flag(kItemKeyBinary);
}

}  // namespace

void MetaHandler::AppendKey(std::string_view key, bool binary,
                            ReplyLine* line) {
  line->Append(" k");
  if (!binary) {
    line->Append(key);
    return;
  }
  std::string encoded;  // binary keys are rare: an allocation is fine
  EncodeBase64(key, &encoded);
  line->Append(encoded);
  line->Append(" b");
}

void MetaHandler::AppendOpaqueAndKey(const MetaRequest& req,
                                     ReplyLine* line) {
  for (size_t i = 0; i < req.num_flags; ++i) {
    const std::string_view flag = req.flags[i];
    if (flag[0] == 'O') {
      line->Push(' ');
      line->Append(flag);
    } else if (flag[0] == 'k') {
      AppendKey(req.key(), req.key_binary, line);
    }
  }
}

void MetaHandler::AppendTtl(RelTime exptime, ReplyLine* line) const {
  if (exptime == 0) {
    line->Append(" t-1");
    return;
  }
  // As memcached: unsigned, relative to now.
  AppendFlag('t', static_cast<uint32_t>(exptime - ctx_->clock->Now()), line);
}

TextHandler::Next MetaHandler::Handle(std::string_view buf, size_t* consumed,
                                      ResponseBuffer* out,
                                      PendingStore* pending,
                                      const Store::KnownHash& known) {
  MetaRequest& req = req_;
  const MetaParseResult r = ParseMetaRequest(buf, &req);
  *consumed = r.consumed;
  if (r.status == MetaParseStatus::kNeedMore) {
    *consumed = 0;
    return TextHandler::Next::kCommand;
  }
  if (r.status == MetaParseStatus::kError) {
    out->AppendLine(r.error);
    if (r.swallow == 0) return TextHandler::Next::kCommand;
    pending->item.Reset();
    pending->value_length = static_cast<uint32_t>(r.swallow - 2);
    return TextHandler::Next::kSwallow;
  }
  switch (req.command) {
    case MetaCommand::kGet:
      Get(req, known, out);
      break;
    case MetaCommand::kSet:
      return StartSet(req, buf.substr(0, r.consumed), out, pending);
    case MetaCommand::kDelete:
      Delete(req, out);
      break;
    case MetaCommand::kArith:
      Arith(req, out);
      break;
    case MetaCommand::kNoop:
      out->Append("MN\r\n");
      break;
    case MetaCommand::kDebug:
      Debug(req, out);
      break;
  }
  return TextHandler::Next::kCommand;
}

void MetaHandler::Get(const MetaRequest& req, const Store::KnownHash& known,
                      ResponseBuffer* out) {
  const Clock* clock = ctx_->clock;
  MetaGetOptions options;
  options.vivify = req.has('N');
  options.vivify_exptime = clock->ToRelTime(req.vivify_ttl);
  options.recache = req.has('R');
  options.recache_time = clock->ToRelTime(req.recache_ttl);
  options.set_exptime = req.has('T');
  options.exptime = clock->ToRelTime(req.ttl);
  options.no_bump = req.has('u');
  options.key_binary = req.key_binary;
  if (req.has('E')) options.new_cas = req.new_cas;
  MetaGetResult got;
  const std::string_view key = req.key();
  ctx_->store->MetaGet(key, known.Matches(key) ? known.hash : HashKey(key), options, &got);
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordGet(req.key(), static_cast<bool>(got.item));
  WatchFetch(*ctx_, req.key(), got.item, current_fd_);
  stats_->hot_keys.NoteRead(req.key(), *ctx_->clock);

  // memcached 1.6.18 counts every mg as a get, T or not.
  stats_->get_cmds.Add();
  if (!got.item) {
    stats_->get_misses.Add();
    if (req.has('q')) return;
    ReplyLine& line = line_;
    line.Assign("EN");
    AppendOpaqueAndKey(req, &line);
    line.Append("\r\n");
    out->Append(line.view());
    return;
  }
  stats_->get_hits.Add();
  stats_->lru_hits[got.item.lru_slot()].Add();

  const ItemRef& item = got.item;
  const RelTime now = clock->Now();
  ReplyLine& line = line_;  // every path below assigns it first
  if (req.has('v')) {
    line.Assign("VA ");
    line.AppendNumber(item.value_length());
  } else {
    line.Assign("HD");
  }
  // T and N take effect where they stand: a "t" before them shows the old
  // exptime, as memcached's single pass over the flags does.
  RelTime exptime = got.exptime_before;
  for (size_t i = 0; i < req.num_flags; ++i) {
    const std::string_view flag = req.flags[i];
    switch (flag[0]) {
      case 'T':
        exptime = options.exptime;
        break;
      case 'N':
        if (got.created) exptime = options.vivify_exptime;
        break;
      case 's':
        AppendFlag('s', item.value_length(), &line);
        break;
      case 't':
        AppendTtl(exptime, &line);
        break;
      case 'c':
        AppendFlag('c', item.cas(), &line);
        break;
      case 'f':
        AppendFlag('f', item.client_flags(), &line);
        break;
      case 'l':
        AppendFlag('l', got.created ? 0 : now - got.last_access, &line);
        break;
      case 'h':
        line.Append(got.fetched ? " h1" : " h0");
        break;
      case 'O':
        line.Push(' ');
        line.Append(flag);
        break;
      case 'k':
        AppendKey(item.key(), ItemKeyBinary(item), &line);
        break;
    }
  }
  if (got.token_sent) line.Append(" Z");
  if (got.stale) line.Append(" X");
  if (got.won) line.Append(" W");
  line.Append("\r\n");
  if (req.has('v')) {
    out->AppendWithValue(line.view(), std::move(got.item));
  } else {
    out->Append(line.view());
  }
}

TextHandler::Next MetaHandler::StartSet(const MetaRequest& req,
                                        std::string_view line,
                                        ResponseBuffer* out,
                                        PendingStore* pending) {
  StoreMode mode = StoreMode::kSet;
  switch (req.mode) {
    case 'E': mode = StoreMode::kAdd; break;
    case 'A': mode = StoreMode::kAppend; break;
    case 'P': mode = StoreMode::kPrepend; break;
    case 'R': mode = StoreMode::kReplace; break;
    default: break;  // 0 or 'S'
  }
  // As memcached: a CAS turns set and replace into cas.
  if (req.has('C') &&
      (mode == StoreMode::kSet || mode == StoreMode::kReplace)) {
    mode = StoreMode::kCas;
  }
  pending->mode = mode;
  pending->cas_in = mode == StoreMode::kAdd ? 0 : req.cas;
  pending->noreply = req.has('q');
  pending->value_length = req.value_length;
  pending->item.Reset();
  const RelTime exptime = req.has('T') ? ctx_->clock->ToRelTime(req.ttl) : 0;
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordSet(req.key());
  const AllocResult r =
      ctx_->store->Allocate(req.key(), req.client_flags, exptime,
                            req.value_length, &pending->item);
  if (r == AllocResult::kOk) {
    // Not yet linked: nobody else sees the item.
    if (req.key_binary) pending->item.get()->set_flag(kItemKeyBinary);
    pending->meta_line.assign(line);
    return TextHandler::Next::kReadValue;
  }
  if (r == AllocResult::kTooLarge) {
    stats_->store_too_large.Add();
    out->AppendLine("SERVER_ERROR object too large for cache");
  } else {
    stats_->store_no_memory.Add();
    out->AppendLine("SERVER_ERROR out of memory storing object");
  }
  // As memcached's ms, whatever the mode: no stale value left readable.
  ctx_->store->Delete(req.key());
  return TextHandler::Next::kSwallow;
}

void MetaHandler::CompleteStore(PendingStore* pending, bool terminated,
                                ResponseBuffer* out) {
  ItemRef item = std::move(pending->item);
  MetaRequest& req = req_;  // free: no request is parsed while a value arrives
  const MetaParseResult parsed = ParseMetaRequest(pending->meta_line, &req);
  pending->meta_line.clear();
  CHECK(parsed.status == MetaParseStatus::kOk) << "ms line parsed before";
  stats_->set_cmds.Add();  // as memcached: a bad data chunk counts too
  if (!terminated) {
    out->AppendLine("CLIENT_ERROR bad data chunk");  // even with q
    return;
  }
  uint64_t cas = 0;
  const bool invalidate = req.has('I') && pending->mode == StoreMode::kCas;
  std::optional<uint64_t> new_cas;
  if (req.has('E')) new_cas = req.new_cas;
  const StoreResult r = ctx_->store->MetaStoreItem(
      item, pending->mode, pending->cas_in, invalidate, &cas, new_cas);
  WatchStore(*ctx_, item, pending->mode, r, current_fd_);
  if (item) stats_->hot_keys.NoteWrite(item.key(), *ctx_->clock);
  if (pending->mode == StoreMode::kCas) {
    if (r == StoreResult::kStored) stats_->cas_hits.Add();
    if (r == StoreResult::kExists) stats_->cas_badval.Add();
    if (r == StoreResult::kNotFound) stats_->cas_misses.Add();
  }
  ReplyLine& line = line_;  // every path below assigns it first
  switch (r) {
    case StoreResult::kStored:
      if (pending->noreply) return;
      line.Assign("HD");
      break;
    case StoreResult::kNotStored: line.Assign("NS"); break;
    case StoreResult::kExists: line.Assign("EX"); break;
    case StoreResult::kNotFound: line.Assign("NF"); break;
    case StoreResult::kNoMemory:
      out->AppendLine("SERVER_ERROR out of memory storing object");
      return;
  }
  for (size_t i = 0; i < req.num_flags; ++i) {
    const std::string_view flag = req.flags[i];
    if (flag[0] == 'O') {
      line.Push(' ');
      line.Append(flag);
    } else if (flag[0] == 'k') {
      AppendKey(req.key(), req.key_binary, &line);
    } else if (flag[0] == 'c') {
      AppendFlag('c', cas, &line);
    }
  }
  out->AppendLine(line.view());
}

void MetaHandler::Delete(const MetaRequest& req, ResponseBuffer* out) {
  MetaDeleteOptions options;
  options.compare_cas = req.has('C');
  options.cas = req.cas;
  options.invalidate = req.has('I');
  options.set_exptime = req.has('T');
  options.exptime = ctx_->clock->ToRelTime(req.ttl);
  options.remove_value = req.has('x');
  options.client_flags = req.client_flags;
  if (req.has('E')) options.new_cas = req.new_cas;
  if (ctx_->prefixes != nullptr) ctx_->prefixes->RecordDelete(req.key());
  const WatchDelete watch(*ctx_, req.key());
  stats_->hot_keys.NoteWrite(req.key(), *ctx_->clock);
  const MetaDeleteResult r = ctx_->store->MetaDelete(req.key(), options);
  ReplyLine& line = line_;  // every path below assigns it first
  switch (r) {
    case MetaDeleteResult::kDeleted:
      // Marking stale (I) or emptying (x) keeps the item: not a deletion.
      if (!options.invalidate && !options.remove_value) watch.Deleted(WatchDeleteCmd::kMetaDelete);
      // An invalidation is not counted as a delete, as in memcached.
      if (!req.has('I')) stats_->delete_hits.Add();
      if (req.has('q')) return;
      line.Assign("HD");
      break;
    case MetaDeleteResult::kNotFound:
      stats_->delete_misses.Add();
      line.Assign("NF");
      break;
    case MetaDeleteResult::kExists:
      stats_->delete_misses.Add();
      line.Assign("EX");
      break;
    case MetaDeleteResult::kNoMemory:
      out->AppendLine("SERVER_ERROR out of memory");
      return;
  }
  AppendOpaqueAndKey(req, &line);
  out->AppendLine(line.view());
}

void MetaHandler::Arith(const MetaRequest& req, ResponseBuffer* out) {
  const Clock* clock = ctx_->clock;
  MetaArithOptions options;
  options.incr = !(req.mode == 'D' || req.mode == '-');
  options.delta = req.delta;
  options.compare_cas = req.has('C');
  options.cas = req.cas;
  options.vivify = req.has('N');
  options.initial = req.initial;
  options.vivify_exptime = clock->ToRelTime(req.vivify_ttl);
  options.set_exptime = req.has('T');
  options.exptime = clock->ToRelTime(req.ttl);
  if (req.has('E')) options.new_cas = req.new_cas;
  MetaArithOutcome outcome;
  const MetaArithResult r = ctx_->store->MetaArith(req.key(), options,
                                                   &outcome);
  stats_->hot_keys.NoteWrite(req.key(), *ctx_->clock);
  ReplyLine& line = line_;  // every path below assigns it first
  switch (r) {
    case MetaArithResult::kOk:
      (options.incr ? stats_->incr_hits : stats_->decr_hits).Add();
      if (req.has('q')) return;  // even with v, as memcached
      break;
    case MetaArithResult::kCreated:
      break;  // answered even with q, as memcached
    case MetaArithResult::kNotFound:
    case MetaArithResult::kExists:
      if (r == MetaArithResult::kNotFound) {
        (options.incr ? stats_->incr_misses : stats_->decr_misses).Add();
      }
      line.Assign(r == MetaArithResult::kNotFound ? "NF" : "EX");
      AppendOpaqueAndKey(req, &line);
      out->AppendLine(line.view());
      return;
    case MetaArithResult::kNonNumeric:
      out->AppendLine(
          "CLIENT_ERROR cannot increment or decrement non-numeric value");
      return;
    case MetaArithResult::kNoMemory:
      out->AppendLine("SERVER_ERROR out of memory");
      return;
  }
  char digit_buf[24];
  const std::string_view digits(digit_buf, FormatUint64(outcome.value, digit_buf));
  if (req.has('v')) {
    line.Assign("VA ");
    line.AppendNumber(digits.size());
  } else {
    line.Assign("HD");
  }
  RelTime exptime = outcome.exptime_before;
  for (size_t i = 0; i < req.num_flags; ++i) {
    const std::string_view flag = req.flags[i];
    switch (flag[0]) {
      case 'c':
        AppendFlag('c', outcome.cas, &line);
        break;
      case 't':
        AppendTtl(exptime, &line);
        break;
      case 'T':
        exptime = options.exptime;
        break;
      case 'N':
        if (r == MetaArithResult::kCreated) exptime = options.vivify_exptime;
        break;
      case 'O':
        line.Push(' ');
        line.Append(flag);
        break;
      case 'k':
        AppendKey(req.key(), req.key_binary, &line);
        break;
    }
  }
  line.Append("\r\n");
  if (req.has('v')) {
    line.Append(digits);
    line.Append("\r\n");
  }
  out->Append(line.view());
}

void MetaHandler::Debug(const MetaRequest& req, ResponseBuffer* out) {
  stats_->meta_cmds.Add();  // memcached's cmd_meta counts "me" alone
  MetaGetOptions options;
  options.no_bump = true;
  options.peek = true;
  MetaGetResult got;
  ctx_->store->MetaGet(req.key(), options, &got);
  if (!got.item) {
    out->Append("EN\r\n");
    return;
  }
  const Item* item = got.item.get();
  const RelTime now = ctx_->clock->Now();
  ReplyLine& line = line_;
  line.Assign("ME ");
  if (item->has_flag(kItemKeyBinary)) {
    std::string encoded;
    EncodeBase64(item->key(), &encoded);
    line.Append(encoded);
  } else {
    line.Append(item->key());
  }
  line.Append(" exp=");
  if (got.exptime_before == 0) {
    line.Append("-1");
  } else {
    line.Append(std::to_string(static_cast<int64_t>(got.exptime_before) -
                               static_cast<int64_t>(now)));
  }
  line.Append(" la=");
  line.AppendNumber(now - got.last_access);
  line.Append(" cas=");
  line.AppendNumber(item->cas());
  line.Append(got.fetched ? " fetch=yes" : " fetch=no");
  line.Append(" cls=");
  line.AppendNumber(item->slab_class);
  line.Append(" size=");
  line.AppendNumber(item->total_size());
  out->AppendLine(line.view());
}

}  // namespace memcd
