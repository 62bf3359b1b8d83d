// Names the calling thread as `ps -L`, `top -H` and /proc/PID/task/*/comm
// show it, as memcached names its threads ("mc-worker"). Linux keeps 15
// bytes; longer names are cut there.
#ifndef MEMCD_BASE_THREAD_NAME_H_
#define MEMCD_BASE_THREAD_NAME_H_

#include <pthread.h>

#include <cstring>

namespace memcd {

inline void SetThreadName(const char* name) {
  char buf[16];
  std::strncpy(buf, name, sizeof(buf) - 1);
  buf[sizeof(buf) - 1] = '\0';
  pthread_setname_np(pthread_self(), buf);  // only fails on a long name
}

}  // namespace memcd

#endif  // MEMCD_BASE_THREAD_NAME_H_
