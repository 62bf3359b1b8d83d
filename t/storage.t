#!/usr/bin/perl
# Every storage command: success and each failure reply, cas with the unique
# from gets, noreply forms, bad data chunks, and values over the item limit.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;

# Sequential request => exact reply table, run on one connection.
my @cases = (
  ["set foo 0 0 3\r\nbar\r\n",        "STORED\r\n"],
  ["get foo\r\n",                     "VALUE foo 0 3\r\nbar\r\nEND\r\n"],
  ["set foo 7 0 4\r\nbarn\r\n",       "STORED\r\n", 'set overwrites'],
  ["get foo\r\n",                     "VALUE foo 7 4\r\nbarn\r\nEND\r\n"],
  ["set flags 4294967295 0 1\r\nx\r\n", "STORED\r\n", 'largest flags'],
  ["get flags\r\n",                   "VALUE flags 4294967295 1\r\nx\r\nEND\r\n"],
  ["set empty 3 0 0\r\n\r\n",         "STORED\r\n", 'empty value'],
  ["get empty\r\n",                   "VALUE empty 3 0\r\n\r\nEND\r\n"],
  ["set bin 0 0 6\r\n\r\n\0\xff\r\n\r\n", "STORED\r\n", 'binary value with CRLF inside'],
  ["get bin\r\n",                     "VALUE bin 0 6\r\n\r\n\0\xff\r\n\r\nEND\r\n"],

  ["add foo 0 0 1\r\nx\r\n",          "NOT_STORED\r\n", 'add existing'],
  ["get foo\r\n",                     "VALUE foo 7 4\r\nbarn\r\nEND\r\n"],
  ["add newkey 2 0 3\r\nnew\r\n",     "STORED\r\n", 'add missing'],
  ["get newkey\r\n",                  "VALUE newkey 2 3\r\nnew\r\nEND\r\n"],

  ["replace nokey 0 0 1\r\nx\r\n",    "NOT_STORED\r\n", 'replace missing'],
  ["get nokey\r\n",                   "END\r\n"],
  ["replace foo 9 0 5\r\nhello\r\n",  "STORED\r\n", 'replace existing'],
  ["get foo\r\n",                     "VALUE foo 9 5\r\nhello\r\nEND\r\n"],

  ["append nokey 0 0 1\r\nx\r\n",     "NOT_STORED\r\n", 'append missing'],
  ["prepend nokey 0 0 1\r\nx\r\n",    "NOT_STORED\r\n", 'prepend missing'],
  ["get nokey\r\n",                   "END\r\n"],
  ["append foo 1 0 3\r\n!!!\r\n",     "STORED\r\n", 'append existing'],
  ["prepend foo 1 0 2\r\n<<\r\n",     "STORED\r\n", 'prepend existing'],
  # append/prepend keep the item's flags; their own flags are ignored.
  ["get foo\r\n",                     "VALUE foo 9 10\r\n<<hello!!!\r\nEND\r\n"],
  ["append empty 0 0 2\r\nab\r\n",    "STORED\r\n", 'append to empty value'],
  ["get empty\r\n",                   "VALUE empty 3 2\r\nab\r\nEND\r\n"],

  ["cas nokey 0 0 1 1\r\nx\r\n",      "NOT_FOUND\r\n", 'cas missing'],
  ["get nokey\r\n",                   "END\r\n"],
  ["cas foo 0 0 1 0\r\nx\r\n",        "EXISTS\r\n", 'cas with unique 0'],
);
run_table(\@cases);

# cas with the unique that gets reports.
my $unique = gets_unique('foo');
like($unique, qr/^\d+\z/, 'gets reports a numeric unique');
mem_cmd_is($sock, "cas foo 4 0 3 " . ($unique + 1) . "\r\nnew\r\n",
           "EXISTS\r\n", 'cas with a wrong unique');
mem_get_is({ sock => $sock, flags => 9 }, 'foo', '<<hello!!!',
           'wrong unique leaves the value');
mem_cmd_is($sock, "cas foo 4 0 3 $unique\r\nnew\r\n", "STORED\r\n",
           'cas with the right unique');
mem_get_is({ sock => $sock, flags => 4 }, 'foo', 'new', 'cas stored value and flags');
mem_cmd_is($sock, "cas foo 0 0 3 $unique\r\nold\r\n", "EXISTS\r\n",
           'the same unique again');
my $after_cas = gets_unique('foo');
isnt($after_cas, $unique, 'a store changes the unique');
mem_cmd_is($sock, "set foo 0 0 1\r\nz\r\n", "STORED\r\n");
my $after_set = gets_unique('foo');
isnt($after_set, $after_cas, 'set changes the unique');
mem_cmd_is($sock, "cas foo 0 0 1 $after_cas\r\ny\r\n", "EXISTS\r\n",
           'unique from before the set is stale');
# gets of several keys: each VALUE line carries its own unique.
send_cmd($sock, "gets foo newkey\r\n");
my $reply = read_reply($sock);
like($reply, qr/^VALUE foo 0 1 $after_set\r\nz\r\nVALUE newkey 2 3 \d+\r\nnew\r\nEND\r\n\z/,
     'gets of two keys');

# noreply on every storage command: nothing comes back, the effect happens.
@cases = (
  ["set nr 1 0 1 noreply\r\na\r\nget nr\r\n",     "VALUE nr 1 1\r\na\r\nEND\r\n", 'set noreply'],
  ["add nr 0 0 1 noreply\r\nb\r\nget nr\r\n",     "VALUE nr 1 1\r\na\r\nEND\r\n", 'add noreply (not stored)'],
  ["add nr2 0 0 1 noreply\r\nb\r\nget nr2\r\n",   "VALUE nr2 0 1\r\nb\r\nEND\r\n", 'add noreply (stored)'],
  ["replace nr 2 0 1 noreply\r\nc\r\nget nr\r\n", "VALUE nr 2 1\r\nc\r\nEND\r\n", 'replace noreply'],
  ["replace nr3 0 0 1 noreply\r\nc\r\nget nr3\r\n", "END\r\n", 'replace noreply (missing)'],
  ["append nr 0 0 1 noreply\r\nd\r\nget nr\r\n",  "VALUE nr 2 2\r\ncd\r\nEND\r\n", 'append noreply'],
  ["prepend nr 0 0 1 noreply\r\ne\r\nget nr\r\n", "VALUE nr 2 3\r\necd\r\nEND\r\n", 'prepend noreply'],
  ["cas nr 0 0 1 1 noreply\r\nf\r\nget nr\r\n",   "VALUE nr 2 3\r\necd\r\nEND\r\n", 'cas noreply (exists)'],
  ["cas nr4 0 0 1 1 noreply\r\nf\r\nget nr4\r\n", "END\r\n", 'cas noreply (not found)'],
);
run_table(\@cases);
my $nr_unique = gets_unique('nr');
mem_cmd_is($sock, "cas nr 5 0 1 $nr_unique noreply\r\ng\r\nget nr\r\n",
           "VALUE nr 5 1\r\ng\r\nEND\r\n", 'cas noreply (stored)');

# A data block whose length does not match: the declared length is read,
# the reply is "bad data chunk" and the rest of the line is parsed as a
# command (an empty line here, hence ERROR). The old value stays.
@cases = (
  ["set chunk 0 0 3\r\nold\r\n",      "STORED\r\n"],
  ["set chunk 0 0 2\r\nabcd\r\n",     "CLIENT_ERROR bad data chunk\r\nERROR\r\n", 'data longer than declared'],
  ["get chunk\r\n",                   "VALUE chunk 0 3\r\nold\r\nEND\r\n", 'bad chunk keeps the old value'],
  # The next command is read as data: "ab\r\nge", then "t chunk" is junk.
  ["set chunk 0 0 4\r\nab\r\nget chunk\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n",
   'data shorter than declared'],
  ["get chunk\r\n",                   "VALUE chunk 0 3\r\nold\r\nEND\r\n"],
  ["set chunk 0 0 1\r\nxyz\r\n",      "CLIENT_ERROR bad data chunk\r\nERROR\r\n"],
  ["set chunk 0 0 -1\r\n",            "CLIENT_ERROR bad command line format\r\n", 'negative length'],
  ["set chunk 0 0 abc\r\n",           "CLIENT_ERROR bad command line format\r\n", 'non-numeric length'],
  ["set chunk abc 0 1\r\n",           "CLIENT_ERROR bad command line format\r\n", 'non-numeric flags'],
  ["set chunk 0 abc 1\r\n",           "CLIENT_ERROR bad command line format\r\n", 'non-numeric exptime'],
  ["cas chunk 0 0 1 abc\r\n",         "CLIENT_ERROR bad command line format\r\n", 'non-numeric cas unique'],
  ["set chunk 0 0\r\n",               "ERROR\r\n", 'set missing its length'],
  ["cas chunk 0 0 1\r\n",             "ERROR\r\n", 'cas missing its unique'],
  ["get chunk\r\n",                   "VALUE chunk 0 3\r\nold\r\nEND\r\n", 'connection still works'],
);
run_table(\@cases);

# Values over the item size limit (-I 1m; the whole item counts, so a value
# of exactly 1 MiB is too large). The data is swallowed, the connection goes
# on, and a set removes the old item under that key. The payload is made of
# commands so that, were it not swallowed, it would visibly run.
my $evil = "set evil 0 0 1\r\nx\r\n";
my $payload = $evil x int(1048576 / length $evil);
$payload .= 'p' x (1048576 - length $payload);
is(length $payload, 1048576, 'payload is exactly 1 MiB');
mem_cmd_is($sock, "set big 0 0 3\r\nold\r\n", "STORED\r\n");
mem_cmd_is($sock, "set big 0 0 1048576\r\n$payload\r\n",
           "SERVER_ERROR object too large for cache\r\n", 'set of 1 MiB value');
mem_get_is($sock, 'big', undef, 'too large set removes the old item');
mem_get_is($sock, 'evil', undef, 'too large data was swallowed, not run');
mem_cmd_is($sock, "set big 0 0 3\r\nold\r\n", "STORED\r\n");
mem_cmd_is($sock, "append big 0 0 1048576\r\n$payload\r\n",
           "SERVER_ERROR object too large for cache\r\n", 'append of 1 MiB value');
mem_get_is($sock, 'big', 'old', 'too large append keeps the item');
mem_cmd_is($sock, "add big2 0 0 2000000 noreply\r\n" . ('q' x 2000000) . "\r\n",
           '', 'too large with noreply: no reply');
mem_get_is($sock, 'big2', undef);
mem_get_is($sock, 'evil', undef);
my $fits = 'f' x 1000000;
mem_cmd_is($sock, "set fits 0 0 1000000\r\n$fits\r\n", "STORED\r\n",
           '1,000,000-byte value fits');
mem_get_is($sock, 'fits', $fits);

done_testing();

sub run_table {
  my ($table) = @_;
  for my $c (@$table) {
    my ($req, $expect, $name) = @$c;
    mem_cmd_is($sock, $req, $expect, $name);
  }
}

sub gets_unique {
  my ($key) = @_;
  send_cmd($sock, "gets $key\r\n");
  my $r = read_reply($sock);
  my ($u) = ($r || '') =~ /^VALUE \S+ \d+ \d+ (\d+)\r\n/;
  return defined $u ? $u : '';
}
