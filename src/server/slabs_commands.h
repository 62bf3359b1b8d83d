// The "slabs" text command (memcached 1.6.18's process_slabs_command):
//   slabs reassign <src> <dst>   one page from class src (-1: any class with
//                                a spare page) to class dst (0: the global
//                                page pool); exactly these tokens
//   slabs automove <0|1|2>       the automove level
//   slabs automove ratio <r>     the age ratio of automove level 1
// With -o no_slab_reassign, "reassign" answers
// "CLIENT_ERROR slab reassignment disabled". "automove" takes a trailing
// noreply; "reassign" does not (memcached answers ERROR).
#ifndef MEMCD_SERVER_SLABS_COMMANDS_H_
#define MEMCD_SERVER_SLABS_COMMANDS_H_

#include <string>
#include <string_view>

#include "store/store.h"

namespace memcd {

// Runs the command whose arguments (after "slabs") are `args` and returns the
// reply line without "\r\n".
std::string RunSlabsCommand(std::string_view args, bool reassign_enabled,
                            Store* store);

}  // namespace memcd

#endif  // MEMCD_SERVER_SLABS_COMMANDS_H_
