// The options of memcd's features beyond the core command line: service
// (-d -P -r -k, idle timeout), observability, watch buffers, admin (-A -F -D
// -Y -W), unix socket mask, -B, SASL, large pages and TLS.
#include <gflags/gflags.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/command_line.h"
#include "server/command_line_test_util.h"
#include "server/sasl_auth.h"

namespace memcd {
namespace {

using command_line_test::Join;
using command_line_test::Outcome;
using command_line_test::ParseArgs;
using command_line_test::UsageCase;

// -d -P -r -k, -o idle_timeout and maxconns_fast (server/daemon.h).
TEST(CommandLineTest, ServiceOptions) {
  struct Case {
    std::vector<std::string> args;
    bool daemonize;
    std::string pid_file;
    bool coredumps;
    bool lock;
    int idle_timeout;
    bool maxconns_fast;
  } kCases[] = {
      {{}, false, "", false, false, 0, true},
      {{"-d", "-P", "/run/m.pid"}, true, "/run/m.pid", false, false, 0, true},
      {{"-drk"}, true, "", true, true, 0, true},
      {{"--daemon", "--pidfile=/p", "--enable-coredumps", "--lock-memory"},
       true, "/p", true, true, 0, true},
      {{"-P/p"}, false, "/p", false, false, 0, true},
      {{"--daemonize", "--pidfile=/q"}, true, "/q", false, false, 0, true},
      {{"-o", "idle_timeout=30"}, false, "", false, false, 30, true},
      {{"-o", "idle_timeout=0"}, false, "", false, false, 0, true},
      {{"-o", "no_maxconns_fast"}, false, "", false, false, 0, false},
      {{"-o", "no_maxconns_fast,maxconns_fast"}, false, "", false, false, 0, true},
      {{"-o", "maxconns_fast=0"}, false, "", false, false, 0, true},  // value ignored
      {{"--idle_timeout=7", "--nomaxconns_fast"}, false, "", false, false, 7, false},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.daemonize, o.options.daemonize);
    EXPECT_EQ(c.pid_file, o.options.pid_file);
    EXPECT_EQ(c.coredumps, o.options.enable_coredumps);
    EXPECT_EQ(c.lock, o.options.lock_memory);
    EXPECT_EQ(c.idle_timeout, o.options.idle_timeout);
    EXPECT_EQ(c.maxconns_fast, o.options.maxconns_fast);
  }
}

// -o metrics_port and hot_keys_sample (doc/observability.md).
TEST(CommandLineTest, ObservabilityOptions) {
  struct Case {
    std::vector<std::string> args;
    int metrics_port;
    int hot_keys_sample;
  } kCases[] = {
      {{}, 0, 16},
      {{"-o", "metrics_port=9150"}, 9150, 16},
      {{"-o", "metrics_port=9150,hot_keys_sample=0"}, 9150, 0},
      {{"-o", "hot_keys_sample=1"}, 0, 1},
      {{"--metrics_port=8080", "--hot_keys_sample=64"}, 8080, 64},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ(c.metrics_port, o.options.metrics_port);
    EXPECT_EQ(c.hot_keys_sample, o.options.hot_keys_sample);
  }
}

// -o watcher_logbuf_size / worker_logbuf_size: KiB in, bytes out, as
// memcached; 0 is refused.
TEST(CommandLineTest, WatchLogBufferSizes) {
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ(256u * 1024, o.options.watcher_logbuf_size);
    EXPECT_EQ(64u * 1024, o.options.worker_logbuf_size);
  }
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", "watcher_logbuf_size=1024,worker_logbuf_size=8"});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ(1024u * 1024, o.options.watcher_logbuf_size);
    EXPECT_EQ(8u * 1024, o.options.worker_logbuf_size);
  }
  for (const char* bad : {"watcher_logbuf_size=0", "worker_logbuf_size=0"}) {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", bad});
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result) << bad;
    EXPECT_NE(std::string::npos, o.err.find("logbuf_size must be at least 1")) << o.err;
  }
}

// -A, -F, -D and -Y: the admin options (server/admin_commands.h).
TEST(CommandLineTest, AdminOptions) {
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({});
    ASSERT_EQ(CommandLineResult::kRun, o.result);
    EXPECT_FALSE(o.options.shutdown_enabled);
    EXPECT_TRUE(o.options.flush_enabled);
    EXPECT_EQ(':', o.options.prefix_delimiter);
    EXPECT_EQ("", o.options.auth_file);
  }
  const std::vector<std::vector<std::string>> kShortAndLong[] = {
      {{"-A", "-F", "-D", "/", "-Y", "/a"}},
      {{"--enable-shutdown", "--disable-flush-all", "-D/x", "--auth-file=/a"}},
  };
  for (const auto& group : kShortAndLong) {
    for (const std::vector<std::string>& args : group) {
      SCOPED_TRACE(Join(args));
      gflags::FlagSaver saver;
      Outcome o = ParseArgs(args);
      ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
      EXPECT_TRUE(o.options.shutdown_enabled);
      EXPECT_FALSE(o.options.flush_enabled);
      EXPECT_EQ('/', o.options.prefix_delimiter);  // the first character
      EXPECT_EQ("/a", o.options.auth_file);
    }
  }
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({"-D", ""});
  EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
  EXPECT_EQ("memcd: -D needs a delimiter character\n", o.err);
}

TEST(CommandLineTest, DisableWatch) {
  const struct {
    std::vector<std::string> args;
    bool watch_enabled;
  } kCases[] = {{{}, true}, {{"-W"}, false}, {{"--disable-watch"}, false}};
  for (const auto& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ(c.watch_enabled, o.options.watch_enabled);
  }
}

TEST(CommandLineTest, UnixSocketMaskIsOctal) {
  const struct {
    std::vector<std::string> args;
    int mask;
  } kCases[] = {
      {{}, 0700},
      {{"-a", "0770"}, 0770},
      {{"-a770"}, 0770},
      {{"-a", "0"}, 0},
      {{"--unix-mask=666"}, 0666},
      {{"--unix-mask", "0777"}, 0777},
      {{"--unix_mask=0640"}, 0640},
      {{"-s", "/tmp/x.sock", "-a", "0755"}, 0755},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.mask, o.options.unix_mask);
  }
}

TEST(CommandLineTest, BindingProtocol) {
  const struct {
    std::vector<std::string> args;
    BindingProtocol protocol;
  } kCases[] = {
      {{"-B", "ascii"}, BindingProtocol::kAscii},
      {{"-Bbinary"}, BindingProtocol::kBinary},
      {{"--protocol=auto"}, BindingProtocol::kAuto},
      {{"--protocol", "binary", "-B", "ascii"}, BindingProtocol::kAscii},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ(c.protocol, o.options.protocol);
  }
  for (const char* bad : {"ASCII", "text", ""}) {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-B", bad});
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(std::string("memcd: Invalid value for binding protocol: ") +
                  bad + " -- should be one of auto, binary, or ascii\n",
              o.err);
  }
}

// -S: binary only (memcached's rules and wording), and no UDP.
TEST(CommandLineTest, SaslRefusesAsciiAndUdp) {
  const UsageCase kCases[] = {
      {{"-S", "-B", "ascii"},
       "memcd: You cannot allow the ASCII protocol while using SASL.\n"},
      {{"-B", "auto", "--enable-sasl"},  // -B named, even as the default
       "memcd: You cannot allow the ASCII protocol while using SASL.\n"},
      {{"-S", "-U", "11211"},
       "memcd: Cannot enable UDP while using binary SASL authentication.\n"},
      {{"-S", "-B", "ascii", "-U", "11211"},  // the protocol is checked first
       "memcd: You cannot allow the ASCII protocol while using SASL.\n"},
  };
  for (const UsageCase& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.err, o.err);
  }
}

TEST(CommandLineTest, SaslImpliesBinary) {
  if (!SaslCompiledIn()) GTEST_SKIP() << "built with --disable-sasl";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-S"}, {"-B", "binary", "-S"}}) {
    SCOPED_TRACE(Join(args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_TRUE(o.options.sasl);
    EXPECT_EQ(BindingProtocol::kBinary, o.options.protocol);
  }
  gflags::FlagSaver saver;
  EXPECT_FALSE(ParseArgs({}).options.sasl);
}

TEST(CommandLineTest, LargePagesAndTrackSizes) {
  struct Case {
    std::vector<std::string> args;
    bool preallocate;
    bool track_sizes;
  };
  const Case kCases[] = {
      {{}, false, false},
      {{"-L"}, true, false},
      {{"--enable-largepages"}, true, false},
      {{"--enable_largepages=false"}, false, false},
      {{"-o", "track_sizes"}, false, true},
      {{"-o", "track_sizes=0"}, false, true},  // the value is ignored
      {{"-L", "-o", "hashpower=12,track_sizes"}, true, true},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.preallocate, o.options.store.preallocate);
    EXPECT_EQ(c.track_sizes, o.options.store.track_sizes);
  }
}

// -Z and -o ssl_*: memcached's defaults, and its values as it stores them.
TEST(CommandLineTest, TlsOptions) {
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    const TlsOptions& t = o.options.tls;
    EXPECT_FALSE(t.enabled);
    EXPECT_EQ("", t.chain_cert);
    EXPECT_EQ("", t.key);
    EXPECT_EQ(0, t.verify_mode);
    EXPECT_EQ(1, t.keyformat);
    EXPECT_EQ(16384u, t.wbuf_size);
    EXPECT_EQ(2, t.min_version);
    EXPECT_FALSE(t.session_cache);
    EXPECT_FALSE(t.kernel_tls);
  }
  struct Case {
    const char* list;
    int verify_mode;
    uint32_t wbuf_size;
    int min_version;
  };
  const Case kCases[] = {
      {"ssl_verify_mode=0", 0, 16384, 2},
      {"ssl_verify_mode=1", 1, 16384, 2},
      {"ssl_verify_mode=2,ssl_wbuf_size=8", 3, 8192, 2},
      {"ssl_verify_mode=3,ssl_min_version=3", 7, 16384, 3},
      {"ssl_min_version=0", 0, 16384, 0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.list);
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", c.list});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.verify_mode, o.options.tls.verify_mode);
    EXPECT_EQ(c.wbuf_size, o.options.tls.wbuf_size);
    EXPECT_EQ(c.min_version, o.options.tls.min_version);
  }
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({"-o",
                         "ssl_chain_cert=/c.pem,ssl_key=/k.pem,ssl_ca_cert=/ca.pem,"
                         "ssl_ciphers=HIGH,ssl_keyformat=2,ssl_session_cache,ssl_kernel_tls"});
  ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
  const TlsOptions& t = o.options.tls;
  EXPECT_EQ("/c.pem", t.chain_cert);
  EXPECT_EQ("/k.pem", t.key);
  EXPECT_EQ("/ca.pem", t.ca_cert);
  EXPECT_EQ("HIGH", t.ciphers);
  EXPECT_EQ(2, t.keyformat);
  EXPECT_TRUE(t.session_cache);
  EXPECT_TRUE(t.kernel_tls);
  EXPECT_FALSE(t.enabled);
}

// -Z loads the files at start-up, failing as memcached does.
TEST(CommandLineTest, TlsLoadsItsFilesAtStartup) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-Z"}, {"--enable-ssl", "-l", "notls:127.0.0.1:5"}}) {
    SCOPED_TRACE(Join(args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    const std::string want = TlsCompiledIn()
                                 ? "memcd: Error loading the certificate chain: (null) : error:"
                                 : "memcd: -Z: this memcd was built without TLS support";
    EXPECT_EQ(want, o.err.substr(0, want.size())) << o.err;
  }
  gflags::FlagSaver saver;
  Outcome o = ParseArgs({"-Z", "-o", "ssl_chain_cert=/nonexistent/c.pem"});
  EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
  if (TlsCompiledIn()) {
    EXPECT_NE(std::string::npos,
              o.err.find("Error loading the certificate chain: /nonexistent/c.pem : error:"))
        << o.err;
  }
}

}  // namespace
}  // namespace memcd
