#!/usr/bin/perl
# The admin text commands and their switches, byte for byte as memcached
# 1.6.18: stats detail (-D), stats cachedump (-X), stats conns, shutdown
# (-A, and SIGUSR1), flush_all (-F), verbosity, and -Y authentication.
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX ();
use Test::More;
use MemcdTest;

# Defaults: shutdown and detail off, flush_all and cachedump allowed.
{
  my $srv = MemcdTest->start;
  my $s = $srv->sock;
  mem_cmd_is($s, "shutdown\r\n", "ERROR: shutdown not enabled\r\n");
  mem_cmd_is($s, "shutdown graceful\r\n", "ERROR: shutdown not enabled\r\n");
  mem_cmd_is($s, "shutdown foo\r\n", "ERROR: shutdown not enabled\r\n");

  mem_cmd_is($s, "stats detail\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
  mem_cmd_is($s, "stats detail foo\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
  mem_cmd_is($s, "stats detail dump\r\n", "END\r\n", 'nothing counted while off');
  mem_cmd_is($s, "set a:b 0 0 1\r\nx\r\n", "STORED\r\n");
  mem_cmd_is($s, "stats detail dump\r\n", "END\r\n", 'still nothing');
  mem_cmd_is($s, "stats detail on\r\n", "OK\r\n");
  mem_cmd_is($s, "set a:b 0 0 1\r\nx\r\n", "STORED\r\n");
  mem_cmd_is($s, "get a:b a:c b\r\n", "VALUE a:b 0 1\r\nx\r\nEND\r\n");
  mem_cmd_is($s, "delete a:b\r\n", "DELETED\r\n");
  mem_cmd_is($s, "stats detail dump\r\n", "PREFIX a get 2 hit 1 set 1 del 1\r\nEND\r\n");
  mem_cmd_is($s, "stats detail off\r\n", "OK\r\n");
  mem_cmd_is($s, "get a:b\r\n", "END\r\n");
  mem_cmd_is($s, "stats detail dump\r\n", "PREFIX a get 2 hit 1 set 1 del 1\r\nEND\r\n",
             'counts kept, not counted while off');

  mem_cmd_is($s, "flush_all\r\n", "OK\r\n");
  mem_cmd_is($s, "set q 0 0 1\r\nx\r\n", "STORED\r\n");
  # memcached lists its COLD LRU only, where a new item lands a moment later.
  for (1 .. 50) {
    send_cmd($s, "stats cachedump 1 0\r\n");
    last if read_line($s) ne "END\r\n";
    select(undef, undef, undef, 0.1);
  }
  read_all($s, 0.2);
  mem_cmd_is($s, "stats cachedump 1 0\r\n", "ITEM q [1 b; 0 s]\r\nEND\r\n");
  mem_cmd_is($s, "stats cachedump 1 1 1\r\n", "ITEM q [1 b; 0 s]\r\nEND\r\n");
  mem_cmd_is($s, "stats cachedump 2 0\r\n", "END\r\n");
  mem_cmd_is($s, "stats cachedump 0 0\r\n", "END\r\n");
  mem_cmd_is($s, "stats cachedump 63 0\r\n", "END\r\n");
  mem_cmd_is($s, "stats cachedump 64 0\r\n", "CLIENT_ERROR Illegal slab id\r\n");
  mem_cmd_is($s, "stats cachedump 1\r\n", "CLIENT_ERROR bad command line\r\n");
  mem_cmd_is($s, "stats cachedump x 1\r\n", "CLIENT_ERROR bad command line format\r\n");
  mem_cmd_is($s, "stats cachedump 1 x\r\n", "CLIENT_ERROR bad command line format\r\n");
  mem_get_is($s, 'q', 'x', 'cachedump leaves the item alone');

  mem_cmd_is($s, "verbosity\r\n", "ERROR\r\n");
  mem_cmd_is($s, "verbosity 1 2 3\r\n", "ERROR\r\n");
  mem_cmd_is($s, "verbosity x\r\n", "CLIENT_ERROR bad command line format\r\n");
  mem_cmd_is($s, "verbosity 1 noreply\r\nverbosity 0\r\n", "OK\r\n", 'noreply is silent');

  # stats conns: the listener, an idle client, a used one, and the asker.
  my $idle = $srv->sock;
  my $used = $srv->sock;
  send_cmd($used, "get nothing\r\n");
  is(read_line($used), "END\r\n", 'used connection');
  # The main thread accepts $idle and hands it to a worker; that worker may
  # not have registered it yet when another worker answers "stats conns".
  # Ask again (bounded) until every client is listed.
  my $text = '';
  for my $try (1 .. 50) {
    send_cmd($s, "stats conns\r\n");
    $text = '';
    while (defined(my $line = read_line($s))) {
      $text .= $line;
      last if $line eq "END\r\n";
    }
    last unless grep { index($text, ':' . $_->sockport . "\r\n") < 0 } $s, $idle, $used;
    select(undef, undef, undef, 0.05);
  }
  my $port = $srv->port;
  my %conns;
  for my $line (split /\r\n/, $text) {
    next if $line eq 'END';
    like($line, qr/^STAT \d+:(addr|listen_addr|state|secs_since_last_cmd) \S+$/,
         "stats conns line: $line");
    my ($fd, $name, $value) = $line =~ /^STAT (\d+):(\S+) (\S+)$/ or next;
    $conns{$fd}{$name} = $value;
  }
  my @listeners = grep { ($conns{$_}{state} || '') eq 'conn_listening' } keys %conns;
  is(scalar(@listeners), 1, 'one listener');
  is($conns{$listeners[0]}{addr}, "tcp:127.0.0.1:$port", 'listener address');
  ok(!exists $conns{$listeners[0]}{listen_addr}, 'a listener has no listen_addr');
  my %by_port = map { ($conns{$_}{addr} =~ /:(\d+)$/)[0] => $conns{$_} }
                grep { exists $conns{$_}{listen_addr} } keys %conns;
  for my $c ([$s, 'conn_parse_cmd'], [$idle, 'conn_new_cmd'], [$used, 'conn_read']) {
    my $e = $by_port{$c->[0]->sockport};
    ok($e, "client on port " . $c->[0]->sockport . " listed") or next;
    is($e->{addr}, "tcp:127.0.0.1:" . $c->[0]->sockport, 'client addr');
    is($e->{listen_addr}, "tcp:127.0.0.1:$port", 'client listen_addr');
    is($e->{state}, $c->[1], "state $c->[1]");
    like($e->{secs_since_last_cmd}, qr/^\d+$/, 'secs_since_last_cmd');
  }
  my $st = stats($s, 'settings');
  is($st->{shutdown_command}, 'no', 'shutdown_command no');
  is($st->{stat_key_prefix}, ':', 'stat_key_prefix :');
  is($st->{flush_enabled}, 'yes', 'flush_enabled yes');
  is($st->{auth_enabled_ascii}, 'no', 'auth_enabled_ascii no');
  mem_cmd_is($s, "stats detail on\r\n", "OK\r\n");
  is(stats($s, 'settings')->{detail_enabled}, 'yes', 'detail_enabled follows "on"');
  is($srv->stop, 0, 'SIGTERM exits 0');
}

# A flat LRU (no maintainer): cachedump lists the whole list, newest first,
# base64-keyed items left out.
{
  my $srv = MemcdTest->start(args => '-o no_lru_maintainer');
  my $s = $srv->sock;
  mem_cmd_is($s, "set k$_ 0 0 $_\r\n" . ('x' x $_) . "\r\n", "STORED\r\n") for 1 .. 3;
  mem_cmd_is($s, "ms AAEC 1 b\r\nx\r\n", "HD\r\n");
  mem_cmd_is($s, "stats cachedump 1 0\r\n",
             "ITEM k3 [3 b; 0 s]\r\nITEM k2 [2 b; 0 s]\r\nITEM k1 [1 b; 0 s]\r\nEND\r\n",
             'newest first, the binary key left out');
  mem_cmd_is($s, "stats cachedump 1 2\r\n",
             "ITEM k3 [3 b; 0 s]\r\nITEM k2 [2 b; 0 s]\r\nEND\r\n", 'limit 2');
  mem_get_is($s, 'k1', 'x');
  mem_cmd_is($s, "stats cachedump 1 1\r\n", "ITEM k3 [3 b; 0 s]\r\nEND\r\n",
             'a read does not reorder a flat LRU within its bump interval');
  is($srv->stop, 0, 'stops cleanly');
}

# -A -F -X -D /: flush_all and cachedump refused, another delimiter.
{
  my $srv = MemcdTest->start(args => '-A -F -X -D /');
  my $s = $srv->sock;
  mem_cmd_is($s, "flush_all\r\n", "CLIENT_ERROR flush_all not allowed\r\n");
  mem_cmd_is($s, "flush_all noreply\r\nflush_all 0\r\n",
             "CLIENT_ERROR flush_all not allowed\r\n", 'noreply is silent');
  mem_cmd_is($s, "flush_all x\r\n", "CLIENT_ERROR flush_all not allowed\r\n");
  mem_cmd_is($s, "flush_all 1 2 3 4\r\n", "ERROR\r\n");
  is(stats($s)->{cmd_flush}, 4, 'refused flush_all still counts');
  mem_cmd_is($s, "stats cachedump 1 1\r\n", "CLIENT_ERROR stats cachedump not allowed\r\n");
  mem_cmd_is($s, "stats cachedump\r\n", "CLIENT_ERROR stats cachedump not allowed\r\n");
  mem_cmd_is($s, "stats detail on\r\n", "OK\r\n");
  mem_cmd_is($s, "set a/b:c 0 0 1\r\nx\r\n", "STORED\r\n");
  mem_cmd_is($s, "set a:b/c 0 0 1\r\nx\r\n", "STORED\r\n");
  mem_cmd_is($s, "get a/b\r\n", "END\r\n");
  mem_cmd_is($s, "delete a:b/c\r\n", "DELETED\r\n");
  send_cmd($s, "stats detail dump\r\n");
  my %lines;
  while (defined(my $line = read_line($s))) {
    last if $line eq "END\r\n";
    $lines{$line} = 1;
  }
  is_deeply(\%lines, { "PREFIX a get 1 hit 0 set 1 del 0\r\n" => 1,
                       "PREFIX a:b get 0 hit 0 set 1 del 1\r\n" => 1 }, 'prefixes end at "/"');
  my $st = stats($s, 'settings');
  is($st->{shutdown_command}, 'yes', 'shutdown_command yes');
  is($st->{stat_key_prefix}, '/', 'stat_key_prefix /');
  is($st->{flush_enabled}, 'no', 'flush_enabled no');
  is($st->{dump_enabled}, 'no', 'dump_enabled no');
  mem_cmd_is($s, "shutdown foo\r\n", "CLIENT_ERROR invalid shutdown mode\r\n");
  mem_cmd_is($s, "shutdown graceful foo\r\n", "CLIENT_ERROR invalid shutdown mode\r\n");
  mem_cmd_is($s, "shutdown noreply\r\n", "CLIENT_ERROR invalid shutdown mode\r\n");
  send_cmd($s, "shutdown\r\n");
  ok(wait_for_eof($s), 'shutdown closes the connection');
  my $deadline = time + 5;
  my $exited;
  while (time < $deadline) {
    last if $exited = waitpid($srv->pid, POSIX::WNOHANG()) == $srv->pid;
    select(undef, undef, undef, 0.05);
  }
  ok($exited, 'shutdown stops the server');
  is($? >> 8, 0, 'exit status 0');
  $srv->{reaped} = 1;
}

# shutdown graceful, and SIGUSR1.
{
  my $srv = MemcdTest->start(args => '-A');
  my $s = $srv->sock;
  mem_cmd_is($s, "set k 0 0 1\r\nx\r\n", "STORED\r\n");
  send_cmd($s, "shutdown graceful\r\n");
  ok(wait_for_eof($s), 'shutdown graceful closes the connection');
  my $deadline = time + 5;
  my $exited;
  while (time < $deadline) {
    last if $exited = waitpid($srv->pid, POSIX::WNOHANG()) == $srv->pid;
    select(undef, undef, undef, 0.05);
  }
  ok($exited, 'shutdown graceful stops the server');
  is($? >> 8, 0, 'exit status 0');
  $srv->{reaped} = 1;

  my $srv2 = MemcdTest->start;
  my $s2 = $srv2->sock;
  mem_cmd_is($s2, "version\r\n", "VERSION " . (stats($s2)->{version}) . "\r\n");
  is($srv2->stop('USR1'), 0, 'SIGUSR1 stops gracefully with status 0');
}

# -Y: ASCII authentication.
{
  my $dir = tempdir('memcd-auth-XXXXXX', TMPDIR => 1, CLEANUP => 1);
  open(my $fh, '>', "$dir/auth") or die;
  print $fh "alice:secret\nbob:pw:x\n";
  close $fh;
  my $srv = MemcdTest->start(args => "-Y $dir/auth");
  my $s = $srv->sock;
  for my $cmd ("version", "get a", "stats", "bogus", "mn", "quit", "add k 0 0 12",
               "set k 0 0 x", "set k 0 0") {
    mem_cmd_is($s, "$cmd\r\n", "CLIENT_ERROR unauthenticated\r\n", "before auth: $cmd");
  }
  mem_cmd_is($s, "set k 0 0 5\r\nalice\r\n", "CLIENT_ERROR bad authentication token format\r\n");
  mem_cmd_is($s, "set k 0 0 12\r\nalice secreX\r\n", "CLIENT_ERROR authentication failure\r\n");
  mem_cmd_is($s, "set k 0 0 12 noreply\r\nalice secreX\r\n",
             "CLIENT_ERROR authentication failure\r\n", 'noreply does not silence auth');
  mem_cmd_is($s, "set k 0 0 10\r\nalice secrXY",
             "CLIENT_ERROR bad command line termination\r\n");
  mem_cmd_is($s, "get k\r\n", "CLIENT_ERROR unauthenticated\r\n", 'still unauthenticated');
  mem_cmd_is($s, "set k 0 0 12\r\nalice secret\r\n", "STORED\r\n", 'alice authenticates');
  mem_cmd_is($s, "get k\r\n", "END\r\n", 'the token was not stored');
  mem_cmd_is($s, "set k 0 0 2\r\nhi\r\n", "STORED\r\n", 'then commands work');
  mem_get_is($s, 'k', 'hi');
  my $s2 = $srv->sock;
  mem_cmd_is($s2, "set z 0 0 8\r\nbob pw:x\r\n", "STORED\r\n", 'password after the first colon');
  mem_cmd_is($s2, "quit\r\n", '', 'quit after auth');
  ok(wait_for_eof($s2), 'quit closes');
  my $s3 = $srv->sock;
  mem_cmd_is($s3, "set z 0 0 18\r\nalice secret extra\r\n", "STORED\r\n",
             'tokens past the password are ignored');
  is(stats($s, 'settings')->{auth_enabled_ascii}, "$dir/auth", 'auth_enabled_ascii: the file');

  open($fh, '>', "$dir/bad") or die;
  print $fh "alice:secret\nnocolon\n";
  close $fh;
  my ($status, $out, $err) = run_bin(10, memcd_bin(), '-p', '0', '-U', '0', '-Y', "$dir/bad",
                                     ($> == 0 ? ('-u', 'root') : ()));
  isnt($status, 0, 'a malformed auth file stops start-up');
  like($err, qr/malformed entry/, 'and says why');
}

done_testing();
