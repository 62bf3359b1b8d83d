#!/usr/bin/perl
# Error replies: unknown commands, malformed lines for each command, keys
# that are too long or hold control characters, over-long lines. After each
# error the same connection must still work, except where it is closed.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;
my $k251 = 'k' x 251;
mem_cmd_is($sock, "set ok 0 0 2\r\nok\r\n", "STORED\r\n");

my $bad_format = "CLIENT_ERROR bad command line format\r\n";
my $bad_exptime = "CLIENT_ERROR invalid exptime argument\r\n";
my @cases = (
  ["foo\r\n",                  "ERROR\r\n", 'unknown command'],
  ["foo noreply\r\n",          "ERROR\r\n", 'unknown command with noreply'],
  ["GET ok\r\n",               "ERROR\r\n", 'commands are case-sensitive'],
  ["getx ok\r\n",              "ERROR\r\n", 'command name with a suffix'],
  ["\r\n",                     "ERROR\r\n", 'empty line'],
  ["   \r\n",                  "ERROR\r\n", 'blank line'],
  ["set\r\n",                  "ERROR\r\n", 'set without arguments'],
  ["set a\r\n",                "ERROR\r\n", 'set with key only'],
  ["set a 0\r\n",              "ERROR\r\n", 'set with key and flags'],
  ["set a 0 0\r\n",            "ERROR\r\n", 'set without length'],
  ["set a 0 0 1 noreply extra\r\n", "ERROR\r\n", 'set with too many tokens'],
  ["add a 0 0\r\n",            "ERROR\r\n", 'add without length'],
  ["replace a 0 0\r\n",        "ERROR\r\n", 'replace without length'],
  ["append a 0 0\r\n",         "ERROR\r\n", 'append without length'],
  ["prepend a 0 0\r\n",        "ERROR\r\n", 'prepend without length'],
  ["cas a 0 0 1\r\n",          "ERROR\r\n", 'cas without unique'],
  ["set a x 0 1\r\n",          $bad_format, 'set bad flags'],
  ["set a -1 0 1\r\n",         $bad_format, 'set negative flags'],
  ["set a 0 x 1\r\n",          $bad_format, 'set bad exptime'],
  ["set a 0 0 x\r\n",          $bad_format, 'set bad length'],
  ["set a 0 0 -5\r\n",         $bad_format, 'set negative length'],
  ["cas a 0 0 1 -\r\n",        $bad_format, 'cas bad unique'],
  ["incr\r\n",                 "ERROR\r\n", 'incr without arguments'],
  ["incr ok\r\n",              "ERROR\r\n", 'incr without delta'],
  ["decr\r\n",                 "ERROR\r\n", 'decr without arguments'],
  ["incr ok x\r\n",            "CLIENT_ERROR invalid numeric delta argument\r\n", 'incr bad delta'],
  ["delete\r\n",               "ERROR\r\n", 'delete without key'],
  ["delete ok 1\r\n",          "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
   'delete with hold time'],
  ["touch\r\n",                "ERROR\r\n", 'touch without arguments'],
  ["touch ok\r\n",             "ERROR\r\n", 'touch without exptime'],
  ["touch ok x\r\n",           $bad_exptime, 'touch bad exptime'],
  ["get\r\n",                  "ERROR\r\n", 'get without key'],
  ["gets\r\n",                 "ERROR\r\n", 'gets without key'],
  ["gat\r\n",                  "ERROR\r\n", 'gat without arguments'],
  ["gats x ok\r\n",            $bad_exptime, 'gats bad exptime'],
  ["flush_all x\r\n",          $bad_exptime, 'flush_all bad delay'],
  ["verbosity\r\n",            "ERROR\r\n", 'verbosity without level'],
  ["verbosity x\r\n",          $bad_format, 'verbosity bad level'],
  ["stats nosuchgroup\r\n",    "ERROR\r\n", 'stats unknown group'],
  ["get $k251\r\n",            $bad_format, 'get 251-byte key'],
  ["delete $k251\r\n",         $bad_format, 'delete 251-byte key'],
  ["incr $k251 1\r\n",         $bad_format, 'incr 251-byte key'],
  ["touch $k251 1\r\n",        $bad_format, 'touch 251-byte key'],
  ["set $k251 0 0 1\r\nx\r\n", $bad_format . "ERROR\r\n", 'set 251-byte key: data line read as a command'],
);
for my $c (@cases) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
  mem_get_is($sock, 'ok', 'ok', "works after: $c->[2]");
}

# Working commands without a data reply.
mem_cmd_is($sock, "verbosity 1\r\n", "OK\r\n", 'verbosity 1');
mem_cmd_is($sock, "verbosity 0 noreply\r\n", '', 'verbosity noreply');
mem_get_is($sock, 'ok', 'ok');

# Control characters belong to keys, as in memcached (memcaslap's keys
# start with eight \x10 bytes); only the space ends a key.
my @control = (
  ["set c\x01 0 0 1\r\nx\r\n",  "STORED\r\n",                        'set key with \x01'],
  ["get c\x01\r\n",            "VALUE c\x01 0 1\r\nx\r\nEND\r\n",     'get key with \x01'],
  ["get ok c\x1f\r\n",         "VALUE ok 0 2\r\nok\r\nEND\r\n",     'get key with \x1f after a good key'],
  ["set t\tb 0 0 1\r\ny\r\n",   "STORED\r\n",                        'set key with a tab'],
  ["get t\tb t\r\n",           "VALUE t\tb 0 1\r\ny\r\nEND\r\n",      'a tab does not split keys'],
  ["set r\rb 0 0 1\r\nw\r\n",   "STORED\r\n",                        'set key with a CR inside'],
  ["get r\rb\r\n",             "VALUE r\rb 0 1\r\nw\r\nEND\r\n",      'get key with a CR inside'],
  ["incr c\x01 1\r\n",         "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'incr key with \x01'],
  ["touch c\x01 1\r\n",        "TOUCHED\r\n",                       'touch key with \x01'],
  ["delete c\x01\r\n",         "DELETED\r\n",                       'delete key with \x01'],
  ["get \x7f\r\n",             "END\r\n",                           'get key \x7f'],
);
for my $c (@control) {
  mem_cmd_is($sock, $c->[0], $c->[1], $c->[2]);
  mem_get_is($sock, 'ok', 'ok', "works after: $c->[2]");
}
# memcd refuses a key with a NUL (memcached cuts the line at it).
if (is_memcd()) {
  mem_cmd_is($sock, "get n\x00b\r\n", $bad_format, 'get key with a NUL [memcd-only]');
  mem_get_is($sock, 'ok', 'ok', 'works after a NUL key');
}

# debugtime exists only with --debug_time; otherwise it is unknown.
my $plain = MemcdTest->start(debug_time => 0);
my $ps = $plain->sock;
mem_cmd_is($ps, "debugtime 10\r\n", "ERROR\r\n", 'debugtime without --debug_time');
mem_cmd_is($ps, "set p 0 0 1\r\nx\r\n", "STORED\r\n", 'and the connection goes on');
# misbehave tests memcached's seccomp sandbox and exists only in its debug
# builds; memcd has no sandbox, so it stays an unknown command everywhere.
mem_cmd_is($ps, "misbehave\r\n", "ERROR\r\n", 'misbehave is unknown');
mem_cmd_is($srv->sock, "misbehave\r\n", "ERROR\r\n", 'even with --debug_time');
is($plain->stop, 0, 'server without --debug_time stops cleanly');

# quit closes the connection without a reply.
my $q = $srv->sock;
send_cmd($q, "quit\r\n");
ok(wait_for_eof($q, 3), 'quit closes the connection');
$q = $srv->sock;
send_cmd($q, "get ok\r\nquit\r\nget ok\r\n");
is(read_all($q, 0.5), "VALUE ok 0 2\r\nok\r\nEND\r\n",
   'commands pipelined after quit are not run');

# A non-get line over 2048 bytes with no newline: memcd answers
# "CLIENT_ERROR line too long" and closes (memcached closes silently).
for my $cmd ('set ', 'foo ', 'incr ') {
  my $long = $srv->sock;
  send_cmd($long, $cmd . ('x' x 3000));
  my $reply = read_all($long, 1);
  is($reply, "CLIENT_ERROR line too long\r\n",
     "'$cmd...' 3000 bytes: line too long reply [memcd-only]");
  ok(wait_for_eof($long, 3), "'$cmd...' 3000 bytes: connection closed");
}
# The same bytes with their newline are an ordinary error, not fatal.
my $nl = $srv->sock;
mem_cmd_is($nl, 'foo ' . ('x' x 3000) . "\r\n", "ERROR\r\n", 'long unknown line with newline');
mem_get_is($nl, 'ok', 'ok', 'works after a long line with newline');
# And a get line of any length is legal even before its newline arrives.
my $g = $srv->sock;
send_cmd($g, 'get ' . join(' ', ('ok') x 1500));
ok(!wait_for_eof($g, 0.5), 'unfinished long get line keeps the connection');
send_cmd($g, "\r\n");
my $reply = read_reply($g);
is(length($reply || ''), 1500 * length("VALUE ok 0 2\r\nok\r\n") + 5,
   'long get line answered for every key');
mem_get_is($sock, 'ok', 'ok', 'first connection unaffected');

done_testing();
