#!/usr/bin/perl
# contrib/systemd/memcd.service: what systemd would run, run without
# systemd. The unit's own ExecStart (paths filled in as `make install`
# does, with a temporary conf on a free loopback port) must leave memcd
# itself in the foreground (Type=simple: the started pid is the server);
# its ExecReload must leave it serving; its KillSignal must stop it with
# status 0. And the settings the operations issue asks for must be there:
# no root (DynamicUser), the sandboxing, SIGTERM as the stop signal.
# (systemd itself, PID 1 or systemd-analyze, is not assumed to be here.)
use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use MemcdTest;

plan skip_all => 'memcd-only: the unit runs memcd (MEMCD_BIN is memcached)'
  unless is_memcd();

my $top = $ENV{MEMCD_TOP} || dirname(dirname(abs_path($0)));
my $unit = "$top/contrib/systemd/memcd.service";
open(my $in, '<', $unit) or die "$unit: $!";
my (%service, $section);
while (my $line = <$in>) {
  chomp $line;
  next if $line =~ /^\s*(#|$)/;
  if ($line =~ /^\[(\w+)\]$/) { $section = $1; next; }
  my ($key, $value) = $line =~ /^(\w+)=(.*)$/ or next;
  push @{ $service{$key} }, $value if ($section // '') eq 'Service';
}
close $in;
sub setting { my $v = $service{$_[0]}; return $v ? $v->[-1] : undef }

is(setting('Type'), 'simple', 'Type=simple: memcd stays in the foreground');
is(setting('KillSignal'), 'SIGTERM', 'stopped with SIGTERM');
is(setting('DynamicUser'), 'yes', 'never root: DynamicUser');
is(setting($_), 'yes', "$_=yes") for qw(NoNewPrivileges PrivateTmp ProtectHome);
is(setting('ProtectSystem'), 'strict', 'ProtectSystem=strict');
like(setting('ExecStart'), qr{^\@pkglibexecdir\@/memcd-wrapper -c \@sysconfdir\@/memcd\.conf$},
     'ExecStart: the wrapper with the conf');
unlike(setting('ExecStart'), qr/(^|\s)-d(\s|$)/, 'ExecStart does not daemonize');
is(setting('ExecReload'), '/bin/kill -HUP $MAINPID', 'ExecReload: SIGHUP');

# The conf, in memcached's format; a -d in it must be dropped by the
# wrapper, as systemd needs the foreground process.
my $dir = tempdir('memcd-unit-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $port = free_port();
open(my $fh, '>', "$dir/memcd.conf") or die "$dir/memcd.conf: $!";
print $fh "-p $port\n-U 0\n-l 127.0.0.1\n-m 16\n-d   # dropped under systemd\n";
print $fh "-u nobody\n" if $> == 0;
close $fh;

(my $exec = setting('ExecStart')) =~ s/\@pkglibexecdir\@/$top\/contrib/g;
$exec =~ s/\@sysconfdir\@/$dir/g;
$ENV{MEMCD_BIN} = abs_path(memcd_bin());
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
  open(STDOUT, '>', "$dir/out.log");
  open(STDERR, '>&', \*STDOUT);
  exec('/bin/sh', split(' ', $exec)) or exit 127;
}

sub version_ok {
  my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 2) or return 0;
  print $s "version\r\n";
  my $line = <$s>;
  return defined $line && $line =~ /^VERSION \S+\r\n\z/;
}
sub alive { return waitpid($pid, WNOHANG) == 0 }

my $deadline = time() + 10;
my $up = 0;
while (!$up && time() < $deadline && alive()) {
  $up = version_ok();
  sleep(0.05) unless $up;
}
ok($up, 'ExecStart serves on the conf\'s port') or diag(`cat $dir/out.log`);
my $exe = readlink("/proc/$pid/exe") // '';
is($exe, $ENV{MEMCD_BIN}, 'the started pid is memcd itself (the wrapper execs it)');

# ExecReload, with $MAINPID as systemd fills it in.
(my $reload = setting('ExecReload')) =~ s/\$MAINPID/$pid/;
is(system(split(' ', $reload)), 0, 'ExecReload runs');
sleep(0.2);
ok(alive() && version_ok(), 'still serving after the reload');

kill 'TERM', $pid;
my $status;
$deadline = time() + 10;
while (time() < $deadline) {
  if (waitpid($pid, WNOHANG) == $pid) { $status = $?; last; }
  sleep(0.05);
}
is($status, 0, 'KillSignal stops it, exit status 0');
kill 'KILL', $pid unless defined $status;

done_testing();
