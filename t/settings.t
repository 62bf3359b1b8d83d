#!/usr/bin/perl
# "stats settings" after command-line flags, "stats sizes" with and without
# -o track_sizes, cache_memlimit's replies, and -L.
use strict;
use warnings;
use Test::More;
use MemcdTest;

# Flags show in stats settings, with memcached's names and formats.
{
  my $srv = MemcdTest->start(
    args => '-m 100 -c 50 -t 2 -R 7 -b 99 -C -M -f 1.5 -n 64 -I 2m -l 127.0.0.1 '
          . '-o track_sizes,hot_lru_pct=10,warm_lru_pct=30,hot_max_factor=0.5,'
          . 'temporary_ttl=45');
  my $sock = $srv->sock;
  my $st = stats($sock, 'settings');
  my %want = (
    maxbytes => 100 * 1024 * 1024, maxconns => 50, tcpport => $srv->port,
    udpport => 0, inter => '127.0.0.1', evictions => 'off',
    growth_factor => '1.50', chunk_size => 64, num_threads => 2,
    reqs_per_event => 7, cas_enabled => 'no', tcp_backlog => 99,
    item_size_max => 2 * 1024 * 1024, hot_lru_pct => 10, warm_lru_pct => 30,
    hot_max_factor => '0.50', warm_max_factor => '2.00', temp_lru => 'yes',
    temporary_ttl => 45, track_sizes => 'yes', lru_maintainer_thread => 'yes',
    hash_algorithm => 'murmur3',
  );
  for my $name (sort keys %want) {
    is($st->{$name}, $want{$name}, "stats settings: $name");
  }

  # Run-time changes show too.
  mem_cmd_is($sock, "lru tune 15 25 0.3 1.5\r\n", "OK\r\n");
  mem_cmd_is($sock, "cache_memlimit 200\r\n", "OK\r\n");
  $st = stats($sock, 'settings');
  is($st->{maxbytes}, 200 * 1024 * 1024, 'maxbytes follows cache_memlimit');
  is($st->{hot_lru_pct}, 15, 'hot_lru_pct follows lru tune');
  is($st->{warm_max_factor}, '1.50', 'warm_max_factor follows lru tune');
  is(stats($sock)->{limit_maxbytes}, 200 * 1024 * 1024,
     'limit_maxbytes follows cache_memlimit');

  # stats sizes: 32-byte buckets of item sizes, counted while linked.
  mem_cmd_is($sock, "stats sizes\r\n", "END\r\n", 'no items, no buckets');
  mem_cmd_is($sock, "set a 0 0 1\r\nx\r\n", "STORED\r\n");
  mem_cmd_is($sock, "set b 0 0 1\r\ny\r\n", "STORED\r\n");
  mem_cmd_is($sock, "set cc 0 0 200\r\n" . ('z' x 200) . "\r\n", "STORED\r\n");
  # memcd (-C): 33-byte header + key + value; memcached: 48 + key+1 + value+2.
  # Either way 35 or 53 bytes go to bucket 64, 235 or 253 to bucket 256.
  my ($small, $big) = (64, 256);
  mem_cmd_is($sock, "stats sizes\r\n",
             "STAT $small 2\r\nSTAT $big 1\r\nEND\r\n", 'stats sizes');
  mem_cmd_is($sock, "delete a\r\n", "DELETED\r\n");
  mem_cmd_is($sock, "stats sizes foo\r\n",
             "STAT $small 1\r\nSTAT $big 1\r\nEND\r\n",
             'a delete leaves its bucket; extra words are ignored');
}

# Defaults: stats sizes is off; cache_memlimit's replies.
{
  my $srv = MemcdTest->start(args => '-m 64');
  my $sock = $srv->sock;
  mem_cmd_is($sock, "stats sizes\r\n", "STAT sizes_status disabled\r\nEND\r\n");
  is(stats($sock, 'settings')->{track_sizes}, 'no', 'track_sizes no');
  my @cases = (
    ["cache_memlimit 7\r\n",
     "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"],
    ["cache_memlimit 0\r\n",
     "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"],
    ["cache_memlimit\r\n", "ERROR\r\n"],
    ["cache_memlimit abc\r\n", "ERROR\r\n"],
    ["cache_memlimit -5\r\n", "ERROR\r\n"],
    ["cache_memlimit 100 noreply extra\r\n", "ERROR\r\n"],
    ["cache_memlimit 1000000001\r\n",
     "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n"],
    ["cache_memlimit 8\r\n", "OK\r\n"],
    ["cache_memlimit +9\r\n", "OK\r\n"],
    ["cache_memlimit 100 foo\r\n", "OK\r\n"],
  );
  for my $c (@cases) {
    mem_cmd_is($sock, $c->[0], $c->[1]);
  }
  send_cmd($sock, "cache_memlimit 50 noreply\r\ncache_memlimit 2 noreply\r\n"
                . "version\r\n");
  like(read_line($sock), qr/^VERSION /, 'noreply: silent, even when refused');
  is(stats($sock)->{limit_maxbytes}, 50 * 1024 * 1024,
     'a silent cache_memlimit still sets the limit');
}

# -L: every page committed at start-up; the limit is then fixed.
{
  my $srv = MemcdTest->start(args => '-m 64 -L');
  my $sock = $srv->sock;
  mem_cmd_is($sock, "set k 0 0 5\r\nhello\r\n", "STORED\r\n");
  mem_get_is($sock, 'k', 'hello');
  mem_cmd_is($sock, "cache_memlimit 100\r\n",
             "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n");
  is(stats($sock)->{limit_maxbytes}, 64 * 1024 * 1024, 'limit unchanged');
  SKIP: {
    skip 'no /proc', 1 unless open(my $fh, '<', '/proc/' . $srv->pid . '/status');
    my ($rss) = map { /^VmRSS:\s+(\d+) kB/ ? $1 : () } <$fh>;
    # memcd commits all of -m; memcached only what its page pool holds.
    if (is_memcd()) {
      cmp_ok($rss, '>=', 64 * 1024, "RSS ($rss kB) holds all of -m 64");
    } else {
      cmp_ok($rss, '>', 0, "RSS $rss kB");
    }
  }
}

done_testing();
