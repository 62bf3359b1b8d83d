#include "proto/text_parser.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memcd {
namespace {

using C = TextCommand;

const char kBad[] = "CLIENT_ERROR bad command line format";
const char kBadExptime[] = "CLIENT_ERROR invalid exptime argument";
const char kBadDelta[] = "CLIENT_ERROR invalid numeric delta argument";
const char kBadDelete[] =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";

// What one parse should give. Built with chained setters so each table row
// names only the fields that matter; the rest must keep their defaults.
struct Want {
  ParseStatus status = ParseStatus::kOk;
  std::string error;
  bool noreply = false;
  TextCommand command = C::kGet;
  std::string key, keys, args;
  uint32_t flags = 0;
  int64_t exptime = 0;
  uint32_t length = 0;
  uint64_t cas = 0;
  uint64_t delta = 0;
  uint32_t verbosity = 0;
  bool has_delay = false;

  // clang-format off
  Want& Key(std::string k) { key = std::move(k); return *this; }
  Want& Keys(std::string k) { keys = std::move(k); return *this; }
  Want& Args(std::string a) { args = std::move(a); return *this; }
  Want& Flags(uint32_t f) { flags = f; return *this; }
  Want& Exp(int64_t e) { exptime = e; return *this; }
  Want& Len(uint32_t l) { length = l; return *this; }
  Want& Cas(uint64_t c) { cas = c; return *this; }
  Want& Delta(uint64_t d) { delta = d; return *this; }
  Want& Level(uint32_t v) { verbosity = v; return *this; }
  Want& Delay(int64_t d) { exptime = d; has_delay = true; return *this; }
  Want& Noreply() { noreply = true; return *this; }
  // clang-format on
};

Want Ok(TextCommand c) {
  Want w;
  w.command = c;
  return w;
}

Want Err(const char* error) {
  Want w;
  w.status = ParseStatus::kError;
  w.error = error;
  return w;
}

struct Case {
  std::string in;  // exactly one request line
  Want want;
};

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (b == '\r') {
      out += "\\r";
    } else if (b == '\n') {
      out += "\\n";
    } else if (b < 0x20 || b >= 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out.size() > 120 ? out.substr(0, 120) + "..." : out;
}

bool Within(std::string_view view, std::string_view buf) {
  return view.empty() || (view.data() >= buf.data() &&
                          view.data() + view.size() <= buf.data() + buf.size());
}

// Checks one parse of `buf` whose first line is `line_length` bytes long.
void ExpectParse(std::string_view buf, size_t line_length, const Want& want) {
  TextRequest req;
  const ParseResult r = ParseTextRequest(buf, &req);
  ASSERT_EQ(r.status, want.status) << "error was '" << r.error << "'";
  EXPECT_EQ(r.consumed, line_length);
  EXPECT_EQ(r.noreply, want.noreply);
  EXPECT_FALSE(r.close);
  if (want.status == ParseStatus::kError) {
    EXPECT_EQ(r.error, want.error);
    return;
  }
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(req.command, want.command);
  EXPECT_EQ(req.key, want.key);
  EXPECT_EQ(req.keys, want.keys);
  EXPECT_EQ(req.args, want.args);
  EXPECT_EQ(req.client_flags, want.flags);
  EXPECT_EQ(req.exptime, want.exptime);
  EXPECT_EQ(req.value_length, want.length);
  EXPECT_EQ(req.cas_unique, want.cas);
  EXPECT_EQ(req.delta, want.delta);
  EXPECT_EQ(req.verbosity, want.verbosity);
  EXPECT_EQ(req.has_delay, want.has_delay);
  EXPECT_EQ(req.noreply, want.noreply);
  // Views point into the line itself, never into a copy or past it.
  const std::string_view line = buf.substr(0, line_length);
  EXPECT_TRUE(Within(req.key, line));
  EXPECT_TRUE(Within(req.keys, line));
  EXPECT_TRUE(Within(req.args, line));
}

// Every proper prefix of `in` (one line) is incomplete and consumes nothing.
void ExpectPrefixesNeedMore(std::string_view in) {
  TextRequest req;
  for (size_t i = 0; i < in.size(); ++i) {
    const ParseResult r = ParseTextRequest(in.substr(0, i), &req);
    ASSERT_EQ(r.status, ParseStatus::kNeedMore) << "prefix of " << i;
    ASSERT_EQ(r.consumed, 0u) << "prefix of " << i;
  }
}

// The whole contract for one request line: every proper prefix needs more,
// the line alone parses as wanted, and so does the line with a second
// request behind it, which is then left intact.
void RunCase(const std::string& in, const Want& want) {
  SCOPED_TRACE("input: " + Printable(in));
  ASSERT_LE(in.size(), kMaxCommandLine) << "long lines have their own tests";
  ExpectPrefixesNeedMore(in);
  ExpectParse(in, in.size(), want);

  const std::string two = in + "version\r\n";
  ExpectParse(two, in.size(), want);
  TextRequest req;
  const ParseResult next =
      ParseTextRequest(std::string_view(two).substr(in.size()), &req);
  EXPECT_EQ(next.status, ParseStatus::kOk);
  EXPECT_EQ(next.consumed, 9u);
  EXPECT_EQ(req.command, C::kVersion);
}

// Each row runs as written and, when it ends in a plain "\r\n", once more
// with a bare "\n" (which memcached accepts too).
void RunTable(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    RunCase(c.in, c.want);
    const size_t n = c.in.size();
    if (n >= 3 && c.in.compare(n - 2, 2, "\r\n") == 0 && c.in[n - 3] != '\r') {
      RunCase(c.in.substr(0, n - 2) + "\n", c.want);
    }
  }
}

const std::string k250(250, 'k');
const std::string k251(251, 'k');

TEST(TextParserTest, Retrieval) {
  RunTable({
      {"get k\r\n", Ok(C::kGet).Keys("k")},
      {"get a b c\r\n", Ok(C::kGet).Keys("a b c")},
      {"get  a   b  \r\n", Ok(C::kGet).Keys("a   b")},
      {"  get a\r\n", Ok(C::kGet).Keys("a")},
      {"gets a b\r\n", Ok(C::kGets).Keys("a b")},
      // memcached has no noreply for gets: it is one more key.
      {"get k noreply\r\n", Ok(C::kGet).Keys("k noreply")},
      {"get noreply\r\n", Ok(C::kGet).Keys("noreply")},
      {"get " + k250 + "\r\n", Ok(C::kGet).Keys(k250)},
      {"get \xc3\xa9t\xc3\xa9\r\n", Ok(C::kGet).Keys("\xc3\xa9t\xc3\xa9")},
      {"get a\x80\xff\r\n", Ok(C::kGet).Keys("a\x80\xff")},
      {"gat 10 a b\r\n", Ok(C::kGat).Exp(10).Keys("a b")},
      {"gats -1 a\r\n", Ok(C::kGats).Exp(-1).Keys("a")},
      {"gat +5 a\r\n", Ok(C::kGat).Exp(5).Keys("a")},
      {"gat 2147483647 a\r\n", Ok(C::kGat).Exp(2147483647).Keys("a")},
      {"gat -2147483648 a\r\n", Ok(C::kGat).Exp(-2147483648LL).Keys("a")},
      {"gat 10 a noreply\r\n", Ok(C::kGat).Exp(10).Keys("a noreply")},
      // memcached answers a gat without keys with a bare "END".
      {"gat 10\r\n", Ok(C::kGat).Exp(10)},
      {"gats 10   \r\n", Ok(C::kGats).Exp(10)},

      {"get\r\n", Err("ERROR")},
      {"get   \r\n", Err("ERROR")},
      {"gets\r\n", Err("ERROR")},
      {"gat\r\n", Err("ERROR")},
      {"gats\r\n", Err("ERROR")},
      {"GET k\r\n", Err("ERROR")},
      {"Get k\r\n", Err("ERROR")},
      {"get\tk\r\n", Err("ERROR")},
      {"get " + k251 + "\r\n", Err(kBad)},
      {"get a " + k251 + "\r\n", Err(kBad)},
      {"get " + k251 + " a\r\n", Err(kBad)},
      {"gets a " + k251 + " noreply\r\n", Err(kBad)},
      // Control characters belong to keys, as in memcached; a NUL is
      // refused (memcached cuts the line there).
      {"get a\x01z\r\n", Ok(C::kGet).Keys("a\x01z")},
      {"get a\tb\r\n", Ok(C::kGet).Keys("a\tb")},
      {"get a\x7f\r\n", Ok(C::kGet).Keys("a\x7f")},
      {"get ok a\x1f\r\n", Ok(C::kGet).Keys("ok a\x1f")},
      {"get a\r\r\n", Ok(C::kGet).Keys("a\r")},
      {"get a\rb\r\n", Ok(C::kGet).Keys("a\rb")},
      {std::string("get a\0b\r\n", 9), Err(kBad)},
      {std::string("get ok a\0\r\n", 11), Err(kBad)},
      {"gat abc a\r\n", Err(kBadExptime)},
      {"gat 1.5 a\r\n", Err(kBadExptime)},
      {"gat 2147483648 a\r\n", Err(kBadExptime)},
      {"gat -2147483649 a\r\n", Err(kBadExptime)},
      {"gat abc " + k251 + "\r\n", Err(kBadExptime)},  // exptime first
      {"gat abc noreply\r\n", Err(kBadExptime)},       // never suppressed
      {"gat 10 " + k251 + "\r\n", Err(kBad)},
      {"gats 10 a\x02\r\n", Ok(C::kGats).Exp(10).Keys("a\x02")},
  });
}

TEST(TextParserTest, Storage) {
  RunTable({
      {"set k 5 10 3\r\n", Ok(C::kSet).Key("k").Flags(5).Exp(10).Len(3)},
      {"set k 0 0 1 noreply\r\n", Ok(C::kSet).Key("k").Len(1).Noreply()},
      {"add k 1 2 3\r\n", Ok(C::kAdd).Key("k").Flags(1).Exp(2).Len(3)},
      {"replace k 1 2 3 noreply\r\n",
       Ok(C::kReplace).Key("k").Flags(1).Exp(2).Len(3).Noreply()},
      {"append k 0 0 7\r\n", Ok(C::kAppend).Key("k").Len(7)},
      {"prepend k 0 0 7 noreply\r\n",
       Ok(C::kPrepend).Key("k").Len(7).Noreply()},
      {"  set   k  1   2  3   \r\n",
       Ok(C::kSet).Key("k").Flags(1).Exp(2).Len(3)},
      // A sixth token that is not "noreply" is ignored, as memcached does.
      {"set k 0 0 1 junk\r\n", Ok(C::kSet).Key("k").Len(1)},
      {"set k 0 0 1 NOREPLY\r\n", Ok(C::kSet).Key("k").Len(1)},
      {"set k 4294967295 -1 0\r\n",
       Ok(C::kSet).Key("k").Flags(4294967295u).Exp(-1).Len(0)},
      {"set k +5 +0 +1\r\n", Ok(C::kSet).Key("k").Flags(5).Len(1)},
      {"set k 007 -0 01\r\n", Ok(C::kSet).Key("k").Flags(7).Len(1)},
      {"set k 0 -2147483648 0\r\n", Ok(C::kSet).Key("k").Exp(-2147483648LL)},
      {"set k 0 0 2147483645\r\n", Ok(C::kSet).Key("k").Len(2147483645u)},
      {"set " + k250 + " 0 0 1\r\n", Ok(C::kSet).Key(k250).Len(1)},
      {"cas k 1 2 3 99\r\n",
       Ok(C::kCas).Key("k").Flags(1).Exp(2).Len(3).Cas(99)},
      {"cas k 0 0 1 18446744073709551615 noreply\r\n",
       Ok(C::kCas).Key("k").Len(1).Cas(UINT64_MAX).Noreply()},
      {"cas k 0 0 1 5 junk\r\n", Ok(C::kCas).Key("k").Len(1).Cas(5)},

      // Wrong token counts: ERROR, never suppressed by noreply.
      {"set\r\n", Err("ERROR")},
      {"set k\r\n", Err("ERROR")},
      {"set k 0\r\n", Err("ERROR")},
      {"set k 0 0\r\n", Err("ERROR")},
      {"set k 0 noreply\r\n", Err("ERROR")},
      {"set k 0 0 1 2 3\r\n", Err("ERROR")},
      {"set k 0 0 1 noreply junk\r\n", Err("ERROR")},
      {"add k 0 0\r\n", Err("ERROR")},
      {"cas k 0 0 1\r\n", Err("ERROR")},
      {"cas k 0 0 1 noreply\r\n", Err(kBad).Noreply()},  // "noreply" as cas
      {"cas k 0 0 1 2 noreply x\r\n", Err("ERROR")},
      {"Set k 0 0 1\r\n", Err("ERROR")},
      {"sets k 0 0 1\r\n", Err("ERROR")},

      {"set k 0 0 -1\r\n", Err(kBad)},
      {"set k 0 0 -1 noreply\r\n", Err(kBad).Noreply()},
      {"set k 0 0 2147483646\r\n", Err(kBad)},
      {"set k 0 0 2147483647\r\n", Err(kBad)},
      {"set k 0 0 4294967297\r\n", Err(kBad)},
      {"set k 0 0 99999999999999999999\r\n", Err(kBad)},
      {"set k 0 0 abc\r\n", Err(kBad)},
      {"set k 0 0 1a\r\n", Err(kBad)},
      {"set k 0 0 1\t\r\n", Err(kBad)},
      {"set k 0 0 1\rjunk\r\n", Err(kBad)},
      {"set k 0 0 noreply\r\n", Err(kBad).Noreply()},
      {"set k abc 0 1\r\n", Err(kBad)},
      {"set k -1 0 1\r\n", Err(kBad)},
      {"set k -0 0 1\r\n", Err(kBad)},
      {"set k 4294967296 0 1\r\n", Err(kBad)},
      {"set k 0 abc 1\r\n", Err(kBad)},
      {"set k 0 2147483648 1\r\n", Err(kBad)},
      {"set k 0 abc 1 noreply\r\n", Err(kBad).Noreply()},
      {"set " + k251 + " 0 0 1\r\n", Err(kBad)},
      {"set " + k251 + " 0 0 1 noreply\r\n", Err(kBad).Noreply()},
      {"set a\x01 0 0 1\r\n", Ok(C::kSet).Key("a\x01").Len(1)},
      {"append a\x7f 0 0 1 noreply\r\n", Ok(C::kAppend).Key("a\x7f").Len(1).Noreply()},
      {std::string("set a\0 0 0 1\r\n", 14), Err(kBad)},
      {"cas k 0 0 1 abc\r\n", Err(kBad)},
      {"cas k 0 0 1 -1\r\n", Err(kBad)},
      {"cas k 0 0 1 18446744073709551616\r\n", Err(kBad)},
      {"cas k 0 0 1 abc noreply\r\n", Err(kBad).Noreply()},
  });
}

TEST(TextParserTest, Delete) {
  RunTable({
      {"delete k\r\n", Ok(C::kDelete).Key("k")},
      {"delete k 0\r\n", Ok(C::kDelete).Key("k")},
      {"delete k noreply\r\n", Ok(C::kDelete).Key("k").Noreply()},
      {"delete k 0 noreply\r\n", Ok(C::kDelete).Key("k").Noreply()},
      {"delete noreply\r\n", Ok(C::kDelete).Key("noreply")},
      {"delete " + k250 + "\r\n", Ok(C::kDelete).Key(k250)},

      {"delete\r\n", Err("ERROR")},
      {"delete k x y z\r\n", Err("ERROR")},
      {"delete k 0 noreply x\r\n", Err("ERROR")},
      {"delete k 1\r\n", Err(kBadDelete)},
      {"delete k 00\r\n", Err(kBadDelete)},
      {"delete k 1 noreply\r\n", Err(kBadDelete).Noreply()},
      {"delete k noreply 0\r\n", Err(kBadDelete)},
      {"delete k x y\r\n", Err(kBadDelete)},
      {"delete k noreply noreply\r\n", Err(kBadDelete).Noreply()},
      {"delete " + k251 + "\r\n", Err(kBad)},
      {"delete " + k251 + " noreply\r\n", Err(kBad).Noreply()},
      {"delete " + k251 + " 0\r\n", Err(kBad)},
      {"delete " + k251 + " 1\r\n", Err(kBadDelete)},  // arguments first
      {"delete k\x03\r\n", Ok(C::kDelete).Key("k\x03")},
  });
}

TEST(TextParserTest, Arithmetic) {
  RunTable({
      {"incr k 1\r\n", Ok(C::kIncr).Key("k").Delta(1)},
      {"decr k 0\r\n", Ok(C::kDecr).Key("k").Delta(0)},
      {"incr k 18446744073709551615\r\n",
       Ok(C::kIncr).Key("k").Delta(UINT64_MAX)},
      {"decr k 5 noreply\r\n", Ok(C::kDecr).Key("k").Delta(5).Noreply()},
      {"incr k +1\r\n", Ok(C::kIncr).Key("k").Delta(1)},
      {"incr k 007\r\n", Ok(C::kIncr).Key("k").Delta(7)},
      {"incr k 1 junk\r\n", Ok(C::kIncr).Key("k").Delta(1)},

      {"incr\r\n", Err("ERROR")},
      {"incr k\r\n", Err("ERROR")},
      {"decr k\r\n", Err("ERROR")},
      {"incr k 1 2 3\r\n", Err("ERROR")},
      {"incr k 1 noreply x\r\n", Err("ERROR")},
      {"incr k abc\r\n", Err(kBadDelta)},
      {"incr k -1\r\n", Err(kBadDelta)},
      {"incr k -0\r\n", Err(kBadDelta)},
      {"incr k 1.5\r\n", Err(kBadDelta)},
      {"incr k 18446744073709551616\r\n", Err(kBadDelta)},
      {"decr k 99999999999999999999999\r\n", Err(kBadDelta)},
      {"incr k abc noreply\r\n", Err(kBadDelta).Noreply()},
      {"incr k noreply\r\n", Err(kBadDelta).Noreply()},
      {"incr " + k251 + " abc\r\n", Err(kBad)},  // key first
      {"decr " + k251 + " 1 noreply\r\n", Err(kBad).Noreply()},
      {"incr k\x1b 1\r\n", Ok(C::kIncr).Key("k\x1b").Delta(1)},
  });
}

TEST(TextParserTest, Touch) {
  RunTable({
      {"touch k 10\r\n", Ok(C::kTouch).Key("k").Exp(10)},
      {"touch k -1 noreply\r\n", Ok(C::kTouch).Key("k").Exp(-1).Noreply()},
      {"touch k 10 junk\r\n", Ok(C::kTouch).Key("k").Exp(10)},

      {"touch\r\n", Err("ERROR")},
      {"touch k\r\n", Err("ERROR")},
      {"touch k 1 2 3\r\n", Err("ERROR")},
      {"touch k abc\r\n", Err(kBadExptime)},
      {"touch k 2147483648\r\n", Err(kBadExptime)},
      {"touch k abc noreply\r\n", Err(kBadExptime).Noreply()},
      {"touch k noreply\r\n", Err(kBadExptime).Noreply()},
      {"touch " + k251 + " abc\r\n", Err(kBad)},
      {"touch k\x7f 1\r\n", Ok(C::kTouch).Key("k\x7f").Exp(1)},
  });
}

TEST(TextParserTest, OtherCommands) {
  RunTable({
      {"flush_all\r\n", Ok(C::kFlushAll)},
      {"flush_all noreply\r\n", Ok(C::kFlushAll).Noreply()},
      {"flush_all 0\r\n", Ok(C::kFlushAll).Delay(0)},
      {"flush_all -1\r\n", Ok(C::kFlushAll).Delay(-1)},
      {"flush_all +5\r\n", Ok(C::kFlushAll).Delay(5)},
      {"flush_all 10 noreply\r\n", Ok(C::kFlushAll).Delay(10).Noreply()},
      {"flush_all 10 junk\r\n", Ok(C::kFlushAll).Delay(10)},
      {"flush_all 1 2 3\r\n", Err("ERROR")},
      {"flush_all abc\r\n", Err(kBadExptime)},
      {"flush_all 2147483648\r\n", Err(kBadExptime)},
      {"flush_all abc noreply\r\n", Err(kBadExptime).Noreply()},
      {"flush_all noreply 10\r\n", Err(kBadExptime)},

      {"verbosity 1\r\n", Ok(C::kVerbosity).Level(1)},
      {"verbosity 4294967295 noreply\r\n",
       Ok(C::kVerbosity).Level(4294967295u).Noreply()},
      {"verbosity 2 junk\r\n", Ok(C::kVerbosity).Level(2)},
      {"verbosity\r\n", Err("ERROR")},
      {"verbosity 1 2 3\r\n", Err("ERROR")},
      {"verbosity abc\r\n", Err(kBad)},
      {"verbosity -1\r\n", Err(kBad)},
      {"verbosity 4294967296\r\n", Err(kBad)},
      {"verbosity noreply\r\n", Err(kBad).Noreply()},
      {"verbosity abc noreply\r\n", Err(kBad).Noreply()},

      {"version\r\n", Ok(C::kVersion)},
      {"version foo bar\r\n", Ok(C::kVersion)},
      {"version noreply\r\n", Ok(C::kVersion)},
      {" version \r\n", Ok(C::kVersion)},
      {"quit\r\n", Ok(C::kQuit)},
      {"quit now\r\n", Ok(C::kQuit)},
      {"stats\r\n", Ok(C::kStats)},
      {"stats   \r\n", Ok(C::kStats)},
      {"stats items\r\n", Ok(C::kStats).Args("items")},
      {"stats   detail   dump  \r\n", Ok(C::kStats).Args("detail   dump")},
      {"stats noreply\r\n", Ok(C::kStats).Args("noreply")},
      {"debugtime 10\r\n", Ok(C::kDebugTime).Exp(10)},
      {"debugtime -5\r\n", Ok(C::kDebugTime).Exp(-5)},
      {"debugtime 9223372036854775807\r\n", Ok(C::kDebugTime).Exp(INT64_MAX)},
      {"debugtime\r\n", Err("ERROR")},
      {"lru mode flat\r\n", Ok(C::kLru).Args("mode flat")},
      {"lru_crawler crawl 1,2\r\n", Ok(C::kLruCrawler).Args("crawl 1,2")},
      {"lru_crawler crawl all noreply\r\n",
       Ok(C::kLruCrawler).Args("crawl all noreply")},
      {"lru  tune 10 30 0.1 2 \r\n", Ok(C::kLru).Args("tune 10 30 0.1 2")},
      {"lru mode flat noreply\r\n",
       Ok(C::kLru).Args("mode flat noreply").Noreply()},
      {"lru\r\n", Err("ERROR")},
      {"lru_crawler\r\n", Err("ERROR")},
      {"lru   \r\n", Err("ERROR")},
      {"debugtime abc\r\n", Err("ERROR")},
      {"debugtime 9223372036854775808\r\n", Err("ERROR")},
      {"cache_memlimit 100\r\n", Ok(C::kCacheMemlimit).Args("100")},
      {"cache_memlimit  abc \r\n", Ok(C::kCacheMemlimit).Args("abc")},
      {"cache_memlimit 8 noreply\r\n",
       Ok(C::kCacheMemlimit).Args("8").Noreply()},
      {"cache_memlimit 8 foo\r\n", Ok(C::kCacheMemlimit).Args("8")},
      {"cache_memlimit noreply\r\n",
       Ok(C::kCacheMemlimit).Args("noreply").Noreply()},
      {"cache_memlimit\r\n", Err("ERROR")},
      {"cache_memlimit 8 noreply x\r\n", Err("ERROR")},
      {"shutdown\r\n", Ok(C::kShutdown).Args("")},
      {"shutdown  graceful \r\n", Ok(C::kShutdown).Args("graceful")},
      {"shutdown noreply\r\n", Ok(C::kShutdown).Args("noreply")},
      {"shutdown graceful foo\r\n", Ok(C::kShutdown).Args("graceful foo")},
      {"watch\r\n", Ok(C::kWatch).Args("")},
      {"watch fetchers  mutations\r\n", Ok(C::kWatch).Args("fetchers  mutations")},
      {"watch fetchers noreply\r\n", Ok(C::kWatch).Args("fetchers noreply").Noreply()},
      {"refresh_certs\r\n", Ok(C::kRefreshCerts)},
      {"refresh_certs noreply\r\n", Ok(C::kRefreshCerts).Noreply()},
      {"refresh_certs x y\r\n", Ok(C::kRefreshCerts)},
      {"CACHE_MEMLIMIT 8\r\n", Err("ERROR")},

      {"\r\n", Err("ERROR")},
      {"\n", Err("ERROR")},
      {"\r\r\n", Err("ERROR")},
      {"    \r\n", Err("ERROR")},
      {"x\r\n", Err("ERROR")},
      {"versions\r\n", Err("ERROR")},
      {"VERSION\r\n", Err("ERROR")},
      {"version\r\r\n", Err("ERROR")},
      {"\tversion\r\n", Err("ERROR")},
      {std::string("version\0junk\r\n", 14), Err("ERROR")},
      {"foo noreply\r\n", Err("ERROR")},
      {"mg k v\r\n", Err("ERROR")},
      {"SHUTDOWN\r\n", Err("ERROR")},
      {"GET / HTTP/1.1\r\n", Err("ERROR")},
  });
}

// memcached splits at most 24 tokens; past that every fixed-grammar command
// is already a wrong token count, so counting them all gives the same ERROR.
TEST(TextParserTest, ManyTokens) {
  std::string many;
  for (int i = 0; i < 40; ++i) many += " x";
  RunTable({
      {"set k 0 0 1" + many + " noreply\r\n", Err("ERROR")},
      {"delete k" + many + "\r\n", Err("ERROR")},
      {"incr k 1" + many + " noreply\r\n", Err("ERROR")},
      {"version" + many + "\r\n", Ok(C::kVersion)},
      {"stats" + many + "\r\n", Ok(C::kStats).Args(many.substr(1))},
  });
}

TEST(TextParserTest, StorageLeavesDataBlock) {
  const std::string buf = "set k 0 0 5\r\nhello\r\n";
  TextRequest req;
  const ParseResult r = ParseTextRequest(buf, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 13u);
  EXPECT_EQ(req.value_length, 5u);
  EXPECT_EQ(buf.substr(r.consumed, req.value_length + 2), "hello\r\n");
}

// After a refused storage line the data block is parsed as a command, as in
// memcached ("CLIENT_ERROR bad command line format" then "ERROR").
TEST(TextParserTest, RefusedStorageLineThenData) {
  const std::string buf = "set k 0 0 -1\r\nx\r\n";
  TextRequest req;
  ParseResult r = ParseTextRequest(buf, &req);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, kBad);
  ASSERT_EQ(r.consumed, 14u);
  r = ParseTextRequest(std::string_view(buf).substr(r.consumed), &req);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "ERROR");
  EXPECT_EQ(r.consumed, 3u);
}

TEST(TextParserTest, Pipelined) {
  const std::string buf = "get a\r\nincr b 2 noreply\ndelete c\r\nget";
  TextRequest req;
  std::string_view rest = buf;
  ParseResult r = ParseTextRequest(rest, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 7u);
  EXPECT_EQ(req.keys, "a");
  rest.remove_prefix(r.consumed);
  r = ParseTextRequest(rest, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 17u);
  EXPECT_EQ(req.command, C::kIncr);
  EXPECT_EQ(req.delta, 2u);
  EXPECT_TRUE(req.noreply);
  rest.remove_prefix(r.consumed);
  r = ParseTextRequest(rest, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 10u);
  EXPECT_EQ(req.command, C::kDelete);
  EXPECT_EQ(req.key, "c");
  // The fields of the earlier request do not leak into this one.
  EXPECT_FALSE(req.noreply);
  EXPECT_EQ(req.delta, 0u);
  rest.remove_prefix(r.consumed);
  r = ParseTextRequest(rest, &req);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(TextParserTest, HundredKeyGetLongerThanLimit) {
  std::string line = "get";
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    keys.push_back("key:" + std::to_string(i) + std::string(30, 'x'));
    line += " " + keys.back();
  }
  line += "\r\n";
  ASSERT_GT(line.size(), kMaxCommandLine);
  ExpectPrefixesNeedMore(line);
  TextRequest req;
  const ParseResult r = ParseTextRequest(line, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, line.size());
  KeyIterator it(req.keys);
  std::string_view key;
  for (const std::string& want : keys) {
    ASSERT_TRUE(it.Next(&key));
    EXPECT_EQ(key, want);
  }
  EXPECT_FALSE(it.Next(&key));
}

TEST(TextParserTest, LongLineWithoutNewline) {
  const struct {
    std::string buf;
    bool refused;
  } kCases[] = {
      {std::string(kMaxCommandLine, 'x'), false},  // at the limit: wait
      {std::string(kMaxCommandLine + 1, 'x'), true},
      {"set k 0 0 1 " + std::string(3000, 'a'), true},
      // memcached spares get and gets only.
      {"gat 10 " + std::string(3000, 'a'), true},
      {"get " + std::string(3000, 'a'), false},
      {"gets " + std::string(3000, 'a'), false},
      {std::string(100, ' ') + "get " + std::string(3000, 'a'), false},
      {std::string(101, ' ') + "get " + std::string(3000, 'a'), true},
      {"get\t" + std::string(3000, 'a'), true},
      {"getx " + std::string(3000, 'a'), true},
      {std::string(3000, ' '), true},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(Printable(c.buf));
    TextRequest req;
    const ParseResult r = ParseTextRequest(c.buf, &req);
    if (c.refused) {
      EXPECT_EQ(r.status, ParseStatus::kError);
      EXPECT_EQ(r.error, "CLIENT_ERROR line too long");
      EXPECT_TRUE(r.close);
      EXPECT_EQ(r.consumed, c.buf.size());
    } else {
      EXPECT_EQ(r.status, ParseStatus::kNeedMore);
      EXPECT_EQ(r.consumed, 0u);
    }
  }
}

// The limit applies to what is buffered without a "\n": a complete line of
// any length is parsed, and a long one fed byte by byte is refused as soon
// as it passes the limit.
TEST(TextParserTest, LongCompleteLine) {
  const std::string args(3000, 'a');
  const std::string line = "stats " + args + "\r\n";
  TextRequest req;
  ParseResult r = ParseTextRequest(line, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(req.args, args);
  for (size_t i = 0; i < line.size(); ++i) {
    r = ParseTextRequest(std::string_view(line).substr(0, i), &req);
    ASSERT_EQ(r.status, i <= kMaxCommandLine ? ParseStatus::kNeedMore
                                             : ParseStatus::kError)
        << "prefix of " << i << " bytes";
  }
}

TEST(TextParserTest, KeyIterator) {
  const struct {
    std::string keys;
    std::vector<std::string> want;
  } kCases[] = {
      {"", {}},
      {"a", {"a"}},
      {"a b", {"a", "b"}},
      {"a   bb  ccc", {"a", "bb", "ccc"}},
      {"  a  ", {"a"}},
  };
  for (const auto& c : kCases) {
    KeyIterator it(c.keys);
    std::string_view key;
    std::vector<std::string> got;
    while (it.Next(&key)) got.emplace_back(key);
    EXPECT_EQ(got, c.want) << "'" << c.keys << "'";
  }
}

}  // namespace
}  // namespace memcd
