#!/usr/bin/perl
# Large values round-trip byte-exactly; -I raises the item size limit.
use strict;
use warnings;
use Test::More;
use MemcdTest;

srand(42);
sub random_bytes {
  my ($n) = @_;
  return substr(pack('L*', map { int(rand(4294967296)) } 0 .. $n / 4), 0, $n);
}

my $srv = MemcdTest->start();
my $sock = $srv->sock;

my %values = (
  k100 => random_bytes(100 * 1024),
  k1m  => random_bytes(1000000),
  # Lines of protocol text inside a value are just data.
  ktext => ("END\r\nVALUE x 0 1\r\n" x 6000),
);
for my $key (sort keys %values) {
  my $v = $values{$key};
  mem_cmd_is($sock, "set $key 9 0 " . length($v) . "\r\n$v\r\n", "STORED\r\n",
             "set $key (" . length($v) . " bytes)");
}
for my $key (sort keys %values) {
  mem_get_is({ sock => $sock, flags => 9 }, $key, $values{$key}, "get $key");
}
mem_cmd_is($sock, 'get ' . join(' ', sort keys %values) . "\r\n",
           join('', map { "VALUE $_ 9 " . length($values{$_}) . "\r\n$values{$_}\r\n" }
                    sort keys %values) . "END\r\n",
           'all three in one get');
# Appending to a large value.
mem_cmd_is($sock, "append k100 0 0 5\r\ntail!\r\n", "STORED\r\n");
mem_get_is({ sock => $sock, flags => 9 }, 'k100', $values{k100} . 'tail!', 'append to 100 KB');

# Another client reads them too.
my $other = $srv->sock;
mem_get_is({ sock => $other, flags => 9 }, 'k1m', $values{k1m}, 'second client gets 1,000,000 bytes');
is($srv->stop, 0, 'server stops cleanly');

# -I 2m: a 1.5 MB value fits, 2 MiB does not.
my $big = MemcdTest->start(args => '-I 2m -m 64');
my $bs = $big->sock;
my $v15 = random_bytes(1500000);
mem_cmd_is($bs, "set huge 0 0 1500000\r\n$v15\r\n", "STORED\r\n", '-I 2m: set 1.5 MB');
mem_get_is($bs, 'huge', $v15, '-I 2m: get 1.5 MB');
mem_cmd_is($bs, "set huger 0 0 2097152\r\n" . ('z' x 2097152) . "\r\n",
           "SERVER_ERROR object too large for cache\r\n", '-I 2m: 2 MiB is too large');
mem_get_is($bs, 'huge', $v15, '-I 2m: earlier value unharmed');

done_testing();
