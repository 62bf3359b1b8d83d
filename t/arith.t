#!/usr/bin/perl
# incr/decr: 64-bit unsigned, incr wraps, decr floors at 0, in-place
# results keep the stored length, and each error reply.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;
my $max = '18446744073709551615';  # 2^64 - 1

my @cases = (
  ["set n 5 0 1\r\n1\r\n",          "STORED\r\n"],
  ["incr n 1\r\n",                  "2\r\n"],
  ["incr n 8\r\n",                  "10\r\n", 'incr grows the value'],
  ["get n\r\n",                     "VALUE n 5 2\r\n10\r\nEND\r\n", 'incr keeps flags'],
  ["decr n 1\r\n",                  "9\r\n"],
  # A shorter result is written in place, padded with spaces.
  ["get n\r\n",                     "VALUE n 5 2\r\n9 \r\nEND\r\n", 'decr result padded in place'],
  ["decr n 100\r\n",                "0\r\n", 'decr floors at 0'],
  ["decr n 1\r\n",                  "0\r\n", 'decr of 0 stays 0'],
  ["incr n 0\r\n",                  "0\r\n", 'incr by 0'],
  ["incr n 01\r\n",                 "1\r\n", 'leading zero in delta'],
  ["decr n 1\r\n",                  "0\r\n"],
  ["incr n $max\r\n",               "$max\r\n", 'incr by 2^64-1'],
  ["incr n 1\r\n",                  "0\r\n", 'incr wraps at 2^64'],
  ["get n\r\n",                     "VALUE n 5 20\r\n0                   \r\nEND\r\n", 'wrapped value padded'],
  ["set n 0 0 20\r\n$max\r\n",      "STORED\r\n"],
  ["incr n 2\r\n",                  "1\r\n", 'max + 2 wraps to 1'],
  ["set n 0 0 20\r\n$max\r\n",      "STORED\r\n"],
  ["decr n $max\r\n",               "0\r\n", 'decr by 2^64-1'],
  ["set n 0 0 2\r\n99\r\n",         "STORED\r\n"],
  ["incr n 1\r\n",                  "100\r\n", 'incr past the stored length'],
  ["get n\r\n",                     "VALUE n 0 3\r\n100\r\nEND\r\n"],

  ["incr n 18446744073709551616\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n", 'delta of 2^64'],
  ["incr n abc\r\n",                "CLIENT_ERROR invalid numeric delta argument\r\n", 'non-digit delta'],
  ["decr n 1x\r\n",                 "CLIENT_ERROR invalid numeric delta argument\r\n", 'trailing junk in delta'],
  ["incr n -1\r\n",                 "CLIENT_ERROR invalid numeric delta argument\r\n", 'negative delta'],
  ["get n\r\n",                     "VALUE n 0 3\r\n100\r\nEND\r\n", 'errors leave the value'],

  ["incr missing 1\r\n",            "NOT_FOUND\r\n", 'incr missing key'],
  ["decr missing 1\r\n",            "NOT_FOUND\r\n", 'decr missing key'],
  ["incr missing abc\r\n",          "CLIENT_ERROR invalid numeric delta argument\r\n", 'bad delta beats missing key'],

  ["set s 0 0 3\r\nabc\r\n",        "STORED\r\n"],
  ["incr s 1\r\n",                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", 'incr non-numeric'],
  ["decr s 1\r\n",                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", 'decr non-numeric'],
  ["set s 0 0 3\r\n12a\r\n",        "STORED\r\n"],
  ["incr s 1\r\n",                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", 'digits then junk'],
  ["set s 0 0 0\r\n\r\n",           "STORED\r\n"],
  ["incr s 1\r\n",                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", 'empty value'],
  ["set s 0 0 20\r\n18446744073709551616\r\n", "STORED\r\n"],
  ["incr s 1\r\n",                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", 'value over 2^64-1'],
  ["get s\r\n",                     "VALUE s 0 20\r\n18446744073709551616\r\nEND\r\n"],

  ["incr\r\n",                      "ERROR\r\n", 'incr without arguments'],
  ["incr n\r\n",                    "ERROR\r\n", 'incr without delta'],
  ["decr n\r\n",                    "ERROR\r\n", 'decr without delta'],

  ["set c 0 0 1\r\n5\r\n",          "STORED\r\n"],
  ["incr c 5 noreply\r\nget c\r\n", "VALUE c 0 2\r\n10\r\nEND\r\n", 'incr noreply'],
  ["decr c 3 noreply\r\nget c\r\n", "VALUE c 0 2\r\n7 \r\nEND\r\n", 'decr noreply'],
  ["incr nokey 1 noreply\r\nget nokey\r\n", "END\r\n", 'incr noreply on missing key'],
);
for my $c (@cases) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
}

# incr changes the cas unique.
send_cmd($sock, "gets c\r\n");
my ($u1) = (read_reply($sock) || '') =~ /^VALUE c 0 2 (\d+)\r\n/;
mem_cmd_is($sock, "incr c 1\r\n", "8\r\n");
send_cmd($sock, "gets c\r\n");
my ($u2) = (read_reply($sock) || '') =~ /^VALUE c 0 2 (\d+)\r\n/;
ok(defined $u1 && defined $u2 && $u1 != $u2, 'incr gives a new unique');

done_testing();
