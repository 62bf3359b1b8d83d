#!/usr/bin/perl
# Unmodified client libraries from Debian against the server: perl's
# Cache::Memcached, python's pymemcache, and libmemcached-tools.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use MemcdTest;

my $srv = MemcdTest->start();
my $port = $srv->port;
my $top = $ENV{MEMCD_TOP} || '.';

# --- Cache::Memcached (libcache-memcached-perl)
{
  my $loaded = eval { require Cache::Memcached; 1 };
  ok($loaded, 'Cache::Memcached loads (apt-get install libcache-memcached-perl)')
    or diag($@);
  my $mc = $loaded ? Cache::Memcached->new({ servers => ["127.0.0.1:$port"],
                                             compress_threshold => 10_000 }) : undef;
  # Without the module every call below fails rather than dies.
  my $call = sub { my $m = shift; $mc ? $mc->$m(@_) : undef };
  ok($call->('set', 'pl_a', 'alpha'), 'perl: set');
  is($call->('get', 'pl_a'), 'alpha', 'perl: get');
  is($call->('get', 'pl_nothing'), undef, 'perl: get miss');
  ok($call->('set', 'pl_n', 10), 'perl: set number');
  is($call->('incr', 'pl_n', 5), 15, 'perl: incr');
  is($call->('decr', 'pl_n', 20), 0, 'perl: decr floors at 0');
  ok(!$call->('add', 'pl_a', 'other'), 'perl: add existing fails');
  ok($call->('replace', 'pl_a', 'beta'), 'perl: replace');
  # A reference is stored serialised (flags mark it) and comes back whole.
  my $ref = { list => [1, 2, 3], name => 'memcd' };
  ok($call->('set', 'pl_ref', $ref), 'perl: set a reference');
  is_deeply($call->('get', 'pl_ref'), $ref, 'perl: get a reference');
  # Over compress_threshold: stored compressed, flags say so.
  my $long = 'compressible ' x 5000;
  ok($call->('set', 'pl_long', $long), 'perl: set a compressible value');
  is($call->('get', 'pl_long'), $long, 'perl: get it back');
  is_deeply($call->('get_multi', qw(pl_a pl_n pl_nothing pl_ref)),
            # decr rewrote "15" in place as "0 " (memcached pads with spaces).
            { pl_a => 'beta', pl_n => '0 ', pl_ref => $ref }, 'perl: get_multi');
  ok($call->('delete', 'pl_a'), 'perl: delete');
  is($call->('get', 'pl_a'), undef, 'perl: deleted');
  $mc->disconnect_all if $mc;
}

# --- pymemcache (python3-pymemcache), run by Debian's python3.
{
  my @checks = qw(set get get_miss get_many set_noreply incr decr incr_miss
    gets cas_ok cas_stale cas_value add_existing append get_appended touch
    delete delete_miss get_deleted big_value version stats_cmd_get);
  my $python;
  for my $candidate ('/usr/bin/python3', 'python3') {
    my ($st) = run_bin(20, $candidate, '-c', 'import pymemcache');
    if (defined $st && $st == 0) { $python = $candidate; last; }
  }
  ok($python, 'a python3 with pymemcache (apt-get install python3-pymemcache)');
  my ($status, $out, $err) = $python
    ? run_bin(30, $python, "$top/t/pymemcache_client.py", $port)
    : (undef, '', '');
  is($status, 0, 'pymemcache script exits 0') or diag($err);
  my %result = $out =~ /^(\w+): (.*)$/mg;
  for my $name (@checks) {
    is($result{$name}, 'PASS', "pymemcache: $name");
  }
}

# --- libmemcached-tools (memccp, memccat, memcexist, memcrm, memcstat,
# memcping, memcflush).
{
  my $servers = "--servers=127.0.0.1:$port";
  my $dir = tempdir('memcd-clients-XXXXXX', TMPDIR => 1, CLEANUP => 1);
  my $content = "line one\nline two\n" . ('0123456789' x 3000);
  open(my $fh, '>', "$dir/sample.txt") or die $!;
  print $fh $content;
  close $fh;

  my ($status, $out, $err) = run_bin(10, 'memccp', $servers, "$dir/sample.txt");
  is($status, 0, 'memccp exits 0') or diag($err);
  ($status, $out, $err) = run_bin(10, 'memccat', $servers, 'sample.txt');
  is($status, 0, 'memccat exits 0');
  ok($out eq "$content\n", 'memccat prints the file (plus a newline)')
    or diag('got ' . length($out) . ' bytes');
  my $s = $srv->sock;
  mem_get_is($s, 'sample.txt', $content, 'the key memccp stored, over the raw protocol');
  ($status) = run_bin(10, 'memcexist', $servers, 'sample.txt');
  is($status, 0, 'memcexist finds it');
  ($status) = run_bin(10, 'memcrm', $servers, 'sample.txt');
  is($status, 0, 'memcrm exits 0');
  ($status) = run_bin(10, 'memcexist', $servers, 'sample.txt');
  isnt($status, 0, 'memcexist no longer finds it');
  ($status, $out) = run_bin(10, 'memccat', $servers, 'sample.txt');
  isnt($status, 0, 'memccat of a removed key fails');
  ($status, $out, $err) = run_bin(10, 'memcstat', $servers);
  is($status, 0, 'memcstat exits 0');
  like($out, qr/^\s*pid: \Q@{[$srv->pid]}\E$/m, 'memcstat shows the server pid');
  like($out, qr/^\s*curr_items: \d+$/m, 'memcstat shows curr_items');
  ($status) = run_bin(10, 'memcping', $servers);
  is($status, 0, 'memcping exits 0');
  mem_cmd_is($s, "set tool 0 0 1\r\nx\r\n", "STORED\r\n");
  ($status) = run_bin(10, 'memcflush', $servers);
  is($status, 0, 'memcflush exits 0');
  mem_get_is($s, 'tool', undef, 'memcflush flushed');
}

# --- memccapable: libmemcached's own conformance checks, text protocol only
# (-a); each check prints "[pass]" or "[FAIL]".
{
  my ($status, $out, $err) = run_bin(60, 'memccapable', '-h', '127.0.0.1',
                                     '-p', $port, '-a');
  is($status, 0, 'memccapable -a exits 0') or diag($out . $err);
  my @checks = $out =~ /^(ascii \S+(?: noreply)?)\s+\[(\w+)\]/mg;
  my %result = @checks;
  cmp_ok(scalar(keys %result), '>=', 27, 'memccapable ran its ascii checks');
  my @failed = grep { $result{$_} ne 'pass' } sort keys %result;
  is("@failed", '', 'memccapable: every ascii check passes');
}

is($srv->stop, 0, 'server stops cleanly after the clients');
done_testing();
