#!/usr/bin/perl
# Expiry (relative, absolute, negative, the 30-day boundary) and flush_all
# (immediate, delayed, noreply). Time moves with advance_time: memcd's
# debugtime, or real sleeps against memcached.
use strict;
use warnings;
use Test::More;
use MemcdTest;

# Reads must be the only thing that reclaims expired items here (get_expired
# counts what they find): no LRU maintainer, no crawler.
my $srv = MemcdTest->start(args => '-o no_lru_maintainer,no_lru_crawler');
my $sock = $srv->sock;
my $thirty_days = 60 * 60 * 24 * 30;

my $now = server_time($srv);
like($now, qr/^\d+\z/, 'stats time is a number');
my @setup = (
  ["set rel_short 0 2 1\r\na\r\n",     "STORED\r\n", 'relative 2 s'],
  ["set rel_long 0 100 1\r\nb\r\n",    "STORED\r\n", 'relative 100 s'],
  ["set abs_short 0 " . ($now + 2) . " 1\r\nc\r\n",   "STORED\r\n", 'absolute now+2'],
  ["set abs_long 0 " . ($now + 100) . " 1\r\nd\r\n",  "STORED\r\n", 'absolute now+100'],
  ["set abs_past 0 " . ($now - 100) . " 1\r\ne\r\n",  "STORED\r\n", 'absolute in the past'],
  ["set negative 0 -1 1\r\nf\r\n",     "STORED\r\n", 'negative exptime'],
  ["set max_rel 0 $thirty_days 1\r\ng\r\n", "STORED\r\n", '30 days is still relative'],
  ["set min_abs 0 " . ($thirty_days + 1) . " 1\r\nh\r\n", "STORED\r\n",
   '30 days + 1 is absolute (1970)'],
  ["set never 0 0 1\r\ni\r\n",         "STORED\r\n", 'exptime 0'],
  ["add negative 0 0 1\r\nj\r\n",      "STORED\r\n", 'add over an expired item'],
  ["get negative\r\n",                 "VALUE negative 0 1\r\nj\r\nEND\r\n"],
  ["set negative 0 -1 1\r\nf\r\n",     "STORED\r\n", 'negative exptime again'],
);
for my $c (@setup) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
}
mem_get_is($sock, 'rel_short', 'a', 'relative 2 s: there before');
mem_get_is($sock, 'abs_short', 'c', 'absolute now+2: there before');
mem_get_is($sock, 'abs_past', undef, 'absolute in the past: gone at once');
mem_get_is($sock, 'negative', undef, 'negative exptime: gone at once');
mem_get_is($sock, 'max_rel', 'g', '30 days relative: there');
mem_get_is($sock, 'min_abs', undef, 'absolute 1970: gone at once');
mem_cmd_is($sock, "touch negative 0\r\n", "NOT_FOUND\r\n", 'expired item cannot be touched');
mem_cmd_is($sock, "incr negative 1\r\n", "NOT_FOUND\r\n", 'expired item cannot be incremented');
mem_cmd_is($sock, "replace negative 0 0 1\r\nz\r\n", "NOT_STORED\r\n",
           'expired item cannot be replaced');

advance_time($srv, 3);
mem_get_is($sock, 'rel_short', undef, 'relative 2 s: expired');
mem_get_is($sock, 'rel_long', 'b', 'relative 100 s: there');
mem_get_is($sock, 'abs_short', undef, 'absolute now+2: expired');
mem_get_is($sock, 'abs_long', 'd', 'absolute now+100: there');
mem_get_is($sock, 'never', 'i', 'exptime 0: there');
mem_cmd_is($sock, "get rel_short rel_long abs_short abs_long\r\n",
           "VALUE rel_long 0 1\r\nb\r\nVALUE abs_long 0 1\r\nd\r\nEND\r\n",
           'multi-get skips expired items');
my $st = stats($sock);
cmp_ok($st->{get_expired}, '>=', 2, 'stats get_expired counts expired reads');

# Immediate flush: everything stored before is gone, a set right after
# (even within the same second) stays.
my @flush = (
  ["set f1 0 0 1\r\n1\r\n",            "STORED\r\n"],
  ["set f2 0 100 1\r\n2\r\n",          "STORED\r\n"],
  ["flush_all\r\n",                    "OK\r\n"],
  ["get f1 f2 never\r\n",              "END\r\n", 'flush_all empties the cache'],
  ["set f3 0 0 1\r\n3\r\n",            "STORED\r\n"],
  ["get f3\r\n",                       "VALUE f3 0 1\r\n3\r\nEND\r\n", 'set after flush_all stays'],
  ["add f1 0 0 1\r\n4\r\n",            "STORED\r\n", 'add of a flushed key'],
  ["flush_all 0\r\n",                  "OK\r\n", 'flush_all 0'],
  ["get f1 f3\r\n",                    "END\r\n", 'flush_all 0 is immediate'],
  ["set f4 0 0 1\r\n5\r\n",            "STORED\r\n"],
  ["flush_all noreply\r\nget f4\r\n",  "END\r\n", 'flush_all noreply'],
  ["set f5 0 0 1\r\n6\r\n",            "STORED\r\n"],
  ["flush_all 0 noreply\r\nget f5\r\n", "END\r\n", 'flush_all 0 noreply'],
  ["flush_all abc\r\n",                "CLIENT_ERROR invalid exptime argument\r\n", 'flush_all bad delay'],
  ["set f6 0 0 1\r\n7\r\n",            "STORED\r\n"],
  ["get f6\r\n",                       "VALUE f6 0 1\r\n7\r\nEND\r\n", 'still works after flush errors'],
);
for my $c (@flush) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
}

# Delayed flush: items stored before the deadline go when it passes, even
# those stored after the flush_all command; items stored later stay.
mem_cmd_is($sock, "set d1 0 0 2\r\nd1\r\n", "STORED\r\n");
mem_cmd_is($sock, "flush_all 2\r\n", "OK\r\n", 'flush_all 2');
mem_get_is($sock, 'd1', 'd1', 'delayed flush: there before the deadline');
mem_cmd_is($sock, "set d2 0 0 2\r\nd2\r\n", "STORED\r\n");
advance_time($srv, 3);
mem_get_is($sock, 'd1', undef, 'delayed flush: gone after the deadline');
mem_get_is($sock, 'd2', undef, 'set between flush and deadline: gone too');
mem_cmd_is($sock, "set d3 0 0 2\r\nd3\r\n", "STORED\r\n");
mem_get_is($sock, 'd3', 'd3', 'set after the deadline stays');
$st = stats($sock);
is($st->{cmd_flush}, 6, 'stats cmd_flush counts every flush_all, even the rejected one');
cmp_ok($st->{get_flushed}, '>=', 1, 'stats get_flushed counts flushed reads');

done_testing();
