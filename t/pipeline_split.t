#!/usr/bin/perl
# Pipelining (many requests in one write, answered in order) and requests
# split across packets at every byte.
use strict;
use warnings;
use Test::More;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(sleep);
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;

# 300 mixed requests in one write; the expected replies come from a model.
my (%model, $req, $expect);
for my $i (1 .. 300) {
  my $key = 'p' . ($i % 17);
  my $op = $i % 5;
  if ($op == 0 || !exists $model{$key}) {
    my $val = "v$i" x ($i % 4 + 1);
    $req .= "set $key 0 0 " . length($val) . "\r\n$val\r\n";
    $expect .= "STORED\r\n";
    $model{$key} = $val;
  } elsif ($op == 1) {
    $req .= "get $key nokey$i\r\n";
    $expect .= "VALUE $key 0 " . length($model{$key}) . "\r\n$model{$key}\r\nEND\r\n";
  } elsif ($op == 2) {
    $req .= "delete $key\r\n";
    $expect .= "DELETED\r\n";
    delete $model{$key};
  } elsif ($op == 3) {
    $req .= "append $key 0 0 1\r\n+\r\n";
    $expect .= "STORED\r\n";
    $model{$key} .= '+';
  } else {
    $req .= "incr $key 1\r\n";
    $expect .= "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
  }
}
$req .= "version\r\n";
send_cmd($sock, $req);
my $got = read_bytes($sock, length $expect, 5);
ok(defined $got && $got eq $expect, '300 pipelined requests answered in order')
  or diag('got ' . (defined $got ? length $got : 'no') . ' of ' . length($expect) . ' bytes');
like(read_line($sock), qr/^VERSION /, 'then the final version');

# Replies larger than the socket buffers, while the client is not reading:
# 400 gets of a 20 KB value, sent before reading anything.
my $big = join('', map { chr(32 + $_ % 90) } 1 .. 20000);
mem_cmd_is($sock, "set big 5 0 20000\r\n$big\r\n", "STORED\r\n");
send_cmd($sock, "get big\r\n" x 400);
my $one = "VALUE big 5 20000\r\n$big\r\nEND\r\n";
my $all = read_bytes($sock, 400 * length($one), 20);
ok(defined $all && $all eq $one x 400, '400 x 20 KB replies, all in order');

# Byte-at-a-time: a set and a get, one byte per packet with a short pause.
my $slow = $srv->sock;
setsockopt($slow, IPPROTO_TCP, TCP_NODELAY, 1);
my $text = "set slow 3 0 12\r\nhello\r\nworld\r\nget slow\r\n";
for my $ch (split //, $text) {
  send_cmd($slow, $ch) or last;
  sleep(0.003);
}
is(read_all($slow, 0.3), "STORED\r\nVALUE slow 3 12\r\nhello\r\nworld\r\nEND\r\n",
   'set and get fed one byte at a time');

# Split at every offset: the first part, a pause so the server reads it
# alone, then the rest.
my $split = $srv->sock;
setsockopt($split, IPPROTO_TCP, TCP_NODELAY, 1);
# The key placeholder has the key's length, so offsets match the template.
my $template = "set KEYX 7 0 10\r\n0123\r\n6789\r\nget KEYX\r\nincr n 1\r\n";
mem_cmd_is($split, "set n 0 0 1\r\n0\r\n", "STORED\r\n");
my $bad = 0;
for my $at (1 .. length($template) - 1) {
  my $key = sprintf('k%03d', $at);
  (my $r = $template) =~ s/KEYX/$key/g;
  my $cut = $at;
  send_cmd($split, substr($r, 0, $cut));
  sleep(0.01);
  send_cmd($split, substr($r, $cut));
  my $want = "STORED\r\nVALUE $key 7 10\r\n0123\r\n6789\r\nEND\r\n$at\r\n";
  my $reply = read_bytes($split, length $want, 3);
  unless (defined $reply && $reply eq $want) {
    $bad++;
    diag("split at $at: got " . (defined $reply ? $reply : 'nothing'));
    read_all($split, 0.2);
  }
}
is($bad, 0, 'a request split at every offset');

# A large value split in odd places.
my $val = join('', map { chr($_ % 256) } 1 .. 70000);
my $r = "set splitbig 0 0 70000\r\n$val\r\n";
my @cuts = (3, 17, 24, 1000, 65536, 69990, length($r) - 1);
my $prev = 0;
for my $c (@cuts) {
  send_cmd($split, substr($r, $prev, $c - $prev));
  $prev = $c;
  sleep(0.01);
}
send_cmd($split, substr($r, $prev));
is(read_line($split), "STORED\r\n", '70 KB set in seven pieces');
mem_get_is($split, 'splitbig', $val, '70 KB value intact');

done_testing();
