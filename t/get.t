#!/usr/bin/perl
# Retrieval: get/gets/gat/gats with any number of keys, misses, key length
# limits, and get lines longer than the 2048-byte line limit.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;

mem_cmd_is($sock, "set a 1 0 2\r\naa\r\n", "STORED\r\n");
mem_cmd_is($sock, "set b 2 0 3\r\nbbb\r\n", "STORED\r\n");
mem_cmd_is($sock, "set c 3 0 0\r\n\r\n", "STORED\r\n");

my @cases = (
  ["get nope\r\n",            "END\r\n", 'single miss'],
  ["get a\r\n",               "VALUE a 1 2\r\naa\r\nEND\r\n"],
  ["get a b c\r\n",           "VALUE a 1 2\r\naa\r\nVALUE b 2 3\r\nbbb\r\nVALUE c 3 0\r\n\r\nEND\r\n", 'three keys'],
  ["get x a y b z\r\n",       "VALUE a 1 2\r\naa\r\nVALUE b 2 3\r\nbbb\r\nEND\r\n", 'misses are skipped'],
  ["get a a\r\n",             "VALUE a 1 2\r\naa\r\nVALUE a 1 2\r\naa\r\nEND\r\n", 'repeated key answered twice'],
  ["get   a    b  \r\n",      "VALUE a 1 2\r\naa\r\nVALUE b 2 3\r\nbbb\r\nEND\r\n", 'extra spaces'],
  ["get a\n",                 "VALUE a 1 2\r\naa\r\nEND\r\n", 'bare LF line end'],
  ["gat 0 a nope b\r\n",      "VALUE a 1 2\r\naa\r\nVALUE b 2 3\r\nbbb\r\nEND\r\n", 'gat'],
  ["gat 100 nope\r\n",        "END\r\n", 'gat miss'],
  ["get a b\r\n",             "VALUE a 1 2\r\naa\r\nVALUE b 2 3\r\nbbb\r\nEND\r\n", 'gat left the values'],
  ["gat abc a\r\n",           "CLIENT_ERROR invalid exptime argument\r\n", 'gat bad exptime'],
  ["get\r\n",                 "ERROR\r\n", 'get without key'],
  ["gets\r\n",                "ERROR\r\n", 'gets without key'],
  ["gat 10\r\n",              "END\r\n", 'gat without key (memcached: empty list)'],
  ["gat\r\n",                 "ERROR\r\n", 'gat without exptime'],
);
for my $c (@cases) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
}

# gets/gats carry a unique per item; the same item keeps it across reads,
# and gats (a touch) does not change it.
send_cmd($sock, "gets a b nope c\r\n");
my $r = read_reply($sock);
like($r, qr/^VALUE a 1 2 (\d+)\r\naa\r\nVALUE b 2 3 (\d+)\r\nbbb\r\nVALUE c 3 0 (\d+)\r\n\r\nEND\r\n\z/,
     'gets of several keys');
my ($ua, $ub) = ($r || '') =~ /^VALUE a 1 2 (\d+)\r\naa\r\nVALUE b 2 3 (\d+)/;
isnt($ua, $ub, 'different items have different uniques');
mem_cmd_is($sock, "gats 100 a b\r\n",
           "VALUE a 1 2 $ua\r\naa\r\nVALUE b 2 3 $ub\r\nbbb\r\nEND\r\n",
           'gats reports the same uniques');
mem_cmd_is($sock, "gets a\r\n", "VALUE a 1 2 $ua\r\naa\r\nEND\r\n", 'gets again');

# Keys up to 250 bytes; 251 is a client error for the whole command.
my $k250 = 'k' x 250;
my $k251 = 'k' x 251;
mem_cmd_is($sock, "set $k250 0 0 1\r\nx\r\n", "STORED\r\n", 'set 250-byte key');
mem_get_is($sock, $k250, 'x', 'get 250-byte key');
mem_cmd_is($sock, "get $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
           'get 251-byte key');
mem_cmd_is($sock, "get a $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
           'good key then a 251-byte key: only the error');
mem_cmd_is($sock, "gets $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
           'gets 251-byte key');
mem_cmd_is($sock, "gat 0 $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
           'gat 251-byte key');
# The data line of a rejected set is then read as a command.
mem_cmd_is($sock, "set $k251 0 0 1\r\nx\r\n",
           "CLIENT_ERROR bad command line format\r\nERROR\r\n", 'set 251-byte key');
mem_get_is({ sock => $sock, flags => 1 }, 'a', 'aa', 'connection works after key errors');

# 100 keys in one get, half of them present, answered in request order.
my (@keys, $expect);
for my $i (1 .. 100) {
  my $key = "multi_$i";
  push @keys, $key;
  next if $i % 2;
  my $val = "value-$i" x ($i % 7 + 1);
  mem_cmd_is($sock, "set $key $i 0 " . length($val) . "\r\n$val\r\n",
             "STORED\r\n", "set $key") or last;
  $expect .= "VALUE $key $i " . length($val) . "\r\n$val\r\n";
}
$expect .= "END\r\n";
mem_cmd_is($sock, 'get ' . join(' ', @keys) . "\r\n", $expect, '100-key get');

# memcd looks keys up in windows of 16 (prefetched together): key counts
# around the window's edges, a key repeated across a window boundary, and
# gats, which must touch every key of every window.
for my $n (15, 16, 17, 32, 33) {
  my @ks = map { "multi_$_" } (85 - $n + 1) .. 85;
  push @ks, $ks[0];
  my $want = '';
  for my $key (@ks) {
    my ($i) = $key =~ /(\d+)$/;
    next if $i % 2;
    my $val = "value-$i" x ($i % 7 + 1);
    $want .= "VALUE $key $i " . length($val) . "\r\n$val\r\n";
  }
  mem_cmd_is($sock, 'get ' . join(' ', @ks) . "\r\n", $want . "END\r\n",
             "get of $n keys and a repeat");
}
{
  my @ks = map { "multi_$_" } 2 .. 35;  # 34 keys, 17 present
  my $got = '';
  send_cmd($sock, 'gats 1000 ' . join(' ', @ks) . "\r\n");
  while (defined(my $line = read_line($sock))) {
    $got .= $line;
    last if $line eq "END\r\n";
  }
  my @hits = $got =~ /^VALUE (\S+) /mg;
  is(scalar(@hits), 17, 'gats over three windows answers every present key');
  my $ttls = 0;
  for my $key (@hits) {
    send_cmd($sock, "mg $key t\r\n");
    my $line = read_line($sock);
    $ttls++ if $line =~ /^HD t(\d+)\r\n\z/ && $1 > 900 && $1 <= 1000;
  }
  is($ttls, 17, 'and every one of them was touched');
}

# A get line far over 2048 bytes is legal: 600 keys, about 5.5 KB.
my @long = map { "long_key_number_$_" } 1 .. 600;
my $line = 'get ' . join(' ', @long) . "\r\n";
cmp_ok(length $line, '>', 4096, 'get line is over 4 KB');
mem_cmd_is($sock, "set long_key_number_600 0 0 4\r\nlast\r\n", "STORED\r\n");
mem_cmd_is($sock, "set long_key_number_1 0 0 5\r\nfirst\r\n", "STORED\r\n");
mem_cmd_is($sock, $line,
           "VALUE long_key_number_1 0 5\r\nfirst\r\n" .
           "VALUE long_key_number_600 0 4\r\nlast\r\nEND\r\n", 'long get line');
mem_cmd_is($sock, 'gets ' . join(' ', ('nothere') x 500) . "\r\n", "END\r\n",
           'long gets line of misses');
mem_get_is({ sock => $sock, flags => 1 }, 'a', 'aa', 'connection works after long lines');

# One line naming a key 70,000 times: memcd answers at most 65,280 of them
# (an item's reference count is 16 bits) and stays sound; memcached answers
# all of them. Either way the reply ends in END and the item survives.
{
  my $n = 70000;
  send_cmd($sock, 'get ' . join(' ', ('a') x $n) . "\r\n");
  my ($values, $end, $reply) = (0, 0, '');
  my $deadline = time() + 30;
  while (!$end && time() < $deadline) {
    my $line = read_line($sock, 10);
    last unless defined $line;
    if ($line =~ /^VALUE a 1 2\r\n\z/) {
      $values++;
      read_bytes($sock, 4, 10);
    } else {
      $end = $line eq "END\r\n";
      $reply = $line;
    }
  }
  ok($end, 'a get naming one key 70,000 times ends in END') or diag($reply);
  cmp_ok($values, '>=', 65000, 'and answers (nearly) all of them');
  cmp_ok($values, '<=', $n, 'and no more than asked');
  mem_get_is({ sock => $sock, flags => 1 }, 'a', 'aa', 'the item survives its readers');
  my $st = stats($sock);
  is($st->{curr_items} > 0 ? 'alive' : 'gone', 'alive', 'server still holds items');
}

done_testing();
