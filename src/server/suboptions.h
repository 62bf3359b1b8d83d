// memcached's -o (--extended) suboptions, mapped onto gflags by a table.
#ifndef MEMCD_SERVER_SUBOPTIONS_H_
#define MEMCD_SERVER_SUBOPTIONS_H_

#include <string>
#include <string_view>

namespace memcd {

// Applies one "name[=value]" token of an -o list: sets its gflag(s), or warns
// on stderr for a memcached suboption memcd does not implement yet. False,
// with memcached's wording in *error, for a bad value or an unknown name.
bool ApplySuboption(std::string_view token, std::string* error);

}  // namespace memcd

#endif  // MEMCD_SERVER_SUBOPTIONS_H_
