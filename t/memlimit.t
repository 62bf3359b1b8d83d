#!/usr/bin/perl
# -M end to end: once a small -m is full, sets answer "SERVER_ERROR out of
# memory storing object", stored items stay and nothing is evicted; without
# -M the same load evicts. cache_memlimit then gives -M room to grow.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $size = 10 * 1024;
sub value_for { my $i = shift; return substr(sprintf('%08d', $i) x ($size / 8 + 1), 0, $size) }

# Sets key<from>.. in pipelined batches of 50 until $count are sent; returns
# (stored, out of memory, other replies).
sub fill {
  my ($sock, $from, $count) = @_;
  my ($stored, $oom, $other) = (0, 0, 0);
  for (my $i = $from; $i < $from + $count; $i += 50) {
    my $req = join('', map { "set key$_ 0 0 $size\r\n" . value_for($_) . "\r\n" }
                          $i .. $i + 49);
    send_cmd($sock, $req) or last;
    for (1 .. 50) {
      my $line = read_line($sock);
      last unless defined $line;
      if ($line eq "STORED\r\n") { $stored++ }
      elsif ($line eq "SERVER_ERROR out of memory storing object\r\n") { $oom++ }
      else { $other++; diag("set reply: $line") if $other <= 3 }
    }
  }
  return ($stored, $oom, $other);
}

# Without -M: 30 MB through 8 MB evicts and never fails.
{
  my $srv = MemcdTest->start(args => '-m 8');
  my $sock = $srv->sock;
  my ($stored, $oom, $other) = fill($sock, 0, 3000);
  is($stored, 3000, 'without -M every set is stored');
  is($oom + $other, 0, 'no errors');
  my $st = stats($sock);
  cmp_ok($st->{evictions}, '>', 0, 'evictions counted');
  cmp_ok($st->{curr_items}, '<', 3000, 'not everything fits');
}

# With -M: the cache fills, then refuses; nothing is evicted.
{
  my $srv = MemcdTest->start(args => '-m 8 -M');
  my $sock = $srv->sock;
  my ($stored, $oom, $other) = fill($sock, 0, 3000);
  cmp_ok($stored, '>', 300, "with -M: $stored sets stored before full");
  cmp_ok($stored, '<', 3000, 'but not all of them');
  is($oom, 3000 - $stored, 'the rest: SERVER_ERROR out of memory storing object');
  is($other, 0, 'no other replies');
  my $st = stats($sock);
  is($st->{evictions}, 0, 'no evictions');
  is($st->{curr_items}, $stored, 'every stored item is still there');
  cmp_ok($st->{total_malloced}, '<=', 8 * 1024 * 1024 + 1024 * 1024,
         'memory stays near -m');
  # The first keys stored are intact: nothing was evicted to make room.
  my $intact = 0;
  for my $i (0 .. 19) {
    send_cmd($sock, "get key$i\r\n");
    my $got = read_reply($sock);
    $intact++ if defined $got
        && $got eq "VALUE key$i 0 $size\r\n" . value_for($i) . "\r\nEND\r\n";
  }
  is($intact, 20, 'the oldest keys are intact');
  # A fresh set still fails, and deletes make room again.
  mem_cmd_is($sock, "set more 0 0 $size\r\n" . value_for(1) . "\r\n",
             "SERVER_ERROR out of memory storing object\r\n", 'still full');
  mem_cmd_is($sock, "delete key0\r\n", "DELETED\r\n");
  mem_cmd_is($sock, "set more 0 0 $size\r\n" . value_for(1) . "\r\n",
             "STORED\r\n", 'a delete makes room for one');

  # cache_memlimit raises the limit: as many again fit.
  mem_cmd_is($sock, "cache_memlimit 16\r\n", "OK\r\n");
  is(stats($sock)->{limit_maxbytes}, 16 * 1024 * 1024, 'limit_maxbytes 16 MB');
  my ($more, $more_oom) = fill($sock, 10000, 3000);
  cmp_ok($more, '>=', $stored - 50, "after cache_memlimit 16: $more more stored");
  cmp_ok($more_oom, '>', 0, 'and then full again');
  $st = stats($sock);
  is($st->{evictions}, 0, 'still no evictions');
  cmp_ok($st->{total_malloced}, '<=', 17 * 1024 * 1024, 'memory near the new limit');

  # Lowering it keeps what is stored and gives no new pages.
  mem_cmd_is($sock, "cache_memlimit 8\r\n", "OK\r\n");
  my $items = stats($sock)->{curr_items};
  my ($after) = fill($sock, 20000, 100);
  is($after, 0, 'after lowering: still full');
  is(stats($sock)->{curr_items}, $items, 'items kept');
  is(stats($sock)->{limit_maxbytes}, 8 * 1024 * 1024, 'limit_maxbytes 8 MB');
}

done_testing();
