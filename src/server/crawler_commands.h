// The "lru_crawler" text command (memcached 1.6.18's replies):
//   lru_crawler crawl <classid,classid,...|all>   OK | BUSY ... | BADCLASS ...
//   lru_crawler metadump <classid,...|all|hash>   item lines, then END
//   lru_crawler sleep <microseconds>              OK (at most 1000000)
//   lru_crawler tocrawl <items>                   OK
//   lru_crawler enable | disable                  OK
// Any other token count is ERROR; "noreply" is not understood (memcached's
// exact token counts); "crawl hash" is memcached's "ERROR an unknown
// error happened". crawl and metadump need the crawler enabled; -X
// refuses metadump. "hash" dumps every class in LRU order (memcached walks
// its hash table instead).
#ifndef MEMCD_SERVER_CRAWLER_COMMANDS_H_
#define MEMCD_SERVER_CRAWLER_COMMANDS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/lru_crawler.h"
#include "store/store.h"

namespace memcd {

// Parses memcached's class list: ids 1..63 separated by commas (empty
// entries skipped), or "all" (an empty *classes). False: BADCLASS.
bool ParseCrawlerClasses(std::string_view list, bool allow_hash,
                         std::vector<bool>* classes);

// Runs the command whose arguments (after "lru_crawler") are `args`. Returns
// the reply line without "\r\n", or, for a metadump that may go ahead, an
// empty string with the dump in *dump.
std::string RunLruCrawlerCommand(std::string_view args, bool dump_enabled,
                                 Store* store,
                                 std::unique_ptr<LruMetadump>* dump);

}  // namespace memcd

#endif  // MEMCD_SERVER_CRAWLER_COMMANDS_H_
