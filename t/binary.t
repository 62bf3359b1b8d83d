#!/usr/bin/perl
# The binary protocol, in raw packets: every opcode's exact reply header and
# body (memcached 1.6.18's), quiet variants flushed by a NOOP, protocol
# errors, a 2 MiB value, and -B ascii|binary|auto.
use strict;
use warnings;
use Test::More;
use MemcdBinary;
use MemcdTest;

# Opcodes.
my %OP = (get => 0x00, set => 0x01, add => 0x02, replace => 0x03,
          delete => 0x04, incr => 0x05, decr => 0x06, quit => 0x07,
          flush => 0x08, getq => 0x09, noop => 0x0a, version => 0x0b,
          getk => 0x0c, getkq => 0x0d, append => 0x0e, prepend => 0x0f,
          stat => 0x10, setq => 0x11, addq => 0x12, replaceq => 0x13,
          deleteq => 0x14, incrq => 0x15, decrq => 0x16, quitq => 0x17,
          flushq => 0x18, appendq => 0x19, prependq => 0x1a,
          verbosity => 0x1b, touch => 0x1c, gat => 0x1d, gatq => 0x1e,
          sasl_list => 0x20, gatk => 0x23, gatkq => 0x24);
# Statuses and memcached's texts for them.
my %ST = (ok => 0, enoent => 1, eexists => 2, e2big => 3, einval => 4,
          not_stored => 5, delta_badval => 6, unknown => 0x81, enomem => 0x82);
my %TEXT = (enoent => 'Not found', eexists => 'Data exists for key.',
            e2big => 'Too large.', einval => 'Invalid arguments',
            not_stored => 'Not stored.', unknown => 'Unknown command',
            delta_badval => 'Non-numeric server-side value for incr or decr');

# A request: req(op, key => , extras => , value => , cas => , opaque => ).
sub req { my ($op, %a) = @_; return bin_request($OP{$op}, %a) }

# A reply: res(op, status, cas => , extras => , key => , body => , opaque => ).
sub res { my ($op, $status, %a) = @_; return bin_reply($OP{$op}, $ST{$status}, %a) }

# An error reply with memcached's text.
sub err { my ($op, $status, %a) = @_; return res($op, $status, body => $TEXT{$status}, %a) }

sub set_extras { my ($flags, $exp) = @_; return pack('NN', $flags, $exp || 0) }
sub arith_extras { my ($delta, $initial, $exp) = @_; return pack('Q>Q>N', $delta, $initial, $exp) }
my $kNoCreate = 0xffffffff;

# Reads one reply packet: (opcode, status, cas, extras, key, body, opaque).
sub read_packet {
  my ($sock) = @_;
  my $h = read_bytes($sock, 24);
  return () unless defined $h;
  my ($magic, $op, $kl, $el, undef, $st, $bl, $opq, $cas) = unpack('CCnCCnNNQ>', $h);
  my $body = $bl ? read_bytes($sock, $bl) : '';
  return () unless defined $body;
  return ($op, $st, $cas, substr($body, 0, $el), substr($body, $el, $kl),
          substr($body, $el + $kl), $opq);
}

# STAT replies until the empty one, as name => value.
sub bin_stats {
  my ($sock, $group) = @_;
  send_cmd($sock, req('stat', key => $group));
  my %st;
  while (my ($op, $st, $cas, $ext, $key, $body) = read_packet($sock)) {
    last if $key eq '' && $body eq '';
    $st{$key} = $body;
  }
  return \%st;
}

my $srv = MemcdTest->start();
my $s = $srv->sock;
my $text = $srv->sock;
send_cmd($text, "version\r\n");
(my $version = read_line($text)) =~ s/^VERSION (.*)\r\n\z/$1/s;

# --- get family, storage, opaque and CAS
mem_cmd_is($s, req('set', key => 'foo', extras => set_extras(0xdeadbeef), value => 'hello', opaque => 7),
           res('set', 'ok', cas => 1, opaque => 7), 'set');
mem_cmd_is($s, req('get', key => 'foo', opaque => 0x01020304),
           res('get', 'ok', cas => 1, extras => pack('N', 0xdeadbeef), body => 'hello', opaque => 0x01020304),
           'get: flags, value, cas, opaque');
mem_cmd_is($s, req('getk', key => 'foo'),
           res('getk', 'ok', cas => 1, extras => pack('N', 0xdeadbeef), key => 'foo', body => 'hello'), 'getk');
mem_cmd_is($s, req('get', key => 'nokey', opaque => 9), err('get', 'enoent', opaque => 9), 'get miss');
mem_cmd_is($s, req('getk', key => 'nokey'), res('getk', 'enoent', key => 'nokey'), 'getk miss: key, no text');
mem_cmd_is($s, req('getq', key => 'nokey') . req('getkq', key => 'nokey') . req('getq', key => 'foo', opaque => 1) .
               req('getkq', key => 'foo', opaque => 2) . req('noop', opaque => 3),
           res('getq', 'ok', cas => 1, extras => pack('N', 0xdeadbeef), body => 'hello', opaque => 1) .
           res('getkq', 'ok', cas => 1, extras => pack('N', 0xdeadbeef), key => 'foo', body => 'hello', opaque => 2) .
           res('noop', 'ok', opaque => 3),
           'getq/getkq: hits only, flushed by noop');

mem_cmd_is($s, req('add', key => 'foo', extras => set_extras(0), value => 'x'), err('add', 'eexists'), 'add exists');
mem_cmd_is($s, req('replace', key => 'nx', extras => set_extras(0), value => 'x'), err('replace', 'enoent'),
           'replace missing');
mem_cmd_is($s, req('set', key => 'foo', extras => set_extras(0), value => 'x', cas => 999), err('set', 'eexists'),
           'set with a stale cas');
mem_cmd_is($s, req('add', key => 'nx', extras => set_extras(0), value => 'x', cas => 999), err('add', 'enoent'),
           'add with a cas is a cas: missing');
mem_cmd_is($s, req('replace', key => 'foo', extras => set_extras(3), value => 'r', cas => 1),
           res('replace', 'ok', cas => 2), 'replace with the right cas');
mem_cmd_is($s, req('setq', key => 'q1', extras => set_extras(0), value => 'a') .
               req('addq', key => 'q2', extras => set_extras(0), value => 'b') .
               req('addq', key => 'q2', extras => set_extras(0), value => 'c') .
               req('replaceq', key => 'nx', extras => set_extras(0), value => 'd') .
               req('appendq', key => 'q1', value => 'A') .
               req('prependq', key => 'nx', value => 'P') . req('noop'),
           err('addq', 'eexists') . err('replaceq', 'enoent') . err('prependq', 'not_stored') . res('noop', 'ok'),
           'quiet stores: only the errors, then noop');
mem_cmd_is($s, req('append', key => 'q1', value => 'Z') . req('prepend', key => 'q1', value => '<'),
           res('append', 'ok', cas => 6) . res('prepend', 'ok', cas => 7), 'append, prepend');
mem_cmd_is($s, req('append', key => 'nx', value => 'Z'), err('append', 'not_stored'), 'append missing');
mem_cmd_is($s, req('append', key => 'q1', value => 'Z', cas => 1), err('append', 'eexists'), 'append, stale cas');
mem_cmd_is($s, req('get', key => 'q1'), res('get', 'ok', cas => 7, extras => pack('N', 0), body => '<aAZ'),
           'appended value');

# --- delete, incr/decr
mem_cmd_is($s, req('delete', key => 'q1', cas => 1), err('delete', 'eexists'), 'delete, stale cas');
mem_cmd_is($s, req('delete', key => 'q1'), res('delete', 'ok'), 'delete');
mem_cmd_is($s, req('delete', key => 'q1'), err('delete', 'enoent'), 'delete miss');
mem_cmd_is($s, req('deleteq', key => 'q2') . req('deleteq', key => 'q2') . req('noop'),
           err('deleteq', 'enoent') . res('noop', 'ok'), 'deleteq: silent hit, loud miss');
mem_cmd_is($s, req('set', key => 'n', extras => set_extras(0), value => '10'), res('set', 'ok', cas => 8), 'set n');
mem_cmd_is($s, req('incr', key => 'n', extras => arith_extras(5, 0, 0)),
           res('incr', 'ok', cas => 9, body => pack('Q>', 15)), 'incr');
mem_cmd_is($s, req('decr', key => 'n', extras => arith_extras(100, 0, 0)),
           res('decr', 'ok', cas => 10, body => pack('Q>', 0)), 'decr floors at 0');
mem_cmd_is($s, req('incr', key => 'm', extras => arith_extras(1, 42, $kNoCreate)), err('incr', 'enoent'),
           'incr missing, no create');
mem_cmd_is($s, req('incr', key => 'm', extras => arith_extras(1, 42, 0)),
           res('incr', 'ok', cas => 11, body => pack('Q>', 42)), 'incr missing creates the initial value');
mem_cmd_is($s, req('incrq', key => 'm', extras => arith_extras(1, 0, 0)) .
               req('decrq', key => 'zz', extras => arith_extras(1, 0, $kNoCreate)) . req('noop'),
           err('decrq', 'enoent') . res('noop', 'ok'), 'incrq silent, decrq miss loud');
mem_cmd_is($s, req('get', key => 'm'), res('get', 'ok', cas => 12, extras => pack('N', 0), body => '43'),
           'counter is text');
mem_cmd_is($s, req('incr', key => 'foo', extras => arith_extras(1, 0, 0)), err('incr', 'delta_badval'),
           'incr non-numeric');
mem_cmd_is($s, req('incr', key => 'm', extras => arith_extras(1, 0, 0), cas => 1), err('incr', 'eexists'),
           'incr, stale cas');

# --- touch and gat
mem_cmd_is($s, req('touch', key => 'm', extras => pack('N', 100)),
           res('touch', 'ok', cas => 12, extras => pack('N', 0)), 'touch: flags only');
mem_cmd_is($s, req('touch', key => 'nx', extras => pack('N', 100)), err('touch', 'enoent'), 'touch miss');
mem_cmd_is($s, req('gat', key => 'm', extras => pack('N', 100)),
           res('gat', 'ok', cas => 12, extras => pack('N', 0), body => '43'), 'gat');
mem_cmd_is($s, req('gatk', key => 'm', extras => pack('N', 100)),
           res('gatk', 'ok', cas => 12, extras => pack('N', 0), key => 'm', body => '43'), 'gatk');
mem_cmd_is($s, req('gatk', key => 'nx', extras => pack('N', 100)), res('gatk', 'enoent', key => 'nx'), 'gatk miss');
mem_cmd_is($s, req('gatq', key => 'nx', extras => pack('N', 1)) . req('gatkq', key => 'nx', extras => pack('N', 1)) .
               req('gatq', key => 'm', extras => pack('N', 100)) . req('noop'),
           res('gatq', 'ok', cas => 12, extras => pack('N', 0), body => '43') . res('noop', 'ok'),
           'gatq/gatkq: hits only');

# --- version, stats (shared with text), flush
mem_cmd_is($s, req('version'), res('version', 'ok', body => $version), 'version as the text side says');
my $st = bin_stats($s, '');
is($st->{version}, $version, 'stat: general group');
is($st->{cmd_touch}, 8, 'stat: cmd_touch counts touch and gat');
is(stats($text)->{get_hits}, $st->{get_hits}, 'text stats see the binary gets');
is(bin_stats($s, 'settings')->{binding_protocol}, 'auto-negotiate', 'stat settings');
is(bin_stats($s, 'settingsxx')->{binding_protocol}, 'auto-negotiate', 'stat settings: a prefix match');
ok(exists bin_stats($s, 'slabs')->{active_slabs}, 'stat slabs');
ok(exists bin_stats($s, 'items')->{'items:1:number'}, 'stat items');
mem_cmd_is($s, req('stat', key => 'bogus'), err('stat', 'enoent'), 'stat unknown group');
mem_cmd_is($s, req('stat', key => 'reset'), res('stat', 'ok'), 'stat reset');
is(bin_stats($s, '')->{cmd_touch}, 0, 'counters reset');
mem_cmd_is($s, req('flushq') . req('get', key => 'm'), err('get', 'enoent'), 'flushq');
mem_cmd_is($s, req('flush', extras => pack('N', 0)), res('flush', 'ok'), 'flush with a zero delay');
is(stats($text)->{cmd_flush}, 2, 'flushes counted');

# --- protocol errors
mem_cmd_is($s, req('verbosity', extras => pack('N', 1)) . 'abcd' . req('noop'),
           err('verbosity', 'unknown') . res('noop', 'ok'),
           'unknown opcode: the body length is swallowed after the extras');
mem_cmd_is($s, req('sasl_list') . req('noop'), err('sasl_list', 'unknown') . res('noop', 'ok'),
           'no SASL: unknown command');
for my $case (
    ['get without key', req('get'), err('get', 'einval')],
    ['noop with a body', req('noop', value => 'x'), err('noop', 'einval')],
    ['set without extras', req('set', key => 'k', value => 'v'), err('set', 'einval')],
    ['key over 250 bytes', req('get', key => 'k' x 251), err('get', 'einval')],
    ['key longer than the body', substr(req('get', key => 'abc'), 0, 8) . pack('N', 2) .
                                 substr(req('get', key => 'abc'), 12), err('get', 'unknown')]) {
  my ($name, $bytes, $reply) = @$case;
  my $c = $srv->sock;
  mem_cmd_is($c, $bytes . req('noop'), $reply, "$name: error");
  ok(wait_for_eof($c), "$name: then closed");
}
my $c = $srv->sock;
mem_cmd_is($c, req('noop') . 'get foo foo foo foo foo foo', res('noop', 'ok'), 'bad magic after a request');
ok(wait_for_eof($c), 'bad magic: closed without a reply');
$c = $srv->sock;
mem_cmd_is($c, req('quit', opaque => 5) . req('noop'), res('quit', 'ok', opaque => 5), 'quit');
ok(wait_for_eof($c), 'quit closes');
$c = $srv->sock;
send_cmd($c, req('quitq') . req('noop'));
ok(wait_for_eof($c), 'quitq closes silently');

# --- a large value: E2BIG under -I 1m, a 2 MiB round trip under -I 4m
srand(7);
my $big = join('', map { pack('N', int(rand(4294967296))) } 1 .. 512 * 1024);
is(length $big, 2 << 20, '2 MiB of random bytes');
mem_cmd_is($s, req('set', key => 'big', extras => set_extras(0), value => 'old') .
               req('set', key => 'big', extras => set_extras(0), value => $big) . req('get', key => 'big'),
           res('set', 'ok', cas => 15) . err('set', 'e2big') . err('get', 'enoent'),
           'E2BIG: the value is swallowed, the old one dropped (each flush took a CAS)');
is($srv->stop, 0, 'server stops cleanly');

my $large = MemcdTest->start(args => '-I 4m');
my $l = $large->sock;
mem_cmd_is($l, req('set', key => 'big', extras => set_extras(5), value => $big), res('set', 'ok', cas => 1),
           'set 2 MiB');
mem_cmd_is($l, req('get', key => 'big') . req('getk', key => 'big'),
           res('get', 'ok', cas => 1, extras => pack('N', 5), body => $big) .
           res('getk', 'ok', cas => 1, extras => pack('N', 5), key => 'big', body => $big),
           'get 2 MiB twice');
mem_get_is({ sock => $large->sock, flags => 5 }, 'big', $big, 'the text protocol reads it too');
mem_cmd_is($l, req('appendq', key => 'big', value => '!') . req('get', key => 'big'),
           res('get', 'ok', cas => 2, extras => pack('N', 5), body => "$big!"), 'append to 2 MiB');
is($large->stop, 0, 'large server stops cleanly');

# --- -B
my $ascii = MemcdTest->start(args => '-B ascii');
my $as = $ascii->sock;
mem_cmd_is($as, req('noop'), "ERROR\r\n", '-B ascii: a NOOP packet is a bad text line (its 0x0a ends it)');
mem_cmd_is($as, "\r\n", "ERROR\r\n", '-B ascii: the rest of the packet is the next line');
mem_cmd_is($ascii->sock, "version\r\n", "VERSION $version\r\n", '-B ascii: text works');
is(stats($as, 'settings')->{binding_protocol}, 'ascii', '-B ascii: binding_protocol');
is($ascii->stop, 0, 'ascii server stops cleanly');

my $binary = MemcdTest->start(args => '-B binary');
my $bs = $binary->sock;
mem_cmd_is($bs, req('noop'), res('noop', 'ok'), '-B binary: binary works');
is(bin_stats($bs, 'settings')->{binding_protocol}, 'binary', '-B binary: binding_protocol');
$bs = $binary->sock;
send_cmd($bs, "version\r\n");
is(read_all($bs, 0.3), '', '-B binary: a short text line waits for a whole header');
send_cmd($bs, "get a b c d e f g\r\n");
ok(wait_for_eof($bs), '-B binary: text is refused by closing');
is($binary->stop, 0, 'binary server stops cleanly');

my $auto = MemcdTest->start(args => '-B auto');
mem_cmd_is($auto->sock, "version\r\n", "VERSION $version\r\n", '-B auto: text');
mem_cmd_is($auto->sock, req('version'), res('version', 'ok', body => $version), '-B auto: binary');
my $t = $auto->sock;
mem_cmd_is($t, "get x\r\n" . req('noop'), "END\r\nERROR\r\n",
           '-B auto: a text connection stays text');
# libmemcached's conformance checks for the binary protocol (-b).
my ($status, $out, $errout) = run_bin(60, 'memccapable', '-h', '127.0.0.1',
                                      '-p', $auto->port, '-b');
is($status, 0, 'memccapable -b exits 0') or diag($out . $errout);
my %checks = $out =~ /^(binary \S+)\s+\[(\w+)\]/mg;
cmp_ok(scalar(keys %checks), '>=', 27, 'memccapable ran its binary checks');
is(join(' ', grep { $checks{$_} ne 'pass' } sort keys %checks), '',
   'memccapable: every binary check passes');
is($auto->stop, 0, 'auto server stops cleanly');

done_testing();
