#!/usr/bin/perl
# The hash table doubles online past 1.5 items per bucket: from the smallest
# table (-o hashpower=12) 13000 keys grow it twice, every key stays readable,
# and the expansion ends. With -o no_hashexpand it keeps its size.
# (-t 2: memcached refuses hashpower 12 below a 2^13 item lock table, -t 4.)
use strict;
use warnings;
use Test::More;
use MemcdTest;

sub store_keys {
  my ($sock, $from, $to) = @_;
  my $errors = 0;
  for (my $i = $from; $i < $to; $i += 500) {
    my $last = $i + 499 < $to - 1 ? $i + 499 : $to - 1;
    send_cmd($sock, join('', map { "set key$_ 0 0 " . length("v$_") .
                                   "\r\nv$_\r\n" } $i .. $last)) or return -1;
    for ($i .. $last) {
      my $line = read_line($sock);
      $errors++ unless defined $line && $line eq "STORED\r\n";
      return -1 unless defined $line;
    }
  }
  return $errors;
}

# Number of keys in [$from, $to) that do not read back as "v$i".
sub missing_keys {
  my ($sock, $from, $to) = @_;
  my $missing = 0;
  for (my $i = $from; $i < $to; $i += 100) {
    my $last = $i + 99 < $to - 1 ? $i + 99 : $to - 1;
    send_cmd($sock, 'get ' . join(' ', map { "key$_" } $i .. $last) . "\r\n");
    my %got;
    while (defined(my $line = read_line($sock))) {
      last if $line eq "END\r\n";
      if ($line =~ /^VALUE (\S+) 0 (\d+)\r\n\z/) {
        my $data = read_bytes($sock, $2 + 2);
        $got{$1} = substr($data, 0, $2) if defined $data;
      } else {
        diag("get: unexpected line: $line");
        return -1;
      }
    }
    for ($i .. $last) {
      $missing++ unless defined $got{"key$_"} && $got{"key$_"} eq "v$_";
    }
  }
  return $missing;
}

{
  my $srv = MemcdTest->start(args => '-t 2 -o hashpower=12');
  my $sock = $srv->sock;
  my $st = stats($sock);
  is($st->{hash_power_level}, 12, 'starts at 2^12 buckets');
  is($st->{hash_is_expanding}, 0, 'not expanding at start');
  my $bytes = $st->{hash_bytes};
  is($bytes, 4096 * (is_memcd() ? 4 : 8), 'hash_bytes: 4096 buckets');

  is(store_keys($sock, 0, 6144), 0, '6144 keys stored');
  is(wait_stat($sock, 'hash_power_level', 13, 0.3), 12,
     '6144 items (1.5 per bucket) do not grow the table');

  is(store_keys($sock, 6144, 13000), 0, '6856 more keys stored');
  is(wait_stat($sock, 'hash_power_level', 14), 14, 'grew twice, to 2^14');
  is(wait_stat($sock, 'hash_is_expanding', 0), 0, 'expansion finished');
  $st = stats($sock);
  is($st->{hash_bytes}, 4 * $bytes, 'hash_bytes: four times the start');
  is($st->{curr_items}, 13000, 'curr_items');
  is(missing_keys($sock, 0, 13000), 0, 'all 13000 keys read back');
  mem_get_is($sock, 'key13000', undef, 'no stray key');
}

{
  my $srv = MemcdTest->start(args => '-t 2 -o hashpower=12,no_hashexpand');
  my $sock = $srv->sock;
  is(store_keys($sock, 0, 13000), 0, 'no_hashexpand: 13000 keys stored');
  is(wait_stat($sock, 'hash_power_level', 13, 0.3), 12,
     'no_hashexpand: still 2^12 buckets');
  my $st = stats($sock);
  is($st->{hash_is_expanding}, 0, 'no_hashexpand: never expanding');
  is(missing_keys($sock, 0, 13000), 0, 'no_hashexpand: all keys read back');
}

done_testing();
