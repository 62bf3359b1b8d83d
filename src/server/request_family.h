// Which latency histogram (stats/latency_histogram.h's CommandFamily) a
// request of each protocol is timed into.
#ifndef MEMCD_SERVER_REQUEST_FAMILY_H_
#define MEMCD_SERVER_REQUEST_FAMILY_H_

#include <cstdint>
#include <string_view>

#include "proto/text_parser.h"
#include "stats/latency_histogram.h"

namespace memcd {

CommandFamily FamilyOfText(TextCommand command);
// `line` starts with a meta command (proto/meta_parser.h's IsMetaCommand()).
CommandFamily FamilyOfMeta(std::string_view line);
// The raw opcode byte of a binary request.
CommandFamily FamilyOfBinary(uint8_t opcode);

}  // namespace memcd

#endif  // MEMCD_SERVER_REQUEST_FAMILY_H_
