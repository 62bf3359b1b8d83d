#!/usr/bin/perl
# Connection floods: far more clients than -c at once (each extra one is
# told "ERROR Too many open connections", closed and counted, while the
# admitted ones keep working), recovery once they leave, and thousands of
# connections opened and closed in a loop (clean, abrupt, mid-command,
# rejected) leaving no file descriptor and no memory behind. t/maxconns.t
# has the exact -c arithmetic.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use MemcdTest;

my $max = 40;
# Under ASan without quarantine, so the RSS checks see what the server holds.
my $srv = MemcdTest->start(args => "-c $max -t 2", env => MemcdTest::asan_rss_env());
my $reject = "ERROR Too many open connections\r\n";
my $admin = $srv->sock;
mem_cmd_is($admin, "set k 0 0 1\r\nv\r\n", "STORED\r\n", 'first client works');
is(wait_stat($admin, 'curr_connections', 1), 1, 'one client connected');

# A raw connection, without dying when the server refuses or resets it.
sub try_sock {
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port,
                                Proto => 'tcp', Timeout => 3) or return undef;
  $s->autoflush(1);
  binmode $s;
  return $s;
}

# ------------------------------------------------- a flood of 5 x -c clients
my @flood = grep { defined } map { try_sock() } 1 .. 5 * $max;
is(scalar @flood, 5 * $max, 'every flood connection is accepted by the kernel');
my (@admitted, $rejected, $other);
for my $s (@flood) {
  send_cmd($s, "get k\r\n");
  my $line = read_line($s, 3);
  if (defined $line && $line eq "VALUE k 0 1\r\n") {
    push @admitted, $s;
    read_bytes($s, length "v\r\nEND\r\n");
  } elsif (defined $line && $line eq $reject) {
    $rejected++ if wait_for_eof($s, 3);
  } else {
    $other++;
  }
}
$rejected //= 0;
ok(@admitted > 0 && @admitted < $max, scalar(@admitted) . ' admitted, within -c');
is(@admitted + $rejected, 5 * $max, "the other $rejected got the reject line and were closed");
is($other // 0, 0, 'no flood client got anything else');
my $st = stats($admin);
is($st->{rejected_connections}, $rejected, 'stats rejected_connections counts them');
# maxconns_fast rejects instead of disabling accept(), so 0 as memcached.
is($st->{listen_disabled_num}, 0, 'listen_disabled_num stays 0 under maxconns_fast');
is($st->{accepting_conns}, 1, 'accepting_conns is 1');
my $served = 0;
for my $s ($admin, @admitted) {
  send_cmd($s, "get k\r\n");
  $served++ if (read_reply($s, 3) // '') eq "VALUE k 0 1\r\nv\r\nEND\r\n";
}
is($served, @admitted + 1, 'every admitted client is still served during the flood');

# They leave; the server takes new clients again, up to the limit.
close $_ for @admitted, @flood;
@admitted = @flood = ();
is(wait_stat($admin, 'curr_connections', 1), 1, 'the flood is gone');
my @again = map { $srv->sock } 1 .. 10;
my $back = 0;
for my $s (@again) {
  send_cmd($s, "get k\r\n");
  $back++ if (read_reply($s, 3) // '') eq "VALUE k 0 1\r\nv\r\nEND\r\n";
}
is($back, 10, 'after the flood, new clients are served');
close $_ for @again;
is(wait_stat($admin, 'curr_connections', 1), 1, 'and leave');

# ------------------------------------------------------ churn: no leaks
# Warm up first (thread stacks, buffer pools, the kernel's socket caches),
# so the baseline holds what a steady server holds.
sub churn {
  my ($rounds) = @_;
  my $bad = 0;
  for my $i (1 .. $rounds) {
    my $s = try_sock() or do { $bad++; next };
    my $kind = $i % 4;
    if ($kind == 0) {             # a whole request and a clean quit
      send_cmd($s, "get k\r\n");
      $bad++ unless (read_reply($s, 3) // '') eq "VALUE k 0 1\r\nv\r\nEND\r\n";
      send_cmd($s, "quit\r\n");
    } elsif ($kind == 1) {        # half a command line, then gone
      send_cmd($s, "get some");
    } elsif ($kind == 2) {        # half a value, then gone
      send_cmd($s, "set half 0 0 100000\r\n" . ('x' x 20000));
    }                             # kind 3: connects and leaves at once
    close $s;
    # Workers notice closes asynchronously; a slow server (ASan) can lag
    # so far behind that the next connect would meet the -c limit.
    if ($kind == 3 && stats($admin)->{curr_connections} > $max / 2) {
      wait_stat($admin, 'curr_connections', 1, 5);
    }
  }
  return $bad;
}
is(churn(400), 0, 'warm-up: 400 connections');
is(wait_stat($admin, 'curr_connections', 1, 5), 1, 'all closed');
my ($fd0, $rss0) = ($srv->fd_count, $srv->rss_kb);
ok($fd0 && $rss0, "baseline: $fd0 fds, $rss0 KiB");
my $t0 = time();
is(churn(4000), 0, '4000 connections opened and closed');
my $took = time() - $t0;
cmp_ok($took, '<', 30, sprintf('in %.1f s', $took));
is(wait_stat($admin, 'curr_connections', 1, 5), 1, 'all closed again');
# The server closes its side as it notices; give it a moment.
my $fd1;
for (1 .. 50) {
  $fd1 = $srv->fd_count;
  last if $fd1 <= $fd0;
  sleep(0.1);
}
is($fd1, $fd0, 'no file descriptor leaked');
my $rss1 = $srv->rss_kb;
# One leaked 16 KiB read buffer (or 1 KiB of state) per connection would
# add 62 MiB (or 4 MiB).
cmp_ok($rss1 - $rss0, '<', 2048, "RSS grew by less than 2 MiB ($rss0 -> $rss1 KiB)");
mem_get_is($admin, 'half', undef, 'no half value was stored');

# Rejected connections leak nothing either: fill -c, then 1000 rejections.
my @full;
while (@full < 2 * $max) {
  my $s = try_sock() or last;
  send_cmd($s, "version\r\n");
  my $line = read_line($s, 3) // '';
  last if $line eq $reject;
  push @full, $s;
}
# The last client of that loop was rejected; the server may still be
# closing it. Count once the server's fds have settled (two equal counts).
my $fd2 = $srv->fd_count;
for (1 .. 30) {
  sleep(0.1);
  my $now = $srv->fd_count;
  last if $now == $fd2;
  $fd2 = $now;
}
my $rss2 = $srv->rss_kb;
my $rejects = 0;
for (1 .. 1000) {
  my $s = try_sock() or next;
  $rejects++ if (read_line($s, 3) // '') eq $reject;
  close $s;
}
is($rejects, 1000, '1000 more clients rejected while full');
mem_cmd_is($admin, "get k\r\n", "VALUE k 0 1\r\nv\r\nEND\r\n", 'the admitted are still served');
my $fd3;
for (1 .. 50) {
  $fd3 = $srv->fd_count;
  last if $fd3 <= $fd2;
  sleep(0.1);
}
is($fd3, $fd2, 'rejections leak no file descriptor');
cmp_ok($srv->rss_kb - $rss2, '<', 1024, 'nor memory');
close $_ for @full;
is(wait_stat($admin, 'curr_connections', 1, 5), 1, 'the server recovers');
is($srv->stop, 0, 'server stops cleanly');
done_testing();
