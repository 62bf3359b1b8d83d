// memcd: a memcached-compatible cache server. main() only wires the command
// line, logging and the Server object together.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <sysexits.h>

#include <cstdio>
#include <string>

#include "server/command_line.h"
#include "server/options.h"
#include "server/privileges.h"
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

  // In the foreground everything goes to stderr; -v.. raise the detail.
  // (unless the user chose a log directory or set --logtostderr themselves).
  if (gflags::GetCommandLineFlagInfoOrDie("logtostderr").is_default && FLAGS_log_dir.empty()) {
    FLAGS_logtostderr = true;
  }
  if (options.verbose > FLAGS_v) FLAGS_v = options.verbose;
  google::InitGoogleLogging(argv[0]);

  std::string error;
  if (!memcd::CheckRootNeedsUser(options.user, &error)) {
    fprintf(stderr, "memcd: %s\n", error.c_str());
    return EX_USAGE;
  }
  memcd::Server server(options);
  if (!server.Start(&error)) {
    LOG(ERROR) << error;
    fprintf(stderr, "memcd: %s\n", error.c_str());
    return EX_OSERR;
  }
  return server.Run();
}
