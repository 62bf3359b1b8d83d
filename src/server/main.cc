// memcd: a memcached-compatible cache server. main() only wires the command
// line, daemonizing, logging and the Server object together.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <sysexits.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "base/verbosity.h"
#include "server/command_line.h"
#include "server/daemon.h"
#include "server/options.h"
#include "server/privileges.h"
#include "server/sasl_auth.h"
#include "server/server.h"

int main(int argc, char** argv) {
  memcd::ServerOptions options;
  switch (memcd::ParseCommandLine(argc, argv, &options)) {
    case memcd::CommandLineResult::kRun:
      break;
    case memcd::CommandLineResult::kExitSuccess:
      return 0;
    case memcd::CommandLineResult::kExitUsage:
      return EX_USAGE;
  }

  std::string error;
  // -r first, as memcached: a core from any later failure is kept.
  if (options.enable_coredumps && !memcd::RaiseCoreLimit(&error)) {
    fprintf(stderr, "memcd: %s\n", error.c_str());
    return EX_OSERR;
  }
  if (!memcd::CheckRootNeedsUser(options.user, &error)) {
    fprintf(stderr, "memcd: %s\n", error.c_str());
    return EX_USAGE;
  }
  // -S: as memcached, a SASL library that cannot start (no configuration
  // found, say) stops the server before it daemonizes, with status 1.
  if (options.sasl && !memcd::InitSasl(options.verbose, &error)) {
    fprintf(stderr, "memcd: %s\n", error.c_str());
    return 1;
  }
  // Before any thread exists: fork() keeps only the calling one. The parent
  // stays in Daemonize() until Ready()/Fail() below, then exits.
  memcd::Daemon daemon;
  if (options.daemonize) {
    signal(SIGHUP, SIG_IGN);  // until the server's own handler is in place
    if (!daemon.Daemonize(options.enable_coredumps, options.verbose > 0, &error)) {
      fprintf(stderr, "memcd: failed to daemonize: %s\n", error.c_str());
      return EX_OSERR;
    }
  }
  // Logging (doc/operations.md): stderr in the foreground, and for a daemon
  // without --log_dir (whose stderr is /dev/null unless -v, as memcached's);
  // glog's own size-rotated files in --log_dir otherwise.
  if (gflags::GetCommandLineFlagInfoOrDie("logtostderr").is_default && FLAGS_log_dir.empty()) {
    FLAGS_logtostderr = true;
  }
  // FLAGS_v is set here, before any thread, and never again: the
  // "verbosity" command changes memcd's own level (base/verbosity.h).
  if (options.verbose > FLAGS_v) FLAGS_v = options.verbose;
  memcd::SetVerbosityLevel(FLAGS_v);
  google::InitGoogleLogging(argv[0]);

  // A start-up failure: to the terminal, or through the daemon's parent.
  auto fail = [&daemon](int code, const std::string& message) {
    LOG(ERROR) << message;
    if (daemon.daemonized()) {
      daemon.NotifyFailure(code, message);
    } else {
      fprintf(stderr, "memcd: %s\n", message.c_str());
    }
    return code;
  };
  if (options.lock_memory && !memcd::LockAllMemory(&error)) {
    // memcached carries on unlocked; so do we.
    LOG(WARNING) << error;
    if (!daemon.daemonized()) fprintf(stderr, "%s\n", error.c_str());
  }
  memcd::Server server(options);
  if (!server.Start(&error)) return fail(EX_OSERR, error);
  // After Start(): written as the -u user, as memcached's.
  if (!options.pid_file.empty() && !memcd::WritePidFile(options.pid_file, &error)) {
    return fail(EX_CANTCREAT, error);
  }
  daemon.NotifyReady();
  const int status = server.Run();
  if (!options.pid_file.empty()) memcd::RemovePidFile(options.pid_file);
  return status;
}
