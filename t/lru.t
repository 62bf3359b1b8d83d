#!/usr/bin/perl
# The segmented LRU: the "lru" command's replies, the maintainer's stats, and
# a key that is read often surviving a flood of writes under a small -m.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use MemcdTest;

my $srv = MemcdTest->start(args => '-m 2');
my $sock = $srv->sock;

# Replies, as memcached 1.6.18 gives them.
my @cases = (
  ["lru tune 10 30 0.1 2\r\n", "OK\r\n"],
  ["lru tune 50 40 0.1 2\r\n", "ERROR hot and warm pcts must not exceed 80\r\n"],
  ["lru tune 10 30 0 2\r\n", "ERROR hot/warm age factors must be greater than 0\r\n"],
  ["lru tune 10 30 1 -2\r\n", "ERROR hot/warm age factors must be greater than 0\r\n"],
  ["lru tune x 30 1 2\r\n", "ERROR\r\n"],
  ["lru tune 10 30 1\r\n", "ERROR\r\n"],
  ["lru tune 20 40 0.2 2.0\r\n", "OK\r\n"],
  ["lru mode flat\r\n", "OK\r\n"],
  ["lru mode segmented\r\n", "OK\r\n"],
  ["lru mode foo\r\n", "ERROR\r\n"],
  ["lru mode\r\n", "ERROR\r\n"],
  ["lru temp_ttl 30\r\n", "OK\r\n"],
  ["lru temp_ttl -1\r\n", "OK\r\n"],
  ["lru temp_ttl x\r\n", "ERROR\r\n"],
  ["lru foo\r\n", "ERROR\r\n"],
  ["lru\r\n", "ERROR\r\n"],
  ["lru tune 10 30 1 2 noreply\r\nlru mode flat noreply\r\nlru mode segmented noreply\r\nversion\r\n",
   undef],
);
for my $c (@cases) {
  my ($req, $want) = @$c;
  if (defined $want) {
    mem_cmd_is($sock, $req, $want);
  } else {
    send_cmd($sock, $req);
    like(read_line($sock), qr/^VERSION /, 'noreply lru commands stay silent');
  }
}
mem_cmd_is($sock, "lru tune 20 40 0.2 2\r\n", "OK\r\n", 'defaults back');

# Stats: the maintainer's names, and moves happening without any request.
for my $i (1 .. 10) {
  mem_cmd_is($sock, "set small$i 0 0 5\r\nhello\r\n", "STORED\r\n");
}
my $deadline = time() + 5;
my $st;
while (1) {
  $st = stats($sock);
  last if ($st->{moves_to_cold} || 0) > 0 || time() >= $deadline;
  sleep(0.05);
}
cmp_ok($st->{moves_to_cold}, '>', 0, 'items leave HOT on their own');
cmp_ok($st->{lru_maintainer_juggles}, '>', 0, 'lru_maintainer_juggles moves');
for my $name (qw(evicted_active moves_to_warm moves_within_lru direct_reclaims
                 lru_bumps_dropped crawler_reclaimed lrutail_reflocked)) {
  ok(defined $st->{$name}, "stats has $name");
}
my $items = stats($sock, 'items');
for my $name (qw(number number_hot number_warm number_cold age_hot age_warm age
                 mem_requested evicted evicted_nonzero evicted_time outofmemory
                 tailrepairs reclaimed expired_unfetched evicted_unfetched
                 evicted_active crawler_reclaimed crawler_items_checked
                 lrutail_reflocked moves_to_cold moves_to_warm moves_within_lru
                 direct_reclaims)) {
  ok(defined $items->{"items:1:$name"}, "stats items has $name");
}
ok(!defined $items->{'items:1:number_temp'}, 'no number_temp without temp LRU');
is($items->{'items:1:number'}, 10, 'ten small items');
is($items->{'items:1:number_hot'} + $items->{'items:1:number_warm'} +
   $items->{'items:1:number_cold'}, 10, 'the segments add up');
is($items->{'items:1:mem_requested'}, $st->{bytes}, 'mem_requested is bytes');

# hits_to_*: get and gets hits by the segment the item was in; gat, touch
# and misses are not counted (as memcached). The item may change segment
# meanwhile, so the four add up to the hits. (A class of its own would take
# a page that the flood below needs.)
mem_cmd_is($sock, "set hitme 0 0 5\r\nhello\r\n", "STORED\r\n");
my $hits_sum = sub {
  my $it = stats($sock, 'items');
  my $sum = 0;
  for my $seg (qw(hot warm cold temp)) {
    ok(defined $it->{"items:1:hits_to_$seg"}, "stats items has hits_to_$seg");
    $sum += $it->{"items:1:hits_to_$seg"} // 0;
  }
  return $sum;
};
my $hits_before = $hits_sum->();
mem_get_is($sock, 'hitme', 'hello');
send_cmd($sock, "gets hitme nothere\r\n");
like(read_reply($sock), qr/^VALUE hitme 0 5 \d+\r\nhello\r\nEND\r\n\z/, 'gets hit');
send_cmd($sock, "gat 0 hitme\r\n");
like(read_reply($sock), qr/^VALUE hitme /, 'gat hit');
mem_cmd_is($sock, "touch hitme 0\r\n", "TOUCHED\r\n");
is($hits_sum->() - $hits_before, 2, 'get and gets count, gat and touch do not');
mem_cmd_is($sock, "stats reset\r\n", "RESET\r\n");
is($hits_sum->(), 0, 'stats reset zeroes them');

mem_cmd_is($sock, "lru temp_ttl 61\r\n", "OK\r\n");
$items = stats($sock, 'items');
is($items->{'items:1:number_temp'}, 0, 'number_temp with the temp LRU on');
mem_cmd_is($sock, "lru temp_ttl -1\r\n", "OK\r\n");

# A key read between batches survives 30 MB of writes through 2 MB.
my $size = 10 * 1024;
sub value_for { my $i = shift; return substr(sprintf('%08d', $i) x ($size / 8 + 1), 0, $size) }
mem_cmd_is($sock, "set keeper 0 0 $size\r\n" . value_for(7) . "\r\n", "STORED\r\n");
my $lost = 0;
for (my $i = 0; $i < 3000; $i += 50) {
  for (1 .. 2) {
    send_cmd($sock, "get keeper\r\n");
    my $got = read_reply($sock);
    $lost++ unless defined $got && $got ne "END\r\n";
  }
  my $req = join('', map { "set flood$_ 0 0 $size\r\n" . value_for($_) . "\r\n" }
                        $i .. $i + 49);
  send_cmd($sock, $req);
  for (1 .. 50) { read_line($sock) }
  sleep(0.01);  # the maintainer runs on its own clock
}
is($lost, 0, 'the read-heavy key was never evicted');
mem_get_is($sock, 'flood0', undef, 'the unread flood was');
$st = stats($sock);
cmp_ok($st->{evictions}, '>', 0, 'evictions happened');
cmp_ok($st->{moves_to_warm}, '>', 0, 'moves_to_warm counted');

done_testing();
