#!/usr/bin/perl
# Command line: -h, -V, bad options and values (exit 64), refusing root
# without -u, and memcached's long option forms.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use MemcdTest;

my $bin = memcd_bin();
# Options that keep any accidental server on loopback without UDP.
my @safe = ('-l', '127.0.0.1', '-U', '0');
my @user = $> == 0 ? ('-u', 'root') : ();

my ($status, $out, $err) = run_bin(5, $bin, '-h');
is($status, 0, '-h exits 0');
like($out, qr/-p\b.*\n(?:.*\n)*.*-m\b/, '-h prints usage naming -p and -m');

($status, $out, $err) = run_bin(5, $bin, '-V');
is($status, 0, '-V exits 0');
like($out, qr/\A[^\n]*\d+\.\d+\.\d+[^\n]*\n\z/, '-V prints one version line');

for my $case (['--no-such-option', qr/no-such-option/],
              ['-Q', qr/Q/]) {
  my ($opt, $mention) = @$case;
  ($status, $out, $err) = run_bin(5, $bin, @safe, @user, '-p', '0', $opt);
  is($status, 64, "$opt exits 64 [memcd-only: memcached exits 1]");
  like($err, $mention, "$opt is named on stderr");
}
($status, $out, $err) = run_bin(3, $bin, @safe, @user, '-p', 'abc');
is($status, 64, '-p abc exits 64 [memcd-only: memcached starts]');
like($err, qr/\S/, '-p abc prints a message [memcd-only]');

if ($> == 0) {
  my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 1)->sockport;
  ($status, $out, $err) = run_bin(5, $bin, @safe, '-p', $port);
  ok(defined $status && $status != 0, 'as root without -u: refuses to start');
  like($out . $err, qr/-u\b/, 'the message mentions -u');
} else {
  # Not root: no -u is needed, and the server starts.
  my $srv = MemcdTest->start();
  ok($srv->pid, 'not root: starts without -u');
  is($srv->stop, 0, 'and stops cleanly');
}

# memcached's long option forms.
my $srv = MemcdTest->start(args => '--memory-limit=8 --threads=3 --conn-limit=100');
my $st = stats($srv->sock);
is($st->{limit_maxbytes}, 8 * 1024 * 1024, '--memory-limit=8');
is($st->{threads}, 3, '--threads=3');
is($srv->stop, 0, 'long-option server stops cleanly');

# Short forms, with -vv logging to stderr.
$srv = MemcdTest->start(args => '-m 16 -t 2 -c 100 -R 5 -vv');
my $s = $srv->sock;
mem_cmd_is($s, "set v 0 0 1\r\nx\r\n", "STORED\r\n", 'works with -vv');
$st = stats($s);
is($st->{limit_maxbytes}, 16 * 1024 * 1024, '-m 16');
is($st->{threads}, 2, '-t 2');
is($srv->stop, 0, '-vv server stops cleanly');

done_testing();
