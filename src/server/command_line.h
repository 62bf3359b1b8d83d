// The command line: memcached's own options (short, bundled and long forms)
// and gflags' --long_name=value forms, mixed freely, so that an existing
// memcached command line starts memcd unchanged.
#ifndef MEMCD_SERVER_COMMAND_LINE_H_
#define MEMCD_SERVER_COMMAND_LINE_H_

#include <string>

#include "server/options.h"

namespace memcd {

enum class CommandLineResult {
  kRun,          // *options is filled; start the server
  kExitSuccess,  // -h or -V was answered on stdout; exit 0
  kExitUsage,    // one "memcd: ..." line went to stderr; exit 64 (EX_USAGE)
};

// Parses argv[1..argc-1] left to right, sets the gflags in flags.h, then
// validates them and fills *options (see BuildOptions).
//  - memcached options (-p 1, -p1, -vvv, -Cv, --port=1, --port 1, -o a=1,b)
//    map onto their gflags; several -l accumulate, each -v adds one.
//  - Any other --name[=value], --name value (non-bool) or --[no]name (bool)
//    sets the gflag `name` ('-' read as '_'), glog's included (--v=1).
//  - memcached options memcd does not implement yet are refused; memcached's
//    -o suboptions other than hashpower draw a warning on stderr and are
//    ignored.
//  - -h/--help prints the usage and -V/--version "memcd VERSION" on stdout;
//    parsing stops there, at its position on the line.
//  - Unknown options, malformed values, positional arguments and values
//    out of range print one "memcd: ..." line on stderr.
// *options is written only on kRun.
CommandLineResult ParseCommandLine(int argc, char** argv,
                                   ServerOptions* options);

// Builds ServerOptions from the current flag values, applying memcached's
// checks (-t, -c, -R, -n > 0; -f > 1; ports 0..65535; -I in 1k..1024m and
// at most half of -m; hashpower 12..32). On failure returns false with a
// one-line reason (no "memcd: " prefix) in *error and leaves *options alone.
bool BuildOptions(ServerOptions* options, std::string* error);

}  // namespace memcd

#endif  // MEMCD_SERVER_COMMAND_LINE_H_
