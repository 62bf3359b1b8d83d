#!/usr/bin/perl
# libmemcached-tools (Debian's libmemcached 1.1.4) in binary-protocol mode
# (-b/--binary) against the server: memccp, memccat, memcexist, memctouch,
# memcrm, memcflush, memcstat, memcslap, and memccapable -b. The text-mode
# runs of the same tools are in t/clients.t. A missing tool fails, naming the
# package. Every exit status and output checked here is what memcached
# 1.6.18 gives.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use MemcdTest;

my $srv = MemcdTest->start();
my $port = $srv->port;
my $servers = "--servers=127.0.0.1:$port";
my $s = $srv->sock;

my @tools = qw(memccp memccat memcexist memctouch memcrm memcflush memcstat
               memcslap memccapable);
for my $tool (@tools) {
  my $found = grep { -x "$_/$tool" } split /:/, $ENV{PATH};
  ok($found, "$tool is on PATH (apt-get install libmemcached-tools)");
}

# Runs one tool in binary mode against the server.
sub tool {
  my ($name, @args) = @_;
  return run_bin(10, $name, '-b', $servers, @args);
}

my $dir = tempdir('memcd-clients-bin-XXXXXX', TMPDIR => 1, CLEANUP => 1);
sub write_file {
  my ($name, $content) = @_;
  open(my $fh, '>', "$dir/$name") or die "$dir/$name: $!";
  binmode $fh;
  print $fh $content;
  close $fh;
  return "$dir/$name";
}
# Bytes that a text-protocol value could not carry unframed, and a value
# bigger than one read.
my $one = "nul\0crlf\r\nend\xff";
my $two = join('', map { chr($_ % 256) } 0 .. 99_999);
my $file_one = write_file('one.bin', $one);
my $file_two = write_file('two.bin', $two);

# --- set (memccp), get (memccat), exists
{
  my ($status, $out, $err) = tool('memccp', '--flags=7', $file_one, $file_two);
  is($status, 0, 'memccp -b of two files exits 0') or diag($err);
  mem_get_is({ sock => $s, flags => 7 }, 'one.bin', $one,
             'memccp -b stored the key, flags and bytes');
  mem_get_is({ sock => $s, flags => 7 }, 'two.bin', $two,
             'memccp -b stored a 100 kB value');

  ($status, $out) = tool('memccat', 'one.bin');
  is($status, 0, 'memccat -b exits 0');
  ok($out eq "$one\n", 'memccat -b prints the value and a newline')
    or diag('got ' . length($out) . ' bytes');
  # Several keys, one missing: the found ones print, the exit status says
  # one failed.
  ($status, $out) = tool('memccat', '--flags', 'one.bin', 'two.bin', 'nothing');
  is($status, 1, 'memccat -b with a missing key exits 1');
  ok($out eq "7\n$one\n7\n$two\n", 'memccat -b --flags prints flags and values')
    or diag('got ' . length($out) . ' bytes');

  ($status) = tool('memcexist', 'one.bin');
  is($status, 0, 'memcexist -b finds a key');
  ($status) = tool('memcexist', 'nothing');
  is($status, 1, 'memcexist -b misses a missing key');
}

# --- add and replace: the binary status codes surface as libmemcached errors
{
  my ($status, $out, $err) = tool('memccp', '--add', $file_one);
  is($status, 1, 'memccp -b --add of an existing key exits 1');
  like($err, qr/DATA EXISTS/, 'memccp -b --add: "key exists" status');
  my $file_new = write_file('new.bin', 'fresh');
  ($status, $out, $err) = tool('memccp', '--replace', $file_new);
  is($status, 1, 'memccp -b --replace of a missing key exits 1');
  like($err, qr/NOT FOUND/, 'memccp -b --replace: "not found" status');
  mem_get_is($s, 'new.bin', undef, 'a failed replace stores nothing');
  ($status, $out, $err) = tool('memccp', '--add', $file_new);
  is($status, 0, 'memccp -b --add of a new key exits 0') or diag($err);
  write_file('new.bin', 'replaced');
  ($status, $out, $err) = tool('memccp', '--replace', $file_new);
  is($status, 0, 'memccp -b --replace of an existing key exits 0')
    or diag($err);
  mem_get_is($s, 'new.bin', 'replaced', 'replace stored the new bytes');
}

# --- touch, both ways, then move the clock past the short TTL
{
  my ($status, $out, $err) =
    tool('memccp', '--flags=7', '--expire=3', $file_one);  # outlives a clock tick
  is($status, 0, 'memccp -b --expire=3 exits 0') or diag($err);
  ($status, $out, $err) = tool('memctouch', '--expire=1000', 'one.bin');
  is($status, 0, 'memctouch -b lengthens a TTL') or diag($err);
  ($status, $out, $err) = tool('memctouch', '--expire=1', 'two.bin');
  is($status, 0, 'memctouch -b shortens a TTL') or diag($err);
  ($status) = tool('memctouch', '--expire=10', 'nothing');
  is($status, 1, 'memctouch -b of a missing key exits 1');
  advance_time($srv, 2);
  mem_get_is({ sock => $s, flags => 7 }, 'one.bin', $one,
             'the lengthened key is still there');
  mem_get_is($s, 'two.bin', undef, 'the shortened key expired');
}

# --- delete (memcrm) and flush (memcflush)
{
  my ($status, $out, $err) = tool('memcrm', 'one.bin');
  is($status, 0, 'memcrm -b exits 0') or diag($err);
  mem_get_is($s, 'one.bin', undef, 'memcrm -b deleted the key');
  ($status) = tool('memcrm', 'one.bin');
  is($status, 1, 'memcrm -b of a missing key exits 1');
  ($status) = tool('memccat', 'one.bin');
  is($status, 1, 'memccat -b of a deleted key exits 1');

  mem_cmd_is($s, "set tool 0 0 1\r\nx\r\n", "STORED\r\n");
  ($status, $out, $err) = tool('memcflush');
  is($status, 0, 'memcflush -b exits 0') or diag($err);
  mem_get_is($s, 'tool', undef, 'memcflush -b flushed');
  mem_get_is($s, 'new.bin', undef, 'memcflush -b flushed every key');
}

# --- stats and version over the binary protocol
{
  my ($status, $out, $err) = tool('memcstat');
  is($status, 0, 'memcstat -b exits 0') or diag($err);
  like($out, qr/^Server: 127\.0\.0\.1 \($port\)$/m,
       'memcstat -b names the server');
  like($out, qr/^\s*pid: \Q@{[$srv->pid]}\E$/m,
       'memcstat -b shows the server pid');
  like($out, qr/^\s*curr_items: 0$/m,
       'memcstat -b shows curr_items after flush');
  send_cmd($s, "version\r\n");
  my ($version) = (read_line($s) // '') =~ /^VERSION (\d+\.\d+\.\d+)/;
  ok(defined $version, 'text "version" answers a dotted version');
  ($status, $out, $err) = tool('memcstat', '--server-version');
  is($status, 0, 'memcstat -b --server-version exits 0') or diag($err);
  # This version of memcstat prints it on stderr.
  is($out . $err, "127.0.0.1:$port " . ($version // '?') . "\n",
     'memcstat -b --server-version matches the text version');
}

# --- memcslap: 200 keys set, then 2 threads each fetch all 200 in binary
# mode. memcached 1.6.18 counts exactly these deltas.
{
  my $before = stats($s);
  my ($status, $out, $err) = tool('memcslap', '--concurrency=2',
                                  '--execute-number=200', '--test=mget');
  is($status, 0, 'memcslap -b --test=mget exits 0') or diag($out . $err);
  my $after = stats($s);
  my %delta = map { $_ => ($after->{$_} // 0) - ($before->{$_} // 0) }
              qw(cmd_set get_hits get_misses);
  is_deeply(\%delta, { cmd_set => 200, get_hits => 400, get_misses => 0 },
            'memcslap -b: every set stored, every get hit');
}

# --- memccapable -b: libmemcached's binary-protocol conformance checks; each
# prints "[pass]" or "[FAIL]". It flushes the server.
{
  my ($status, $out, $err) = run_bin(60, 'memccapable', '-h', '127.0.0.1',
                                     '-p', $port, '-b');
  is($status, 0, 'memccapable -b exits 0') or diag($out . $err);
  my %result = $out =~ /^(binary \S+)\s+\[(\w+)\]/mg;
  is(scalar(keys %result), 27, 'memccapable -b ran its 27 binary checks');
  my @failed = grep { $result{$_} ne 'pass' } sort keys %result;
  is("@failed", '', 'memccapable -b: every binary check passes');
  like($out, qr/^All tests passed$/m, 'memccapable -b: "All tests passed"');
}

is($srv->stop, 0, 'server stops cleanly after the clients');
done_testing();
