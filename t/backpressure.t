#!/usr/bin/perl
# A client that asks for far more than it reads: gets of 100 keys holding
# 512 KiB values, pipelined by the thousand, never reading a byte. The
# server must stop reading from it once its replies back up (back-pressure),
# keep its RSS bounded (replies point into item memory; they are not
# copied per request), and keep answering everyone else promptly, on the
# same worker thread (-t 1). Then the stalled client leaves and the server
# is as before.
use strict;
use warnings;
use Test::More;
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use Socket ();
use IO::Select;
use Time::HiRes qw(time sleep);
use MemcdTest;

# Under ASan without quarantine, so the RSS check sees what the server holds.
my $srv = MemcdTest->start(args => '-t 1 -m 128', env => MemcdTest::asan_rss_env());
my $sock = $srv->sock;
my $kKeys = 100;
my $kValue = 512 * 1024;

# 100 values of 512 KiB (50 MiB of items).
for my $i (0 .. $kKeys - 1) {
  my $val = chr(65 + $i % 26) x $kValue;
  send_cmd($sock, "set big$i 0 0 $kValue noreply\r\n$val\r\n", 10) or last;
}
mem_cmd_is($sock, "set small 0 0 5\r\nhello\r\n", "STORED\r\n", 'the sets are done');
my $get_all = 'get ' . join(' ', map { "big$_" } 0 .. $kKeys - 1) . "\r\n";
my $one_reply = 0;
$one_reply += length("VALUE big$_ 0 $kValue\r\n") + $kValue + 2 for 0 .. $kKeys - 1;
$one_reply += length("END\r\n");

# One full read of the 50 MiB reply first, so buffers the server keeps
# around are in the baseline.
send_cmd($sock, $get_all);
my $got = read_bytes($sock, $one_reply, 20);
is(length($got // ''), $one_reply, 'a reader gets the whole 50 MiB reply');
my $rss_before = $srv->rss_kb;
ok($rss_before, "server RSS before: $rss_before KiB");

# The stalled client writes gets until the server stops reading them: its
# socket accepts no more for a whole second (bounded: 64 MiB or 10 s).
my $stalled = $srv->sock;
$stalled->blocking(0);
my $batch = $get_all x 100;
my ($sent, $stuck_since) = (0, undef);
my $deadline = time() + 10;
while ($sent < 64 << 20 && time() < $deadline) {
  my $n = syswrite($stalled, $batch);
  if (defined $n) {
    $sent += $n;
    $stuck_since = undef;
    $batch = substr($batch, $n) . substr($batch, 0, $n);   # keep whole lines in order
    next;
  }
  die "write: $!" unless $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
  $stuck_since //= time();
  last if time() - $stuck_since >= 1;
  IO::Select->new($stalled)->can_write(0.1);
}
ok(defined $stuck_since, "the stalled client cannot write more (sent " .
   int($sent / 1024) . " KiB of gets)");
my $gets_sent = int($sent / length $get_all);

# The server has stopped reading: its counters do not move.
my $st1 = stats($sock);
sleep(0.5);
my $st2 = stats($sock);
is($st2->{cmd_get}, $st1->{cmd_get}, 'cmd_get stands still: no more gets are processed');
# cmd_get counts keys; the first reader's get is one of them.
my $gets_done = ($st2->{cmd_get} - $kKeys) / $kKeys;
cmp_ok($gets_done, '<', 200,
       "only a bounded batch of the gets was processed ($gets_done of $gets_sent)");
# bytes_read counts the stalled client's gets, plus this test's stats lines.
cmp_ok($st2->{bytes_read} - $st1->{bytes_read}, '<', 100,
       'bytes_read stands still: the server reads nothing from the stalled client');

# Bounded memory: a copy of one reply alone would be 50 MiB.
my $rss_stalled = $srv->rss_kb;
cmp_ok($rss_stalled - $rss_before, '<', 16 * 1024,
       "RSS grows by less than 16 MiB while stalled ($rss_before -> $rss_stalled KiB)");

# Everyone else is served promptly, on the same (only) worker.
my $slowest = 0;
my $ok = 0;
for (1 .. 50) {
  my $t0 = time();
  send_cmd($sock, "get small\r\n");
  my $reply = read_reply($sock, 3);
  $ok++ if defined $reply && $reply eq "VALUE small 0 5\r\nhello\r\nEND\r\n";
  $slowest = time() - $t0 if time() - $t0 > $slowest;
}
is($ok, 50, '50 gets by another client all answered');
cmp_ok($slowest, '<', 0.5, sprintf('the slowest in %.3f s', $slowest));
my $fresh = $srv->sock;
send_cmd($fresh, "get big7 big8\r\n");
my $want = "VALUE big7 0 $kValue\r\n" . ('H' x $kValue) . "\r\nVALUE big8 0 $kValue\r\n" .
           ('I' x $kValue) . "\r\nEND\r\n";
my $two = read_bytes($fresh, length $want, 10);
ok(defined $two && $two eq $want, 'a new client reads 1 MiB of values meanwhile');
mem_cmd_is($fresh, "set small 0 0 5\r\nworld\r\n", "STORED\r\n", 'and writes');

# The stalled client reads a little: the server goes on from where it was.
$stalled->blocking(1);
my $head = read_bytes($stalled, length("VALUE big0 0 $kValue\r\n"), 5);
is($head, "VALUE big0 0 $kValue\r\n", 'the stalled client gets its replies in order');
close $stalled;
is(wait_stat($sock, 'curr_connections', 2), 2, 'the stalled client is gone');
cmp_ok($srv->rss_kb - $rss_before, '<', 16 * 1024, 'RSS stays bounded after it left');
mem_get_is($sock, 'small', 'world', 'the server goes on');
# Its held items are released: all 100 can be overwritten and deleted.
my $deleted = 0;
for my $i (0 .. $kKeys - 1) {
  send_cmd($sock, "delete big$i\r\n");
  $deleted++ if (read_line($sock) // '') eq "DELETED\r\n";
}
is($deleted, $kKeys, 'every value it was reading can be deleted');

# Clients that ask for 50 MiB and leave at once, one politely (FIN), one
# with a reset (SO_LINGER 0), while the server is writing to them.
mem_cmd_is($sock, "set big0 0 0 $kValue\r\n" . ('A' x $kValue) . "\r\n", "STORED\r\n");
my $many = 'get ' . join(' ', ('big0') x 100) . "\r\n";
for my $linger (0, 1) {
  my $s = $srv->sock;
  send_cmd($s, $many x 5);
  read_bytes($s, 1000, 5);
  setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_LINGER(), pack('ii', 1, 0)) if $linger;
  close $s;
}
is(wait_stat($sock, 'curr_connections', 2), 2, 'clients that left mid-reply are released');
mem_get_is($sock, 'small', 'world', 'and the server goes on');
is($srv->stop, 0, 'server stops cleanly');
done_testing();
