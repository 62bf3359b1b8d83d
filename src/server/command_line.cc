#include "server/command_line.h"

#include <gflags/gflags.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "net/tls.h"
#include "server/flags.h"
#include "server/suboptions.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

namespace memcd {
namespace {

enum class ArgKind { kNone, kRequired, kOptional };

// One of memcached's options. The table below keeps memcached's -h order,
// which is also the order of our usage text.
struct OptionSpec {
  char short_name;        // '\0' when memcached has no short form
  const char* long_name;  // nullptr when memcached has no long form
  ArgKind arg;            // kOptional only matters for the long form
  const char* metavar;    // the value's placeholder in the usage text
  const char* flag;       // the gflag it maps onto; nullptr if none
  const char* help;       // usage text, or what it does when !supported
  bool supported;         // false: refused as "not supported yet"
};

constexpr OptionSpec kOptions[] = {
    {'p', "port", ArgKind::kRequired, "<num>", "port",
     "TCP port to listen on, 0 = off (default: 11211)", true},
    {'U', "udp-port", ArgKind::kRequired, "<num>", "udp_port",
     "UDP port to listen on, 0 = off (default: 0)", true},
    {'s', "unix-socket", ArgKind::kRequired, "<path>", "unix_socket",
     "UNIX domain socket to listen on (no TCP or UDP then)", true},
    {'a', "unix-mask", ArgKind::kRequired, "<mask>", "unix_mask",
     "UNIX socket access mask, in octal (default: 0700)", true},
    {'A', "enable-shutdown", ArgKind::kNone, "", "enable_shutdown",
     "enable the shutdown command", true},
    {'l', "listen", ArgKind::kRequired, "<addr>", "listen",
     "address to listen on; repeat, or separate with , or ; (default: all)",
     true},
    {'d', "daemon", ArgKind::kNone, "", "daemonize",
     "run as a daemon; the parent exits once the server is listening", true},
    {'r', "enable-coredumps", ArgKind::kNone, "", "enable_coredumps",
     "maximize the core file size limit", true},
    {'u', "user", ArgKind::kRequired, "<name>", "user",
     "user to switch to when started as root", true},
    {'m', "memory-limit", ArgKind::kRequired, "<MB>", "memory_limit",
     "item memory in megabytes (default: 64)", true},
    {'M', "disable-evictions", ArgKind::kNone, "", "disable_evictions",
     "refuse to store when memory is full instead of evicting", true},
    {'c', "conn-limit", ArgKind::kRequired, "<num>", "conn_limit",
     "most simultaneous connections (default: 1024)", true},
    {'k', "lock-memory", ArgKind::kNone, "", "lock_memory",
     "lock down all paged memory (mlockall)", true},
    {'v', "verbose", ArgKind::kOptional, "<n>", "verbose",
     "log errors; -vv also commands, -vvv also internal state", true},
    {'h', "help", ArgKind::kNone, "", nullptr, "print this help and exit",
     true},
    {'i', "license", ArgKind::kNone, "", nullptr, "print the license", false},
    {'V', "version", ArgKind::kNone, "", nullptr, "print the version and exit",
     true},
    {'P', "pidfile", ArgKind::kRequired, "<file>", "pidfile",
     "save the process id in <file>, removed at a clean exit", true},
    {'f', "slab-growth-factor", ArgKind::kRequired, "<num>",
     "slab_growth_factor",
     "chunk size growth between slab classes, above 1 (default: 1.25)", true},
    {'n', "slab-min-size", ArgKind::kRequired, "<bytes>", "slab_min_size",
     "smallest chunk's room for key, value and flags (default: 48)", true},
    {'L', "enable-largepages", ArgKind::kNone, "", "enable_largepages",
     "commit all item memory at start-up, huge pages where available", true},
    {'D', nullptr, ArgKind::kRequired, "<char>", "stats_prefix_delimiter",
     "key prefix delimiter for \"stats detail\" (default: ':')", true},
    {'t', "threads", ArgKind::kRequired, "<num>", "threads",
     "worker threads (default: 4)", true},
    {'R', "max-reqs-per-event", ArgKind::kRequired, "<num>",
     "max_reqs_per_event",
     "requests per connection before yielding to others (default: 20)", true},
    {'C', "disable-cas", ArgKind::kNone, "", "disable_cas",
     "do not keep CAS values", true},
    {'b', "listen-backlog", ArgKind::kRequired, "<num>", "listen_backlog",
     "connections queued before accept (default: 1024)", true},
    {'B', "protocol", ArgKind::kRequired, "<name>", "protocol",
     "protocol: ascii, binary or auto (default: auto)", true},
    {'I', "max-item-size", ArgKind::kRequired, "<size>", "max_item_size",
     "largest item, k or m suffix, 1k..1024m (default: 1m)", true},
    {'S', "enable-sasl", ArgKind::kNone, "", "enable_sasl",
     "SASL authentication (binary protocol only)", true},
    {'F', "disable-flush-all", ArgKind::kNone, "", "disable_flush_all",
     "refuse flush_all", true},
    {'X', "disable-dumping", ArgKind::kNone, "", "disable_dumping",
     "refuse lru_crawler metadump", true},
    {'W', "disable-watch", ArgKind::kNone, "", "disable_watch", "refuse watch", true},
    {'Y', "auth-file", ArgKind::kRequired, "<file>", "auth_file",
     "ASCII authentication from a file of user:password lines", true},
    {'e', "memory-file", ArgKind::kRequired, "<file>", nullptr,
     "restartable memory file", false},
    {'Z', "enable-ssl", ArgKind::kNone, "", "enable_ssl",
     "TLS on the TCP listeners, except those given as -l notls:<addr>", true},
    {'o', "extended", ArgKind::kRequired, "<list>", nullptr,
     "comma separated key[=value] suboptions:", true},
    {'N', "napi-ids", ArgKind::kRequired, "<num>", nullptr, "NAPI ids", false},
};

// gflags' own flags whose effect needs gflags' parser (help output, flag
// files): setting them one by one would do nothing, or skip our checks.
constexpr char kRefusedGflags[] =
    "flagfile fromenv tryfromenv undefok helpfull helpshort helpon helpmatch "
    "helppackage helpxml tab_completion_word tab_completion_columns";

constexpr int kThreadsWarning = 64;  // memcached warns above this

// Whether `name` is one of the space separated words of `list`.
bool InList(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t space = list.find(' ');
    if (list.substr(0, space) == name) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "memcd %s, a memcached-compatible cache server\n"
               "Usage: memcd [options]. Options take memcached's forms "
               "(-m 64, --memory-limit=64)\nor their gflag's, named in "
               "brackets (--memory_limit=64).\n",
               PACKAGE_VERSION);
  for (const OptionSpec& spec : kOptions) {
    std::string left;
    if (spec.short_name != '\0') left = std::string("-") + spec.short_name;
    if (spec.long_name != nullptr) {
      if (!left.empty()) left += ", ";
      left += std::string("--") + spec.long_name;
      if (spec.arg == ArgKind::kOptional) {
        left += std::string("[=") + spec.metavar + "]";
      } else if (spec.metavar[0] != '\0') {
        left += std::string("=") + spec.metavar;
      }
    } else if (spec.metavar[0] != '\0') {
      left += std::string(" ") + spec.metavar;
    }
    std::string right = spec.help;
    if (!spec.supported) right += " (not supported yet)";
    if (spec.flag != nullptr) right += std::string(" [--") + spec.flag + "]";
    std::fprintf(out, "%-34s %s\n", left.c_str(), right.c_str());
    if (spec.short_name == 'o') {
      std::fprintf(out, "  %-32s %s\n  %-32s %s\n  %-32s %s\n  %-32s %s\n",
                   "hashpower=<num>",
                   "initial hash table size as a power of 2, 12..32 "
                   "(default: 16) [--hashpower]",
                   "no_hashexpand",
                   "never grow the hash table [--no_hashexpand]",
                   "idle_timeout=<secs>",
                   "close TCP clients idle this long, 0 = never "
                   "(default: 0) [--idle_timeout]",
                   "maxconns_fast, no_maxconns_fast",
                   "over -c: reject at once, or wait for a free slot "
                   "(default: fast) [--maxconns_fast]");
      std::fprintf(out, "  %-32s %s\n  %-32s %s\n", "metrics_port=<port>",
                   "serve Prometheus /metrics over HTTP, 0 = off "
                   "(default: 0; doc/observability.md) [--metrics_port]",
                   "hot_keys_sample=<n>",
                   "sample 1 in n requests for stats hotkeys, 0 = off "
                   "(default: 16) [--hot_keys_sample]");
      std::fprintf(out, "  %-32s %s\n", "ssl_chain_cert=, ssl_key=, ...",
                   "-Z's certificate, key and the other ssl_* settings "
                   "(doc/tls.md)");
      std::fprintf(out, "  %-32s %s\n", "(memcached's others)",
                   "accepted with a warning, ignored");
    }
  }
  std::fprintf(out, "%-34s %s\n", "--debug_time",
               "memcd only: enable the debugtime command, for tests");
  std::fprintf(out, "%-34s %s\n", "--v=<n>, --logtostderr, --log_dir=<dir>",
               "glog's flags, and any other gflag as --name=value");
}

// Parses argv left to right, setting gflags as it goes.
class Parser {
 public:
  Parser(int argc, char** argv) : argc_(argc), argv_(argv) {}
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // On kExitUsage, error() says why.
  CommandLineResult Run();
  const std::string& error() const { return error_; }

 private:
  enum class Step { kNext, kExitSuccess, kFail };

  Step ParseLong(std::string_view arg);
  Step ParseShortBundle(std::string_view arg);
  Step ParseGflag(std::string_view arg, const std::string& name,
                  const char* value);
  Step Apply(const OptionSpec& spec, const char* value,
             const std::string& spelling);
  Step ParseSuboptions(std::string_view list);
  // `shown` is the value as the user wrote it, for the error message.
  Step SetFlag(const char* flag, const std::string& value,
               const std::string& spelling, std::string_view shown);
  Step SetFlag(const char* flag, const std::string& value,
               const std::string& spelling) {
    return SetFlag(flag, value, spelling, value);
  }
  Step Fail(std::string message) {
    error_ = std::move(message);
    return Step::kFail;
  }
  // The argument after the current one, consumed; nullptr at the end.
  const char* TakeNext() {
    return index_ + 1 < argc_ ? argv_[++index_] : nullptr;
  }

  const int argc_;
  char** const argv_;
  int index_ = 1;
  std::string error_;
};

CommandLineResult Parser::Run() {
  for (; index_ < argc_; ++index_) {
    std::string_view arg = argv_[index_];
    Step step;
    if (arg == "--") {
      if (index_ + 1 < argc_) {
        Fail("unexpected argument '" + std::string(argv_[index_ + 1]) + "'");
        return CommandLineResult::kExitUsage;
      }
      break;
    } else if (arg.size() > 2 && arg.substr(0, 2) == "--") {
      step = ParseLong(arg);
    } else if (arg.size() > 1 && arg[0] == '-') {
      step = ParseShortBundle(arg);
    } else {
      step = Fail("unexpected argument '" + std::string(arg) + "'");
    }
    if (step == Step::kExitSuccess) return CommandLineResult::kExitSuccess;
    if (step == Step::kFail) return CommandLineResult::kExitUsage;
  }
  return CommandLineResult::kRun;
}

Parser::Step Parser::ParseLong(std::string_view arg) {
  std::string_view body = arg.substr(2);
  size_t eq = body.find('=');
  std::string name(body.substr(0, eq));
  // A suffix of argv_[index_], hence NUL-terminated.
  const char* value =
      eq == std::string_view::npos ? nullptr : body.data() + eq + 1;
  for (const OptionSpec& spec : kOptions) {
    if (spec.long_name == nullptr || name != spec.long_name) continue;
    std::string spelling = "--" + name;
    if (spec.arg == ArgKind::kNone && value != nullptr) {
      return Fail("option '" + spelling + "' doesn't allow an argument");
    }
    if (spec.arg == ArgKind::kRequired && value == nullptr) {
      value = TakeNext();
      if (value == nullptr) {
        return Fail("option '" + spelling + "' requires an argument");
      }
    }
    return Apply(spec, value, spelling);
  }
  return ParseGflag(arg, name, value);
}

Parser::Step Parser::ParseShortBundle(std::string_view arg) {
  for (size_t i = 1; i < arg.size(); ++i) {
    const char c = arg[i];
    const OptionSpec* found = nullptr;
    for (const OptionSpec& spec : kOptions) {
      if (spec.short_name == c) found = &spec;
    }
    if (found == nullptr) {
      return Fail(std::string("invalid option -- '") + c + "'");
    }
    const std::string spelling = std::string("-") + c;
    if (found->arg != ArgKind::kRequired) {
      Step step = Apply(*found, nullptr, spelling);
      if (step != Step::kNext) return step;
      continue;
    }
    // The value is the rest of this argument (-p11211) or the next one.
    const char* value = i + 1 < arg.size() ? arg.data() + i + 1 : TakeNext();
    if (value == nullptr) {
      return Fail(std::string("option requires an argument -- '") + c + "'");
    }
    return Apply(*found, value, spelling);
  }
  return Step::kNext;
}

Parser::Step Parser::ParseGflag(std::string_view arg, const std::string& name,
                                const char* value) {
  std::string flag = name;
  for (char& c : flag) {
    if (c == '-') c = '_';
  }
  const std::string spelling = "--" + name;
  gflags::CommandLineFlagInfo info;
  bool negated = false;
  if (!gflags::GetCommandLineFlagInfo(flag.c_str(), &info)) {
    negated = flag.size() > 2 && flag.compare(0, 2, "no") == 0 &&
              gflags::GetCommandLineFlagInfo(flag.c_str() + 2, &info) &&
              info.type == "bool";
    if (!negated) {
      return Fail("unrecognized option '" + std::string(arg) + "'");
    }
  }
  if (InList(kRefusedGflags, info.name)) {
    return Fail("option '" + spelling + "' is not supported");
  }
  if (negated) {
    if (value != nullptr) {
      return Fail("option '" + spelling + "' doesn't allow an argument");
    }
    return SetFlag(info.name.c_str(), "false", spelling);
  }
  if (info.type == "bool") {
    return SetFlag(info.name.c_str(), value != nullptr ? value : "true",
                   spelling);
  }
  if (value == nullptr) {
    value = TakeNext();
    if (value == nullptr) {
      return Fail("option '" + spelling + "' requires an argument");
    }
  }
  return SetFlag(info.name.c_str(), value, spelling);
}

Parser::Step Parser::Apply(const OptionSpec& spec, const char* value,
                           const std::string& spelling) {
  if (!spec.supported) {
    return Fail("option " + spelling + " (" + spec.help +
                ") is not supported yet");
  }
  switch (spec.short_name) {
    case 'h':
      PrintUsage(stdout);
      std::fflush(stdout);
      return Step::kExitSuccess;
    case 'V':
      std::printf("memcd %s\n", PACKAGE_VERSION);
      std::fflush(stdout);
      return Step::kExitSuccess;
    case 'v':
      // --verbose=N sets the level; every bare -v adds one.
      if (value != nullptr) return SetFlag("verbose", value, spelling);
      return SetFlag(
          "verbose",
          std::to_string(FLAGS_verbose < INT32_MAX ? FLAGS_verbose + 1
                                                   : FLAGS_verbose),
          spelling);
    case 'l':
      // Several -l accumulate, as in memcached.
      return SetFlag("listen",
                     FLAGS_listen.empty() ? std::string(value)
                                          : FLAGS_listen + "," + value,
                     spelling);
    case 'm': {
      // memcached reads "-m 64m" as 64 megabytes; so do we.
      std::string megabytes = value;
      if (!megabytes.empty() &&
          (megabytes.back() == 'm' || megabytes.back() == 'M')) {
        megabytes.pop_back();
      }
      return SetFlag("memory_limit", megabytes, spelling, value);
    }
    case 'o':
      return ParseSuboptions(value);
    default:
      break;
  }
  return SetFlag(spec.flag, spec.arg == ArgKind::kNone ? "true" : value,
                 spelling);
}

Parser::Step Parser::ParseSuboptions(std::string_view list) {
  // As getsubopt(): an empty token is illegal, except a trailing comma.
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view()
                                           : list.substr(comma + 1);
    std::string error;
    if (!ApplySuboption(token, &error)) return Fail(error);
  }
  return Step::kNext;
}

Parser::Step Parser::SetFlag(const char* flag, const std::string& value,
                             const std::string& spelling,
                             std::string_view shown) {
  // gflags answers an empty string when the value does not parse.
  if (gflags::SetCommandLineOption(flag, value.c_str()).empty()) {
    return Fail("invalid value \"" + std::string(shown) + "\" for " + spelling);
  }
  return Step::kNext;
}

}  // namespace


CommandLineResult ParseCommandLine(int argc, char** argv,
                                   ServerOptions* options) {
  Parser parser(argc, argv);
  CommandLineResult result = parser.Run();
  if (result == CommandLineResult::kExitUsage) {
    std::fprintf(stderr, "memcd: %s\n", parser.error().c_str());
    return result;
  }
  if (result != CommandLineResult::kRun) return result;
  std::string error;
  if (!BuildOptions(options, &error)) {
    std::fprintf(stderr, "memcd: %s\n", error.c_str());
    return CommandLineResult::kExitUsage;
  }
  // As memcached at start-up: certificate, key, CA file and ciphers must
  // load (Server::Start() loads them again, for real).
  if (options->tls.enabled && TlsContext::Create(options->tls, &error) == nullptr) {
    std::fprintf(stderr, "memcd: %s\n", error.c_str());
    return CommandLineResult::kExitUsage;
  }
  if (options->threads > kThreadsWarning) {
    std::fprintf(stderr,
                 "memcd: warning: %d worker threads is not recommended; use "
                 "the number of cores or fewer\n",
                 options->threads);
  }
  return CommandLineResult::kRun;
}

}  // namespace memcd
