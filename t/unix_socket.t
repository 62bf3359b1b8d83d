#!/usr/bin/perl
# The unix socket (-s, -a): served like TCP, with the -a mode, alone (no TCP,
# no UDP), replacing a stale socket file, refusing to replace anything else,
# and removed at exit.
use strict;
use warnings;
use Test::More;
use Fcntl qw(S_ISSOCK S_ISREG);
use IO::Socket::INET;
use IO::Socket::UNIX;
use MemcdTest;

my $path = "/tmp/memcd-test-$$.sock";
unlink $path;
END { unlink $path if defined $path }

# A stale socket file, as a killed server leaves behind.
{
  my $stale = IO::Socket::UNIX->new(Local => $path, Listen => 1)
    or die "stale socket: $!";
  close $stale;
}
ok(-S $path, 'a stale socket file is there');

my $udp_port = do {
  my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Proto => 'udp') or die "udp probe: $!";
  my $p = $s->sockport;
  close $s;
  $p;
};
my $srv = MemcdTest->start_unix(path => $path, args => "-a 0770 -U $udp_port -t 2");
my $sock = $srv->unix_sock;
mem_cmd_is($sock, "set a 0 0 5\r\nhello\r\n", "STORED\r\n", 'set over the socket');
mem_get_is($sock, 'a', 'hello', 'get over the socket');
my $other = $srv->unix_sock;
mem_get_is($other, 'a', 'hello', 'a second client sees it');

my @st = lstat($path);
ok(S_ISSOCK($st[2]), 'the path is a socket');
is(sprintf('%o', $st[2] & 07777), '770', 'its mode is -a 0770');

my $settings = stats($sock, 'settings');
is($settings->{domain_socket}, $path, 'stats settings: domain_socket');
is($settings->{umask}, '770', 'stats settings: umask');
is(wait_stat($sock, 'curr_connections', 2), 2, 'unix clients count as connections');

# With -s there is no TCP and no UDP listener.
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port,
                          Proto => 'tcp', Timeout => 2),
   'no TCP port open');
ok(IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $udp_port,
                         Proto => 'udp'),
   'no UDP port bound');

is($srv->stop, 0, 'SIGTERM: exits 0');
SKIP: {
  skip 'memcached 1.6.18 leaves its socket file behind', 1 unless is_memcd();
  ok(!-e $path, 'the socket file is removed at exit');
}

# The default mode is 0700.
$srv = MemcdTest->start_unix(path => $path);
is(sprintf('%o', (lstat($path))[2] & 07777), '700', 'default mode 0700');
is(stats($srv->unix_sock, 'settings')->{umask}, '700', 'stats settings: umask 700');
is($srv->stop, 0, 'exits 0');

# Anything but a socket at the path is left alone, and the server does not
# start.
unlink $path;
open(my $fh, '>', $path) or die "$path: $!";
print $fh "keep me\n";
close $fh;
my @argv = (memcd_bin(), '-s', $path, ($> == 0 ? ('-u', 'root') : ()));
my ($status, $out, $err) = run_bin(10, @argv);
ok(defined $status && $status != 0, 'a regular file at the path: the server exits')
  or diag("status " . ($status // 'undef') . ", stderr: $err");
ok(S_ISREG((lstat($path))[2]), 'and the file is still there');
unlink $path;

done_testing();
