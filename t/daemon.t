#!/usr/bin/perl
# Running as a service: -d and -P (the parent returns once the daemon serves,
# or fails with the reason; the pid file is removed at a clean exit),
# -o idle_timeout (idle TCP clients are closed and counted in idle_kicks;
# active ones, and one in the middle of a value, are not), -o
# no_maxconns_fast (over -c a client waits for a free slot) and SIGHUP
# re-reading the -Y file.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use MemcdTest;

my $bin = memcd_bin();
my @user = $> == 0 ? ('-u', 'nobody') : ();
my $dir = tempdir('memcd-daemon-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $dir;  # the daemon writes its pid file as -u nobody

sub connect_to {
  my ($port) = @_;
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                Proto => 'tcp', Timeout => 3);
  if ($s) { $s->autoflush(1); binmode $s; }
  return $s;
}

sub alive { my ($pid) = @_; return kill(0, $pid) ? 1 : 0 }

sub wait_gone {
  my ($pid, $timeout) = @_;
  my $deadline = time() + $timeout;
  while (time() < $deadline) {
    return 1 unless alive($pid);
    sleep(0.05);
  }
  return 0;
}

sub slurp { open(my $fh, '<', $_[0]) or return undef; local $/; return <$fh> }

# ------------------------------------------------------------ -d and -P
SKIP: {
  skip 'memcd-only: the parent waits for the daemon', 12 unless is_memcd();
  my $port = free_port();
  my $pidfile = "$dir/memcd.pid";
  my @argv = ($bin, '-d', '-P', $pidfile, '-p', $port, '-l', '127.0.0.1',
              '-U', '0', '-m', '16', @user);
  my ($status, $out, $err) = run_bin(10, @argv);
  is($status, 0, '-d: the parent exits 0');
  is($err, '', 'and prints nothing');
  # No waiting: the parent returned only once the daemon was listening.
  my $sock = connect_to($port);
  ok($sock, 'the daemon accepts at once');
  my $text = slurp($pidfile);
  like($text, qr/\A\d+\n\z/, '-P: the pid file holds the pid and a newline');
  my ($pid) = ($text // '') =~ /(\d+)/;
  $pid //= 0;
  ok($pid && alive($pid), 'that process is alive');
  my $st = $sock ? stats($sock) : {};
  is($st->{pid}, $pid, 'stats pid is the pid file\'s');
  my $ppid = (slurp("/proc/$pid/stat") // '') =~ /^\d+ \(.*?\) \S (\d+)/ ? $1 : -1;
  isnt($ppid, $$, 'the daemon is not our child');
  is(readlink("/proc/$pid/cwd"), '/', 'it runs in /');
  is(readlink("/proc/$pid/fd/0"), '/dev/null', 'its stdin is /dev/null');

  # A second one on the same port fails, and says why, through the parent.
  ($status, $out, $err) = run_bin(10, $bin, '-d', '-p', $port, '-l',
                                  '127.0.0.1', '-U', '0', @user);
  isnt($status, 0, 'a daemon that cannot bind: the parent exits non-zero');
  like($err, qr/already in use/i, 'with the reason on stderr');

  kill 'TERM', $pid if $pid;
  ok(wait_gone($pid, 10) && !-e $pidfile,
     'SIGTERM: it exits and removes its pid file');
}

# -P without -d: written too (as memcached), removed at a clean exit.
{
  my $pidfile = "$dir/fg.pid";
  my $srv = MemcdTest->start(args => "-P $pidfile", user => 'nobody');
  # The file is written just after the listeners open, so a client may
  # connect first (a slow build, e.g. under TSan, shows it): poll for it.
  my $want = $srv->pid . "\n";
  my $text = '';
  my $deadline = time() + 5;
  while (time() < $deadline) {
    $text = slurp($pidfile) // '';
    last if $text eq $want;
    sleep(0.02);
  }
  is($text, $want, '-P in the foreground: the pid file');
  is($srv->stop, 0, 'stops cleanly');
  ok(!-e $pidfile, 'and the pid file is gone') if is_memcd();
}

# ------------------------------------------------------ -o idle_timeout
{
  my $srv = MemcdTest->start(args => '-o idle_timeout=1');
  my $active = $srv->sock;
  my $idle = $srv->sock;
  my $partial = $srv->sock;
  my $in_value = $srv->sock;
  send_cmd($partial, "get som");                      # half a command line
  send_cmd($in_value, "set k 0 0 10\r\nabc");         # half a value
  is(stats($active)->{idle_kicks}, 0, 'idle_kicks starts at 0');
  # Kicked after more than 1 second idle: within ~3 s (1 s clock, 1 s scan).
  my $deadline = time() + 6;
  my %closed;
  while (time() < $deadline && keys %closed < 2) {
    send_cmd($active, "version\r\n");
    my $line = read_line($active, 2);
    last unless defined $line && $line =~ /^VERSION /;
    for my $pair (['idle', $idle], ['partial', $partial]) {
      next if $closed{$pair->[0]};
      $closed{$pair->[0]} = 1 if wait_for_eof($pair->[1], 0.2);
    }
  }
  ok($closed{idle}, 'an idle client is closed');
  ok($closed{partial}, 'so is one idle in the middle of a command line');
  ok(!wait_for_eof($in_value, 0.3), 'one in the middle of a value is not');
  mem_cmd_is($active, "version\r\n", "VERSION " . stats($active)->{version} . "\r\n",
             'an active client is untouched');
  is(stats($active)->{idle_kicks}, 2, 'idle_kicks counts both');
  is(stats($active, 'settings')->{idle_timeout}, 1, 'stats settings idle_timeout');
  send_cmd($in_value, "defghij\r\n");
  is(read_line($in_value, 3), "STORED\r\n", 'the value completes afterwards');
  $srv->stop;
}

# --------------------------------------------------- -o no_maxconns_fast
SKIP: {
  skip 'memcd-only: memcached keeps some of -c for itself', 9 unless is_memcd();
  my $srv = MemcdTest->start(args => '-c 3 -t 1 -o no_maxconns_fast');
  my $first = $srv->sock;
  is(wait_stat($first, 'curr_connections', 1), 1, 'one client');
  my @clients = ($first, $srv->sock, $srv->sock);
  mem_cmd_is($clients[2], "version\r\n", "VERSION " . stats($first)->{version} . "\r\n",
             'a client within -c is served');
  my $waiting = $srv->sock;
  send_cmd($waiting, "version\r\n");
  is(read_line($waiting, 1), undef, 'over -c: no answer, no error, not closed');
  my $paused = stats($clients[1]);
  is($paused->{accepting_conns}, 0, 'accepting_conns 0 while a client waits');
  is($paused->{listen_disabled_num}, 1, 'listen_disabled_num counts the pause');
  close(shift @clients);
  like(read_line($waiting, 3) // '', qr/^VERSION /, 'served once a client leaves');
  my $resumed = stats($waiting);
  is($resumed->{accepting_conns}, 1, 'accepting_conns 1 again');
  cmp_ok($resumed->{time_in_listen_disabled_us}, '>=', 500_000,
         'time_in_listen_disabled_us holds the pause (over the 1 s wait above)');
  is(stats($waiting, 'settings')->{maxconns_fast}, 'no',
     'stats settings maxconns_fast no');
  $srv->stop;
}

# ----------------------------------------------------- SIGHUP reloads -Y
SKIP: {
  skip 'memcd-only: SIGHUP reload of -Y', 3 unless is_memcd();
  my $auth = "$dir/auth";
  open(my $fh, '>', $auth) or die $!;
  print $fh "alice:old\n";
  close $fh;
  chmod 0644, $auth;
  my $srv = MemcdTest->start(args => "-Y $auth");
  my $s = $srv->sock;
  mem_cmd_is($s, "set x 0 0 9\r\nalice old\r\n", "STORED\r\n", 'the first password works');
  open($fh, '>', $auth) or die $!;
  print $fh "alice:new\n";
  close $fh;
  kill 'HUP', $srv->pid;
  my $ok = 0;
  for (1 .. 50) {
    my $c = $srv->sock;
    send_cmd($c, "set x 0 0 9\r\nalice new\r\n");
    if ((read_line($c, 2) // '') eq "STORED\r\n") { $ok = 1; last }
    sleep(0.1);
  }
  ok($ok, 'after SIGHUP the new password works');
  my $c = $srv->sock;
  mem_cmd_is($c, "set x 0 0 9\r\nalice old\r\n",
             "CLIENT_ERROR authentication failure\r\n", 'and the old one fails');
  $srv->stop;
}

done_testing();
