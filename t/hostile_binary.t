#!/usr/bin/perl
# Hostile binary-protocol clients: half a header, headers whose lengths lie
# (body 2^32 - 1, extras longer than the body, a 64 KiB key), wrong extras
# for an opcode, unknown opcodes, a response magic. Each gets memcached
# 1.6.18's reply (and its close where it closes), and another client is
# still served. t/binary.t has each opcode's ordinary errors.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use MemcdBinary;
use MemcdTest;

my $srv = MemcdTest->start();
my $other = $srv->sock;
mem_cmd_is($other, "set ok 0 0 2\r\nok\r\n", "STORED\r\n", 'set the probe key');

my %TEXT = (1 => 'Not found', 3 => 'Too large.', 4 => 'Invalid arguments',
            0x81 => 'Unknown command');
# A raw header with any lengths: hdr(opcode, keylen, extlen, bodylen, magic).
sub hdr {
  my ($op, $kl, $el, $bl, $magic) = @_;
  return pack('CCnCCnNNQ>', $magic || 0x80, $op, $kl, $el, 0, 0, $bl, 0, 0);
}
my $noop = bin_request(0x0a);
my $noop_ok = bin_reply(0x0a, 0);
sub err { my ($op, $st) = @_; return bin_reply($op, $st, body => $TEXT{$st}) }

sub others_served {
  my ($name) = @_;
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  mem_get_is($other, 'ok', 'ok', "another client is served after: $name");
}

# [name, request, reply, closes]: on a fresh connection; when it does not
# close, a NOOP afterwards must still be answered.
my @cases = (
  ['get, body 2^32 - 1', hdr(0x00, 3, 0, 0xffffffff) . 'foo', err(0x00, 4), 1],
  ['get, body 2^31 - 1', hdr(0x00, 3, 0, 0x7fffffff) . 'foo', err(0x00, 4), 1],
  ['set, body 2^32 - 1', hdr(0x01, 3, 8, 0xffffffff) . ("\0" x 8) . 'foo', err(0x01, 3), 0],
  ['append, body 2^32 - 1', hdr(0x0e, 3, 0, 0xffffffff) . 'foo', err(0x0e, 3), 0],
  ['set, 2 MB value over -I', hdr(0x01, 3, 8, 11 + 2000000) . ("\0" x 8) . 'foo' . ('x' x 2000000),
   err(0x01, 3), 0],
  ['get, 16000-byte key', hdr(0x00, 16000, 0, 16000) . ('k' x 16000), err(0x00, 4), 1],
  ['get, extras longer than the body', hdr(0x00, 3, 0xff, 3) . 'foo' . ($noop x 20),
   err(0x00, 0x81), 1],
  ['get, extras of 255 bytes', hdr(0x00, 3, 0xff, 258) . ('f' x 258), err(0x00, 4), 1],
  ['set with 4 bytes of extras', hdr(0x01, 3, 4, 8) . ("\0" x 4) . 'foo' . 'x', err(0x01, 4), 1],
  ['incr with 8 bytes of extras', hdr(0x05, 3, 8, 11) . ("\0" x 8) . 'foo', err(0x05, 4), 1],
  ['delete with extras', hdr(0x04, 3, 4, 7) . "\0\0\0\0foo", err(0x04, 4), 1],
  ['touch without extras', hdr(0x1c, 3, 0, 3) . 'foo', err(0x1c, 4), 1],
  ['quit with a key', hdr(0x07, 3, 0, 3) . 'foo', err(0x07, 4), 1],
  ['unknown opcode 0xff with a body', hdr(0xff, 0, 0, 5) . 'abcde', err(0xff, 0x81), 0],
  ['verbosity without extras', hdr(0x1b, 0, 0, 0), err(0x1b, 0x81), 0],
  ['incr of 2^64 - 1 on a miss, no create',
   hdr(0x05, 3, 20, 23) . ("\xff" x 8) . ("\0" x 8) . "\xff\xff\xff\xff" . 'cnt', err(0x05, 1), 0],
  ['NOOP with a datatype and a vbucket', pack('CCnCCnNNQ>', 0x80, 0x0a, 0, 0, 1, 0xffff, 0, 0, 0),
   $noop_ok, 0],
  ['NOOP then a text line', $noop . "get foo foo foo foo foo\r\n", $noop_ok, 1],
  ['NOOP then 24 NULs', $noop . ("\0" x 24), $noop_ok, 1],
  ['response magic first: a text line', hdr(0x0a, 0, 0, 0, 0x81), "ERROR\r\n", 0],
);
for my $c (@cases) {
  my ($name, $req, $reply, $closes) = @$c;
  my $s = $srv->sock;
  mem_cmd_is($s, $req, $reply, $name);
  if ($closes) {
    ok(wait_for_eof($s, 3), "$name: closed");
  } elsif ($reply =~ /^ERROR/) {
    # The rest of the header (NULs) is the start of the next text line.
    ok(!wait_for_eof($s, 0.3), "$name: the connection stays open");
  } elsif ($name =~ /2\^32 - 1/) {
    # It swallows the 4 GiB it was promised: it stays open and silent.
    ok(!wait_for_eof($s, 0.3), "$name: the connection stays open");
  } else {
    mem_cmd_is($s, $noop, $noop_ok, "$name: a NOOP still answers");
  }
  others_served($name);
}

# memcached closes without a reply when key and extras overflow its 16 KiB
# read buffer; memcd answers EINVAL first, as it does for any long key.
{
  my $s = $srv->sock;
  mem_cmd_is($s, hdr(0x00, 0xffff, 0, 0xffff) . ('k' x 0xffff),
             is_memcd() ? err(0x00, 4) : '', 'get, 64 KiB key [memcd: EINVAL before closing]');
  ok(wait_for_eof($s, 3), 'get, 64 KiB key: closed');
  others_served('a 64 KiB key');
}

# Half a header: the server waits for the rest, serving others meanwhile.
{
  my $s = $srv->sock;
  send_cmd($s, substr($noop, 0, 12));
  ok(!wait_for_eof($s, 0.5), 'half a header: the connection waits');
  others_served('half a header');
  send_cmd($s, substr($noop, 12, 11));
  sleep(0.1);
  others_served('23 bytes of a header');
  mem_cmd_is($s, substr($noop, 23), $noop_ok, 'the last byte completes the NOOP');
  mem_cmd_is($s, $noop . "\x80\x0a\x00", $noop_ok, 'a NOOP and three bytes of the next');
  mem_cmd_is($s, substr($noop, 3), $noop_ok, 'whose rest arrives later');

  # A header that promises a body that never comes, then the client leaves.
  my $gone = $srv->sock;
  send_cmd($gone, hdr(0x01, 3, 8, 11 + 100000) . ("\0" x 8) . 'foo' . ('v' x 5000));
  close $gone;
  my $half = $srv->sock;
  send_cmd($half, substr($noop, 0, 7));
  close $half;
  others_served('clients that left mid-packet');
  is(wait_stat($other, 'curr_connections', 2), 2, 'and their connections are released');
  mem_cmd_is($other, "get foo\r\n", "END\r\n", 'nothing stored for the half set');
}

is($srv->stop, 0, 'server stops cleanly');
done_testing();
