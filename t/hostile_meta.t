#!/usr/bin/perl
# Hostile meta-protocol clients: every flag that takes a token (mg ms md ma),
# with the token missing, non-numeric, negative, overflowing, trailed by
# junk or 40 digits long; ms lengths and modes; base64 keys that are not
# base64; keys over 250 bytes; NULs. Each case gets memcached 1.6.18's exact
# reply, then an "mn" on the same connection proves it is still in sync and
# another client is still served. t/meta.t has the ordinary meta errors.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;
my $other = $srv->sock;
mem_cmd_is($other, "set ok 0 0 2\r\nok\r\n", "STORED\r\n", 'set the probe key');

my $bad_token = "CLIENT_ERROR bad token in command line format\r\n";
my $bad_format = "CLIENT_ERROR bad command line format\r\n";
my $bad_flag = "CLIENT_ERROR invalid or duplicate flag\r\n";   # md and ma
my $opaque_long = "CLIENT_ERROR opaque token too long\r\n";
my $mn = "MN\r\n";

# The tokens, by kind: [name, token].
my @tokens = (['missing', ''], ['non-numeric', 'x'], ['negative', '-1'],
              ['overflowing', '99999999999999999999'], ['trailing junk', '1x'],
              ['40 digits', '1' x 40]);
my $n = 0;
sub fresh_key { return 'hk' . ++$n }

# Expected reply for a token kind: $neg is the reply when "-1" is valid
# (undef when it is not), $err the error otherwise.
sub numeric {
  my ($err, $neg) = @_;
  return { map { $_->[0] => ($_->[0] eq 'negative' && defined $neg ? $neg : $err) } @tokens };
}
# O is opaque: any token up to 32 bytes is echoed.
sub opaque {
  my ($code) = @_;
  return { map { my $t = $_->[1];
                 $_->[0] => (length $t > 32 ? $opaque_long : "$code O$t\r\n") } @tokens };
}

my @cases;
# mg KEY <flag><token> v: KEY is a miss.
my %mg = (N => numeric($bad_token, "VA 0 W\r\n\r\n"),   # N-1 vivifies
          R => numeric($bad_token, "EN\r\n"),
          T => numeric($bad_token, "EN\r\n"),
          O => opaque('EN'));
for my $flag (sort keys %mg) {
  for my $t (@tokens) {
    push @cases, ["mg %s $flag$t->[1] v\r\nmn\r\n", $mg{$flag}{$t->[0]} . $mn,
                  "mg $flag token $t->[0]"];
  }
}
# ms KEY 1 <flag><token>: a refused ms swallows its data block.
my %ms = (T => numeric($bad_token, "HD\r\n"),
          F => numeric($bad_format),
          C => numeric($bad_token),
          O => opaque('HD'),
          I => { map { $_->[0] => "HD\r\n" } @tokens });    # I takes no token
for my $flag (sort keys %ms) {
  for my $t (@tokens) {
    push @cases, ["ms %s 1 $flag$t->[1]\r\nx\r\nmn\r\n", $ms{$flag}{$t->[0]} . $mn,
                  "ms $flag token $t->[0]"];
  }
}
# ms with a bad length: nothing to swallow, so the data is the next command.
for my $t (@tokens) {
  push @cases, ["ms %s $t->[1]\r\nx\r\nmn\r\n", $bad_format . "ERROR\r\n" . $mn,
                "ms length $t->[0]"];
}
for my $m (['', "CLIENT_ERROR incorrect length for M token\r\n"],
           ['x', "CLIENT_ERROR invalid mode for ms M token\r\n"],
           ['EE', "CLIENT_ERROR incorrect length for M token\r\n"],
           ['a', "CLIENT_ERROR invalid mode for ms M token\r\n"],
           ['1', "CLIENT_ERROR invalid mode for ms M token\r\n"]) {
  push @cases, ["ms %s 1 M$m->[0]\r\nx\r\nmn\r\n", $m->[1] . $mn, "ms mode '$m->[0]'"];
}
# md KEY <flag><token>: KEY is a miss.
my %md = (C => numeric($bad_flag), T => numeric($bad_flag, "NF\r\n"), O => opaque('NF'),
          E => numeric($bad_flag));
for my $flag (sort keys %md) {
  for my $t (@tokens) {
    push @cases, ["md %s $flag$t->[1]\r\nmn\r\n", $md{$flag}{$t->[0]} . $mn,
                  "md $flag token $t->[0]"];
  }
}
# ma KEY <flag><token>: KEY is a miss.
my %ma = (N => numeric($bad_flag, "HD\r\n"),               # N-1 creates it
          J => numeric($bad_flag), D => numeric($bad_flag),
          T => numeric($bad_flag, "NF\r\n"), C => numeric($bad_flag),
          E => numeric($bad_flag), O => opaque('NF'));
for my $flag (sort keys %ma) {
  for my $t (@tokens) {
    push @cases, ["ma %s $flag$t->[1]\r\nmn\r\n", $ma{$flag}{$t->[0]} . $mn,
                  "ma $flag token $t->[0]"];
  }
}
for my $m (['', $bad_flag], ['x', "CLIENT_ERROR invalid mode for ma M token\r\n"],
           ['II', $bad_flag], ['++', $bad_flag],
           ['i', "CLIENT_ERROR invalid mode for ma M token\r\n"]) {
  push @cases, ["ma %s M$m->[0]\r\nmn\r\n", $m->[1] . $mn, "ma mode '$m->[0]'"];
}

# Keys, base64 and other shapes (fixed keys: none of them exists).
my $k251 = 'k' x 251;
my $b64_over = 'QUFB' x 63;    # 252 characters: too long before decoding
push @cases, map { [$_->[0], $_->[1], $_->[2]] } (
  ["mg !!!! b v\r\nmn\r\n",     "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key not base64'],
  ["mg Zm9 b v\r\nmn\r\n",      "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key of 3 characters'],
  ["mg Zm9v= b v\r\nmn\r\n",    "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key with stray padding'],
  ["mg Z b v\r\nmn\r\n",        "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key of one character'],
  ["mg ==== b v\r\nmn\r\n",     "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key of padding only'],
  ["mg Zm9v==== b v\r\nmn\r\n", "CLIENT_ERROR error decoding key\r\n$mn", 'mg b key with extra padding'],
  ["mg $b64_over b v\r\nmn\r\n", "$bad_format$mn",                       'mg b key over 250 characters'],
  ["ms !!!! 1 b\r\nx\r\nmn\r\n", "CLIENT_ERROR error decoding key\r\n$mn", 'ms b key not base64: data swallowed'],
  ["md !!!! b\r\nmn\r\n",       "$bad_flag$mn",                           'md b key not base64'],
  ["ma !!!! b\r\nmn\r\n",       "$bad_flag$mn",                           'ma b key not base64'],
  ["me $k251\r\nmn\r\n",        "$bad_format$mn",                         'me 251-byte key'],
  ["ms $k251 1\r\nx\r\nmn\r\n", "$bad_format" . "ERROR\r\n$mn",           'ms 251-byte key'],
  ["md $k251\r\nmn\r\n",        "$bad_format$mn",                         'md 251-byte key'],
  ["ma $k251\r\nmn\r\n",        "$bad_format$mn",                         'ma 251-byte key'],
  ["mg " . ('k' x 3000) . "\r\nmn\r\n", "$bad_format$mn",                 'mg 3000-byte key'],
  ["mg nokey " . ('v ' x 30) . "\r\nmn\r\n",
   "CLIENT_ERROR options flags are too long\r\n$mn",                       'mg with 30 flags'],
  ["ms nokey 1 " . ('O' x 40) . "\r\nx\r\nmn\r\n", "$opaque_long$mn",     'ms with a 39-byte opaque'],
  ["ms nokey 1 T1 T2\r\nx\r\nmn\r\n", "CLIENT_ERROR duplicate flag\r\n$mn", 'ms duplicate T'],
  ["mg nokey vv\r\nmn\r\n",     "EN\r\n$mn",                              'mg: letters after v are ignored'],
  ["mg nokey qq\r\nmn\r\n",     $mn,                                      'mg: qq is q'],
  ["mn foo bar\r\n",            $mn,                                      'mn ignores its arguments'],
  ["mn" . (' x' x 100) . "\r\n", $mn,                                     'mn with 100 arguments'],
  ["me nokey bar\r\nmn\r\n",    "EN\r\n$mn",                              'me ignores a second token'],
  ["mg\x00nokey v\r\nmn\r\n",   "ERROR\r\n$mn",                           'NUL after mg'],
  ["mg nokey v\x00\r\nmn\r\n",  "EN\r\n$mn",                              'NUL after the flags'],
  ["mx nokey\r\nmn\r\n",        "ERROR\r\n$mn",                           'unknown meta command'],
  ["m\r\nmn\r\n",               "ERROR\r\n$mn",                           'bare m'],
  ["mgg nokey\r\nmn\r\n",       "ERROR\r\n$mn",                           'mg with a suffix'],
  ["ms nokey 2\r\nx\r\nmn\r\nmn\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n$mn",
   'ms data chunk cut short'],
  ["ms nokey 1048577\r\n" . ('x' x 1048577) . "\r\nmg nokey v\r\nmn\r\n",
   "SERVER_ERROR object too large for cache\r\nEN\r\n$mn",                'ms value over -I'],
);

for my $c (@cases) {
  my ($req, $expect, $name) = @$c;
  $req = sprintf($req, fresh_key()) if $req =~ /%s/;
  mem_cmd_is($sock, $req, $expect, $name);
  mem_get_is($other, 'ok', 'ok', "another client is served after: $name");
}

# E<cas> is newer than 1.6.18, which refuses the flag; memcd takes it
# (doc/protocol.md), so a bad E token is a bad token there.
for my $t (@tokens) {
  my $expect = is_memcd() ? $bad_token : "CLIENT_ERROR invalid flag\r\n";
  mem_cmd_is($sock, sprintf("mg %s E$t->[1] v\r\nmn\r\n", fresh_key()), "$expect$mn",
             "mg E token $t->[0] [memcd: newer memcached's E]");
  mem_cmd_is($sock, sprintf("ms %s 1 E$t->[1]\r\nx\r\nmn\r\n", fresh_key()), "$expect$mn",
             "ms E token $t->[0] [memcd: newer memcached's E]");
}

mem_cmd_is($sock, "me !!!! b\r\nmn\r\n", "$bad_format$mn", 'me b key not base64');

mem_cmd_is($sock, "mg ok v\r\n", "VA 2\r\nok\r\n", 'the abused connection still reads values');
is(wait_stat($other, 'curr_connections', 2), 2, 'no connection was lost');
is($srv->stop, 0, 'server stops cleanly');
done_testing();
