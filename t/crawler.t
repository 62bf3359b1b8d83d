#!/usr/bin/perl
# The LRU crawler: "lru_crawler" replies as memcached 1.6.18 gives them, a
# crawl reclaiming expired items without any read, automatic crawls doing
# the same unasked, metadump lines, and -X.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use MemcdTest;

# No maintainer: it would reclaim expired tails itself, before the crawler.
my $srv = MemcdTest->start(args => '-m 8 -o no_lru_maintainer');
my $sock = $srv->sock;

my @cases = (
  ["lru_crawler\r\n", "ERROR\r\n"],
  ["lru_crawler foo\r\n", "ERROR\r\n"],
  ["lru_crawler crawl\r\n", "ERROR\r\n"],
  ["lru_crawler crawl 0\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler crawl 64\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler crawl 1a\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler crawl ALL\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler crawl hash\r\n", "ERROR an unknown error happened\r\n"],
  ["lru_crawler crawl 1 x\r\n", "ERROR\r\n"],
  ["lru_crawler crawl all noreply\r\n", "ERROR\r\n"],
  ["lru_crawler metadump\r\n", "ERROR\r\n"],
  ["lru_crawler metadump 0\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler metadump 1,hash\r\n", "BADCLASS invalid class id\r\n"],
  ["lru_crawler metadump 63\r\n", "END\r\n"],
  ["lru_crawler sleep 100\r\n", "OK\r\n"],
  ["lru_crawler sleep 0\r\n", "OK\r\n"],
  ["lru_crawler sleep 1000001\r\n",
   "CLIENT_ERROR sleep must be one second or less\r\n"],
  ["lru_crawler sleep -1\r\n", "CLIENT_ERROR bad command line format\r\n"],
  ["lru_crawler sleep x\r\n", "CLIENT_ERROR bad command line format\r\n"],
  ["lru_crawler sleep 10 noreply\r\n", "ERROR\r\n"],
  ["lru_crawler tocrawl 5\r\n", "OK\r\n"],
  ["lru_crawler tocrawl x\r\n", "CLIENT_ERROR bad command line format\r\n"],
  ["lru_crawler tocrawl -1\r\n", "CLIENT_ERROR bad command line format\r\n"],
  ["lru_crawler tocrawl 0\r\n", "OK\r\n"],
  ["lru_crawler enable\r\n", "ERROR failed to start lru crawler thread\r\n"],
  ["lru_crawler disable\r\n", "OK\r\n"],
  ["lru_crawler disable\r\n", "OK\r\n"],
  ["lru_crawler crawl all\r\n", "CLIENT_ERROR lru crawler disabled\r\n"],
  ["lru_crawler metadump all\r\n", "CLIENT_ERROR lru crawler disabled\r\n"],
  ["lru_crawler enable\r\n", "OK\r\n"],
);
mem_cmd_is($sock, $_->[0], $_->[1]) for @cases;

# Short-TTL items and long-lived ones; the clock moves past the short TTLs
# and a crawl must reclaim them without a single read.
for my $i (1 .. 20) {
  mem_cmd_is($sock, "set short$i 0 5 2\r\nxx\r\n", "STORED\r\n");
}
for my $i (1 .. 5) {
  mem_cmd_is($sock, "set long$i 7 0 3\r\nabc\r\n", "STORED\r\n");
}
my $before = stats($sock);
is($before->{curr_items}, 25, 'all items stored');
advance_time($srv, 10);
# An automatic crawl may be under way (and reclaim some items first): the
# request stops it instead of answering BUSY (memcached would say BUSY).
mem_cmd_is($sock, "lru_crawler crawl all\r\n", "OK\r\n",
           'lru_crawler crawl all: OK');
my $deadline = time() + 5;
my $st;
while (1) {
  $st = stats($sock);
  last if $st->{curr_items} == 5 || time() > $deadline;
  sleep(0.05);
}
is($st->{curr_items}, 5, 'the crawler reclaimed the expired items');
cmp_ok($st->{crawler_reclaimed} - $before->{crawler_reclaimed}, '>=', 20,
       'crawler_reclaimed grew by 20');
cmp_ok($st->{crawler_items_checked}, '>=', 25, 'crawler_items_checked');
is($st->{get_expired}, 0, 'no read saw an expired item');
cmp_ok($st->{lru_crawler_starts}, '>=', 1, 'lru_crawler_starts');
like($st->{lru_crawler_running}, qr/^[01]\z/, 'lru_crawler_running');
my $items = stats($sock, 'items');
my $reclaimed = 0;
$reclaimed += $items->{$_} for grep { /:crawler_reclaimed\z/ } keys %$items;
is($reclaimed, $st->{crawler_reclaimed}, 'per-class crawler_reclaimed sums up');
mem_cmd_is($sock, "get long3\r\n", "VALUE long3 7 3\r\nabc\r\nEND\r\n");

# metadump: one line per live item, then END.
mem_cmd_is($sock, "set sp%ce 0 100 1\r\nz\r\n", "STORED\r\n");
send_cmd($sock, "lru_crawler metadump all\r\n");
my %seen;
my $end;
while (defined(my $line = read_line($sock))) {
  if ($line eq "END\r\n") { $end = 1; last }
  if ($line =~ /^key=(\S+) exp=(-1|\d+) la=(\d+) cas=(\d+) fetch=(yes|no) cls=(\d+) size=(\d+)\n\z/) {
    $seen{$1} = [$2, $5];
  } else {
    fail("metadump line: " . MemcdTest::_show($line));
  }
}
ok($end, 'metadump ends with END');
is_deeply([sort keys %seen], [sort('sp%25ce', map { "long$_" } 1 .. 5)],
          'metadump lists exactly the live keys, url-encoded');
is($seen{long3}[0], -1, 'no expiry: exp=-1');
is($seen{long3}[1], 'yes', 'a read item: fetch=yes');
is($seen{long1}[1], 'no', 'an unread item: fetch=no');
cmp_ok($seen{'sp%25ce'}[0], '>', 0, 'an expiry is a unix time');
send_cmd($sock, "lru_crawler metadump hash\r\n");
my $n = 0;
while (defined(my $line = read_line($sock))) {
  last if $line eq "END\r\n";
  $n++;
}
is($n, 6, 'metadump hash lists every item');

$srv->stop;

# Automatic crawls: with no command and no read, expired items go within a
# few seconds once the clock has passed their TTL and the class is due (a
# class empty at the crawler's first check is looked at 65 s later).
# memcached crawls on its own only from its LRU maintainer (which reclaims
# expired tails itself): memcd only.
my $auto = MemcdTest->start(args => '-m 8 -o no_lru_maintainer');
my $as = $auto->sock;
SKIP: {
  skip 'memcached autocrawls from its LRU maintainer', 7
    unless is_memcd();
  my $stored = 0;
  for my $i (1 .. 20) {
    send_cmd($as, "set auto$i 0 3 2\r\nxx\r\n");
    $stored++ if read_line($as) eq "STORED\r\n";
  }
  for my $i (1 .. 5) {
    send_cmd($as, "set keep$i 0 0 2\r\nyy\r\n");
    $stored++ if read_line($as) eq "STORED\r\n";
  }
  my $start = stats($as);
  is($start->{curr_items} . "/$stored", '25/25', 'autocrawl: 25 items stored');
  advance_time($auto, 70);
  my $deadline = time() + 10;
  my $st;
  while (1) {
    $st = stats($as);
    last if ($st->{curr_items} == 5 && $st->{crawler_reclaimed} >= 20)
         || time() > $deadline;
    sleep(0.1);
  }
  is($st->{curr_items}, 5, 'autocrawl: the expired items are gone');
  cmp_ok($st->{crawler_reclaimed} - $start->{crawler_reclaimed}, '>=', 20,
         'autocrawl: crawler_reclaimed grew by 20');
  cmp_ok($st->{lru_crawler_starts}, '>=', 1, 'autocrawl: lru_crawler_starts');
  is($st->{get_expired}, 0, 'autocrawl: no read saw an expired item');
  mem_cmd_is($as, "get keep1\r\n", "VALUE keep1 0 2\r\nyy\r\nEND\r\n");
}
# "stats settings" follows the lru_crawler commands (memcached's disable
# takes effect when its thread has stopped: poll).
mem_cmd_is($as, "lru_crawler sleep 20\r\n", "OK\r\n");
mem_cmd_is($as, "lru_crawler tocrawl 9\r\n", "OK\r\n");
mem_cmd_is($as, "lru_crawler disable\r\n", "OK\r\n");
my $set;
my $until = time() + 5;
do {
  $set = stats($as, 'settings');
} while ($set->{lru_crawler} ne 'no' && time() < $until && sleep(0.05));
is($set->{lru_crawler}, 'no', 'stats settings: lru_crawler no');
is($set->{lru_crawler_sleep}, 20, 'stats settings: lru_crawler_sleep');
is($set->{lru_crawler_tocrawl}, 9, 'stats settings: lru_crawler_tocrawl');
mem_cmd_is($as, "lru_crawler enable\r\n", "OK\r\n");
is(stats($as, 'settings')->{lru_crawler}, 'yes',
   'stats settings: lru_crawler yes');
$auto->stop;

# -X refuses metadump; no_lru_crawler starts with the crawler off.
my $x = MemcdTest->start(args => '-X');
my $xs = $x->sock;
mem_cmd_is($xs, "lru_crawler metadump all\r\n", "ERROR metadump not allowed\r\n");
mem_cmd_is($xs, "lru_crawler metadump 0\r\n", "ERROR metadump not allowed\r\n");
mem_cmd_is($xs, "lru_crawler crawl all\r\n", "OK\r\n");
$x->stop;

my $off = MemcdTest->start(args => '-o no_lru_crawler');
my $os = $off->sock;
mem_cmd_is($os, "lru_crawler crawl all\r\n", "CLIENT_ERROR lru crawler disabled\r\n");
ok(!exists stats($os)->{lru_crawler_starts}, 'no crawler stats when disabled');
mem_cmd_is($os, "lru_crawler enable\r\n", "OK\r\n");
ok(exists stats($os)->{lru_crawler_starts}, 'crawler stats once enabled');
$off->stop;

done_testing();
