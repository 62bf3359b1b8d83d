#include "server/command_line.h"

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/command_line_test_util.h"
#include "server/flags.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

namespace memcd {
namespace {

using command_line_test::ExpectSameOptions;
using command_line_test::Join;
using command_line_test::Outcome;
using command_line_test::ParseArgs;
using command_line_test::Split;
using command_line_test::UsageCase;


TEST(CommandLineTest, DefaultsAreMemcachedsDefaults) {
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({});
  ASSERT_EQ(CommandLineResult::kRun, o.result);
  EXPECT_EQ("", o.err);
  EXPECT_EQ("", o.out);
  EXPECT_EQ(11211, o.options.port);
  EXPECT_EQ(0, o.options.udp_port);
  EXPECT_TRUE(o.options.listen.empty());
  EXPECT_EQ("", o.options.unix_socket);
  EXPECT_EQ(0700, o.options.unix_mask);
  EXPECT_EQ(1024, o.options.backlog);
  EXPECT_EQ(4, o.options.threads);
  EXPECT_EQ(1024, o.options.max_conns);
  EXPECT_EQ(20, o.options.reqs_per_event);
  EXPECT_EQ(BindingProtocol::kAuto, o.options.protocol);
  EXPECT_EQ("", o.options.user);
  EXPECT_EQ(0, o.options.verbose);
  EXPECT_FALSE(o.options.debug_time);
  EXPECT_EQ(size_t{64} << 20, o.options.store.memory_limit);
  EXPECT_EQ(size_t{1} << 20, o.options.store.item_size_max);
  EXPECT_EQ(48u, o.options.store.chunk_size_min);
  EXPECT_DOUBLE_EQ(1.25, o.options.store.growth_factor);
  EXPECT_TRUE(o.options.store.use_cas);
  EXPECT_EQ(16, o.options.store.hashpower);
  EXPECT_TRUE(o.options.store.hash_expand);
  EXPECT_TRUE(o.options.store.evict);
}

using Opts = ServerOptions;

struct RunCase {
  std::vector<std::string> args;
  void (*edit)(Opts*);  // turns the defaults into the expected options
};

TEST(CommandLineTest, AcceptedCommandLines) {
  const RunCase kCases[] = {
      // Each short option, separate and attached values.
      {{"-p", "11311"}, [](Opts* o) { o->port = 11311; }},
      {{"-p11311"}, [](Opts* o) { o->port = 11311; }},
      {{"-p", "0"}, [](Opts* o) { o->port = 0; }},
      {{"-U", "11311"}, [](Opts* o) { o->udp_port = 11311; }},
      {{"-l", "127.0.0.1"}, [](Opts* o) { o->listen = {"127.0.0.1"}; }},
      {{"-l", "127.0.0.1", "-l", "[::1]:1"},
       [](Opts* o) {
         o->listen = {"127.0.0.1", "[::1]:1"};
       }},
      {{"-l", "a,b", "-lc"},
       [](Opts* o) {
         o->listen = {"a", "b", "c"};
       }},
      {{"-l", "a", "-l", "a"}, [](Opts* o) { o->listen = {"a"}; }},
      // memcached also separates with ';'.
      {{"-l", "a;[::1]:7,b"},
       [](Opts* o) {
         o->listen = {"a", "[::1]:7", "b"};
       }},
      {{"-l", "*:5", "-U", "6"},
       [](Opts* o) {
         o->listen = {"*:5"};
         o->udp_port = 6;
       }},
      {{"-s", "/tmp/m.sock"}, [](Opts* o) { o->unix_socket = "/tmp/m.sock"; }},
      {{"-b", "64"}, [](Opts* o) { o->backlog = 64; }},
      {{"-t", "2"}, [](Opts* o) { o->threads = 2; }},
      {{"-t", "1", "-t", "3"}, [](Opts* o) { o->threads = 3; }},
      {{"-t", "64"}, [](Opts* o) { o->threads = 64; }},
      {{"-c", "10"}, [](Opts* o) { o->max_conns = 10; }},
      {{"-R", "5"}, [](Opts* o) { o->reqs_per_event = 5; }},
      {{"-m", "128"}, [](Opts* o) { o->store.memory_limit = 128 << 20; }},
      {{"-m", "128m"}, [](Opts* o) { o->store.memory_limit = 128 << 20; }},
      {{"-I", "2m"}, [](Opts* o) { o->store.item_size_max = 2 << 20; }},
      {{"-I", "2M"}, [](Opts* o) { o->store.item_size_max = 2 << 20; }},
      {{"-I", "512k"}, [](Opts* o) { o->store.item_size_max = 512 << 10; }},
      {{"-I", "1k"}, [](Opts* o) { o->store.item_size_max = 1024; }},
      {{"-I", "5000"}, [](Opts* o) { o->store.item_size_max = 5000; }},
      // Exactly half of -m 64.
      {{"-I", "32m"}, [](Opts* o) { o->store.item_size_max = 32 << 20; }},
      {{"-m", "2048", "-I", "1024m"},
       [](Opts* o) {
         o->store.memory_limit = size_t{2048} << 20;
         o->store.item_size_max = 1 << 30;
       }},
      // -I is checked against -m after the whole line.
      {{"-I", "64m", "-m", "128"},
       [](Opts* o) {
         o->store.memory_limit = 128 << 20;
         o->store.item_size_max = 64 << 20;
       }},
      {{"-f", "1.5"}, [](Opts* o) { o->store.growth_factor = 1.5; }},
      {{"-n", "64"}, [](Opts* o) { o->store.chunk_size_min = 64; }},
      {{"-C"}, [](Opts* o) { o->store.use_cas = false; }},
      {{"-M"}, [](Opts* o) { o->store.evict = false; }},
      {{"-u", "nobody"}, [](Opts* o) { o->user = "nobody"; }},
      // Verbosity counts.
      {{"-v"}, [](Opts* o) { o->verbose = 1; }},
      {{"-vv"}, [](Opts* o) { o->verbose = 2; }},
      {{"-vvv"}, [](Opts* o) { o->verbose = 3; }},
      {{"-v", "-v"}, [](Opts* o) { o->verbose = 2; }},
      {{"-vv", "-v"}, [](Opts* o) { o->verbose = 3; }},
      {{"--verbose"}, [](Opts* o) { o->verbose = 1; }},
      {{"--verbose", "--verbose"}, [](Opts* o) { o->verbose = 2; }},
      {{"--verbose=3"}, [](Opts* o) { o->verbose = 3; }},
      // Bundles: flags, then one option that takes the rest or the next.
      {{"-CMv"},
       [](Opts* o) {
         o->store.use_cas = false;
         o->store.evict = false;
         o->verbose = 1;
       }},
      {{"-vp", "11311"}, [](Opts* o) { o->verbose = 1, o->port = 11311; }},
      {{"-vp11311"}, [](Opts* o) { o->verbose = 1, o->port = 11311; }},
      // memcached's long forms, with = and with a separate value.
      {{"--port=11311"}, [](Opts* o) { o->port = 11311; }},
      {{"--port", "11311"}, [](Opts* o) { o->port = 11311; }},
      {{"--udp-port=7"}, [](Opts* o) { o->udp_port = 7; }},
      {{"--listen", "a", "--listen=b"},
       [](Opts* o) {
         o->listen = {"a", "b"};
       }},
      {{"--unix-socket=/s"}, [](Opts* o) { o->unix_socket = "/s"; }},
      {{"--listen-backlog", "5"}, [](Opts* o) { o->backlog = 5; }},
      {{"--threads=2"}, [](Opts* o) { o->threads = 2; }},
      {{"--conn-limit=3"}, [](Opts* o) { o->max_conns = 3; }},
      {{"--max-reqs-per-event", "4"}, [](Opts* o) { o->reqs_per_event = 4; }},
      {{"--memory-limit=100"},
       [](Opts* o) { o->store.memory_limit = 100 << 20; }},
      {{"--max-item-size", "2m"},
       [](Opts* o) { o->store.item_size_max = 2 << 20; }},
      {{"--slab-growth-factor=2"}, [](Opts* o) { o->store.growth_factor = 2; }},
      {{"--slab-min-size=100"}, [](Opts* o) { o->store.chunk_size_min = 100; }},
      {{"--disable-cas"}, [](Opts* o) { o->store.use_cas = false; }},
      {{"--disable-evictions"}, [](Opts* o) { o->store.evict = false; }},
      {{"--user=u"}, [](Opts* o) { o->user = "u"; }},
      {{"--extended=hashpower=20"}, [](Opts* o) { o->store.hashpower = 20; }},
      // gflags forms.
      {{"--memory_limit=128"},
       [](Opts* o) { o->store.memory_limit = 128 << 20; }},
      {{"--threads", "2"}, [](Opts* o) { o->threads = 2; }},
      {{"--udp_port", "5"}, [](Opts* o) { o->udp_port = 5; }},
      {{"--max_item_size=4m"},
       [](Opts* o) { o->store.item_size_max = 4 << 20; }},
      {{"--conn_limit=9"}, [](Opts* o) { o->max_conns = 9; }},
      {{"--listen_backlog=8"}, [](Opts* o) { o->backlog = 8; }},
      {{"--max_reqs_per_event=7"}, [](Opts* o) { o->reqs_per_event = 7; }},
      {{"--slab_growth_factor=1.08"},
       [](Opts* o) { o->store.growth_factor = 1.08; }},
      {{"--slab_min_size", "96"},
       [](Opts* o) { o->store.chunk_size_min = 96; }},
      {{"--disable_cas"}, [](Opts* o) { o->store.use_cas = false; }},
      {{"--disable_evictions=true"}, [](Opts* o) { o->store.evict = false; }},
      {{"-M", "--nodisable_evictions"}, [](Opts*) {}},
      {{"--debug_time"}, [](Opts* o) { o->debug_time = true; }},
      {{"--debug-time"}, [](Opts* o) { o->debug_time = true; }},
      {{"--debug_time", "--nodebug_time"}, [](Opts*) {}},
      {{"--hashpower=20"}, [](Opts* o) { o->store.hashpower = 20; }},
      {{"--unix_socket", "/x"}, [](Opts* o) { o->unix_socket = "/x"; }},
      {{"--user", "me"}, [](Opts* o) { o->user = "me"; }},
      {{"--port=1", "-p", "2"}, [](Opts* o) { o->port = 2; }},
      // -o suboptions.
      {{"-o", "hashpower=20"}, [](Opts* o) { o->store.hashpower = 20; }},
      {{"-o", "hashpower=12"}, [](Opts* o) { o->store.hashpower = 12; }},
      {{"-o", "hashpower=32"}, [](Opts* o) { o->store.hashpower = 32; }},
      {{"-o", "no_hashexpand"}, [](Opts* o) { o->store.hash_expand = false; }},
      // As memcached, a value after no_hashexpand is ignored.
      {{"-o", "no_hashexpand=0"},
       [](Opts* o) { o->store.hash_expand = false; }},
      {{"-o", "hashpower=13,no_hashexpand"},
       [](Opts* o) {
         o->store.hashpower = 13;
         o->store.hash_expand = false;
       }},
      {{"--no_hashexpand"}, [](Opts* o) { o->store.hash_expand = false; }},
      {{"--no_hashexpand", "--nono_hashexpand"}, [](Opts*) {}},
      {{"-o", ""}, [](Opts*) {}},
      {{"--"}, [](Opts*) {}},
  };
  for (const RunCase& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ("", o.out);
    ServerOptions want;
    c.edit(&want);
    ExpectSameOptions(want, o.options);
  }
}

TEST(CommandLineTest, WarningsStillRun) {
  const struct {
    std::vector<std::string> args;
    std::string err;
  } kCases[] = {
      {{"-o", "hashpower=20,modern"},
       "memcd: -o modern is not supported yet; ignored\n"},
      {{"-o", "lru_crawler,tail_repair_time=5", "-o", "hashpower=18"},
       "memcd: -o tail_repair_time is not supported yet; ignored\n"},
      {{"-o", "modern,"}, "memcd: -o modern is not supported yet; ignored\n"},
      // memcached warns about many threads but starts.
      {{"-t", "65"},
       "memcd: warning: 65 worker threads is not recommended; use the number "
       "of cores or fewer\n"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kRun, o.result);
    EXPECT_EQ(c.err, o.err);
  }
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({"-o", "hashpower=20,modern"});
  EXPECT_EQ(20, o.options.store.hashpower);
}

TEST(CommandLineTest, GlogFlagsAreGflags) {
  gflags::FlagSaver saver;
  Outcome o =
      ParseArgs({"--v=1", "--logtostderr", "--log_dir", "/tmp/memcd-logs"});
  ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
  EXPECT_EQ(1, FLAGS_v);
  EXPECT_TRUE(FLAGS_logtostderr);
  EXPECT_EQ("/tmp/memcd-logs", FLAGS_log_dir);
  // glog's --v is not memcached's -v.
  EXPECT_EQ(0, o.options.verbose);
}

TEST(CommandLineTest, FlagSaverRestoresFlags) {
  {
    gflags::FlagSaver saver;
    ASSERT_EQ(CommandLineResult::kRun, ParseArgs({"-l", "a", "-vv"}).result);
    EXPECT_EQ("a", FLAGS_listen);
    EXPECT_EQ(2, FLAGS_verbose);
  }
  EXPECT_EQ("", FLAGS_listen);
  EXPECT_EQ(0, FLAGS_verbose);
}

TEST(CommandLineTest, RefusedCommandLines) {
  const UsageCase kCases[] = {
      // Malformed values.
      {{"-p", "abc"}, "memcd: invalid value \"abc\" for -p\n"},
      {{"--port=1x"}, "memcd: invalid value \"1x\" for --port\n"},
      {{"-t", "two"}, "memcd: invalid value \"two\" for -t\n"},
      {{"-f", "abc"}, "memcd: invalid value \"abc\" for -f\n"},
      {{"-m", "1g"}, "memcd: invalid value \"1g\" for -m\n"},
      {{"-m", "m"}, "memcd: invalid value \"m\" for -m\n"},
      {{"--memory_limit=12x"},
       "memcd: invalid value \"12x\" for --memory_limit\n"},
      {{"--threads"}, "memcd: option '--threads' requires an argument\n"},
      {{"--debug_time=maybe"},
       "memcd: invalid value \"maybe\" for --debug_time\n"},
      {{"--verbose=loud"}, "memcd: invalid value \"loud\" for --verbose\n"},
      // Ranges, with memcached's wording where it has one.
      {{"-p", "70000"}, "memcd: Invalid port number 70000.\n"},
      {{"-p", "-1"}, "memcd: Invalid port number -1.\n"},
      {{"-U", "65536"}, "memcd: Invalid UDP port number 65536.\n"},
      {{"-b", "-5"}, "memcd: Listen backlog must not be negative\n"},
      {{"-t", "0"}, "memcd: Number of threads must be greater than 0\n"},
      {{"-t", "-1"}, "memcd: Number of threads must be greater than 0\n"},
      {{"-c", "0"}, "memcd: Maximum connections must be greater than 0\n"},
      {{"-R", "0"},
       "memcd: Number of requests per event must be greater than 0\n"},
      {{"-n", "0"}, "memcd: Chunk size must be greater than 0\n"},
      {{"-f", "1.0"}, "memcd: Factor must be greater than 1\n"},
      {{"-f", "0.5"}, "memcd: Factor must be greater than 1\n"},
      {{"-f", "nan"}, "memcd: Factor must be greater than 1\n"},
      {{"-f", "inf"}, "memcd: Factor must be a finite number\n"},
      {{"-m", "-1"}, "memcd: Memory limit must not be negative\n"},
      {{"-m", "0"},
       "memcd: Cannot set item size limit higher than 1/2 of memory max.\n"},
      {{"-I", "0"}, "memcd: Item max size cannot be less than 1024 bytes.\n"},
      {{"-I", "1023"},
       "memcd: Item max size cannot be less than 1024 bytes.\n"},
      {{"-I", "33m"},
       "memcd: Cannot set item size limit higher than 1/2 of memory max.\n"},
      {{"-I", "1024m"},
       "memcd: Cannot set item size limit higher than 1/2 of memory max.\n"},
      {{"-m", "4096", "-I", "1025m"},
       "memcd: Cannot set item size limit higher than a gigabyte.\n"},
      {{"-I", "2g"},
       "memcd: Invalid item size \"2g\": a byte count with an optional k or "
       "m suffix\n"},
      {{"-I", "1.5m"},
       "memcd: Invalid item size \"1.5m\": a byte count with an optional k "
       "or m suffix\n"},
      {{"-I", "m"},
       "memcd: Invalid item size \"m\": a byte count with an optional k or "
       "m suffix\n"},
      {{"-I", "99999999999999999999k"},
       "memcd: Invalid item size \"99999999999999999999k\": a byte count "
       "with an optional k or m suffix\n"},
      {{"--verbose=-1"}, "memcd: Verbosity must not be negative\n"},
      {{"-l", "a,,b"}, "memcd: empty address in listen list \"a,,b\"\n"},
      {{"-l", "a;"}, "memcd: empty address in listen list \"a;\"\n"},
      {{"-U", "65536"}, "memcd: Invalid UDP port number 65536.\n"},
      {{"-a", "0800"},
       "memcd: Invalid unix socket mask \"0800\": octal permission bits, 0 "
       "to 777\n"},
      {{"--unix-mask=1000"},
       "memcd: Invalid unix socket mask \"1000\": octal permission bits, 0 "
       "to 777\n"},
      {{"-a", ""},
       "memcd: Invalid unix socket mask \"\": octal permission bits, 0 to "
       "777\n"},
      {{"-a", "rw"},
       "memcd: Invalid unix socket mask \"rw\": octal permission bits, 0 to "
       "777\n"},
      // -o.
      {{"-o", "bogus"}, "memcd: Illegal suboption \"bogus\"\n"},
      {{"-o", "bogus=3"}, "memcd: Illegal suboption \"bogus=3\"\n"},
      {{"-o", "HASHPOWER=20"}, "memcd: Illegal suboption \"HASHPOWER=20\"\n"},
      {{"-o", ",modern"}, "memcd: Illegal suboption \"\"\n"},
      {{"-o", "modern,,hashpower=20"},
       "memcd: -o modern is not supported yet; ignored\n"
       "memcd: Illegal suboption \"\"\n"},
      {{"-o", "hashpower"}, "memcd: Missing numeric argument for hashpower\n"},
      {{"-o", "hashpower=abc"},
       "memcd: invalid value \"abc\" for -o hashpower\n"},
      {{"-o", "hashpower=11"},
       "memcd: Initial hashtable multiplier of 11 is too low\n"},
      {{"-o", "hashpower=33"},
       "memcd: Initial hashtable multiplier of 33 is too high\n"},
      {{"--hashpower=5"},
       "memcd: Initial hashtable multiplier of 5 is too low\n"},
      // -Z and its suboptions: memcached's words.
      {{"-o", "ssl_verify_mode"}, "memcd: Missing ssl_verify_mode argument\n"},
      {{"-o", "ssl_chain_cert"}, "memcd: Missing ssl_chain_cert argument\n"},
      {{"-o", "ssl_verify_mode=abc"},
       "memcd: could not parse argument to ssl_verify_mode\n"},
      {{"-o", "ssl_verify_mode=4"},
       "memcd: Invalid ssl_verify_mode. Use help to see valid options.\n"},
      {{"-o", "ssl_min_version=-1"},
       "memcd: Invalid ssl_min_version. Use help to see valid options.\n"},
      {{"-o", "ssl_min_version=x"},
       "memcd: could not parse argument to ssl_min_version\n"},
      {{"-o", "ssl_wbuf_size=-1"}, "memcd: could not parse argument to ssl_wbuf_size\n"},
      {{"-o", "ssl_keyformat=pem"}, "memcd: could not parse argument to ssl_keyformat\n"},
      {{"-l", "notls:127.0.0.1:5"},
       "memcd: 'notls' option is valid only when SSL is enabled\n"},
      {{"-Z", "-p", "0"}, "memcd: You cannot enable SSL without a TCP port.\n"},
      {{"-o", "idle_timeout"},
       "memcd: Missing numeric argument for idle_timeout\n"},
      {{"-o", "idle_timeout=x"},
       "memcd: invalid value \"x\" for -o idle_timeout\n"},
      {{"-o", "idle_timeout=-1"}, "memcd: idle_timeout must not be negative\n"},
      {{"-o", "metrics_port"}, "memcd: Missing numeric argument for metrics_port\n"},
      {{"-o", "metrics_port=70000"}, "memcd: metrics_port must be between 0 and 65535\n"},
      {{"-o", "hot_keys_sample=-2"}, "memcd: hot_keys_sample must not be negative\n"},
      {{"-P"}, "memcd: option requires an argument -- 'P'\n"},
      // Unknown and malformed options.
      {{"-Q"}, "memcd: invalid option -- 'Q'\n"},
      {{"-vx"}, "memcd: invalid option -- 'x'\n"},
      {{"--no-such-flag"}, "memcd: unrecognized option '--no-such-flag'\n"},
      {{"--no-such-flag=1"}, "memcd: unrecognized option '--no-such-flag=1'\n"},
      {{"--nothreads"}, "memcd: unrecognized option '--nothreads'\n"},
      {{"--po=1"}, "memcd: unrecognized option '--po=1'\n"},
      {{"-p"}, "memcd: option requires an argument -- 'p'\n"},
      {{"-vp"}, "memcd: option requires an argument -- 'p'\n"},
      {{"--port"}, "memcd: option '--port' requires an argument\n"},
      {{"--disable-cas=1"},
       "memcd: option '--disable-cas' doesn't allow an argument\n"},
      {{"--nodisable_cas=1"},
       "memcd: option '--nodisable_cas' doesn't allow an argument\n"},
      {{"--flagfile=/tmp/flags"},
       "memcd: option '--flagfile' is not supported\n"},
      {{"--helpfull"}, "memcd: option '--helpfull' is not supported\n"},
      {{"11211"}, "memcd: unexpected argument '11211'\n"},
      {{"-"}, "memcd: unexpected argument '-'\n"},
      {{"--", "-p", "1"}, "memcd: unexpected argument '-p'\n"},
      // Parsing stops at the first error, before any -h.
      {{"-Q", "-h"}, "memcd: invalid option -- 'Q'\n"},
  };
  for (const UsageCase& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.err, o.err);
    EXPECT_EQ("", o.out);
  }
}

TEST(CommandLineTest, EveryNotYetOptionIsRefusedInBothForms) {
  const std::vector<std::vector<std::string>> kCases = {
      {"-i"},
      {"--license"},
      {"-e", "/m"},
      {"--memory-file=/m"},
      {"-N", "1"},
      {"--napi-ids=1"},
  };
  for (const std::vector<std::string>& args : kCases) {
    SCOPED_TRACE(Join(args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    std::string spelling = args[0].substr(0, args[0].find('='));
    std::string prefix = "memcd: option " + spelling + " (";
    std::string suffix = ") is not supported yet\n";
    EXPECT_EQ(prefix, o.err.substr(0, prefix.size()));
    ASSERT_GE(o.err.size(), prefix.size() + suffix.size());
    EXPECT_EQ(suffix, o.err.substr(o.err.size() - suffix.size()));
    EXPECT_EQ(o.err.size() - 1, o.err.find('\n'));  // one line
  }
}

TEST(CommandLineTest, VersionAndHelp) {
  const std::string kVersion = "memcd " PACKAGE_VERSION "\n";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"-V"}, {"--version"}, {"-p", "1", "-V", "-Q"}, {"-vV"}}) {
    SCOPED_TRACE(Join(args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(args);
    EXPECT_EQ(CommandLineResult::kExitSuccess, o.result);
    EXPECT_EQ(kVersion, o.out);
    EXPECT_EQ("", o.err);
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"-h"}, {"--help"}, {"-h", "-Q"}}) {
    SCOPED_TRACE(Join(args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(args);
    EXPECT_EQ(CommandLineResult::kExitSuccess, o.result);
    EXPECT_EQ("", o.err);
    const std::string kFirst = "memcd " PACKAGE_VERSION ", ";
    EXPECT_EQ(kFirst, o.out.substr(0, kFirst.size()));
  }
}

TEST(CommandLineTest, HelpListsOptionsInMemcachedsOrder) {
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({"-h"});
  ASSERT_EQ(CommandLineResult::kExitSuccess, o.result);
  // One line per option in memcached's order, starting with memcached's
  // spelling and naming the gflag of each supported one.
  const struct {
    const char* start;
    const char* flag;
  } kLines[] = {{"-p, --port=<num>", "port"},
                {"-U, --udp-port=<num>", "udp_port"},
                {"-s, --unix-socket=<path>", "unix_socket"},
                {"-a, --unix-mask=<mask>", "unix_mask"},
                {"-A, --enable-shutdown", "enable_shutdown"},
                {"-l, --listen=<addr>", "listen"},
                {"-d, --daemon", "daemonize"},
                {"-r, --enable-coredumps", "enable_coredumps"},
                {"-u, --user=<name>", "user"},
                {"-m, --memory-limit=<MB>", "memory_limit"},
                {"-M, --disable-evictions", "disable_evictions"},
                {"-c, --conn-limit=<num>", "conn_limit"},
                {"-k, --lock-memory", "lock_memory"},
                {"-v, --verbose[=<n>]", "verbose"},
                {"-h, --help", nullptr},
                {"-i, --license", nullptr},
                {"-V, --version", nullptr},
                {"-P, --pidfile=<file>", "pidfile"},
                {"-f, --slab-growth-factor=<num>", "slab_growth_factor"},
                {"-n, --slab-min-size=<bytes>", "slab_min_size"},
                {"-L, --enable-largepages", "enable_largepages"},
                {"-D <char>", "stats_prefix_delimiter"},
                {"-t, --threads=<num>", "threads"},
                {"-R, --max-reqs-per-event=<num>", "max_reqs_per_event"},
                {"-C, --disable-cas", "disable_cas"},
                {"-b, --listen-backlog=<num>", "listen_backlog"},
                {"-B, --protocol=<name>", "protocol"},
                {"-I, --max-item-size=<size>", "max_item_size"},
                {"-S, --enable-sasl", "enable_sasl"},
                {"-F, --disable-flush-all", "disable_flush_all"},
                {"-X, --disable-dumping", "disable_dumping"},
                {"-W, --disable-watch", "disable_watch"},
                {"-Y, --auth-file=<file>", "auth_file"},
                {"-e, --memory-file=<file>", nullptr},
                {"-Z, --enable-ssl", "enable_ssl"},
                {"-o, --extended=<list>", nullptr},
                {"  hashpower=<num>", "hashpower"},
                {"  no_hashexpand", "no_hashexpand"},
                {"  idle_timeout=<secs>", "idle_timeout"},
                {"  maxconns_fast, no_maxconns_fast", "maxconns_fast"},
                {"-N, --napi-ids=<num>", nullptr},
                {"--debug_time", nullptr}};
  size_t last = 0;
  for (const auto& line : kLines) {
    SCOPED_TRACE(line.start);
    size_t at = o.out.find(std::string("\n") + line.start + " ");
    ASSERT_NE(std::string::npos, at);
    EXPECT_LT(last, at);
    last = at;
    std::string text = o.out.substr(at + 1, o.out.find('\n', at + 1) - at);
    if (line.flag != nullptr) {
      EXPECT_NE(std::string::npos,
                text.find(std::string("[--") + line.flag + "]\n"));
    } else {
      EXPECT_EQ(std::string::npos, text.find("[--"));
    }
  }
  EXPECT_NE(std::string::npos, o.out.find("\n  ssl_chain_cert=, ssl_key=, ... "));
}

}  // namespace
}  // namespace memcd
