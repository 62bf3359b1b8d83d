#!/usr/bin/perl
# The server starts, answers version and stats, and exits 0 promptly on
# SIGTERM and SIGINT even with idle clients connected.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time);
use MemcdTest;

my $srv = MemcdTest->start();
ok($srv->pid > 0, 'server started');
my $sock = $srv->sock;

send_cmd($sock, "version\r\n");
my $version_line = read_line($sock);
like($version_line, qr/^VERSION \S+\r\n\z/, 'version reply is one VERSION line');
# memcd-only: its version string names both the protocol level and itself.
like($version_line, qr/^VERSION 1\.6\.0-memcd-\d+\.\d+\.\d+\r\n\z/,
     'version is 1.6.0-memcd-x.y.z');
my ($version) = ($version_line || '') =~ /^VERSION (\S+)/;

my $st = stats($sock);
is($st->{version}, $version, 'stats version equals the version reply');
is($st->{pid}, $srv->pid, 'stats pid is the server pid');
like($st->{uptime}, qr/^\d+\z/, 'stats uptime is a number');

# A second, independent client is served too.
my $other = $srv->sock;
mem_cmd_is($other, "set hello 0 0 5\r\nworld\r\n", "STORED\r\n");
mem_get_is($sock, 'hello', 'world', 'first client sees the second one\'s set');

for my $signal (qw(TERM INT)) {
  my $s = $signal eq 'TERM' ? $srv : MemcdTest->start();
  # Idle clients, one of them mid-command, must not delay shutdown.
  my @idle = map { $s->sock } 1 .. 3;
  send_cmd($idle[0], "set half 0 0 10\r\nabc");
  my $t0 = time();
  my $status = $s->stop($signal);
  my $took = time() - $t0;
  is($status, 0, "SIG$signal: exit status 0");
  cmp_ok($took, '<', 5, "SIG$signal: exits within 5 s");
  ok(wait_for_eof($idle[1], 2), "SIG$signal: idle client sees the close");
  my $again = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                    PeerPort => $s->port, Proto => 'tcp',
                                    Timeout => 2);
  ok(!$again, "SIG$signal: port no longer accepts");
}

done_testing();
