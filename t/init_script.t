#!/usr/bin/perl
# contrib/init.d/memcd under /bin/sh (dash on Debian): start, status, stop,
# restart and the LSB exit codes, with a temporary conf (free loopback port,
# -u nobody, -m 16) and pid file given through its environment overrides.
# Needs root (the script's -u drop is part of what is tested): CI runs it
# as root; otherwise it skips, saying so.
use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use MemcdTest;

plan skip_all => 'needs root: the init script starts memcd as root with -u nobody'
  unless $> == 0;
plan skip_all => 'memcd-only: the init script runs memcd (MEMCD_BIN is memcached)'
  unless is_memcd();
my $nobody = getpwnam('nobody');
plan skip_all => 'needs a "nobody" user' unless defined $nobody;

my $top = $ENV{MEMCD_TOP} || dirname(dirname(abs_path($0)));
my $script = "$top/contrib/init.d/memcd";
my $wrapper = "$top/contrib/memcd-wrapper";
my $bin = abs_path(memcd_bin());
ok(-r $script && -r $wrapper, 'the init script and the wrapper are there');

my $dir = tempdir('memcd-init-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;  # nobody reaches the pid directory inside
my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Proto => 'tcp', Listen => 1)->sockport;
my $conf = "$dir/memcd.conf";
open(my $fh, '>', $conf) or die "$conf: $!";
print $fh <<"EOF";
# a test conf, in memcached's format
-p $port   # the port
-U 0
-l 127.0.0.1
-m 16
-u nobody
-d
EOF
close $fh;
my $pidfile = "$dir/run/memcd.pid";  # the script creates run/ for nobody

$ENV{MEMCD_DAEMON} = $bin;
$ENV{MEMCD_WRAPPER} = $wrapper;
$ENV{MEMCD_CONF} = $conf;
$ENV{MEMCD_PIDFILE} = $pidfile;
$ENV{MEMCD_LOGDIR} = "$dir/log";

# Runs the script under /bin/sh; returns (exit status, stdout + stderr).
sub init {
  my ($action) = @_;
  my ($status, $out, $err) = run_bin(20, '/bin/sh', $script, $action);
  return ($status, $out . $err);
}

sub pid_in_file {
  open(my $in, '<', $pidfile) or return undef;
  my $line = <$in>;
  return defined $line && $line =~ /^(\d+)\n\z/ ? $1 : undef;
}

sub ids {
  my ($pid) = @_;
  open(my $in, '<', "/proc/$pid/status") or return ();
  my ($uid, $gid);
  while (<$in>) {
    $uid = [split ' ', $1] if /^Uid:\s+(.*)/;
    $gid = [split ' ', $1] if /^Gid:\s+(.*)/;
  }
  return ($uid, $gid);
}

sub answers {
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                Proto => 'tcp', Timeout => 3) or return 0;
  $s->autoflush(1);
  send_cmd($s, "set k 0 0 2\r\nhi\r\nget k\r\n");
  my $reply = join('', map { read_line($s, 3) // '' } 1 .. 4);
  return $reply eq "STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n";
}

sub gone {
  my ($pid) = @_;
  for (1 .. 100) {
    return 1 unless kill 0, $pid;
    sleep(0.05);
  }
  return 0;
}

my ($status, $out) = init('status');
is($status, 3, 'status before start: 3 (not running)');

($status, $out) = init('start');
is($status, 0, 'start exits 0') or diag($out);
my $pid = pid_in_file();
ok($pid, 'start wrote the pid file');
$pid //= 0;
ok($pid && answers(), 'the server answers at once');
my ($uid, $gid) = ids($pid);
is_deeply($uid, [($nobody) x 4], "real, effective, saved uid are nobody's ($nobody)");
is($gid->[0], (getpwnam('nobody'))[3], "and the gid is nobody's group");
($status, $out) = init('status');
is($status, 0, 'status: 0');
like($out, qr/running.*\b$pid\b/, 'status names the pid');
ok(-d "$dir/log" && (stat("$dir/log"))[4] == $nobody,
   'the log directory is made for the -u user');

($status, $out) = init('start');
is($status, 0, 'start when running: 0 (LSB)');
like($out, qr/already running/, 'and says so');
is(pid_in_file(), $pid, 'the same process still');

($status, $out) = init('restart');
is($status, 0, 'restart exits 0') or diag($out);
my $new = pid_in_file() // 0;
ok($new && $new != $pid, 'restart: a new pid');
ok(gone($pid), 'the old process is gone');
ok(answers(), 'the new one answers');

($status, $out) = init('force-reload');
is($status, 0, 'force-reload exits 0');
my $reloaded = pid_in_file() // 0;
ok($reloaded && $reloaded != $new, 'force-reload restarts');

($status, $out) = init('stop');
is($status, 0, 'stop exits 0');
ok(gone($reloaded), 'the process is gone');
ok(!-e $pidfile, 'the pid file is removed');
($status, $out) = init('status');
is($status, 3, 'status after stop: 3');

($status, $out) = init('stop');
is($status, 0, 'stop when stopped: 0 (LSB)');
like($out, qr/not running/, 'and says so');

# A stale pid file (its process gone): status 1, start replaces it.
open($fh, '>', $pidfile) or die $!;
print $fh "999999\n";
close $fh;
($status, $out) = init('status');
is($status, 1, 'status with a stale pid file: 1');
($status, $out) = init('start');
is($status, 0, 'start over a stale pid file: 0');
$pid = pid_in_file() // 0;
ok($pid && $pid != 999999 && answers(), 'and serves');

# A start that fails (the port is taken) exits non-zero with the reason.
{
  local $ENV{MEMCD_PIDFILE} = "$dir/run/second.pid";
  ($status, $out) = init('start');
  isnt($status, 0, 'a start that cannot bind exits non-zero');
  like($out, qr/already in use/i, 'with memcd\'s reason');
}
($status, $out) = init('stop');
is($status, 0, 'stop');
ok(gone($pid), 'gone');

($status, $out) = init('bogus');
is($status, 2, 'an unknown action: 2 (LSB)');
like($out, qr/Usage:/, 'with the usage');

{
  local $ENV{MEMCD_CONF} = "$dir/missing.conf";
  ($status, $out) = init('start');
  is($status, 6, 'start without a conf: 6 (LSB: not configured)');
}
{
  local $ENV{MEMCD_DAEMON} = "$dir/no-such-memcd";
  ($status, $out) = init('start');
  is($status, 5, 'start without the binary: 5 (LSB: not installed)');
}

done_testing();
