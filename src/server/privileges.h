// Dropping root, as memcached's -u does.
#ifndef MEMCD_SERVER_PRIVILEGES_H_
#define MEMCD_SERVER_PRIVILEGES_H_

#include <string>

namespace memcd {

// Running as root needs -u: false (with a message in *error) when the
// process is root and `user` is empty.
bool CheckRootNeedsUser(const std::string& user, std::string* error);
// When running as root, switches to `user` (its gid, no supplementary
// groups, then its uid). A no-op for a non-root process, as in memcached.
bool DropPrivileges(const std::string& user, std::string* error);

}  // namespace memcd

#endif  // MEMCD_SERVER_PRIVILEGES_H_
