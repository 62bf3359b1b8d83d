// The binary handler against a real store on a fake clock: request packets
// in, the exact reply packets out (memcached 1.6.18's, as captured from it).
#include "server/binary_handler.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "net/buffer_pool.h"
#include "net/dispatcher.h"
#include "net/worker.h"
#include "server/options.h"
#include "server/server_context.h"
#include "store/store.h"

namespace memcd {
namespace {

using St = BinaryStatus;
const char kOpaque[] = "\x0a\x0b\x0c\x0d";

std::string Be32(uint32_t v) {
  char b[4];
  StoreBigEndian32(v, b);
  return std::string(b, 4);
}

std::string Be64(uint64_t v) {
  char b[8];
  StoreBigEndian64(v, b);
  return std::string(b, 8);
}

std::string Header(uint8_t magic, uint8_t opcode, size_t extras, size_t key,
                   size_t body, uint16_t status, uint64_t cas) {
  BinaryHeader h;
  h.magic = magic;
  h.opcode = opcode;
  h.key_length = static_cast<uint16_t>(key);
  h.extras_length = static_cast<uint8_t>(extras);
  h.status = status;
  h.body_length = static_cast<uint32_t>(body);
  memcpy(&h.opaque, kOpaque, 4);
  h.cas = cas;
  std::string out(kBinaryHeaderSize, '\0');
  EncodeBinaryHeader(h, &out[0]);
  return out;
}

std::string Req(uint8_t opcode, const std::string& key = "",
                const std::string& extras = "", const std::string& value = "",
                uint64_t cas = 0) {
  return Header(kBinaryRequestMagic, opcode, extras.size(), key.size(),
                extras.size() + key.size() + value.size(), 0, cas) +
         extras + key + value;
}

std::string SetExtras(uint32_t flags, uint32_t exptime) {
  return Be32(flags) + Be32(exptime);
}

std::string ArithExtras(uint64_t delta, uint64_t initial, uint32_t exptime) {
  return Be64(delta) + Be64(initial) + Be32(exptime);
}

std::string Resp(uint8_t opcode, St status, uint64_t cas = 0,
                 const std::string& extras = "", const std::string& key = "",
                 const std::string& body = "") {
  return Header(kBinaryResponseMagic, opcode, extras.size(), key.size(),
                extras.size() + key.size() + body.size(),
                static_cast<uint16_t>(status), cas) +
         extras + key + body;
}

std::string Ok(uint8_t opcode, uint64_t cas = 0, const std::string& body = "") {
  return Resp(opcode, St::kSuccess, cas, "", "", body);
}

// An error with memcached's default text.
std::string Err(uint8_t opcode, St status) {
  return Resp(opcode, status, 0, "", "", std::string(BinaryStatusText(status)));
}

class BinaryHandlerTest : public ::testing::Test {
 protected:
  BinaryHandlerTest() : pool_(16 * 1024, 4), out_(&pool_) {
    options_.store.memory_limit = 4u << 20;
    options_.store.item_size_max = 1u << 20;
    store_ = std::make_unique<Store>(options_.store, &clock_);
    // Never started: the dispatcher only needs one for its counters.
    worker_ = std::make_unique<Worker>(0, [](Worker*, int) {});
    dispatcher_ = std::make_unique<Dispatcher>(
        std::vector<Worker*>{worker_.get()}, 10, "");
    ctx_.options = &options_;
    ctx_.store = store_.get();
    ctx_.clock = &clock_;
    ctx_.dispatcher = dispatcher_.get();
    ctx_.baseline = &baseline_;
    ctx_.thread_stats.push_back(&stats_);
    handler_ = std::make_unique<BinaryHandler>(&ctx_, &stats_);
  }

  // Runs every request in `input` as a session would (values read into
  // their items, swallowed bytes dropped) and returns the reply bytes.
  std::string Run(const std::string& input) {
    size_t pos = 0;
    closed_ = false;
    while (pos < input.size() && !closed_) {
      size_t consumed = 0;
      uint64_t swallow = 0;
      std::string_view rest = std::string_view(input).substr(pos);
      BinaryHandler::Next next =
          handler_->Handle(rest, &consumed, &out_, &pending_, &swallow);
      if (next == BinaryHandler::Next::kNeedMore) break;
      pos += consumed;
      switch (next) {
        case BinaryHandler::Next::kReadValue: {
          ValueWriter value(pending_.item);
          pos += value.Write(input.data() + pos, input.size() - pos);
          EXPECT_EQ(value.left(), 0u);
          handler_->CompleteStore(&pending_, &out_);
          break;
        }
        case BinaryHandler::Next::kSwallow:
          pos += std::min<uint64_t>(swallow, input.size() - pos);
          break;
        case BinaryHandler::Next::kClose:
          closed_ = true;
          break;
        default:
          break;
      }
    }
    std::string bytes;
    out_.CopyPendingTo(&bytes);
    out_.Clear();
    return bytes;
  }

  ServerOptions options_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<Dispatcher> dispatcher_;
  StatsBaseline baseline_;
  ServerContext ctx_;
  ThreadStats stats_;
  BufferPool pool_;
  ResponseBuffer out_;
  PendingStore pending_;
  std::unique_ptr<BinaryHandler> handler_;
  bool closed_ = false;
};

// One request and its exact reply ("" for none).
struct Step {
  const char* name;
  std::string request;
  std::string reply;
};

#define RUN_STEPS(steps)                        \
  for (const Step& s : steps) {                 \
    SCOPED_TRACE(s.name);                       \
    EXPECT_EQ(Run(s.request), s.reply);         \
  }

TEST_F(BinaryHandlerTest, GetFamily) {
  const std::string flags = Be32(0xdeadbeef);
  const std::vector<Step> steps = {
      {"set", Req(binop::kSet, "k", SetExtras(0xdeadbeef, 0), "hello"),
       Ok(binop::kSet, 1)},
      {"get", Req(binop::kGet, "k"),
       Resp(binop::kGet, St::kSuccess, 1, flags, "", "hello")},
      {"getk", Req(binop::kGetK, "k"),
       Resp(binop::kGetK, St::kSuccess, 1, flags, "k", "hello")},
      {"getq hit", Req(binop::kGetQ, "k"),
       Resp(binop::kGetQ, St::kSuccess, 1, flags, "", "hello")},
      {"getkq hit", Req(binop::kGetKQ, "k"),
       Resp(binop::kGetKQ, St::kSuccess, 1, flags, "k", "hello")},
      {"get miss", Req(binop::kGet, "nokey"), Err(binop::kGet, St::kKeyNotFound)},
      {"getk miss: the key, no text", Req(binop::kGetK, "nokey"),
       Resp(binop::kGetK, St::kKeyNotFound, 0, "", "nokey", "")},
      {"quiet misses, then noop",
       Req(binop::kGetQ, "nokey") + Req(binop::kGetKQ, "nokey") +
           Req(binop::kNoop),
       Ok(binop::kNoop)},
      {"empty value", Req(binop::kSet, "e", SetExtras(0, 0)) + Req(binop::kGet, "e"),
       Ok(binop::kSet, 2) + Resp(binop::kGet, St::kSuccess, 2, Be32(0), "", "")},
  };
  RUN_STEPS(steps);
  EXPECT_EQ(stats_.get_cmds.Get(), 9u);
  EXPECT_EQ(stats_.get_hits.Get(), 5u);
  EXPECT_EQ(stats_.get_misses.Get(), 4u);
  EXPECT_EQ(stats_.set_cmds.Get(), 2u);
}

TEST_F(BinaryHandlerTest, StorageModesAndCas) {
  const std::string x = SetExtras(0, 0);
  const std::vector<Step> steps = {
      {"add", Req(binop::kAdd, "k", x, "v1"), Ok(binop::kAdd, 1)},
      {"add exists", Req(binop::kAdd, "k", x, "v2"),
       Err(binop::kAdd, St::kKeyExists)},
      {"addq exists: errors are not quiet", Req(binop::kAddQ, "k", x, "v2"),
       Err(binop::kAddQ, St::kKeyExists)},
      {"addq stored: silent", Req(binop::kAddQ, "k2", x, "v"), ""},
      {"replace missing", Req(binop::kReplace, "nx", x, "v"),
       Err(binop::kReplace, St::kKeyNotFound)},
      {"replace", Req(binop::kReplace, "k", SetExtras(3, 0), "r"),
       Ok(binop::kReplace, 3)},
      {"set, wrong cas", Req(binop::kSet, "k", x, "v", 999),
       Err(binop::kSet, St::kKeyExists)},
      {"set with cas, missing", Req(binop::kSet, "nx", x, "v", 999),
       Err(binop::kSet, St::kKeyNotFound)},
      {"add with cas is a cas", Req(binop::kAdd, "nx", x, "v", 999),
       Err(binop::kAdd, St::kKeyNotFound)},
      {"replace with the right cas", Req(binop::kReplace, "k", x, "vv", 3),
       Ok(binop::kReplace, 4)},
      {"setq silent", Req(binop::kSetQ, "k", x, "q") + Req(binop::kGet, "k"),
       Resp(binop::kGet, St::kSuccess, 5, Be32(0), "", "q")},
  };
  RUN_STEPS(steps);
  EXPECT_EQ(stats_.cas_badval.Get(), 1u);
  EXPECT_EQ(stats_.cas_misses.Get(), 2u);
  EXPECT_EQ(stats_.cas_hits.Get(), 1u);
}

TEST_F(BinaryHandlerTest, AppendPrepend) {
  const std::vector<Step> steps = {
      {"append missing", Req(binop::kAppend, "k", "", "A"),
       Err(binop::kAppend, St::kNotStored)},
      {"set", Req(binop::kSet, "k", SetExtras(7, 0), "vv"), Ok(binop::kSet, 1)},
      {"append", Req(binop::kAppend, "k", "", "AA"), Ok(binop::kAppend, 2)},
      {"prepend", Req(binop::kPrepend, "k", "", "PP"), Ok(binop::kPrepend, 3)},
      {"appendq", Req(binop::kAppendQ, "k", "", "Z"), ""},
      {"prependq missing", Req(binop::kPrependQ, "nx", "", "Z"),
       Err(binop::kPrependQ, St::kNotStored)},
      {"append, wrong cas", Req(binop::kAppend, "k", "", "c", 1),
       Err(binop::kAppend, St::kKeyExists)},
      {"append, right cas", Req(binop::kAppend, "k", "", "c", 4),
       Ok(binop::kAppend, 5)},
      {"flags kept", Req(binop::kGet, "k"),
       Resp(binop::kGet, St::kSuccess, 5, Be32(7), "", "PPvvAAZc")},
  };
  RUN_STEPS(steps);
}

TEST_F(BinaryHandlerTest, DeleteAndArith) {
  const std::vector<Step> steps = {
      {"set", Req(binop::kSet, "n", SetExtras(0, 0), "10"), Ok(binop::kSet, 1)},
      {"incr", Req(binop::kIncrement, "n", ArithExtras(5, 0, 0)),
       Ok(binop::kIncrement, 2, Be64(15))},
      {"decr floors at 0", Req(binop::kDecrement, "n", ArithExtras(100, 0, 0)),
       Ok(binop::kDecrement, 3, Be64(0))},
      {"incrq silent", Req(binop::kIncrementQ, "n", ArithExtras(1, 0, 0)), ""},
      {"incr, wrong cas", Req(binop::kIncrement, "n", ArithExtras(1, 0, 0), "", 1),
       Err(binop::kIncrement, St::kKeyExists)},
      {"incr missing, no create",
       Req(binop::kIncrement, "m", ArithExtras(1, 42, kBinaryNoCreate)),
       Err(binop::kIncrement, St::kKeyNotFound)},
      {"decrq missing, no create: errors are sent",
       Req(binop::kDecrementQ, "m", ArithExtras(1, 42, kBinaryNoCreate)),
       Err(binop::kDecrementQ, St::kKeyNotFound)},
      {"incr missing creates the initial value",
       Req(binop::kIncrement, "m", ArithExtras(1, 42, 0)),
       Ok(binop::kIncrement, 5, Be64(42))},
      {"then increments", Req(binop::kIncrement, "m", ArithExtras(1, 42, 0)),
       Ok(binop::kIncrement, 6, Be64(43))},
      {"created as text", Req(binop::kGet, "m"),
       Resp(binop::kGet, St::kSuccess, 6, Be32(0), "", "43")},
      {"non-numeric", Req(binop::kSet, "s", SetExtras(0, 0), "abc") +
                          Req(binop::kDecrement, "s", ArithExtras(1, 0, 0)),
       Ok(binop::kSet, 7) + Err(binop::kDecrement, St::kDeltaBadValue)},
      {"delete, wrong cas", Req(binop::kDelete, "n", "", "", 1),
       Err(binop::kDelete, St::kKeyExists)},
      {"delete", Req(binop::kDelete, "n"), Ok(binop::kDelete)},
      {"delete miss", Req(binop::kDelete, "n"),
       Err(binop::kDelete, St::kKeyNotFound)},
      {"deleteq hit silent, miss sent",
       Req(binop::kDeleteQ, "m") + Req(binop::kDeleteQ, "m"),
       Err(binop::kDeleteQ, St::kKeyNotFound)},
  };
  RUN_STEPS(steps);
  EXPECT_EQ(stats_.incr_hits.Get(), 3u);  // not the create
  EXPECT_EQ(stats_.incr_misses.Get(), 1u);  // only without create
  EXPECT_EQ(stats_.decr_hits.Get(), 1u);
  EXPECT_EQ(stats_.decr_misses.Get(), 1u);
  EXPECT_EQ(stats_.delete_hits.Get(), 2u);
  EXPECT_EQ(stats_.delete_misses.Get(), 2u);
}

TEST_F(BinaryHandlerTest, TouchAndGat) {
  const std::string flags = Be32(9);
  const std::string ten = Be32(10);
  const std::vector<Step> steps = {
      {"set", Req(binop::kSet, "t", SetExtras(9, 0), "tv"), Ok(binop::kSet, 1)},
      {"touch: flags, no value", Req(binop::kTouch, "t", ten),
       Resp(binop::kTouch, St::kSuccess, 1, flags, "", "")},
      {"touch miss", Req(binop::kTouch, "x", ten),
       Err(binop::kTouch, St::kKeyNotFound)},
      {"gat", Req(binop::kGat, "t", ten),
       Resp(binop::kGat, St::kSuccess, 1, flags, "", "tv")},
      {"gatk", Req(binop::kGatK, "t", ten),
       Resp(binop::kGatK, St::kSuccess, 1, flags, "t", "tv")},
      {"gatkq hit", Req(binop::kGatKQ, "t", ten),
       Resp(binop::kGatKQ, St::kSuccess, 1, flags, "t", "tv")},
      {"gatk miss", Req(binop::kGatK, "x", ten),
       Resp(binop::kGatK, St::kKeyNotFound, 0, "", "x", "")},
      {"gatq, gatkq misses silent",
       Req(binop::kGatQ, "x", ten) + Req(binop::kGatKQ, "x", ten), ""},
  };
  RUN_STEPS(steps);
  EXPECT_EQ(stats_.touch_cmds.Get(), 8u);
  EXPECT_EQ(stats_.touch_hits.Get(), 4u);
  EXPECT_EQ(stats_.touch_misses.Get(), 4u);
  EXPECT_EQ(stats_.get_cmds.Get(), 0u);
  clock_.Advance(11);  // the touches set a 10 s expiry
  EXPECT_EQ(Run(Req(binop::kGet, "t")), Err(binop::kGet, St::kKeyNotFound));
}

TEST_F(BinaryHandlerTest, FlushNoopVersionQuit) {
  const std::vector<Step> steps = {
      {"set", Req(binop::kSet, "a", SetExtras(0, 0), "1"), Ok(binop::kSet, 1)},
      {"flush in 5 s", Req(binop::kFlush, "", Be32(5)), Ok(binop::kFlush)},
      {"still there", Req(binop::kGet, "a"),
       Resp(binop::kGet, St::kSuccess, 1, Be32(0), "", "1")},
      {"flushq", Req(binop::kFlushQ) + Req(binop::kGet, "a"),
       Err(binop::kGet, St::kKeyNotFound)},
      {"noop", Req(binop::kNoop), Ok(binop::kNoop)},
      {"version", Req(binop::kVersion), Ok(binop::kVersion, 0, ServerVersion())},
  };
  RUN_STEPS(steps);
  EXPECT_EQ(stats_.flush_cmds.Get(), 2u);
  EXPECT_EQ(Run(Req(binop::kQuit) + Req(binop::kNoop)), Ok(binop::kQuit));
  EXPECT_TRUE(closed_);
  EXPECT_EQ(Run(Req(binop::kQuitQ) + Req(binop::kNoop)), "");
  EXPECT_TRUE(closed_);
}

TEST_F(BinaryHandlerTest, ProtocolErrors) {
  // Unknown opcodes swallow the body length after the key, as memcached.
  EXPECT_EQ(Run(Req(0x40) + Req(binop::kNoop)),
            Err(0x40, St::kUnknownCommand) + Ok(binop::kNoop));
  EXPECT_EQ(Run(Req(binop::kVerbosity, "", Be32(1)) + "abcd" + Req(binop::kNoop)),
            Err(binop::kVerbosity, St::kUnknownCommand) + Ok(binop::kNoop));
  EXPECT_FALSE(closed_);
  EXPECT_EQ(Run(Req(binop::kSaslAuth, "PLAIN", "", "secret") + Req(binop::kNoop)),
            Err(binop::kSaslAuth, St::kUnknownCommand) + Ok(binop::kNoop));
  // Invalid lengths for the opcode: EINVAL, then close.
  EXPECT_EQ(Run(Req(binop::kGet) + Req(binop::kNoop)),
            Err(binop::kGet, St::kInvalidArguments));
  EXPECT_TRUE(closed_);
  EXPECT_EQ(Run(Req(binop::kGetQ, std::string(251, 'k'))),
            Err(binop::kGetQ, St::kInvalidArguments));
  EXPECT_TRUE(closed_);
  // Key and extras longer than the body: UNKNOWN_COMMAND, then close.
  std::string bad = Req(binop::kGet, "abc");
  bad[11] = 2;  // body length 2
  EXPECT_EQ(Run(bad), Err(binop::kGet, St::kUnknownCommand));
  EXPECT_TRUE(closed_);
  // Not a request: closed without a word.
  EXPECT_EQ(Run("get foo foo foo foo foo\r\n"), "");
  EXPECT_TRUE(closed_);
}

TEST_F(BinaryHandlerTest, TooLargeSwallowsAndDropsTheOldValue) {
  const std::string x = SetExtras(0, 0);
  const std::string big(options_.store.item_size_max + 10, 'x');
  EXPECT_EQ(Run(Req(binop::kSet, "big", x, "old") +
                Req(binop::kSet, "big", x, big) + Req(binop::kGet, "big") +
                Req(binop::kAppendQ, "big", "", big) + Req(binop::kNoop)),
            Ok(binop::kSet, 1) + Err(binop::kSet, St::kTooLarge) +
                Err(binop::kGet, St::kKeyNotFound) +
                Err(binop::kAppendQ, St::kTooLarge) + Ok(binop::kNoop));
  EXPECT_EQ(stats_.store_too_large.Get(), 0u);  // memcached's binary count
  EXPECT_EQ(stats_.set_cmds.Get(), 1u);
}

TEST_F(BinaryHandlerTest, Stats) {
  // Groups: one packet per stat, then an empty one.
  std::string reply = Run(Req(binop::kStat, "settings"));
  const std::string first = Resp(binop::kStat, St::kSuccess, 0, "", "maxbytes",
                                 std::to_string(4u << 20));
  EXPECT_EQ(reply.substr(0, first.size()), first);
  const std::string end = Ok(binop::kStat);
  ASSERT_GT(reply.size(), end.size());
  EXPECT_EQ(reply.substr(reply.size() - end.size()), end);
  EXPECT_NE(reply.find(Resp(binop::kStat, St::kSuccess, 0, "",
                            "binding_protocol", "auto-negotiate")),
            std::string::npos);
  // memcached matches "settings" and "reset" as prefixes.
  EXPECT_EQ(Run(Req(binop::kStat, "settingsxx")), reply);
  EXPECT_EQ(Run(Req(binop::kStat, "sizes")),
            Resp(binop::kStat, St::kSuccess, 0, "", "sizes_status",
                 "disabled") +
                end);
  for (const char* group : {"bogus", "detail", "itemsx", "conns"}) {
    SCOPED_TRACE(group);
    EXPECT_EQ(Run(Req(binop::kStat, group)),
              Err(binop::kStat, St::kKeyNotFound));
  }
  Run(Req(binop::kGet, "miss"));
  reply = Run(Req(binop::kStat));
  EXPECT_NE(reply.find(Resp(binop::kStat, St::kSuccess, 0, "", "get_misses",
                            "1")),
            std::string::npos);
  EXPECT_EQ(Run(Req(binop::kStat, "reset")), end);
  reply = Run(Req(binop::kStat));
  EXPECT_NE(reply.find(Resp(binop::kStat, St::kSuccess, 0, "", "get_misses",
                            "0")),
            std::string::npos);
  EXPECT_EQ(reply.substr(reply.size() - end.size()), end);
}

// -S, up to what needs the SASL library: which requests pass before
// authentication, and SASL requests the handler answers itself.
TEST_F(BinaryHandlerTest, SaslRefusesUntilAuthenticated) {
  options_.sasl = true;
  const auto kAuthError = static_cast<St>(0x20);
  const std::string auth_failure = "Auth failure.";
  const struct {
    const char* name;
    std::string request;
    std::string reply;
    bool closes;
  } kCases[] = {
      {"version passes", Req(binop::kVersion),
       Ok(binop::kVersion, 0, ServerVersion()), false},
      {"get refused", Req(binop::kGet, "k"),
       Resp(binop::kGet, kAuthError, 0, "", "", auth_failure), true},
      {"noop refused", Req(binop::kNoop),
       Resp(binop::kNoop, kAuthError, 0, "", "", auth_failure), true},
      // Before the key length and opcode checks, as memcached.
      {"unknown opcode refused", Req(0x50),
       Resp(0x50, kAuthError, 0, "", "", auth_failure), true},
      {"long key refused", Req(binop::kGet, std::string(251, 'k')),
       Resp(binop::kGet, kAuthError, 0, "", "", auth_failure), true},
      // After the length check.
      {"bad lengths",
       Header(kBinaryRequestMagic, binop::kGet, 0, 5, 1, 0, 0) + "kkkkk",
       Err(binop::kGet, St::kUnknownCommand), true},
      {"mechanism over 32 bytes",
       Req(binop::kSaslAuth, std::string(33, 'M'), "", "data") +
           Req(binop::kVersion),
       Err(binop::kSaslAuth, St::kInvalidArguments) +
           Ok(binop::kVersion, 0, ServerVersion()),
       false},
      {"step before auth", Req(binop::kSaslStep, "PLAIN", "", "x"),
       Resp(binop::kSaslStep, kAuthError, 0, "", "", auth_failure), false},
      {"sasl lengths still checked", Req(binop::kSaslListMechs, "k"),
       Err(binop::kSaslListMechs, St::kInvalidArguments), true},
      // Nothing happens until all of the data is there.
      {"partial data",
       Req(binop::kSaslAuth, "PLAIN", "", std::string("\0user\0pass", 10))
           .substr(0, 32),
       "",
       false},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Run(c.request), c.reply);
    EXPECT_EQ(closed_, c.closes);
  }
  // Only the SASL step counted; AUTH_ERROR for other opcodes does not.
  EXPECT_EQ(stats_.auth_cmds.Get(), 1u);
  EXPECT_EQ(stats_.auth_errors.Get(), 1u);
}

}  // namespace
}  // namespace memcd
