#!/usr/bin/perl
# Every thread carries a name (ps -L, top -H, /proc/PID/task/*/comm), one
# per role as memcached names its own: a worker per -t, and each background
# thread only while its feature is on.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use MemcdTest;

plan skip_all => 'thread names are read from /proc (Linux)' unless -d '/proc/self/task';

# memcd's name for a role, then memcached's (which has no metrics thread).
my %name = is_memcd()
  ? (worker => 'memcd-worker', lrumaint => 'memcd-lrumaint', crawler => 'memcd-crawler',
     hashexp => 'memcd-hashexp', slabs => 'memcd-slabmove', log => 'memcd-watch',
     metrics => 'memcd-metrics')
  : (worker => 'mc-worker', lrumaint => 'mc-lrumaint', crawler => 'mc-itemcrawler',
     hashexp => 'mc-assocmaint', slabs => 'mc-slabmaint', log => 'mc-log');

# Role => count among the server's threads. A thread sets its name when it
# starts running, so this polls (up to 3 s) until $ready->(\%count) holds.
sub roles {
  my ($srv, $ready) = @_;
  my %count;
  my $deadline = time + 3;
  while (1) {
    my %by_name;
    for my $comm (glob('/proc/' . $srv->pid . '/task/*/comm')) {
      open(my $fh, '<', $comm) or next;  # a thread may be gone meanwhile
      my $n = <$fh>;
      next unless defined $n;
      chomp $n;
      $by_name{$n}++;
    }
    %count = map { $_ => $by_name{$name{$_}} // 0 } keys %name;
    last if $ready->(\%count) || time > $deadline;
    sleep 0.05;
  }
  return \%count;
}

{
  my $srv = MemcdTest->start(args => '-t 3');
  mem_cmd_is($srv->sock, "get nosuch\r\n", "END\r\n", 'serving');
  my $c = roles($srv, sub { $_[0]{worker} == 3 });
  is($c->{worker}, 3, 'one named worker thread per -t');
  is($c->{$_}, 1, "one $name{$_} thread by default") for qw(lrumaint crawler hashexp slabs log);
}

{
  my $srv = MemcdTest->start(args => '-t 2 -o no_lru_maintainer,no_lru_crawler');
  mem_cmd_is($srv->sock, "get nosuch\r\n", "END\r\n", 'serving without the background LRU threads');
  my $c = roles($srv, sub { $_[0]{worker} == 2 });
  is($c->{worker}, 2, 'two named workers at -t 2');
  is($c->{lrumaint}, 0, 'no LRU maintainer thread with no_lru_maintainer');
  is($c->{crawler}, 0, 'no crawler thread with no_lru_crawler');
  is($c->{slabs}, 1, 'the slab mover still runs');
}

if (is_memcd()) {  # memcached has no metrics listener
  my $mport = MemcdTest::free_port();
  my $srv = MemcdTest->start(args => "-t 1 -o metrics_port=$mport");
  mem_cmd_is($srv->sock, "get nosuch\r\n", "END\r\n", 'serving with a metrics port');
  my $c = roles($srv, sub { $_[0]{metrics} > 0 });
  is($c->{metrics}, 1, 'one memcd-metrics thread with -o metrics_port');
}

done_testing();
