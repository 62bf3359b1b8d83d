#include "server/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace memcd {

bool CheckRootNeedsUser(const std::string& user, std::string* error) {
  if ((getuid() == 0 || geteuid() == 0) && user.empty()) {
    *error = "can't run as root without the -u switch";
    return false;
  }
  return true;
}

bool DropPrivileges(const std::string& user, std::string* error) {
  if (getuid() != 0 && geteuid() != 0) return true;
  if (user.empty()) return true;
  errno = 0;
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    *error = "can't find the user " + user + " to switch to";
    return false;
  }
  if (pw->pw_uid == 0) return true;  // -u root: stay as we are
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 ||
      setuid(pw->pw_uid) != 0) {
    *error = "failed to assume the identity of " + user + ": " + strerror(errno);
    return false;
  }
  return true;
}

}  // namespace memcd
