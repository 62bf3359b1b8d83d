#!/usr/bin/perl
# contrib/concurrent.py against the server: 4 threads x 300 set/get pairs
# with random values, 0 mismatches; and the tool itself must catch a server
# that returns wrong data.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use POSIX ();
use MemcdTest;

my $top = $ENV{MEMCD_TOP} || '.';
my $tool = "$top/contrib/concurrent.py";
ok(-f $tool, 'contrib/concurrent.py exists');
my $python;
for my $candidate ('python3', '/usr/bin/python3') {
  my ($st) = run_bin(20, $candidate, '-c', 'import threading');
  if (defined $st && $st == 0) { $python = $candidate; last; }
}
ok($python, 'python3 found');
$python ||= 'python3';

my $srv = MemcdTest->start();
my $port = $srv->port;

my ($status, $out, $err) =
  run_bin(90, $python, $tool, '--port', $port, '--timeout', '60', 4, 300);
is($status, 0, 'concurrent.py 4 x 300 exits 0') or diag($out . $err);
like($out, qr/^ops: 2400 /m, 'all 2400 operations done');
like($out, qr/^errors: 0  mismatches: 0$/m, 'no errors, no mismatches');

# Overwriting a small key space per thread.
($status, $out, $err) = run_bin(90, $python, $tool, '--port', $port,
                                '--keys', 3, '--seed', 7, '--prefix', 'few', 4, 300);
is($status, 0, 'concurrent.py --keys 3 exits 0') or diag($out . $err);
like($out, qr/^errors: 0  mismatches: 0$/m, 'no mismatches on overwrites');

my $sock = $srv->sock;
my $st = stats($sock);
is($st->{cmd_set}, 2400, 'stats cmd_set: every set arrived');
is($st->{get_hits}, 2400, 'stats get_hits: every get hit');
is($st->{curr_items}, 4 * 300 + 4 * 3, 'stats curr_items: 1200 + 12 keys');
mem_cmd_is($sock, "set after 0 0 2\r\nok\r\n", "STORED\r\n", 'server still serves');
is($srv->stop, 0, 'server stops cleanly');

# A fake server that stores nothing and answers every get with "wrong".
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 5, ReuseAddr => 1) or die $!;
my $fake_port = $listen->sockport;
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
  alarm(30);
  my $c = $listen->accept or POSIX::_exit(1);
  my $buf = '';
  while (sysread($c, $buf, 65536, length $buf)) {
    while (1) {
      if ($buf =~ s/\Aset \S+ \d+ \d+ (\d+)\r\n//) {
        my $len = $1;
        while (length $buf < $len + 2) {
          sysread($c, $buf, 65536, length $buf) or POSIX::_exit(0);
        }
        substr($buf, 0, $len + 2, '');
        syswrite($c, "STORED\r\n");
      } elsif ($buf =~ s/\Aget (\S+)\r\n//) {
        syswrite($c, "VALUE $1 0 5\r\nwrong\r\nEND\r\n");
      } else {
        last;
      }
    }
  }
  POSIX::_exit(0);
}
close $listen;
($status, $out, $err) = run_bin(30, $python, $tool, '--port', $fake_port,
                                '--timeout', '10', 1, 3);
waitpid($pid, 0);
is($status, 1, 'against a lying server: exit 1');
like($out, qr/^errors: 0  mismatches: 3$/m, 'and 3 mismatches reported');

($status, $out) = run_bin(30, $python, $tool, '--port', $fake_port, '--timeout', '5', 2, 1);
is($status, 1, 'nothing listening: exit 1');
like($out, qr/^errors: 2 /m, 'and one error per thread');

done_testing();
