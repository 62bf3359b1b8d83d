#!/usr/bin/perl
# Listeners (-l with several addresses, IPv6, host:port) and -u.
use strict;
use warnings;
use Test::More;
use IO::Socket::IP;
use MemcdTest;

sub talk {
  my ($host, $port) = @_;
  my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
                              Proto => 'tcp', Timeout => 2) or return "connect: $@";
  print $s "version\r\n";
  my $line = <$s>;
  return defined $line ? $line : 'no reply';
}

# A second, IPv6 loopback listener beside the harness's 127.0.0.1.
my $srv = MemcdTest->start(args => '-l [::1] -b 64');
like(talk('127.0.0.1', $srv->port), qr/^VERSION /, '127.0.0.1 answers');
like(talk('::1', $srv->port), qr/^VERSION /, '[::1] answers on the same port');
is($srv->stop, 0, 'stops cleanly');

# Comma-separated list with an explicit port on one entry.
my $other = MemcdTest::_free_port();
$srv = MemcdTest->start(args => "-l ::1,127.0.0.2:$other");
like(talk('::1', $srv->port), qr/^VERSION /, 'comma list: ::1 on -p');
like(talk('127.0.0.2', $other), qr/^VERSION /, 'comma list: host:port entry');
like(talk('127.0.0.2', $srv->port), qr/^connect/, 'host:port entry binds only its port');
is($srv->stop, 0, 'stops cleanly');

SKIP: {
  # The privilege drop can only be seen when the tests run as root (CI does).
  skip 'not running as root: -u has nothing to drop', 3 unless $> == 0;
  my $nobody = getpwnam('nobody');
  ok(defined $nobody, 'user nobody exists');
  $srv = MemcdTest->start(user => 'nobody');
  # The kernel accepts connections once the socket listens, a moment before
  # the server drops root: poll (bounded) for the effective uid to change.
  my $uid;
  for (1 .. 100) {
    open(my $fh, '<', '/proc/' . $srv->pid . '/status') or die $!;
    ($uid) = map { /^Uid:\s+(\d+)\s+(\d+)/ ? ($2) : () } <$fh>;
    last if defined $uid && $uid == $nobody;
    select(undef, undef, undef, 0.05);
  }
  is($uid, $nobody, '-u nobody: the server runs as nobody');
  is($srv->stop, 0, 'stops cleanly');
}

done_testing();
