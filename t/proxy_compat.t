#!/usr/bin/perl
# What a proxy in front of a node (twemproxy, mcrouter, memcached's proxy)
# relies on, with exact reply bytes; passes against memcached 1.6.18 too.
#  - noreply: no bytes at all, even between replying commands in one write,
#    so the proxy's next reply belongs to its next request (t/noreply.t
#    checks each command's silence on its own, with a get as the probe);
#  - meta: quiet batches ending in mn, the opaque echoed where memcached
#    puts it, P and L proxy hints accepted and ignored (t/meta.t has the
#    flags themselves);
#  - version, as a health check;
#  - many interleaved requests in one write, answered complete and in order,
#    however the stream is cut into packets (t/pipeline_split.t has plain
#    set/get streams).
use strict;
use warnings;
use Test::More;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(sleep);
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;

# ------------------------------------------------------------ version

send_cmd($sock, "version\r\n");
my $version = read_line($sock);
like($version, qr/\AVERSION \d+\.\d+\.\d+\S*\r\n\z/, 'version answers VERSION x.y.z');
$version = "VERSION 0\r\n" unless defined $version;

# ------------------------------------------------------------ noreply

# Learn a CAS value for the successful cas below.
mem_cmd_is($sock, "set nr:cas 0 0 1\r\nc\r\n", "STORED\r\n");
send_cmd($sock, "gets nr:cas\r\n");
my ($cas) = (read_reply($sock) // '') =~ /\AVALUE nr:cas 0 1 (\d+)\r\n/;
$cas //= 0;

# Each silent command, then a replying command that shows its effect; all
# in one write, so a stray reply would shift every later one.
my @noreply = (
  ["set nr:a 5 0 3 noreply\r\none\r\n", "get nr:a\r\n",
   "VALUE nr:a 5 3\r\none\r\nEND\r\n"],
  ["add nr:a 0 0 1 noreply\r\nX\r\n", "mg nr:a v f\r\n", "VA 3 f5\r\none\r\n"],
  ["add nr:b 1 0 1 noreply\r\nb\r\n", "mg nr:b v f\r\n", "VA 1 f1\r\nb\r\n"],
  ["replace nr:a 6 0 3 noreply\r\ntwo\r\n", "get nr:a\r\n",
   "VALUE nr:a 6 3\r\ntwo\r\nEND\r\n"],
  ["replace nr:zz 0 0 1 noreply\r\nX\r\n", "get nr:zz\r\n", "END\r\n"],
  ["append nr:a 0 0 1 noreply\r\n>\r\n", "mg nr:a v\r\n", "VA 4\r\ntwo>\r\n"],
  ["prepend nr:a 0 0 1 noreply\r\n<\r\n", "mg nr:a v\r\n", "VA 5\r\n<two>\r\n"],
  ["append nr:zz 0 0 1 noreply\r\nX\r\n", "mn\r\n", "MN\r\n"],
  ["cas nr:cas 0 0 2 $cas noreply\r\nc2\r\n", "get nr:cas\r\n",
   "VALUE nr:cas 0 2\r\nc2\r\nEND\r\n"],
  ["cas nr:cas 0 0 2 $cas noreply\r\nc3\r\n", "get nr:cas\r\n",
   "VALUE nr:cas 0 2\r\nc2\r\nEND\r\n"],
  ["cas nr:zz 0 0 1 1 noreply\r\nX\r\n", "mn\r\n", "MN\r\n"],
  ["set nr:n 0 0 2 noreply\r\n10\r\n", "incr nr:n 0\r\n", "10\r\n"],
  ["incr nr:n 7 noreply\r\n", "get nr:n\r\n", "VALUE nr:n 0 2\r\n17\r\nEND\r\n"],
  ["decr nr:n 20 noreply\r\n", "incr nr:n 0\r\n", "0\r\n"],
  ["incr nr:zz 1 noreply\r\n", "mn\r\n", "MN\r\n"],
  ["decr nr:a 1 noreply\r\n", "mn\r\n", "MN\r\n"],
  ["touch nr:b -1 noreply\r\n", "get nr:b\r\n", "END\r\n"],
  ["touch nr:zz 10 noreply\r\n", "mn\r\n", "MN\r\n"],
  ["delete nr:a noreply\r\n", "mg nr:a v\r\n", "EN\r\n"],
  ["delete nr:a noreply\r\n", "mn\r\n", "MN\r\n"],
  ["set nr:c 0 0 1 noreply\r\nc\r\n", "version\r\n", $version],
  ["flush_all noreply\r\n", "get nr:c nr:n nr:cas\r\n", "END\r\n"],
  ["flush_all 0 noreply\r\n", "mn\r\n", "MN\r\n"],
);
mem_cmd_is($sock, join('', map { $_->[0] . $_->[1] } @noreply),
           join('', map { $_->[2] } @noreply),
           'noreply commands between replying ones, in one write');

# ------------------------------------------------------------ meta, quiet

# A proxy's batch: quiet requests tagged with opaques, closed by mn. Only
# what the proxy must act on comes back (hits, NS, EX, NF), each with its
# opaque; HD and EN stay silent.
mem_cmd_is($sock,
  "ms q:a 1 q O1\r\na\r\n" .        # HD: silent
  "ms q:a 1 ME q O2\r\nb\r\n" .     # add on an existing key: NS
  "ms q:a 1 C1 q O3\r\nc\r\n" .     # wrong CAS: EX
  "ms q:zz 1 C1 q O4\r\nd\r\n" .    # CAS on a missing key: NF
  "mg q:a v q O5\r\n" .             # hit: shown
  "mg q:zz v q O6\r\n" .            # miss: silent
  "md q:zz q O7\r\n" .              # NF: shown
  "ms q:n 1 q O8\r\n5\r\n" .        # HD: silent
  "ma q:n q O9\r\n" .               # HD: silent
  "ma q:zz q O10\r\n" .             # NF: shown
  "ma q:n C1 q O11\r\n" .           # EX: shown
  "md q:a q O12\r\n" .              # HD: silent
  "mg q:n v q O13\r\n" .            # hit: the incremented value
  "mn\r\n",
  "NS O2\r\nEX O3\r\nNF O4\r\nVA 1 O5\r\na\r\nNF O7\r\nNF O10\r\nEX O11\r\n" .
  "VA 1 O13\r\n6\r\nMN\r\n",
  'a quiet batch shows only what needs action, with opaques, then MN');
mem_cmd_is($sock, "mg q:zz v q O1\r\nmd q:zz q O2\r\nmn\r\n", "NF O2\r\nMN\r\n",
           'NF from md shows through q; EN from mg does not');

# Where the opaque goes: among the returned flags, in request order, on
# hits, misses and failures alike; CLIENT_ERROR lines carry none.
my @opaque = (
  ["ms o:a 3 T0 F4 O1 k\r\nabc\r\n", "HD O1 ko:a\r\n", 'ms stored'],
  ["mg o:a s v O2 k f\r\n", "VA 3 s3 O2 ko:a f4\r\nabc\r\n", 'mg hit'],
  ["mg o:a O3 s\r\n", "HD O3 s3\r\n", 'mg hit without v'],
  ["mg o:zz s v O4 k t\r\n", "EN O4 ko:zz\r\n", 'mg miss: only O and k'],
  ["ms o:a 1 ME k O5\r\nx\r\n", "NS ko:a O5\r\n", 'ms not stored'],
  ["ms o:a 1 C99 O6\r\nx\r\n", "EX O6\r\n", 'ms exists'],
  ["ms o:zz 1 C99 O7 k\r\nx\r\n", "NF O7 ko:zz\r\n", 'ms not found'],
  ["md o:zz O8 k\r\n", "NF O8 ko:zz\r\n", 'md not found'],
  ["md o:a C99 O9\r\n", "EX O9\r\n", 'md exists'],
  ["ma o:zz O10 k\r\n", "NF O10 ko:zz\r\n", 'ma not found'],
  ["ma o:c N0 J3 v O11\r\n", "VA 1 O11\r\n3\r\n", 'ma created'],
  ["ma o:c C99 O12\r\n", "EX O12\r\n", 'ma exists'],
  ["md o:a O13\r\n", "HD O13\r\n", 'md deleted'],
  ["mg o:a v O\r\n", "EN O\r\n", 'an empty opaque'],
  ["mg o:a O14 zz\r\n", "CLIENT_ERROR invalid flag\r\n", 'error: no opaque'],
  ["ma o:zz O15 MX\r\n", "CLIENT_ERROR invalid mode for ma M token\r\n",
   'ma error: no opaque'],
);
for my $c (@opaque) {
  mem_cmd_is($sock, $c->[0], $c->[1], "opaque: $c->[2]");
}

# ------------------------------------------------------------ P and L hints

# P (proxy hint) and L (path hint) carry a token for proxies; a node accepts
# and ignores them. Each case runs on two keys of equal length, without and
# with hints, and both replies must be the expected bytes.
my @hint_cases = (
  ['ms KEY 3 T0 F7', 'bar', "HD\r\n"],
  ['mg KEY v f t s', undef, "VA 3 f7 t-1 s3\r\nbar\r\n"],
  ['mg KEY v q', undef, "VA 3\r\nbar\r\n"],
  ['ms KEY 3 MA', 'baz', "HD\r\n"],
  ['mg KEY s v', undef, "VA 6 s6\r\nbarbaz\r\n"],
  ['ms KEY 1 ME q', 'x', "NS\r\n"],
  ['md KEY q', undef, ''],
  ['mg KEY v', undef, "EN\r\n"],
  ['md KEY', undef, "NF\r\n"],
  ['ma KEY N0 J5 v', undef, "VA 1\r\n5\r\n"],
  ['ma KEY MD D2 v', undef, "VA 1\r\n3\r\n"],
  ['ma KEY q', undef, ''],
  ['mg KEY v', undef, "VA 1\r\n4\r\n"],
  ['md KEY', undef, "HD\r\n"],
  ['mn', undef, "MN\r\n"],
);
my @hints = (' Pfoo Lbar', ' P L', ' Lroute:1 Pproxy-a');
for my $case (0 .. $#hint_cases) {
  my ($line, $data, $expect) = @{ $hint_cases[$case] };
  for my $h (0 .. $#hints) {
    my $plain = $line =~ s/KEY/h:plain/r;
    my $hinted = $line =~ s/KEY/h:hint$h/r;
    # At the end, or (the last set) among the other flags where there is a v.
    $hinted .= $hints[$h] unless $h == 2 && $hinted =~ s/ v\b/$hints[$h] v/;
    my $tail = defined $data ? "\r\n$data\r\n" : "\r\n";
    # The plain case runs once, beside the first hint set.
    mem_cmd_is($sock, "$plain$tail", $expect, "no hints: $line") if $h == 0;
    mem_cmd_is($sock, "$hinted$tail", $expect, "hints '$hints[$h]': $line");
  }
}
# An empty reply must not hide a stray one: the last cases end in mn.
mem_cmd_is($sock, "mn\r\n", "MN\r\n", 'hint cases left the stream in sync');

# ------------------------------------------------------------ pipelining

# A stream like twemproxy's: many clients' requests on one connection,
# interleaved (sets, gets, multi-gets, deletes, misses, noreply, incr,
# meta), written at once. Returns the request bytes and the exact replies,
# from a model. $p is a key prefix; all prefixes must have one length.
sub proxy_stream {
  my ($p, $count) = @_;
  my (%model, $req, $want);
  $req = "set $p:n 0 0 1\r\n0\r\n";
  $want = "STORED\r\n";
  my $n = 0;
  my $value = sub {
    my ($k) = @_;
    return exists $model{$k}
      ? "VALUE $k 0 " . length($model{$k}) . "\r\n$model{$k}\r\n" : '';
  };
  for my $i (1 .. $count) {
    my $k = "$p:k" . ($i % 11);
    my $op = $i % 9;
    if ($op == 0) {
      my $v = "v$i" x ($i % 3 + 1);
      $req .= "set $k 0 0 " . length($v) . "\r\n$v\r\n";
      $want .= "STORED\r\n";
      $model{$k} = $v;
    } elsif ($op == 1) {
      my $v = "q$i";
      $req .= "set $k 0 0 " . length($v) . " noreply\r\n$v\r\n";
      $model{$k} = $v;
    } elsif ($op == 2) {
      $req .= "get $k\r\n";
      $want .= $value->($k) . "END\r\n";
    } elsif ($op == 3) {
      my @ks = map { "$p:k" . (($i + $_) % 11) } 0, 3, 7;
      $req .= "get @ks $p:none\r\n";
      $want .= join('', map { $value->($_) } @ks) . "END\r\n";
    } elsif ($op == 4) {
      $req .= "delete $k\r\n";
      $want .= exists $model{$k} ? "DELETED\r\n" : "NOT_FOUND\r\n";
      delete $model{$k};
    } elsif ($op == 5) {
      $req .= "delete $k noreply\r\n";
      delete $model{$k};
    } elsif ($op == 6) {
      $req .= "incr $p:n 3\r\n";
      $n += 3;
      $want .= "$n\r\n";
    } elsif ($op == 7) {
      $req .= "mg $k v O$i\r\n";
      $want .= exists $model{$k}
        ? "VA " . length($model{$k}) . " O$i\r\n$model{$k}\r\n" : "EN O$i\r\n";
    } else {
      $req .= "mg $k v q O$i\r\nincr $p:n 1 noreply\r\nmn\r\n";
      $n += 1;
      $want .= (exists $model{$k}
        ? "VA " . length($model{$k}) . " O$i\r\n$model{$k}\r\n" : '') . "MN\r\n";
    }
  }
  $req .= "version\r\n";
  $want .= $version;
  return ($req, $want);
}

{
  my ($req, $want) = proxy_stream('pipe00', 400);
  mem_cmd_is($sock, $req, $want, '400 interleaved requests in one write');
}

# The same kind of stream cut into packets at random places (fixed seed,
# bounded count): replies identical to the unsplit ones.
my $split = $srv->sock;
setsockopt($split, IPPROTO_TCP, TCP_NODELAY, 1);
srand(20221018);
my $bad_random = 0;
for my $round (1 .. 12) {
  my ($req, $want) = proxy_stream(sprintf('pipe%02d', $round), 60);
  my @cuts = sort { $a <=> $b } map { 1 + int(rand(length($req) - 1)) } 1 .. 6;
  my $prev = 0;
  for my $cut (@cuts, length $req) {
    send_cmd($split, substr($req, $prev, $cut - $prev));
    $prev = $cut;
    sleep(0.002);
  }
  my $got = read_bytes($split, length $want, 5);
  next if defined $got && $got eq $want;
  $bad_random++;
  diag("round $round, cuts @cuts: got " . (defined $got ? length $got : 'no') .
       ' of ' . length($want) . ' bytes, or different ones');
  read_all($split, 0.2);
}
is($bad_random, 0, '12 streams cut at 6 random places each');

# A short stream cut at every byte: part one, a pause so the node reads it
# alone, then the rest.
my $bad_offset = 0;
my $template = "set KEY:a 3 0 5 noreply\r\nhello\r\nset KEY:b 0 0 2\r\nhi\r\n" .
  "get KEY:a KEY:b KEY:z\r\ndelete KEY:b noreply\r\nincr KEY:n 1\r\n" .
  "mg KEY:a s v q O7\r\nmg KEY:b v q\r\nmn\r\n";
for my $at (1 .. length($template) - 1) {
  my $key = sprintf('c%03d', $at);
  (my $req = $template) =~ s/KEY/$key/g;
  my $want = "STORED\r\nVALUE $key:a 3 5\r\nhello\r\nVALUE $key:b 0 2\r\nhi\r\n" .
    "END\r\nNOT_FOUND\r\nVA 5 s5 O7\r\nhello\r\nMN\r\n";
  send_cmd($split, substr($req, 0, $at));
  sleep(0.005);
  send_cmd($split, substr($req, $at));
  my $got = read_bytes($split, length $want, 3);
  next if defined $got && $got eq $want;
  $bad_offset++;
  diag("split at $at: got " . (defined $got ? $got : 'nothing'));
  read_all($split, 0.2);
}
is($bad_offset, 0, 'a mixed stream cut at every byte');
mem_cmd_is($split, "mn\r\n", "MN\r\n", 'nothing extra came back');

done_testing();
