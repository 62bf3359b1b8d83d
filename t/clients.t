#!/usr/bin/perl
# Unmodified client libraries from Debian against the server, text protocol:
# perl's Cache::Memcached and Cache::Memcached::Fast, python's pymemcache, and
# libmemcached-tools (their binary mode is t/clients_binary.t). None of these
# Debian clients speaks the meta protocol. A missing package fails, naming it.
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

# --- Cache::Memcached::Fast (libcache-memcached-fast-perl): false replies
# come back as '', errors as undef, decr to zero as "0E0".
{
  my $loaded = eval { require Cache::Memcached::Fast; 1 };
  ok($loaded, 'Cache::Memcached::Fast loads '
     . '(apt-get install libcache-memcached-fast-perl)') or diag($@);
  my $mc = $loaded ? Cache::Memcached::Fast->new({
    servers => ["127.0.0.1:$port"], utf8 => 0, connect_timeout => 2,
    io_timeout => 5, close_on_error => 1 }) : undef;
  my $call = sub { my $m = shift; $mc ? $mc->$m(@_) : undef };
  my $raw = "\0\r\nbinary\xff";
  is($call->('set', 'cf_a', 'alpha'), 1, 'fast: set');
  is($call->('set', 'cf_raw', $raw), 1, 'fast: set binary bytes');
  is($call->('get', 'cf_a'), 'alpha', 'fast: get');
  is($call->('get', 'cf_raw'), $raw, 'fast: get binary bytes');
  is($call->('get', 'cf_nothing'), undef, 'fast: get miss');
  is_deeply($call->('get_multi', qw(cf_a cf_raw cf_nothing)),
            { cf_a => 'alpha', cf_raw => $raw }, 'fast: get_multi');
  is_deeply(scalar $call->('set_multi', ['cf_m1', 'one'],
                           ['cf_m2', 'two', 100]),
            { cf_m1 => 1, cf_m2 => 1 }, 'fast: set_multi');
  is($call->('add', 'cf_a', 'x'), '', 'fast: add existing fails');
  is($call->('replace', 'cf_nothing', 'x'), '', 'fast: replace missing fails');
  is($call->('append', 'cf_m1', '>'), 1, 'fast: append');
  is($call->('prepend', 'cf_m1', '<'), 1, 'fast: prepend');
  is($call->('append', 'cf_nothing', 'x'), '', 'fast: append missing fails');
  is($call->('get', 'cf_m1'), '<one>', 'fast: appended and prepended');

  is($call->('set', 'cf_n', 10), 1, 'fast: set number');
  is($call->('incr', 'cf_n', 5), 15, 'fast: incr');
  is($call->('incr', 'cf_n'), 16, 'fast: incr by the default 1');
  is($call->('decr', 'cf_n', 20), '0E0', 'fast: decr floors at 0');
  is($call->('get', 'cf_n'), '0 ', 'fast: decr left "0 " (memcached pads)');
  is($call->('incr', 'cf_nothing', 1), '', 'fast: incr miss');
  is($call->('decr', 'cf_nothing', 1), '', 'fast: decr miss');
  is($call->('incr', 'cf_a', 1), undef, 'fast: incr non-numeric is an error');

  my $gets = $call->('gets', 'cf_a');
  is(ref $gets eq 'ARRAY' && $gets->[1], 'alpha', 'fast: gets value');
  like(ref $gets eq 'ARRAY' && $gets->[0], qr/^[1-9]\d*$/, 'fast: gets cas');
  my $cas = ref $gets eq 'ARRAY' ? $gets->[0] : 0;
  is($call->('cas', 'cf_a', $cas, 'beta'), 1, 'fast: cas with current cas');
  is($call->('cas', 'cf_a', $cas, 'gamma'), '', 'fast: cas with stale cas');
  is($call->('cas', 'cf_nothing', $cas, 'x'), '', 'fast: cas on a missing key');
  my $multi = $call->('gets_multi', qw(cf_a cf_m2 cf_nothing));
  is_deeply([sort keys %{ $multi || {} }], [qw(cf_a cf_m2)],
            'fast: gets_multi keys');
  is($multi && $multi->{cf_a}[1], 'beta',
     'fast: gets_multi sees the cas write');
  isnt($multi && $multi->{cf_a}[0], $cas, 'fast: cas write changed the cas');

  is($call->('delete', 'cf_a'), 1, 'fast: delete');
  is($call->('delete', 'cf_a'), '', 'fast: delete miss');
  is($call->('get', 'cf_a'), undef, 'fast: deleted');

  # Touch both ways, then move the clock past the short TTL.
  is($call->('set', 'cf_keep', 'kept', 1), 1, 'fast: set with a 1 s TTL');
  is($call->('touch', 'cf_keep', 1000), 1, 'fast: touch lengthens the TTL');
  is($call->('touch', 'cf_m2', 1), 1, 'fast: touch shortens the TTL');
  is($call->('touch', 'cf_nothing', 10), '', 'fast: touch miss');
  is($call->('gat', 1000, 'cf_m1'), '<one>', 'fast: gat');
  is($call->('gat', 1000, 'cf_nothing'), undef, 'fast: gat miss');
  my $gats = $call->('gats', 1000, 'cf_n');
  is(ref $gats eq 'ARRAY' && $gats->[1], '0 ', 'fast: gats value');
  advance_time($srv, 2);
  is_deeply($call->('get_multi', qw(cf_keep cf_m1 cf_m2)),
            { cf_keep => 'kept', cf_m1 => '<one>' }, 'fast: TTLs after touch');

  my $versions = $call->('server_versions');
  like($versions && $versions->{"127.0.0.1:$port"}, qr/^\d+\.\d+\.\d+/,
       'fast: server_versions');
  is_deeply($call->('flush_all'), { "127.0.0.1:$port" => 1 },
            'fast: flush_all');
  is($call->('get', 'cf_m1'), undef, 'fast: flushed');
  $mc->disconnect_all if $mc;
}

# --- pymemcache (python3-pymemcache 3.5, text protocol only), run by Debian's
# /usr/bin/python3: `python3` on PATH may be a build without Debian's modules.
{
  my $python = '/usr/bin/python3';
  my ($st, undef, $why) = run_bin(20, $python, '-c', 'import pymemcache');
  is($st, 0, "$python imports pymemcache (apt-get install python3-pymemcache)")
    or diag($why);
  my @checks = qw(set get get_miss get_many set_noreply incr decr incr_miss
    gets cas_ok cas_stale cas_value add_existing append get_appended touch
    delete delete_miss get_deleted big_value version stats_cmd_get);
  my ($status, $out, $err) =
    run_bin(30, $python, "$top/t/pymemcache_client.py", $port);
  is($status, 0, 'pymemcache script exits 0') or diag($err);
  my %result = $out =~ /^(\w+): (.*)$/mg;
  for my $name (@checks) {
    is($result{$name}, 'PASS', "pymemcache: $name");
  }

  # More of the client's API; each line is "name: repr(result)".
  my $script = <<'PY';
import sys
from pymemcache.client.base import Client
c = Client(("127.0.0.1", int(sys.argv[1])), connect_timeout=5, timeout=5)
def out(name, value):
    print(f"{name}: {value!r}")
c.set("py_g1", b"one", noreply=False)
c.set("py_g2", b"two", noreply=False)
many = c.gets_many(["py_g1", "py_g2", "py_nothing"])
out("gets_many", sorted((k, v[0]) for k, v in many.items()))
out("cas_from_gets_many", c.cas("py_g1", b"uno", many["py_g1"][1]))
out("cas_miss", c.cas("py_nothing", b"x", many["py_g2"][1]))
out("get_many_after_cas", c.get_many(["py_g1", "py_g2"]))
out("prepend", c.prepend("py_g2", b"<", noreply=False))
out("replace_miss", c.replace("py_nothing", b"x", noreply=False))
out("decr_miss", c.decr("py_nothing", 1))
out("delete_many", c.delete_many(["py_g1", "py_nothing"], noreply=False))
out("get_deleted_many", c.get_many(["py_g1", "py_g2"]))
out("touch_miss", c.touch("py_nothing", 10, noreply=False))
c.set("py_keep", b"kept", expire=3, noreply=False)  # outlives a clock tick
out("touch_longer", c.touch("py_keep", 1000, noreply=False))
out("touch_shorter", c.touch("py_g2", 1, noreply=False))
PY
  ($status, $out, $err) = run_bin(30, $python, '-c', $script, $port);
  is($status, 0, 'pymemcache extra script exits 0') or diag($err);
  my %got = $out =~ /^(\w+): (.*)$/mg;
  my @expect = (
    gets_many => q{[('py_g1', b'one'), ('py_g2', b'two')]},
    cas_from_gets_many => 'True',
    cas_miss => 'None',
    get_many_after_cas => q{{'py_g1': b'uno', 'py_g2': b'two'}},
    prepend => 'True',
    replace_miss => 'False',
    decr_miss => 'None',
    delete_many => 'True',
    get_deleted_many => q{{'py_g2': b'<two'}},
    touch_miss => 'False',
    touch_longer => 'True',
    touch_shorter => 'True',
  );
  while (my ($name, $want) = splice(@expect, 0, 2)) {
    is($got{$name}, $want, "pymemcache: $name");
  }
  advance_time($srv, 2);
  my $s = $srv->sock;
  mem_get_is($s, 'py_keep', 'kept', 'pymemcache: touch lengthened the TTL');
  mem_get_is($s, 'py_g2', undef, 'pymemcache: touch shortened the TTL');
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
