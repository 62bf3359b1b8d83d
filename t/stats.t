#!/usr/bin/perl
# The general stats group: every name is there, and the counters move
# exactly as memcached's do after each command.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start(args => '-m 8 -t 2');
my $sock = $srv->sock;

my @names = qw(pid uptime time version pointer_size curr_connections
  total_connections rejected_connections connection_structures cmd_get cmd_set
  cmd_flush cmd_touch get_hits get_misses get_expired get_flushed delete_misses
  delete_hits incr_misses incr_hits decr_misses decr_hits cas_misses cas_hits
  cas_badval touch_hits touch_misses bytes_read bytes_written limit_maxbytes
  threads curr_items total_items bytes evictions reclaimed);

my $st = stats($sock);
for my $name (@names) {
  ok(exists $st->{$name}, "stats has $name");
}
for my $name (grep { $_ ne 'version' } @names) {
  like($st->{$name}, qr/^\d+\z/, "$name is a non-negative integer");
}
is($st->{pid}, $srv->pid, 'pid');
cmp_ok(abs($st->{time} - time()), '<=', 2, 'time is now');
cmp_ok($st->{uptime}, '<=', 10, 'uptime is small');
is($st->{pointer_size}, 64, 'pointer_size');
is($st->{limit_maxbytes}, 8 * 1024 * 1024, 'limit_maxbytes is -m in bytes');
is($st->{threads}, 2, 'threads is -t');
# start() probed the port with a connection the server may not have reaped.
is(wait_stat($sock, 'curr_connections', 1), 1, 'curr_connections: this client');
is($st->{curr_items}, 0, 'curr_items starts at 0');
is($st->{bytes}, 0, 'bytes starts at 0');
cmp_ok($st->{connection_structures}, '>=', $st->{curr_connections},
       'connection_structures >= curr_connections');

# The exact replies of the raw "stats" command: STAT lines then END.
send_cmd($sock, "stats\r\n");
my $raw = '';
while (defined(my $line = read_line($sock))) {
  $raw .= $line;
  last if $line eq "END\r\n";
}
like($raw, qr/\A(?:STAT [a-z_0-9]+ [^\r\n]*\r\n)+END\r\n\z/, 'stats reply format');
like($raw, qr/\ASTAT pid \d+\r\nSTAT uptime \d+\r\nSTAT time \d+\r\nSTAT version /,
     'pid, uptime, time, version come first');

# Counter deltas per command; counters not named must not move.
my @counters = qw(cmd_get cmd_set cmd_flush cmd_touch get_hits get_misses
  get_expired delete_misses delete_hits incr_misses incr_hits decr_misses
  decr_hits cas_misses cas_hits cas_badval touch_hits touch_misses curr_items
  total_items);
my @cases = (
  ["set a 0 0 1\r\n1\r\n",     {cmd_set => 1, curr_items => 1, total_items => 1}, 'set new'],
  ["set b 0 0 1\r\nx\r\n",     {cmd_set => 1, curr_items => 1, total_items => 1}, 'set new'],
  ["set b 0 0 1\r\ny\r\n",     {cmd_set => 1, total_items => 1}, 'set existing'],
  ["add a 0 0 1\r\nx\r\n",     {cmd_set => 1}, 'add existing (not stored)'],
  ["replace nokey 0 0 1\r\nx\r\n", {cmd_set => 1}, 'replace missing (not stored)'],
  ["append b 0 0 1\r\nz\r\n",  {cmd_set => 1, total_items => 1}, 'append'],
  ["get a\r\n",                {cmd_get => 1, get_hits => 1}, 'get hit'],
  ["get nokey\r\n",            {cmd_get => 1, get_misses => 1}, 'get miss'],
  ["get a b nokey\r\n",        {cmd_get => 3, get_hits => 2, get_misses => 1}, 'get of three'],
  ["gets a nokey\r\n",         {cmd_get => 2, get_hits => 1, get_misses => 1}, 'gets'],
  ["touch a 0\r\n",            {cmd_touch => 1, touch_hits => 1}, 'touch hit'],
  ["touch nokey 0\r\n",        {cmd_touch => 1, touch_misses => 1}, 'touch miss'],
  ["gat 0 a nokey\r\n",        {cmd_touch => 2, touch_hits => 1, touch_misses => 1}, 'gat counts as touch'],
  ["gats 0 b\r\n",             {cmd_touch => 1, touch_hits => 1}, 'gats counts as touch'],
  ["incr a 1\r\n",             {incr_hits => 1}, 'incr hit'],
  ["incr nokey 1\r\n",         {incr_misses => 1}, 'incr miss'],
  ["decr a 1\r\n",             {decr_hits => 1}, 'decr hit'],
  ["decr nokey 1\r\n",         {decr_misses => 1}, 'decr miss'],
  ["incr b 1\r\n",             {}, 'incr of non-numeric'],
  ["cas nokey 0 0 1 1\r\nx\r\n", {cmd_set => 1, cas_misses => 1}, 'cas miss'],
  ["cas a 0 0 1 1\r\nx\r\n",   {cmd_set => 1, cas_badval => 1}, 'cas bad value'],
  ["set c 0 0 1\r\nx\r\n",     {cmd_set => 1, curr_items => 1, total_items => 1}, 'set new'],
  ["delete c\r\n",             {delete_hits => 1, curr_items => -1}, 'delete hit'],
  ["delete c\r\n",             {delete_misses => 1}, 'delete miss'],
  ["foo\r\n",                  {}, 'unknown command'],
  ["set x 0 0 abc\r\n",        {}, 'malformed set'],
);
for my $c (@cases) {
  my ($cmd, $delta, $name) = @$c;
  my $before = stats($sock);
  send_cmd($sock, $cmd);
  read_all($sock, 0.1);
  my $after = stats($sock);
  my @wrong;
  for my $k (@counters) {
    my $want = $delta->{$k} || 0;
    my $got = ($after->{$k} || 0) - ($before->{$k} || 0);
    push @wrong, "$k moved $got, expected $want" if $got != $want;
  }
  ok(!@wrong, "counters after: $name") or diag(join("\n", @wrong));
}

# cas hit with the unique from gets.
send_cmd($sock, "gets a\r\n");
my ($unique) = (read_reply($sock) || '') =~ /^VALUE a 0 \d+ (\d+)\r\n/;
my $before = stats($sock);
mem_cmd_is($sock, "cas a 0 0 1 $unique\r\n5\r\n", "STORED\r\n", 'cas hit');
my $after = stats($sock);
is($after->{cas_hits} - $before->{cas_hits}, 1, 'cas_hits +1');
is($after->{cmd_set} - $before->{cmd_set}, 1, 'cas hit counts as cmd_set');

# flush_all.
$before = stats($sock);
mem_cmd_is($sock, "flush_all\r\n", "OK\r\n");
mem_cmd_is($sock, "get a b\r\n", "END\r\n");
$after = stats($sock);
is($after->{cmd_flush} - $before->{cmd_flush}, 1, 'cmd_flush +1');
is($after->{get_misses} - $before->{get_misses}, 2, 'flushed items are misses');

# bytes_read: exactly the bytes of the command and of the next "stats".
my $cmd = "set br 0 0 10\r\n0123456789\r\n";
$before = stats($sock);
mem_cmd_is($sock, $cmd, "STORED\r\n");
$after = stats($sock);
is($after->{bytes_read} - $before->{bytes_read}, length($cmd) + length("stats\r\n"),
   'bytes_read counts request bytes');
cmp_ok($after->{bytes_written} - $before->{bytes_written}, '>=', length("STORED\r\n"),
       'bytes_written grows');

# Connections.
my @extra = map { $srv->sock } 1 .. 3;
send_cmd($_, "version\r\n"), read_line($_) for @extra;
is(wait_stat($sock, 'curr_connections', 4), 4, 'curr_connections counts 3 more clients');
$after = stats($sock);
cmp_ok($after->{total_connections} - $before->{total_connections}, '==', 3,
       'total_connections +3');
close($_) for @extra;
is(wait_stat($sock, 'curr_connections', 1), 1, 'curr_connections back to 1');
cmp_ok(stats($sock)->{connection_structures}, '>=', 4,
       'connection_structures keeps the high-water mark');

# stats reset zeroes the counters.
mem_cmd_is($sock, "stats reset\r\n", "RESET\r\n");
$st = stats($sock);
is(join(',', map { $st->{$_} } qw(cmd_get cmd_set get_hits get_misses total_items)),
   '0,0,0,0,0', 'stats reset');

done_testing();
