#!/usr/bin/perl
# UDP (-U): memcached's 8-byte frame header (request id, sequence, total,
# reserved), replies cut into datagrams of at most 1400 bytes, request ids
# echoed, malformed frames dropped, and UDP on every -l address.
use strict;
use warnings;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::IP;
use MemcdBinary;
use MemcdTest;

sub free_udp_port {
  my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Proto => 'udp') or die "udp probe: $!";
  my $port = $s->sockport;
  close $s;
  return $port;
}

sub udp_client {
  my ($host, $port) = @_;
  my $u = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
                              Proto => 'udp') or die "udp client: $@";
  return $u;
}

sub header { pack('nnnn', @_[0 .. 2], defined $_[3] ? $_[3] : 0) }

# Every datagram that arrives until none has for $quiet seconds.
sub datagrams {
  my ($u, $quiet) = @_;
  my @out;
  my $sel = IO::Select->new($u);
  while ($sel->can_read($quiet || 1)) {
    my $d;
    defined(recv($u, $d, 65536, 0)) or last;
    push @out, $d;
    $quiet = 0.3;  # the rest of a message follows at once
  }
  return @out;
}

# [request id, sequence, total, reserved, payload] of a datagram.
sub parse { my ($d) = @_; return [unpack('nnnn', $d), substr($d, 8)] }

my $udp_port = free_udp_port();
my $srv = MemcdTest->start(args => "-U $udp_port -t 2");
my $tcp = $srv->sock;
my $u = udp_client('127.0.0.1', $udp_port);

is(stats($tcp, 'settings')->{udpport}, $udp_port, 'stats settings: udpport');

# Set over TCP, get over UDP: one datagram, the request id echoed.
mem_cmd_is($tcp, "set k 3 0 5\r\nhello\r\n", "STORED\r\n");
for my $id (0, 1, 0x1234, 0xffff) {
  send($u, header($id, 0, 1) . "get k\r\n", 0);
  is_deeply([datagrams($u)],
            [header($id, 0, 1) . "VALUE k 3 5\r\nhello\r\nEND\r\n"],
            "get over UDP, request id $id echoed");
}

# A 10000-byte value: 10026 reply bytes in 8 datagrams of <= 1400 bytes.
my $value = join('', map { chr(ord('a') + $_ % 26) } 0 .. 9999);
mem_cmd_is($tcp, "set big 0 0 10000\r\n$value\r\n", "STORED\r\n");
send($u, header(77, 0, 1) . "get big\r\n", 0);
my @parts = map { parse($_) } datagrams($u);
is(scalar @parts, 8, 'a 10026-byte reply is 8 datagrams');
is_deeply([map { $_->[0] } @parts], [(77) x 8], 'each carries the request id');
is_deeply([map { $_->[1] } @parts], [0 .. 7], 'sequence numbers 0..7');
is_deeply([map { $_->[2] } @parts], [(8) x 8], 'total 8 in each');
is_deeply([map { length($_->[4]) + 8 } @parts], [(1400) x 7, 10026 - 7 * 1392 + 8],
          'full datagrams are 1400 bytes, header included');
is(join('', map { $_->[4] } sort { $a->[1] <=> $b->[1] } @parts),
   "VALUE big 0 10000\r\n$value\r\nEND\r\n", 'reassembled reply is exact');

# Requests with their data over UDP; each request gets its own message.
send($u, header(5, 0, 1) . "set u 0 0 2\r\nhi\r\nget u\r\n", 0);
is_deeply([datagrams($u)],
          [header(5, 0, 1) . "STORED\r\n", header(5, 0, 1) . "VALUE u 0 2\r\nhi\r\nEND\r\n"],
          'two requests in a datagram: two messages');
mem_get_is($tcp, 'u', 'hi', 'a set over UDP is seen over TCP');
send($u, header(6, 0, 1) . "set v 0 0 1 noreply\r\nz\r\n", 0);
send($u, header(7, 0, 1) . "bogus\r\n", 0);
is_deeply([datagrams($u)], [header(7, 0, 1) . "ERROR\r\n"],
          'noreply: no message; an unknown command: ERROR');
send($u, header(8, 0, 1) . "quit\r\nget u\r\n", 0);
is_deeply([datagrams($u)], [header(8, 0, 0)],
          'quit: a bare header with total 0, and the rest is dropped');

# Meta requests over UDP, as memcached serves them: one message per reply,
# quiet replies suppressed, a cut data block refused, a cut line dropped.
my @meta = (
  ["ms m 2 T0 F5\r\nhi\r\nmg m v f k\r\n", "HD\r\n", "VA 2 f5 km\r\nhi\r\n"],
  ["mg m v q\r\nmg nope v q\r\nmn\r\n", "VA 2\r\nhi\r\n", "MN\r\n"],
  ["ms m 2 q\r\nhi\r\nmn\r\n", "MN\r\n"],
  ["ma nope\r\n", "NF\r\n"],
  ["md m q\r\nmg m\r\n", "EN\r\n"],
  ["ms m bad\r\nhi\r\n", "CLIENT_ERROR bad command line format\r\n", "ERROR\r\n"],
  ["mn\r\nmg m v", "MN\r\n"],
);
# memcached leaves a meta set whose data is cut waiting for the rest, and
# answers a later datagram with it; memcd refuses it at once, as a text set.
push @meta, ["ms m 5\r\nhi\r\n", "CLIENT_ERROR bad data chunk\r\n"] if is_memcd();
my $id = 40;
for my $case (@meta) {
  my ($req, @replies) = @$case;
  send($u, header(++$id, 0, 1) . $req, 0);
  (my $name = $req) =~ s/\r\n/ /g;
  is_deeply([datagrams($u)], [map { header($id, 0, 1) . $_ } @replies], "meta over UDP: $name");
}

# Binary requests over UDP (-B auto: a datagram starting with 0x80).
# [opcode, status, opaque, has cas, body] of each packet in a reply.
sub bin_replies {
  my ($payload) = @_;
  my @out;
  while (length($payload) >= 24) {
    my ($magic, $op, $kl, $el, $dt, $st, $bl, $opq, $cas) =
        unpack('CCnCCnNNQ>', substr($payload, 0, 24));
    push @out, [$op, $st, $opq, $cas ? 1 : 0, substr($payload, 24, $bl)];
    substr($payload, 0, 24 + $bl) = '';
  }
  return @out;
}
send($u, header(60, 0, 1) . bin_request(0x01, key => 'bk', extras => pack('NN', 0, 0), value => 'hello', opaque => 1), 0);
my @got = map { parse($_) } datagrams($u);
is_deeply([map { [bin_replies($_->[4])] } @got], [[[0x01, 0, 1, 1, '']]],
          'binary SET over UDP');
send($u, header(61, 0, 1) . bin_request(0x09, key => 'nope', opaque => 2)
     . bin_request(0x0c, key => 'bk', opaque => 3) . bin_request(0x0a, opaque => 4), 0);
@got = grep { length $_->[4] } map { parse($_) } datagrams($u);
is_deeply([map { [bin_replies($_->[4])] } @got],
          [[[0x0c, 0, 3, 1, pack('N', 0) . 'bkhello']], [[0x0a, 0, 4, 0, '']]],
          'binary GETQ miss, GETK hit and NOOP in one datagram');
is_deeply([map { $_->[0] } @got], [61, 61], 'binary replies echo the request id');
mem_get_is($tcp, 'bk', 'hello', 'a binary set over UDP is seen over TCP');

# Malformed frames are dropped without a reply, as memcached does; a probe
# sent after each must get the first reply.
my @bad = (
  ['an empty datagram', ''],
  ['a partial header', "\x00\x01\x00"],
  ['a header alone', header(9, 0, 1)],
  ['a request spanning 2 datagrams', header(10, 0, 2) . "get k\r\n"],
  ['total 0', header(11, 0, 0) . "get k\r\n"],
  ['a command line without its end', header(12, 0, 1) . "get k"],
);
for my $case (@bad) {
  my ($name, $d) = @$case;
  send($u, $d, 0);
  send($u, header(99, 0, 1) . "get nothing\r\n", 0);
  is_deeply([datagrams($u)], [header(99, 0, 1) . "END\r\n"], "dropped: $name");
}
send($u, header(13, 4, 1, 7) . "get k\r\n", 0);
is_deeply([datagrams($u)], [header(13, 0, 1) . "VALUE k 3 5\r\nhello\r\nEND\r\n"],
          'a request\'s sequence and reserved fields are not checked');

# UDP and TCP bytes count in the same stats.
my $before = stats($tcp);
send($u, header(14, 0, 1) . "get k\r\n", 0);
datagrams($u);
my $after = stats($tcp);
# The stats command itself is 7 bytes in; the UDP request 8 + 7.
is($after->{bytes_read} - $before->{bytes_read}, 7 + 15, 'bytes_read counts datagrams');
is($after->{get_hits} - $before->{get_hits}, 1, 'get_hits counts UDP gets');
is($srv->stop, 0, 'stops cleanly');

# Each -l entry serves UDP too, on its own port when it names one (memcached).
my $v6_port = free_udp_port();
$srv = MemcdTest->start(args => "-U $udp_port -l [::1]:$v6_port");
for my $target (['127.0.0.1', $udp_port], ['::1', $v6_port]) {
  my $c = udp_client(@$target);
  send($c, header(3, 0, 1) . "version\r\n", 0);
  my @got = datagrams($c);
  like($got[0] // '', qr/\A\x00\x03\x00\x00\x00\x01\x00\x00VERSION \S+\r\n\z/,
       "UDP answers on [$target->[0]]:$target->[1]");
}
my $v6 = IO::Socket::IP->new(PeerHost => '::1', PeerPort => $v6_port,
                             Proto => 'tcp', Timeout => 2);
ok($v6 && send_cmd($v6, "version\r\n") && read_line($v6) =~ /^VERSION /,
   "and TCP on [::1]:$v6_port");
is($srv->stop, 0, 'stops cleanly');

done_testing();
