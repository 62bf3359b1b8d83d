#include "server/request_family.h"

namespace memcd {

CommandFamily FamilyOfText(TextCommand command) {
  switch (command) {
    case TextCommand::kGet:
    case TextCommand::kGets:
      return CommandFamily::kGet;
    case TextCommand::kGat:
    case TextCommand::kGats:
    case TextCommand::kTouch:
      return CommandFamily::kTouch;
    case TextCommand::kSet:
    case TextCommand::kAdd:
    case TextCommand::kReplace:
    case TextCommand::kAppend:
    case TextCommand::kPrepend:
    case TextCommand::kCas:
      return CommandFamily::kSet;
    case TextCommand::kDelete:
      return CommandFamily::kDelete;
    case TextCommand::kIncr:
    case TextCommand::kDecr:
      return CommandFamily::kIncrDecr;
    default:
      return CommandFamily::kOther;
  }
}

CommandFamily FamilyOfMeta(std::string_view line) {
  if (line.size() < 2 || line[0] != 'm') return CommandFamily::kOther;
  switch (line[1]) {
    case 'g': return CommandFamily::kMetaGet;
    case 's': return CommandFamily::kMetaSet;
    case 'd': return CommandFamily::kMetaDelete;
    case 'a': return CommandFamily::kMetaArith;
    default: return CommandFamily::kOther;  // mn, me
  }
}

CommandFamily FamilyOfBinary(uint8_t opcode) {
  switch (opcode) {
    case 0x00: case 0x09: case 0x0c: case 0x0d:  // get, getq, getk, getkq
      return CommandFamily::kGet;
    case 0x01: case 0x02: case 0x03: case 0x0e: case 0x0f:  // set add replace append prepend
    case 0x11: case 0x12: case 0x13: case 0x19: case 0x1a:  // their quiet forms
      return CommandFamily::kSet;
    case 0x04: case 0x14:  // delete, deleteq
      return CommandFamily::kDelete;
    case 0x05: case 0x06: case 0x15: case 0x16:  // increment, decrement (q)
      return CommandFamily::kIncrDecr;
    case 0x1c: case 0x1d: case 0x1e: case 0x23: case 0x24:  // touch, gat(q), gatk(q)
      return CommandFamily::kTouch;
    default:
      return CommandFamily::kOther;
  }
}

}  // namespace memcd
