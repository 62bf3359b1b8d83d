#!/usr/bin/perl
# The meta protocol (mg ms md ma mn me): exact reply bytes for each command
# and the flag combinations that matter, quiet pipelines ending in mn, the
# stale/win/recache model across two clients, base64 keys, opaque echo, and
# errors that leave the connection in sync. Checked against memcached 1.6.18;
# newer memcached's E<cas> and md x only against memcd.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;
my $other = $srv->sock;

sub run_cases {
  my ($s, @cases) = @_;
  for my $c (@cases) {
    mem_cmd_is($s, $c->[0], $c->[1], $c->[2]);
  }
}

# CAS values count up from 1 on a fresh server, as memcached's do.
run_cases($sock,
  ["mn\r\n", "MN\r\n", 'mn answers MN'],
  ["ms foo 3 T0 F5 c k s\r\nbar\r\n", "HD c1 kfoo\r\n", 'ms returns c and k, ignores s'],
  ["mg foo v k s f t c O123\r\n", "VA 3 kfoo s3 f5 t-1 c1 O123\r\nbar\r\n",
   'mg flags come back in request order'],
  ["mg foo\r\n", "HD\r\n", 'mg without flags is HD'],
  ["mg foo  v\r\n", "VA 3\r\nbar\r\n", 'runs of spaces separate tokens'],
  ["mg foo q\r\n", "HD\r\n", 'q does not hide an mg hit'],
  ["mg missing v\r\n", "EN\r\n", 'mg miss'],
  ["mg missing k O77\r\n", "EN kmissing O77\r\n", 'a miss echoes k and O'],
  ["mg foo h l u\r\n", "HD h1 l0\r\n", 'h and l'],

  # Quiet pipelines: only what memcached shows, in order, then MN.
  ["mg missing v q\r\nmg foo v q\r\nms foo 3 q\r\nnew\r\nmd nokey q\r\nmn\r\n",
   "VA 3\r\nbar\r\nNF\r\nMN\r\n", 'q hides EN and HD, not VA or NF'],
  ["ms foo 3 q ME\r\nbar\r\nms foo 3 C999 q\r\nbar\r\nms nokey 3 C1 q\r\nbar\r\nmn\r\n",
   "NS\r\nEX\r\nNF\r\nMN\r\n", 'ms q shows NS EX NF'],
  ["mg foo v\r\n", "VA 3\r\nnew\r\n", 'the quiet set took effect'],

  # ms modes.
  ["ms ap 1\r\na\r\nms ap 1 MA\r\nb\r\nms ap 1 MP\r\nc\r\nmg ap v\r\n",
   "HD\r\nHD\r\nHD\r\nVA 3\r\ncab\r\n", 'append and prepend'],
  ["ms nope 1 MA\r\nx\r\nms nope 1 MR\r\nx\r\nms ap 1 ME\r\nx\r\n",
   "NS\r\nNS\r\nNS\r\n", 'append/replace miss, add hit: NS'],
  ["ms new 1 ME c\r\nx\r\nms new 1 MS O1\r\ny\r\nmg new v c\r\n",
   "HD c6\r\nHD O1\r\nVA 1 c7\r\ny\r\n", 'add then set'],
  ["ms new 1 C7 c\r\nz\r\nms new 1 C7 c\r\nw\r\nms new 1 MR C8 c\r\nr\r\n",
   "HD c8\r\nEX c0\r\nHD c9\r\n", 'compare and set, replace with C'],

  # md.
  ["md new C1\r\n", "EX\r\n", 'md with a wrong CAS'],
  ["md new k O5\r\n", "HD knew O5\r\n", 'md hit echoes k and O'],
  ["md new\r\nmd new q\r\nmn\r\n", "NF\r\nNF\r\nMN\r\n", 'md miss, even quiet'],

  # ma.
  ["ma cnt\r\n", "NF\r\n", 'ma miss'],
  ["ma cnt N0 J10 v\r\n", "VA 2\r\n10\r\n", 'ma vivifies with J'],
  ["ma cnt v D5\r\n", "VA 2\r\n15\r\n", 'ma incr by D'],
  ["ma cnt MD v D100\r\n", "VA 1\r\n0\r\n", 'ma decr floors at 0'],
  ["ma cnt M+ D3 v t c\r\n", "VA 1 t-1 c13\r\n3\r\n", 'ma returns t and c'],
  ["ma cnt q\r\nma nope q O1 k\r\nmn\r\n", "NF O1 knope\r\nMN\r\n",
   'ma q hides HD but not NF'],
  ["ma cnt C1 v\r\n", "EX\r\n", 'ma with a wrong CAS'],
  ["ma viv N0 J5 q c\r\n", "HD c15\r\n", 'a vivified ma answers even with q'],
  ["ms txt 1\r\nx\r\nma txt\r\n",
   "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'ma on a non-number'],

  # Base64 keys: decoded for the store, encoded again in replies.
  ["ms Zm9v 2 b k c O1\r\nhi\r\n", "HD kZm9v b c17 O1\r\n", 'ms with a base64 key'],
  ["mg foo k v\r\n", "VA 2 kZm9v b\r\nhi\r\n", 'the item remembers its key was binary'],
  ["mg Zm9v b k s\r\n", "HD kZm9v b s2\r\n", 'mg with a base64 key'],
  ["md Zm9v b k q\r\nmd Zm9v b k\r\n", "NF kZm9v b\r\n", 'md with a base64 key'],
  ["me nope\r\n", "EN\r\n", 'me miss'],
);

# me: memcd's item sizes differ from memcached's (smaller header).
send_cmd($sock, "me ap\r\n");
like(read_line($sock), qr/^ME ap exp=-1 la=\d+ cas=\d+ fetch=yes cls=\d+ size=\d+\r\n\z/,
     'me hit');

# Errors: exact lines, and the connection stays in sync (the trailing mn).
my $long_key = 'a' x 251;
run_cases($sock,
  ["mg\r\nms\r\nmd\r\nma\r\nmn\r\n", "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nMN\r\n",
   'no key: ERROR'],
  ["me\r\n", "CLIENT_ERROR bad command line format\r\n", 'me without key'],
  ["mg $long_key v\r\n", "CLIENT_ERROR bad command line format\r\n", 'key too long'],
  ["mg foo v v\r\n", "CLIENT_ERROR duplicate flag\r\n", 'duplicate flag'],
  ["mg foo z\r\n", "CLIENT_ERROR invalid flag\r\n", 'unknown flag'],
  ["mg foo T\r\n", "CLIENT_ERROR bad token in command line format\r\n", 'T without number'],
  ["mg foo Fx\r\n", "CLIENT_ERROR bad command line format\r\n", 'bad F'],
  ["mg foo MEE\r\n", "CLIENT_ERROR incorrect length for M token\r\n", 'long M'],
  ["mg foo D-1\r\n", "CLIENT_ERROR invalid numeric delta value\r\n", 'bad D'],
  ["mg foo Jx\r\n", "CLIENT_ERROR invalid numeric initial value\r\n", 'bad J'],
  ["mg !!!! b v\r\n", "CLIENT_ERROR error decoding key\r\n", 'bad base64'],
  ["mg foo O123456789012345678901234567890123\r\n",
   "CLIENT_ERROR opaque token too long\r\n", 'opaque over 32 bytes'],
  ["mg foo a b c d e f g h i j k l m n o p q r\r\n",
   "CLIENT_ERROR options flags are too long\r\n", 'too many mg flags'],
  ["md foo z\r\nma foo q q\r\nmn\r\n",
   "CLIENT_ERROR invalid or duplicate flag\r\nCLIENT_ERROR invalid or duplicate flag\r\nMN\r\n",
   'md and ma flag errors'],
  ["ma foo MX\r\n", "CLIENT_ERROR invalid mode for ma M token\r\n", 'bad ma mode'],
  # An ms refused after its length swallows the data block...
  ["ms foo 3 X\r\nbar\r\nmn\r\n", "CLIENT_ERROR invalid flag\r\nMN\r\n",
   'ms bad flag swallows the data'],
  ["ms foo 3 Mz\r\nbar\r\nmn\r\n", "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n",
   'ms bad mode swallows the data'],
  ["ms foo 3 Fabc q\r\nabc\r\nmn\r\n", "CLIENT_ERROR bad command line format\r\nMN\r\n",
   'errors show through q'],
  # ...one without a usable length does not: the data is the next command.
  ["ms foo bar\r\nbar\r\nmn\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nMN\r\n",
   'ms bad length'],
  ["ms foo 3 c\r\nbarxx\r\nmn\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\nMN\r\n",
   'bad data chunk'],
  ["mg ap v\r\n", "VA 3\r\ncab\r\n", 'errors left the connection in sync'],
);

# The stale/win/recache model, across two clients.
run_cases($sock,
  ["mg k1 N30 s v t\r\n", "VA 0 s0 t30 W\r\n\r\n", 'vivify on miss wins'],
);
run_cases($other,
  ["mg k1 N30 s t v\r\n", "VA 0 s0 t30 Z\r\n\r\n", 'the second client sees Z'],
);
run_cases($sock,
  ["ms k1 3 T60\r\nnew\r\n", "HD\r\n", 'the winner sets'],
  ["mg k1 v t\r\n", "VA 3 t60\r\nnew\r\n", 'a set clears the token'],
  ["md k1 I T30 q\r\nmn\r\n", "MN\r\n", 'md I invalidates quietly'],
  ["mg k1 v t\r\n", "VA 3 t30 X W\r\nnew\r\n", 'a stale item: X, first reader wins'],
);
run_cases($other,
  ["mg k1 v\r\n", "VA 3 Z X\r\nnew\r\n", 'others see Z and X'],
  ["ms k1 3 I C1\r\nold\r\n", "HD\r\n", 'ms I with an older CAS is accepted'],
  ["mg k1 v\r\n", "VA 3 Z X\r\nold\r\n", 'but stays stale'],
);
run_cases($sock,
  ["ms r1 1 T10\r\nx\r\n", "HD\r\n"],
  ["mg r1 R30 v\r\n", "VA 1 W\r\nx\r\n", 'recache: TTL below R wins'],
  ["mg r1 R30 v\r\n", "VA 1 Z\r\nx\r\n", 'then Z'],
  ["ms r2 1 T100\r\nx\r\nmg r2 R30 v\r\n", "HD\r\nVA 1\r\nx\r\n", 'TTL above R: no win'],
);

# Newer memcached's E<cas> and md x, which 1.6.18 refuses: memcd only.
my @newer = (
  ["ms ex1 2 E500 c F7\r\nhi\r\n", "HD c500\r\n", 'ms E gives the item that CAS'],
  ["mg ex1 c f v\r\n", "VA 2 c500 f7\r\nhi\r\n", 'mg c shows it'],
  ["ms ex1 2 C500 E600 c\r\nho\r\n", "HD c600\r\n", 'a compare with it succeeds'],
  ["gets ex1\r\n", "VALUE ex1 0 2 600\r\nho\r\nEND\r\n", 'gets shows the E value'],
  ["ma ex2 N0 J5 E77 c\r\nma ex2 E88 c v\r\n", "HD c77\r\nVA 1 c88\r\n6\r\n",
   'ma E on create and on update'],
  ["md ex1 I E999 q\r\nmg ex1 c v\r\n", "VA 2 c999 X W\r\nho\r\n",
   'md I E: the stale item gets that CAS'],
  ["mg ex3 N30 E1234 c s\r\n", "HD c1234 s0 W\r\n", 'mg N E: the vivified item'],
  ["mg ex3 E1 c\r\n", "HD c1234 Z\r\n", 'mg E on a hit changes nothing'],
  ["ms ex4 5 F3 T0 E40\r\nvalue\r\nmd ex4 x\r\nmg ex4 v c f t\r\n",
   "HD\r\nHD\r\nVA 0 c40 f0 t-1\r\n\r\n",
   'md x: empty item, F and T from md, CAS kept'],
  ["ms ex4 1 E41\r\nv\r\nmd ex4 x q F5 E50\r\nmd nokey x q\r\nmn\r\nmg ex4 s f c\r\n",
   "HD\r\nNF\r\nMN\r\nHD s0 f5 c50\r\n", 'md x q: quiet HD, NF shown'],
  ["ms ex5 1 Exx\r\nz\r\nmg ex5 E1 E2\r\nmd ex5 Ex\r\nmn\r\n",
   "CLIENT_ERROR bad token in command line format\r\nCLIENT_ERROR duplicate flag\r\n"
   . "CLIENT_ERROR invalid or duplicate flag\r\nMN\r\n", 'bad and duplicate E'],
);
SKIP: {
  skip 'E and md x are newer than memcached 1.6.18', scalar(@newer) unless is_memcd();
  run_cases($sock, @newer);
}

# Counters: meta commands count as memcached's do; cmd_meta is "me".
my $st = stats($sock);
ok($st->{cmd_get} > 0 && $st->{get_hits} > 0 && $st->{get_misses} > 0,
   'mg counts in cmd_get, get_hits, get_misses');
is($st->{cmd_meta}, 2, 'cmd_meta counts me commands');

done_testing();
