#!/usr/bin/perl
# Eviction under a small -m: thousands of 10 KB values into 2 MB never fail,
# the evictions counter moves, the newest keys survive and memory stays
# within the limit.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start(args => '-m 2');
my $sock = $srv->sock;
my $count = 3000;
my $size = 10 * 1024;
sub value_for { my $i = shift; return substr(sprintf('%08d', $i) x ($size / 8 + 1), 0, $size) }

# Batches of 100 pipelined sets: 30 MB through a 2 MB cache.
my $errors = 0;
for (my $i = 0; $i < $count; $i += 100) {
  my $req = join('', map { "set key$_ 0 0 $size\r\n" . value_for($_) . "\r\n" }
                        $i .. $i + 99);
  send_cmd($sock, $req) or last;
  for (1 .. 100) {
    my $line = read_line($sock);
    next if defined $line && $line eq "STORED\r\n";
    $errors++;
    diag('set reply: ' . (defined $line ? $line : 'none')) if $errors <= 5;
    last unless defined $line;
  }
}
is($errors, 0, "$count sets of 10 KB into -m 2: all STORED");

my $st = stats($sock);
cmp_ok($st->{evictions}, '>', 0, 'evictions counted');
is($st->{limit_maxbytes}, 2 * 1024 * 1024, 'limit_maxbytes is -m');
cmp_ok($st->{bytes}, '<=', 2 * 1024 * 1024, 'bytes within -m');
cmp_ok($st->{curr_items}, '<', $count, 'not everything fits');
cmp_ok($st->{curr_items}, '>', 50, 'a fair share of items stays');
is($st->{total_items}, $count, 'total_items counts every store');

# The newest keys are all there; the oldest are gone.
my $missing = 0;
for my $i ($count - 20 .. $count - 1) {
  send_cmd($sock, "get key$i\r\n");
  my $want = "VALUE key$i 0 $size\r\n" . value_for($i) . "\r\nEND\r\n";
  my $got = read_reply($sock);
  $missing++ unless defined $got && $got eq $want;
}
is($missing, 0, 'the 20 newest keys are intact');
mem_get_is($sock, 'key0', undef, 'the oldest key was evicted');

# Reading keeps a key alive: bump one old key and keep writing.
my $keep = $count - 100;
mem_get_is($sock, "key$keep", value_for($keep), "key$keep still there");
my $evictions = $st->{evictions};
for (my $i = $count; $i < $count + 400; $i += 50) {
  # Touch the kept key between batches so it stays recently used.
  send_cmd($sock, "get key$keep\r\n");
  read_reply($sock);
  my $req = join('', map { "set key$_ 0 0 $size\r\n" . value_for($_) . "\r\n" }
                        $i .. $i + 49);
  send_cmd($sock, $req);
  read_line($sock) for 1 .. 50;
}
mem_get_is($sock, "key$keep", value_for($keep), 'a recently read key survives more writes');
$st = stats($sock);
cmp_ok($st->{evictions}, '>', $evictions, 'evictions keep growing');
is($srv->stop, 0, 'server stops cleanly');

done_testing();
