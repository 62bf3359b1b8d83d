package MemcdBinary;
# Binary-protocol packets for the t/ tests: a request or a reply packet from
# numeric opcode and status, with optional key, extras, value/body, opaque
# and cas (the 24-byte header in network order, then extras, key, value).
use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(bin_request bin_reply);

sub _packet {
  my ($magic, $op, $status, %a) = @_;
  my ($key, $ext, $val) = map { defined $_ ? $_ : '' } @a{qw(key extras value)};
  return pack('CCnCCnNNQ>', $magic, $op, length $key, length $ext, 0, $status,
              length($ext) + length($key) + length($val), $a{opaque} || 0,
              $a{cas} || 0) . $ext . $key . $val;
}

# bin_request(opcode, key => , extras => , value => , cas => , opaque => )
sub bin_request { my ($op, %a) = @_; return _packet(0x80, $op, 0, %a) }

# bin_reply(opcode, status, key => , extras => , body => , cas => , opaque => )
sub bin_reply {
  my ($op, $status, %a) = @_;
  return _packet(0x81, $op, $status, %a, value => $a{body});
}

1;
