#!/usr/bin/perl
# Slowloris: clients that send a command one byte per second, or half a
# command and nothing more. Under -o idle_timeout=N they are closed as
# memcached closes them (N seconds after their last complete command, not
# after their last byte), and with a single worker (-t 1) they never keep
# it from serving everyone else. t/daemon.t has the basic idle_timeout
# cases.
use strict;
use warnings;
use Test::More;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time sleep);
use MemcdTest;

# One round trip on $sock; returns its duration, or 99 if it failed.
sub timed_get {
  my ($sock) = @_;
  my $t0 = time();
  send_cmd($sock, "get k\r\n");
  my $reply = read_reply($sock, 3);
  return 99 unless defined $reply && $reply eq "VALUE k 0 1\r\nv\r\nEND\r\n";
  return time() - $t0;
}

# Sends $text one byte every $interval seconds (at most $limit seconds),
# checking $other between bytes. Returns (seconds until the server closed
# the trickler or undef, slowest round trip of $other).
sub trickle {
  my ($srv, $other, $text, $interval, $limit) = @_;
  my $slow = $srv->sock;
  setsockopt($slow, IPPROTO_TCP, TCP_NODELAY, 1);
  my $t0 = time();
  my ($closed_at, $slowest) = (undef, 0);
  for my $ch (split //, $text) {
    last if time() - $t0 > $limit;
    local $SIG{PIPE} = 'IGNORE';
    unless (defined syswrite($slow, $ch)) {
      $closed_at = time() - $t0;
      last;
    }
    my $rt = timed_get($other);
    $slowest = $rt if $rt > $slowest;
    my $wait = $interval - $rt;
    if (wait_for_eof($slow, $wait > 0.01 ? $wait : 0.01)) {
      $closed_at = time() - $t0;
      last;
    }
  }
  return ($closed_at, $slowest, $slow);
}

# ------------------------------------------------ without idle_timeout
{
  my $srv = MemcdTest->start(args => '-t 1');
  my $other = $srv->sock;
  mem_cmd_is($other, "set k 0 0 1\r\nv\r\n", "STORED\r\n", 'set k');
  # 8 bytes, one every 0.25 s: slow, but it gets its answer in the end.
  my ($closed, $slowest, $slow) = trickle($srv, $other, "get k\r\n", 0.25, 5);
  ok(!defined $closed, 'without idle_timeout a trickling client is not closed');
  is(read_reply($slow, 3), "VALUE k 0 1\r\nv\r\nEND\r\n", 'and its command is answered');
  cmp_ok($slowest, '<', 0.5, sprintf('another client on the only worker: slowest %.3f s', $slowest));
  $srv->stop;
}

# ------------------------------------------------ with idle_timeout=1
{
  my $srv = MemcdTest->start(args => '-t 1 -o idle_timeout=1');
  my $other = $srv->sock;
  mem_cmd_is($other, "set k 0 0 1\r\nv\r\n", "STORED\r\n", 'set k');

  # 50 clients with half a command line each, and one that trickles.
  my @half = map { $srv->sock } 1 .. 50;
  send_cmd($_, 'get so') for @half;
  my ($closed, $slowest) = trickle($srv, $other, 'get ' . ('k' x 200), 1, 5);
  # The idle clock restarts at each complete command, not at each byte.
  ok(defined $closed && $closed < 4.5,
     'a client sending one byte a second is closed by idle_timeout=1 within 4.5 s' .
     (defined $closed ? sprintf(' (%.1f s)', $closed) : ''));
  cmp_ok($slowest, '<', 0.5,
         sprintf('another client on the only worker is served meanwhile: slowest %.3f s', $slowest));
  # Waits for them while the active client keeps sending (it must not go
  # idle itself).
  my %gone;
  my $deadline = time() + 4;
  while (keys %gone < 50 && time() < $deadline) {
    timed_get($other);
    for my $i (grep { !$gone{$_} } 0 .. $#half) {
      $gone{$i} = 1 if wait_for_eof($half[$i], 0.005);
    }
  }
  is(scalar keys %gone, 50, 'the 50 clients idle in the middle of a line are closed');
  # The active client is never idle: it sent a command every second.
  is(timed_get($other) < 0.5, 1, 'the active client is still served');
  my $kicks = stats($other)->{idle_kicks};
  is($kicks, 51, 'idle_kicks counts the 50 and the trickler');

  # A value trickling in is left alone, as memcached leaves a client in
  # the middle of a value (its conn_nread).
  my $val = $srv->sock;
  setsockopt($val, IPPROTO_TCP, TCP_NODELAY, 1);
  send_cmd($val, "set slowval 0 0 4\r\n");
  my $left_alone = 1;
  for my $ch (split //, "abcd") {
    send_cmd($val, $ch);
    timed_get($other);
    if (wait_for_eof($val, 0.8)) {
      $left_alone = 0;
      last;
    }
  }
  ok($left_alone, 'a value sent one byte at a time is not cut off');
  SKIP: {
    skip 'the value client was closed', 1 unless $left_alone;
    mem_cmd_is($val, "\r\n", "STORED\r\n", 'and is stored when it ends');
  }
  is($srv->stop, 0, 'server stops cleanly');
}

done_testing();
