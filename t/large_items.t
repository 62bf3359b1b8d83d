#!/usr/bin/perl
# Items larger than slab_chunk_max (512 KiB) are chains of chunks: they
# round-trip byte-exactly up to -I, and -I is still the limit.
use strict;
use warnings;
use Test::More;
use Digest::MD5 qw(md5_hex);
use MemcdTest;

# A seeded pattern: a 1 MiB random block, rotated differently per MiB so a
# chunk written or sent in the wrong place changes the digest.
srand(7);
my $block = pack('L*', map { int(rand(4294967296)) } 1 .. 262144);
sub pattern {
  my ($n, $salt) = @_;
  my $out = '';
  for (my $i = 0; length($out) < $n; ++$i) {
    my $r = ($i * 7919 + $salt * 104729) % length($block);
    $out .= substr($block, $r) . substr($block, 0, $r);
  }
  return substr($out, 0, $n);
}

# set + get compared by digest; the value itself is never printed.
sub round_trip {
  my ($sock, $key, $n, $salt, $name) = @_;
  my $v = pattern($n, $salt);
  # Three writes: no extra 100 MiB copy to glue the command together.
  ok(MemcdTest::send_cmd($sock, "set $key $salt 0 $n\r\n", 30) &&
     MemcdTest::send_cmd($sock, $v, 30) && MemcdTest::send_cmd($sock, "\r\n", 30),
     "$name: set sent");
  is(MemcdTest::read_line($sock, 30), "STORED\r\n", "$name: STORED");
  ok(MemcdTest::send_cmd($sock, "get $key\r\n", 30), "$name: get sent");
  is(MemcdTest::read_line($sock, 30), "VALUE $key $salt $n\r\n", "$name: VALUE line");
  my $got = MemcdTest::read_bytes($sock, $n + 2, 30);
  ok(defined $got && substr($got, $n) eq "\r\n", "$name: value then \\r\\n");
  is(defined $got ? md5_hex(substr($got, 0, $n)) : 'none', md5_hex($v), "$name: same bytes");
  is(MemcdTest::read_line($sock, 30), "END\r\n", "$name: END");
}

my $srv = MemcdTest->start(args => '-I 128m -m 512');
my $sock = $srv->sock;

# Around 512 KiB: key "k" leaves 524288 - 33 - 8 - 1 = 524246 value bytes in
# one chunk; a chained chunk holds 524288 - 16 = 524272.
my $salt = 1;
for my $n (524245, 524246, 524247, 524271, 524272, 524273, 524288, 524289,
           1048560, 1048576) {
  round_trip($sock, 'k', $n, $salt++, "$n bytes");
}
round_trip($sock, 'five', 5 * 1024 * 1024, 20, '5 MiB');
round_trip($sock, 'hundred', 100 * 1024 * 1024, 21, '100 MiB');

# Appending onto a chained value.
my $tail = pattern(1000, 30);
mem_cmd_is($sock, "append five 0 0 1000\r\n$tail\r\n", "STORED\r\n", 'append to 5 MiB');
ok(MemcdTest::send_cmd($sock, "get five\r\n", 30), 'get after append');
my $n5 = 5 * 1024 * 1024 + 1000;
is(MemcdTest::read_line($sock, 30), "VALUE five 20 $n5\r\n", 'appended length');
my $got = MemcdTest::read_bytes($sock, $n5 + 2, 30);
is(defined $got ? md5_hex(substr($got, 0, $n5)) : 'none',
   md5_hex(pattern(5 * 1024 * 1024, 20) . $tail), 'appended bytes');
is(MemcdTest::read_line($sock, 30), "END\r\n", 'END after append');

# incr on a chained value: too long to be a number, as memcached.
mem_cmd_is($sock, "incr five 1\r\n",
           "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
           'incr on a large value');

# Pages stay 1 MiB; the largest class is slab_chunk_max.
my $slabs = stats($sock, 'slabs');
my ($largest) = sort { $b <=> $a } map { /^(\d+):chunk_size$/ ? $1 : () } keys %$slabs;
is($slabs->{"$largest:chunk_size"}, 524288, 'largest chunk is 512 KiB');
is($slabs->{"$largest:chunks_per_page"}, 2, 'two of them per 1 MiB page');

# Deleting the big items returns their chunks.
mem_cmd_is($sock, "delete hundred\r\n", "DELETED\r\n", 'delete 100 MiB');
mem_cmd_is($sock, "delete five\r\n", "DELETED\r\n", 'delete 5 MiB');
mem_cmd_is($sock, "delete k\r\n", "DELETED\r\n", 'delete k');
$slabs = stats($sock, 'slabs');
my $used = 0;
$used += $slabs->{$_} for grep { /:used_chunks$/ } keys %$slabs;
is($used, 0, 'every chunk is free again');
is($srv->stop, 0, 'server stops cleanly');

# -I 2m: values up to the limit are chained, one byte more is refused.
my $small = MemcdTest->start(args => '-I 2m -m 64');
my $ss = $small->sock;
round_trip($ss, 'big', 2 * 1024 * 1024 - 100, 40, '-I 2m: 2 MiB - 100');
my $over = 2 * 1024 * 1024 + 1;
mem_cmd_is($ss, "set big 0 0 $over\r\n" . ('z' x $over) . "\r\n",
           "SERVER_ERROR object too large for cache\r\n", '-I 2m: 2 MiB + 1 refused');
mem_cmd_is($ss, "get big\r\n", "END\r\n", 'a refused set removes the old value');
is($small->stop, 0, 'server stops cleanly');

done_testing();
