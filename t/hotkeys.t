#!/usr/bin/perl
# "stats hotkeys": the hottest keys by reads and by writes over the last
# minute, from sampled sketches (doc/observability.md). A heavy key among
# many light ones ranks first; binary keys print escaped; the window forgets.
use strict;
use warnings;
use Test::More;
use MemcdTest;

plan skip_all => 'memcd only (memcached has no stats hotkeys)' unless is_memcd();

# "stats hotkeys" as (header hashref, [read keys], [write keys]), each key
# [rank, key, count]; checks every line's shape on the way.
sub hotkeys {
  my ($sock) = @_;
  send_cmd($sock, "stats hotkeys\r\n");
  my (%head, %keys);
  $keys{read} = [];
  $keys{write} = [];
  while (defined(my $line = read_line($sock))) {
    last if $line eq "END\r\n";
    if ($line =~ /^STAT (hotkeys_\w+) (\d+)\r\n\z/) {
      $head{$1} = $2;
    } elsif ($line =~ /^STAT (read|write):(\d+) (\S+) (\d+)\r\n\z/) {
      push @{ $keys{$1} }, [$2, $3, $4];
    } else {
      fail("unexpected line: $line");
    }
  }
  return (\%head, $keys{read}, $keys{write});
}

{
  # The default: 1 request in 16 sampled.
  my $srv = MemcdTest->start(args => '-t 2');
  my @socks = map { $srv->sock } 1 .. 2;  # one per worker (round-robin)
  my ($head, $reads, $writes) = hotkeys($socks[0]);
  is($head->{hotkeys_window_seconds}, 60, 'window_seconds');
  is($head->{hotkeys_sample_every}, 16, 'sample_every defaults to 16');
  is(scalar(@$reads) + scalar(@$writes), 0, 'nothing hot yet');

  # 4,000 light keys read twice each; "heavy" read 2,000 times, spread over
  # both connections; "hotset" written 1,000 times among 3,000 light writes.
  my $i = 0;
  for my $round (1 .. 2) {
    for my $batch (0 .. 39) {
      my $cmds = '';
      for my $k ($batch * 100 .. $batch * 100 + 99) {
        $cmds .= "get light$k\r\n";
        $cmds .= "get heavy\r\n" if $k % 4 == 0;
        $cmds .= "set w$k 0 0 1 noreply\r\nx\r\n" if $round == 1 && $k % 4 != 0;
        $cmds .= "set hotset 0 0 1 noreply\r\ny\r\n" if $round == 1 && $k % 4 == 0;
      }
      my $s = $socks[$i++ % 2];
      send_cmd($s, $cmds);
      my $ends = () = $cmds =~ /^get /mg;
      read_reply($s) for 1 .. $ends;
    }
  }
  ($head, $reads, $writes) = hotkeys($socks[0]);
  ok(@$reads >= 1 && @$reads <= 10, 'at most 10 read keys') or diag(scalar @$reads);
  is($reads->[0][1], 'heavy', 'heavy is the hottest read key');
  is($reads->[0][0], 1, 'ranked 1');
  # True count 2,000: sampling noise and Space-Saving's overestimate.
  cmp_ok($reads->[0][2], '>', 1000, 'heavy: count near 2,000 (low side)');
  cmp_ok($reads->[0][2], '<', 3500, 'heavy: count near 2,000 (high side)');
  ok(!(grep { $reads->[$_][2] > $reads->[$_ - 1][2] } 1 .. $#$reads),
     'read keys by count, descending');
  is_deeply([map { $_->[0] } @$reads], [1 .. scalar @$reads], 'ranks 1..n');
  is($writes->[0][1], 'hotset', 'hotset is the hottest written key');
  cmp_ok($writes->[0][2], '>', 400, 'hotset: count near 1,000 (low side)');
  cmp_ok($writes->[0][2], '<', 2000, 'hotset: count near 1,000 (high side)');
  ok(!(grep { $_->[1] eq 'hotset' } @$reads), 'writes are not reads');

  # The window is the last minute: 70 s on, everything is forgotten.
  advance_time($srv, 70);
  ($head, $reads, $writes) = hotkeys($socks[1]);
  is(scalar(@$reads) + scalar(@$writes), 0, 'the window forgets');
}

{
  # Every request sampled: exact counts, and keys printed safely.
  my $srv = MemcdTest->start(args => '-o hot_keys_sample=1');
  my $sock = $srv->sock;
  # A meta base64 key: bytes "a b\n%" (space, newline, '%').
  for (1 .. 3) {
    send_cmd($sock, "mg YSBiCiU= b v\r\n");
    is(read_line($sock), "EN\r\n", 'mg of a binary key misses');
  }
  mem_cmd_is($sock, "get plain\r\n", "END\r\n");
  my ($head, $reads) = hotkeys($sock);
  is($head->{hotkeys_sample_every}, 1, 'sample_every 1');
  is_deeply($reads, [[1, 'a%20b%0A%25', 3], [2, 'plain', 1]],
            'exact counts; space, newline and % escaped as %XX');
}

{
  my $srv = MemcdTest->start(args => '-o hot_keys_sample=0');
  my $sock = $srv->sock;
  mem_cmd_is($sock, "get k\r\n", "END\r\n") for 1 .. 50;
  mem_cmd_is($sock, "stats hotkeys\r\n",
             "STAT hotkeys_window_seconds 60\r\nSTAT hotkeys_sample_every 0\r\nEND\r\n",
             'sampling off: no keys');
}

done_testing();
