#!/usr/bin/perl
# delete and touch (and gat's touch): replies, noreply, legacy forms, and
# that touch really moves the expiry time.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;
my $k251 = 'k' x 251;

my @cases = (
  ["set d 0 0 1\r\nx\r\n",        "STORED\r\n"],
  ["delete d\r\n",                "DELETED\r\n"],
  ["get d\r\n",                   "END\r\n", 'deleted item is gone'],
  ["delete d\r\n",                "NOT_FOUND\r\n", 'delete missing'],
  ["set d 0 0 1\r\nx\r\n",        "STORED\r\n"],
  ["delete d noreply\r\nget d\r\n", "END\r\n", 'delete noreply'],
  ["delete d noreply\r\nget d\r\n", "END\r\n", 'delete noreply of missing key'],
  ["set d 0 0 1\r\nx\r\n",        "STORED\r\n"],
  ["delete d 0\r\n",              "DELETED\r\n", 'legacy "delete key 0"'],
  ["set d 0 0 1\r\nx\r\n",        "STORED\r\n"],
  ["delete d 0 noreply\r\nget d\r\n", "END\r\n", 'legacy "delete key 0 noreply"'],
  ["delete d 5\r\n",              "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
   'delete with a hold time'],
  ["delete\r\n",                  "ERROR\r\n", 'delete without key'],
  ["delete $k251\r\n",            "CLIENT_ERROR bad command line format\r\n", 'delete 251-byte key'],
  ["set d 0 0 1\r\nx\r\n",        "STORED\r\n"],
  ["get d\r\n",                   "VALUE d 0 1\r\nx\r\nEND\r\n", 'connection works after delete errors'],

  ["touch d 0\r\n",               "TOUCHED\r\n"],
  ["touch nokey 0\r\n",           "NOT_FOUND\r\n", 'touch missing'],
  ["touch d 0 noreply\r\nget d\r\n", "VALUE d 0 1\r\nx\r\nEND\r\n", 'touch noreply'],
  ["touch nokey 0 noreply\r\nget nokey\r\n", "END\r\n", 'touch noreply of missing key'],
  ["touch d abc\r\n",             "CLIENT_ERROR invalid exptime argument\r\n", 'touch bad exptime'],
  ["touch d\r\n",                 "ERROR\r\n", 'touch without exptime'],
  ["touch\r\n",                   "ERROR\r\n", 'touch without arguments'],
  ["touch $k251 0\r\n",           "CLIENT_ERROR bad command line format\r\n", 'touch 251-byte key'],
  ["get d\r\n",                   "VALUE d 0 1\r\nx\r\nEND\r\n", 'touch leaves the value'],
);
for my $c (@cases) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
}

# touch and gat move expiry both ways.
my @setup = (
  ["set soon 0 0 1\r\na\r\n",     "STORED\r\n", 'set soon, no expiry'],
  ["touch soon 2\r\n",            "TOUCHED\r\n", 'touch to 2 s'],
  ["set later 0 2 1\r\nb\r\n",    "STORED\r\n", 'set later, 2 s'],
  ["touch later 0\r\n",           "TOUCHED\r\n", 'touch to never'],
  ["set g1 0 0 1\r\nc\r\n",       "STORED\r\n"],
  ["gat 2 g1\r\n",                "VALUE g1 0 1\r\nc\r\nEND\r\n", 'gat to 2 s'],
  ["set g2 0 2 1\r\nd\r\n",       "STORED\r\n"],
  ["gats 0 g2\r\n",               qr/^VALUE g2 0 1 \d+\r\nd\r\nEND\r\n\z/, 'gats to never'],
  ["set t3 0 2 1\r\ne\r\n",       "STORED\r\n"],
  ["touch t3 100 noreply\r\n",    '', 'touch noreply to 100 s'],
);
for my $c (@setup) {
  if (ref $c->[1]) {
    send_cmd($sock, $c->[0]);
    like(read_reply($sock), $c->[1], $c->[2]);
  } else {
    mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
  }
}
advance_time($srv, 3);
mem_get_is($sock, 'soon', undef, 'touched to 2 s: expired');
mem_get_is($sock, 'later', 'b', 'touched to never: still there');
mem_get_is($sock, 'g1', undef, 'gat to 2 s: expired');
mem_get_is($sock, 'g2', 'd', 'gats to never: still there');
mem_get_is($sock, 't3', 'e', 'touch noreply took effect');
mem_cmd_is($sock, "touch soon 0\r\n", "NOT_FOUND\r\n", 'touch of an expired item');

done_testing();
