#!/usr/bin/perl
# noreply on every command that has it: no reply bytes at all, the effect
# still happens, and client errors are silenced too. Everything is sent in
# one write so any stray reply shows up ahead of the final get.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $srv = MemcdTest->start();
my $sock = $srv->sock;

my @silent = (
  "set a 1 0 1 noreply\r\na\r\n",
  "set b 0 0 1 noreply\r\nb\r\n",
  "add a 0 0 1 noreply\r\nX\r\n",          # not stored
  "add c 3 0 1 noreply\r\nc\r\n",
  "replace b 2 0 2 noreply\r\nbb\r\n",
  "replace zz 0 0 1 noreply\r\nX\r\n",     # not stored
  "append a 0 0 1 noreply\r\n+\r\n",
  "prepend a 0 0 1 noreply\r\n-\r\n",
  "append zz 0 0 1 noreply\r\nX\r\n",      # not stored
  "cas c 0 0 1 1 noreply\r\nX\r\n",        # exists
  "cas zz 0 0 1 1 noreply\r\nX\r\n",       # not found
  "set n 0 0 2 noreply\r\n10\r\n",
  "incr n 5 noreply\r\n",
  "decr n 3 noreply\r\n",
  "incr zz 1 noreply\r\n",                 # not found
  "incr a 1 noreply\r\n",                  # non-numeric
  "incr n x noreply\r\n",                  # bad delta
  "set d 0 0 1 noreply\r\nd\r\n",
  "delete d noreply\r\n",
  "delete zz noreply\r\n",                 # not found
  "delete b 5 noreply\r\n",                # bad format
  "touch c 100 noreply\r\n",
  "touch zz 100 noreply\r\n",              # not found
  "touch c x noreply\r\n",                 # bad exptime
  "set e x 0 1 noreply\r\n",               # bad format (no data follows)
  "verbosity 0 noreply\r\n",
  "verbosity x noreply\r\n",               # bad level
  "flush_all x noreply\r\n",               # bad delay
);
mem_cmd_is($sock, join('', @silent) . "get a b c d n zz\r\n",
           "VALUE a 1 3\r\n-a+\r\n" .
           "VALUE b 2 2\r\nbb\r\n" .
           "VALUE c 3 1\r\nc\r\n" .
           "VALUE n 0 2\r\n12\r\n" .
           "END\r\n",
           'no replies, only the effects');

# Each command alone, each followed by a probe, to pinpoint a stray reply.
for my $cmd (@silent) {
  (my $name = $cmd) =~ s/\r\n.*//s;
  mem_cmd_is($sock, $cmd . "get none\r\n", "END\r\n", "silent: $name");
}

# A bad data chunk is silenced too; the rest of the line is then read as a
# command (an empty line: ERROR, which noreply does not cover).
mem_cmd_is($sock, "set f 0 0 2 noreply\r\nabcd\r\nget f\r\n", "ERROR\r\nEND\r\n",
           'bad data chunk with noreply');
# An unknown command has no noreply.
mem_cmd_is($sock, "foo noreply\r\n", "ERROR\r\n", 'unknown command with noreply');
# flush_all noreply works and is silent.
mem_cmd_is($sock, "flush_all noreply\r\nget a b c n\r\n", "END\r\n", 'flush_all noreply');

done_testing();
