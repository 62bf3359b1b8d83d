package MemcdTest;

# Test helper for the t/*.t protocol suite. Starts the server under test
# (memcd, or memcached when MEMCD_BIN points at it) on a free loopback port
# and gives socket helpers whose reads all time out, so a wrong reply fails
# a test instead of hanging it. No server outlives the test that started it.
# A sanitizer report in any server's log, or in run_bin's stderr, fails the
# test (doc/sanitizers.md).

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(basename);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Time::HiRes qw(time sleep);
use Test::More ();

our @EXPORT = qw(
  mem_get_is mem_cmd_is send_cmd read_line read_bytes read_reply read_all
  advance_time stats wait_stat is_memcd memcd_bin wait_for_eof run_bin
  server_time sanitizer free_port
);

my $kIoTimeout = 5;       # seconds a single read or write may wait
my $kStartTimeout = 10;   # seconds a server may take to accept connections
my $kStopTimeout = 10;    # seconds a server may take to exit after SIGTERM
my %live;                 # pid => server object (weak), for END cleanup
my @logs;                 # every server log, shown at END if a test failed
my @sanitizer_reports;    # run_bin outputs that held a sanitizer report
# How ASan, LSan, UBSan and TSan begin a report.
my $kSanitizerReport =
  qr/^(?:==\d+==ERROR: \w+Sanitizer|WARNING: ThreadSanitizer|.*: runtime error: )/m;

sub memcd_bin {
  return $ENV{MEMCD_BIN} || 'src/memcd';
}

# True unless MEMCD_BIN is memcached (memcd-only commands and flags differ).
# MEMCD_IS_MEMCD=0/1 overrides the guess from the binary's name.
sub is_memcd {
  return $ENV{MEMCD_IS_MEMCD} if defined $ENV{MEMCD_IS_MEMCD};
  return basename(memcd_bin()) =~ /^memcached/ ? 0 : 1;
}

# The sanitizers the binary under test was built with, as configure told
# "make check" (MEMCD_SANITIZER: 'asan,ubsan', 'tsan', ...), or ''.
sub sanitizer {
  return defined $ENV{MEMCD_SANITIZER} ? $ENV{MEMCD_SANITIZER} : '';
}

# Environment for start(env => ...) under ASan that keeps the allocator
# honest for a test that measures RSS: freed memory is reused at once (no
# quarantine) and allocation stacks stay short, so RSS follows what the
# server holds. Empty without ASan.
sub asan_rss_env {
  return {} unless sanitizer() =~ /\basan\b/;
  my $base = defined $ENV{ASAN_OPTIONS} ? "$ENV{ASAN_OPTIONS}:" : '';
  return { ASAN_OPTIONS => $base . 'quarantine_size_mb=0:' .
           'thread_local_quarantine_size_kb=0:malloc_context_size=2' };
}

# A TCP port on 127.0.0.1 that was free a moment ago (for servers other
# than the one start() runs: proxies, tools).
sub free_port { return _free_port() }

sub _free_port {
  my $s = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)
    or die "cannot bind a probe socket: $!";
  my $port = $s->sockport;
  close $s;
  return $port;
}

# MemcdTest->start(args => '-m 2 -c 10', debug_time => 1, env => {K => 'v'})
# debug_time (default 1) appends --debug_time when the binary is memcd; env
# sets variables in the server's environment.
sub start {
  my ($class, %opt) = @_;
  my $args = defined $opt{args} ? $opt{args} : '';
  my $debug_time = exists $opt{debug_time} ? $opt{debug_time} : 1;
  my $dir = tempdir('memcd-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
  my $log = "$dir/server.log";
  push @logs, $log;
  my $bin = memcd_bin();
  die "MEMCD_BIN '$bin' is not executable\n" unless -x $bin;

  for my $attempt (1 .. 3) {
    my $port = _free_port();
    my @argv = ($bin, '-p', $port, '-l', '127.0.0.1', '-U', '0',
                split(' ', $args));
    # As root a user to switch to is required; tests may name another.
    push @argv, '-u', (defined $opt{user} ? $opt{user} : 'root') if $> == 0;
    push @argv, '--debug_time' if $debug_time && is_memcd();
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
      open(STDIN, '<', '/dev/null');
      open(STDOUT, '>>', $log);
      open(STDERR, '>>', $log);
      $ENV{$_} = $opt{env}{$_} for keys %{ $opt{env} || {} };
      exec(@argv) or POSIX::_exit(127);
    }
    my $self = bless { pid => $pid, port => $port, log => $log,
                       dir => $dir, argv => \@argv }, $class;
    $live{$pid} = $self;
    weaken($live{$pid});
    my $deadline = time() + $kStartTimeout;
    while (time() < $deadline) {
      if (waitpid($pid, WNOHANG) == $pid) {
        $self->{status} = $?;
        $self->{reaped} = 1;
        delete $live{$pid};
        last;
      }
      my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                    Proto => 'tcp', Timeout => 1);
      if ($s) {
        close $s;
        return $self;
      }
      sleep(0.05);
    }
    # A lost race for the port makes the server exit: try another port.
    next if defined $self->{status} && $attempt < 3 &&
            _slurp($log) =~ /address already in use/i;
    $self->_kill_hard;
    die "server did not start: @argv\n--- log tail ---\n" .
        _tail(_slurp($log)) . "\n";
  }
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub log_text { _slurp($_[0]{log}) }

# A new connection to the server; dies if it cannot connect.
sub sock {
  my ($self) = @_;
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                PeerPort => $self->{port}, Proto => 'tcp',
                                Timeout => $kIoTimeout)
    or die "connect to port $self->{port}: $!";
  $s->autoflush(1);
  binmode $s;
  return $s;
}

# Sends SIGNAL (default TERM) and waits, bounded; returns the exit status
# (128 + signal number when killed by a signal, undef if it had to be
# SIGKILLed after the timeout).
sub stop {
  my ($self, $signal, $timeout) = @_;
  $signal ||= 'TERM';
  $timeout ||= $kStopTimeout;
  return $self->{exit} if exists $self->{exit};
  kill $signal, $self->{pid};
  my $deadline = time() + $timeout;
  while (time() < $deadline) {
    if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
      $self->{reaped} = 1;
      delete $live{$self->{pid}};
      return $self->{exit} = _decode_status($?);
    }
    sleep(0.02);
  }
  $self->_kill_hard;
  return $self->{exit} = undef;
}

sub _decode_status {
  my ($st) = @_;
  return 128 + ($st & 127) if $st & 127;
  return $st >> 8;
}

sub _kill_hard {
  my ($self) = @_;
  delete $live{$self->{pid}};
  return if $self->{reaped}++;
  kill 'KILL', $self->{pid};
  waitpid($self->{pid}, 0);
}

sub DESTROY {
  my ($self) = @_;
  local ($?, $!, $@);
  $self->_kill_hard if $self->{pid};
}

# A test killed by the harness still runs END, so its servers die with it.
for my $sig (qw(TERM INT HUP)) {
  $SIG{$sig} = sub { die "killed by SIG$sig\n" } unless $SIG{$sig};
}

END {
  my $reports = @sanitizer_reports;
  {
    local $?;
    $_->_kill_hard for grep { defined } values %live;
    for my $log (@logs) {
      my $text = _slurp($log);
      next unless $text =~ $kSanitizerReport;
      $reports++;
      Test::More::diag("--- sanitizer report in $log ---\n" . _report($text));
    }
    Test::More::diag("--- sanitizer report from run_bin ---\n$_")
      for @sanitizer_reports;
    # Server logs die with their temp dirs: show them while they still exist.
    unless (Test::More->builder->is_passing) {
      for my $log (@logs) {
        my $tail = _tail(_slurp($log));
        Test::More::diag("--- $log ---\n$tail") if length $tail;
      }
    }
  }
  # Every assertion may have passed; the report still fails the test.
  $? = 1 if $reports && !$?;
}

# The first sanitizer report in $text, up to 60 lines.
sub _report {
  my ($text) = @_;
  return '' unless $text =~ $kSanitizerReport;
  my @lines = split /\n/, substr($text, $-[0]);
  splice(@lines, 60) if @lines > 60;
  return join("\n", @lines);
}

sub _slurp {
  my ($path) = @_;
  open(my $fh, '<', $path) or return '';
  local $/;
  my $text = <$fh>;
  return defined $text ? $text : '';
}

sub _tail {
  my @lines = split /\n/, $_[0];
  splice(@lines, 0, @lines - 20) if @lines > 20;
  return join("\n", @lines);
}

# ---------------------------------------------------------------- sockets

sub _buf { my ($sock) = @_; return \${*$sock}{memcd_test_buf} }

# Writes all of $data; false (with a diag) on error or timeout.
sub send_cmd {
  my ($sock, $data, $timeout) = @_;
  $timeout ||= $kIoTimeout;
  my $deadline = time() + $timeout;
  my $sel = IO::Select->new($sock);
  my $off = 0;
  local $SIG{PIPE} = 'IGNORE';
  while ($off < length $data) {
    my $left = $deadline - time();
    if ($left <= 0 || !$sel->can_write($left)) {
      Test::More::diag("send_cmd: write timed out");
      return 0;
    }
    my $n = syswrite($sock, $data, length($data) - $off, $off);
    unless (defined $n) {
      next if $!{EINTR} || $!{EAGAIN};
      Test::More::diag("send_cmd: $!");
      return 0;
    }
    $off += $n;
  }
  return 1;
}

# Reads more bytes into the socket's buffer; returns bytes read, 0 on EOF,
# undef on timeout or error.
sub _fill {
  my ($sock, $deadline) = @_;
  my $left = $deadline - time();
  return undef if $left <= 0;
  return undef unless IO::Select->new($sock)->can_read($left);
  my $buf = _buf($sock);
  $$buf = '' unless defined $$buf;
  my $n = sysread($sock, $$buf, 65536, length $$buf);
  return defined $n ? $n : undef;
}

# One line including its "\r\n" (or "\n"); undef on EOF or timeout.
sub read_line {
  my ($sock, $timeout) = @_;
  my $deadline = time() + ($timeout || $kIoTimeout);
  my $buf = _buf($sock);
  $$buf = '' unless defined $$buf;
  while (1) {
    my $i = index($$buf, "\n");
    return substr($$buf, 0, $i + 1, '') if $i >= 0;
    my $n = _fill($sock, $deadline);
    return undef unless $n;
  }
}

# Exactly $n bytes; undef on EOF or timeout (what arrived stays buffered).
sub read_bytes {
  my ($sock, $n, $timeout) = @_;
  my $deadline = time() + ($timeout || $kIoTimeout);
  my $buf = _buf($sock);
  $$buf = '' unless defined $$buf;
  while (length $$buf < $n) {
    my $got = _fill($sock, $deadline);
    return undef unless $got;
  }
  return substr($$buf, 0, $n, '');
}

# Everything until EOF or until nothing arrives for $quiet seconds.
sub read_all {
  my ($sock, $quiet) = @_;
  $quiet ||= 0.3;
  my $buf = _buf($sock);
  $$buf = '' unless defined $$buf;
  while (1) {
    my $n = _fill($sock, time() + $quiet);
    last unless $n;
  }
  return substr($$buf, 0, length $$buf, '');
}

# True if the server closes the connection within $timeout seconds
# (bytes that arrive first are read and dropped).
sub wait_for_eof {
  my ($sock, $timeout) = @_;
  my $deadline = time() + ($timeout || $kIoTimeout);
  my $buf = _buf($sock);
  while (time() < $deadline) {
    return 0 unless IO::Select->new($sock)->can_read($deadline - time());
    $$buf = '';
    my $n = sysread($sock, $$buf, 65536);
    return 1 if defined $n && $n == 0;
    return 1 if !defined $n && $!{ECONNRESET};
  }
  return 0;
}

# One whole reply to a retrieval command: VALUE blocks up to "END\r\n", or a
# single error line. Returns the raw bytes, or undef on timeout / EOF.
sub read_reply {
  my ($sock, $timeout) = @_;
  my $out = '';
  while (1) {
    my $line = read_line($sock, $timeout);
    return undef unless defined $line;
    $out .= $line;
    if ($line =~ /^VALUE \S+ \d+ (\d+)(?: \d+)?\r\n\z/) {
      my $data = read_bytes($sock, $1 + 2, $timeout);
      return undef unless defined $data;
      $out .= $data;
      next;
    }
    return $out;
  }
}

# mem_get_is($sock, $key, $value [, $name]) or
# mem_get_is({ sock => $sock, flags => 5 }, ...): asserts the exact reply
# of "get KEY"; $value undef means a miss.
sub mem_get_is {
  my ($opts, $key, $value, $name) = @_;
  $opts = { sock => $opts } unless ref $opts eq 'HASH';
  my $sock = $opts->{sock};
  my $flags = $opts->{flags} || 0;
  $name ||= defined $value ? "get $key" : "get $key misses";
  my $expect = defined $value
    ? "VALUE $key $flags " . length($value) . "\r\n$value\r\nEND\r\n"
    : "END\r\n";
  send_cmd($sock, "get $key\r\n");
  my $got = read_reply($sock);
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  return _bytes_is($got, $expect, $name);
}

# mem_cmd_is($sock, $request, $expect [, $name]): sends the request bytes and
# asserts that exactly $expect comes back. Reads length($expect) bytes, so a
# short reply fails after the timeout; on a mismatch it drains what else
# arrives so the next case starts clean.
sub mem_cmd_is {
  my ($sock, $request, $expect, $name) = @_;
  unless (defined $name) {
    ($name = $request) =~ s/\r\n.*//s;
    $name = substr($name, 0, 60);
  }
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  unless (send_cmd($sock, $request)) {
    return Test::More::fail("$name (send failed)");
  }
  my $got = read_bytes($sock, length $expect, 2);
  unless (defined $got) {
    my $buf = _buf($sock);
    $got = substr($$buf, 0, length $$buf, '');
  }
  $got .= read_all($sock, 0.2) if $got ne $expect;
  return _bytes_is($got, $expect, $name);
}

# Exact byte comparison whose diagnostics stay readable for long or binary
# data: on a mismatch it shows both sides escaped and the first differing
# offset.
sub _bytes_is {
  my ($got, $expect, $name) = @_;
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  return Test::More::pass($name) if defined $got && $got eq $expect;
  my $at = 0;
  if (defined $got) {
    $at++ while $at < length($got) && $at < length($expect) &&
                substr($got, $at, 1) eq substr($expect, $at, 1);
  }
  Test::More::fail($name);
  Test::More::diag("     got: " . (defined $got ? _show($got) : 'undef') .
                   "\nexpected: " . _show($expect) .
                   "\nfirst difference at byte $at");
  return 0;
}

# Printable form of reply bytes, so diagnostics show "\r\n" and binary data.
sub _show {
  my ($s) = @_;
  return $s unless defined $s;
  $s = substr($s, 0, 300) . '...(' . length($s) . ' bytes)' if length $s > 300;
  $s =~ s/([^\x20-\x7e])/$1 eq "\r" ? '\r' : $1 eq "\n" ? '\n' :
                          sprintf('\x%02x', ord $1)/ge;
  return $s;
}

# "stats [GROUP]" as a hashref of name => value.
sub stats {
  my ($sock, $group) = @_;
  send_cmd($sock, defined $group ? "stats $group\r\n" : "stats\r\n");
  my %st;
  while (defined(my $line = read_line($sock))) {
    last if $line eq "END\r\n";
    if ($line =~ /^STAT (\S+) (.*)\r\n\z/) {
      $st{$1} = $2;
    } else {
      Test::More::diag("stats: unexpected line: $line");
      last;
    }
  }
  return \%st;
}

# Polls "stats" until NAME equals $want (bounded by $timeout seconds) and
# returns its last value. A server notices a client's close asynchronously,
# so connection counts settle a moment after a close.
sub wait_stat {
  my ($sock, $name, $want, $timeout) = @_;
  my $deadline = time() + ($timeout || 3);
  my $value;
  while (1) {
    $value = stats($sock)->{$name};
    return $value if defined $value && $value eq $want;
    return $value if time() >= $deadline;
    sleep(0.02);
  }
}

# The server's own clock (stats "time"), to build absolute exptimes.
sub server_time {
  my ($srv) = @_;
  my $s = $srv->sock;
  return stats($s)->{time};
}

# Moves the server's clock forward: memcd has "debugtime N" (it must run
# with --debug_time); memcached has no such command, so this sleeps one
# second more than asked because its clock ticks once a second.
sub advance_time {
  my ($srv, $seconds) = @_;
  if (is_memcd()) {
    my $s = $srv->sock;
    send_cmd($s, "debugtime $seconds\r\n");
    my $reply = read_line($s);
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    Test::More::is($reply, "OK\r\n", "debugtime $seconds");
    return;
  }
  sleep($seconds + 1);
  # Keep the plan identical for both servers.
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  Test::More::pass("slept $seconds s (memcached has no debugtime)");
}

# Runs a command without a server, bounded in time. Returns
# (exit status, stdout, stderr); status 128+N if killed by signal N,
# undef if it had to be killed after $timeout seconds.
sub run_bin {
  my ($timeout, @argv) = @_;
  my $dir = tempdir('memcd-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', "$dir/out");
    open(STDERR, '>', "$dir/err");
    exec(@argv) or POSIX::_exit(127);
  }
  my $deadline = time() + $timeout;
  my $status;
  while (time() < $deadline) {
    if (waitpid($pid, WNOHANG) == $pid) {
      $status = _decode_status($?);
      last;
    }
    sleep(0.02);
  }
  unless (defined $status) {
    kill 'KILL', $pid;
    waitpid($pid, 0);
  }
  my ($out, $err) = (_slurp("$dir/out"), _slurp("$dir/err"));
  push @sanitizer_reports, "@argv\n" . _report($err) if $err =~ $kSanitizerReport;
  return ($status, $out, $err);
}

# ------------------------------------------------------- unix socket (-s)

# MemcdTest->start_unix(path => '/tmp/x.sock', args => '-a 0770'): starts the
# server on the unix socket at `path` alone (with -s there is no TCP or UDP;
# -p names a free port that must stay closed, see port()). Waits until the
# socket accepts; dies if it does not.
sub start_unix {
  my ($class, %opt) = @_;
  require IO::Socket::UNIX;
  my $path = $opt{path} or die "start_unix needs a path\n";
  my $dir = tempdir('memcd-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
  my $log = "$dir/server.log";
  push @logs, $log;
  my $port = _free_port();
  my @argv = (memcd_bin(), '-s', $path, '-p', $port,
              split(' ', defined $opt{args} ? $opt{args} : ''));
  push @argv, '-u', 'root' if $> == 0;
  push @argv, '--debug_time' if is_memcd();
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>>', $log);
    open(STDERR, '>>', $log);
    exec(@argv) or POSIX::_exit(127);
  }
  my $self = bless { pid => $pid, port => $port, log => $log, dir => $dir,
                     argv => \@argv, path => $path }, $class;
  $live{$pid} = $self;
  weaken($live{$pid});
  my $deadline = time() + $kStartTimeout;
  while (time() < $deadline) {
    if (waitpid($pid, WNOHANG) == $pid) {  # exited: it will not start
      $self->{status} = $?;
      $self->{reaped} = 1;
      delete $live{$pid};
      last;
    }
    if (my $s = IO::Socket::UNIX->new(Peer => $path)) {
      close $s;
      return $self;
    }
    sleep(0.05);
  }
  $self->_kill_hard;
  die "server did not start: @argv\n--- log tail ---\n" . _tail(_slurp($log)) . "\n";
}

# A new connection to a start_unix() server's socket; dies if it cannot.
sub unix_sock {
  my ($self) = @_;
  my $s = IO::Socket::UNIX->new(Peer => $self->{path})
    or die "connect to $self->{path}: $!";
  $s->autoflush(1);
  binmode $s;
  return $s;
}

# ------------------------------------------- process resources (Linux /proc)

# The server's resident set size in KiB (VmRSS), undef if unreadable.
sub rss_kb {
  my ($self) = @_;
  return _slurp("/proc/$self->{pid}/status") =~ /^VmRSS:\s+(\d+) kB/m ? $1 : undef;
}

# How many file descriptors the server holds, undef if unreadable.
sub fd_count {
  my ($self) = @_;
  opendir(my $dh, "/proc/$self->{pid}/fd") or return undef;
  my $n = grep { /^\d+\z/ } readdir($dh);
  closedir($dh);
  return $n;
}

1;
