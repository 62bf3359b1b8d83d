#!/usr/bin/perl
# memcd as a pool of shards: behind twemproxy (nutcracker, configured from
# the shipped contrib/cluster/nutcracker.yml.in) and under client-side
# consistent hashing (pymemcache's HashClient, Cache::Memcached::Fast with
# ketama). Checks placement (each key on exactly one node, a fair spread),
# how many keys move when a node is added, what a dead node costs through
# the proxy, and a smoke run of contrib/cluster/pool.sh. doc/scaling.md
# quotes the figures this test prints.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use MemcdTest;

my $kNutcracker = (grep { -x } '/usr/sbin/nutcracker',
                   map { "$_/nutcracker" } split(/:/, $ENV{PATH} || ''))[0];
plan skip_all => 'nutcracker not installed (apt-get install nutcracker)'
  unless $kNutcracker;

my $kKeys = 10_000;          # keys stored through the proxy
my $kSetBatch = 500;         # pipelined sets per write
my $kGetBatch = 100;         # keys per multi-key get
my $kClientKeys = 3_000;     # keys stored by each hashing client
# Keys moved by nutcracker's ketama (fnv1a_64, nodes named node1..node4)
# from 3 to 4 nodes, for exactly these keys. Names, not ports, build the
# ring, so this is the same on every run; doc/scaling.md quotes it.
my $kMoved3to4 = 2322;
my $kFailureLimit = 3;       # server_failure_limit in the template
my $top = $ENV{MEMCD_TOP} || '.';
my $template = "$top/contrib/cluster/nutcracker.yml.in";
my $dir = tempdir('memcd-cluster-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @children;                # pids of nutcracker and pool.sh, for END

sub key_of { "user:$_[0]:profile" }
sub value_of { "value-$_[0]-" . ('x' x ($_[0] % 40)) }

# Starts @argv with %$env added, stdout and stderr appended to $log and no
# stdin; returns its pid, remembered in @children for END.
sub spawn {
  my ($log, $env, @argv) = @_;
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>>', $log);
    open(STDERR, '>&', \*STDOUT);
    $ENV{$_} = $env->{$_} for keys %$env;
    exec(@argv) or POSIX::_exit(127);
  }
  push @children, $pid;
  return $pid;
}

sub connect_to {
  my ($port) = @_;
  my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                Proto => 'tcp', Timeout => 5)
    or die "connect to $port: $!";
  binmode $s;
  return $s;
}

# Stops a child: SIGTERM, a bounded wait, then SIGKILL. Returns the exit
# status (128 + signal when killed by one), undef if it had to be killed.
sub stop_child {
  my ($pid) = @_;
  return undef unless $pid;
  @children = grep { $_ != $pid } @children;
  kill 'TERM', $pid;
  my $deadline = time() + 10;
  while (time() < $deadline) {
    if (waitpid($pid, WNOHANG) == $pid) {
      return $? & 127 ? 128 + ($? & 127) : $? >> 8;
    }
    sleep(0.02);
  }
  kill 'KILL', $pid;
  waitpid($pid, 0);
  return undef;
}

END {
  local $?;
  stop_child($_) for reverse @children;
}

# nutcracker in front of @$nodes ([name, port] pairs), from the template.
# Returns { pid, port }; dies if it does not serve a set/get in time.
sub start_proxy {
  my ($nodes, $tag) = @_;
  open(my $in, '<', $template) or die "$template: $!";
  my $text = do { local $/; <$in> };
  close $in;
  my $servers = join("\n", map { "   - 127.0.0.1:$_->[1]:1 $_->[0]" } @$nodes);
  for my $attempt (1 .. 3) {
    my ($port, $stats) = (free_port(), free_port());
    next if $port == $stats;
    (my $conf = $text) =~ s/\@LISTEN\@/127.0.0.1:$port/g;
    $conf =~ s/^\@SERVERS\@$/$servers/m;
    my $file = "$dir/$tag.yml";
    open(my $out, '>', $file) or die "$file: $!";
    print $out $conf;
    close $out;
    my $log = "$dir/$tag.log";
    # -i: stats every 100 ms instead of 30 s, for server_closed().
    my $pid = spawn($log, {}, $kNutcracker, '-c', $file, '-s', $stats,
                    '-a', '127.0.0.1', '-i', 100, '-o', $log);
    my $proxy = { pid => $pid, port => $port, stats => $stats, log => $log };
    return $proxy if proxy_ready($proxy);
    stop_child($pid);
    my $why = read_log($log);
    die "nutcracker did not start:\n$why" unless $why =~ /in use/;
  }
  die "nutcracker: no free ports after 3 attempts\n";
}

# Waits (bounded) until nutcracker's stats show that its connection to
# server $name of pool "memcd" closed; true if they did.
sub server_closed {
  my ($proxy, $name) = @_;
  my $deadline = time() + 5;
  while (time() < $deadline) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $proxy->{stats}, Proto => 'tcp');
    if ($s) {
      my $json = do { local $/; <$s> };
      my $stats = eval { JSON::PP::decode_json($json) };
      my $server = $stats ? $stats->{memcd}{$name} : undef;
      return 1 if $server && $server->{server_connections} == 0;
    }
    sleep(0.05);
  }
  return 0;
}

sub read_log {
  open(my $fh, '<', $_[0]) or return '';
  local $/;
  my $text = <$fh>;
  return defined $text ? $text : '';
}

# Readiness: nutcracker listens before its server connections are up, so
# wait for a set/get round trip through it (bounded).
sub proxy_ready {
  my ($proxy) = @_;
  my $deadline = time() + 10;
  while (time() < $deadline) {
    return 0 if waitpid($proxy->{pid}, WNOHANG) == $proxy->{pid};
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $proxy->{port}, Proto => 'tcp');
    if ($s) {
      binmode $s;
      # Deleted again, so that item counts see only the test's keys.
      my $want = "STORED\r\nVALUE ready:probe 0 2\r\nok\r\nEND\r\nDELETED\r\n";
      send_cmd($s, "set ready:probe 0 0 2\r\nok\r\nget ready:probe\r\n" .
                   "delete ready:probe\r\n");
      my $got = read_bytes($s, length $want, 2);
      return 1 if defined $got && $got eq $want;
    }
    sleep(0.05);
  }
  return 0;
}

# Stores key => value pairs with pipelined sets, $kSetBatch per write;
# returns how many were answered STORED.
sub set_all {
  my ($sock, $pairs) = @_;
  my $stored = 0;
  for (my $i = 0; $i < @$pairs; $i += $kSetBatch) {
    my @batch = @$pairs[$i .. min($i + $kSetBatch, scalar @$pairs) - 1];
    send_cmd($sock, join('', map {
      "set $_->[0] 0 0 " . length($_->[1]) . "\r\n$_->[1]\r\n" } @batch))
      or last;
    for (@batch) {
      my $line = read_line($sock);
      last unless defined $line;
      $stored++ if $line eq "STORED\r\n";
    }
  }
  return $stored;
}

sub min { $_[0] < $_[1] ? $_[0] : $_[1] }

# Multi-key gets of @$keys, $kGetBatch per request; returns a hashref of
# the values found, or undef if a reply was not a well-formed get reply.
sub get_all {
  my ($sock, $keys) = @_;
  my %found;
  for (my $i = 0; $i < @$keys; $i += $kGetBatch) {
    my @batch = @$keys[$i .. min($i + $kGetBatch, scalar @$keys) - 1];
    send_cmd($sock, "get @batch\r\n") or return undef;
    my $reply = read_reply($sock);
    return undef unless defined $reply;
    while ($reply =~ s/\AVALUE (\S+) \d+ (\d+)\r\n//) {
      my ($key, $len) = ($1, $2);
      $found{$key} = substr($reply, 0, $len, '');
      $reply =~ s/\A\r\n// or return undef;
    }
    unless ($reply eq "END\r\n") {
      diag('unexpected get reply: ' . substr($reply, 0, 80));
      return undef;
    }
  }
  return \%found;
}

# How many of @$got's values differ from value_of(index) for their key.
sub wrong_values {
  my ($got, $index) = @_;
  return scalar grep { $got->{$_} ne value_of($index->{$_}) } keys %$got;
}

# For each node socket, the keys of @$keys it holds: [ {key => value}, ... ].
sub holdings {
  my ($socks, $keys) = @_;
  return [ map { get_all($_, $keys) || {} } @$socks ];
}

# Spread checks: each node holds some, none more than half.
sub spread_ok {
  my ($counts, $total, $name) = @_;
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  my $pcts = join(' / ', map { sprintf('%.1f%%', 100 * $_ / $total) } @$counts);
  ok(!grep({ $_ == 0 || $_ > $total / 2 } @$counts),
     "$name: every node holds keys, none more than half ($pcts)");
}

# ------------------------------------------------ a. three nodes, a proxy

my @nodes = map { MemcdTest->start(args => '-t 1 -m 64') } 1 .. 3;
my @names = map { "node$_" } 1 .. 4;
my $proxy = start_proxy([map { [$names[$_], $nodes[$_]->port] } 0 .. 2], 'proxy3');
pass('nutcracker serves a set/get in front of 3 nodes');
my $ps = connect_to($proxy->{port});
send_cmd($ps, "version\r\n");
like(read_line($ps), qr/\AVERSION \S+\r\n\z/,
     'nutcracker 0.5.0 forwards version to a node');

# ------------------------------------------------ b. 10,000 keys through it

my @keys = map { key_of($_) } 0 .. $kKeys - 1;
my %index = map { (key_of($_) => $_) } 0 .. $kKeys - 1;
my $t0 = time();
is(set_all($ps, [map { [key_of($_), value_of($_)] } 0 .. $kKeys - 1]), $kKeys,
   "$kKeys pipelined sets through the proxy: all STORED");
my $got = get_all($ps, \@keys) || {};
is(scalar(keys %$got), $kKeys, "multi-key gets through the proxy find all $kKeys");
is(wrong_values($got, \%index), 0, 'every value read back intact');
note(sprintf('stored and read %d keys through the proxy in %.2f s', $kKeys,
             time() - $t0));

# ------------------------------------------------ c. where they landed

my @direct = map { $_->sock } @nodes;
my @items = map { stats($_)->{curr_items} } @direct;
is($items[0] + $items[1] + $items[2], $kKeys,
   "curr_items over the nodes sums to $kKeys");
my $held = holdings(\@direct, \@keys);
my (%owner, $dups, $lost);
for my $key (@keys) {
  my @on = grep { exists $held->[$_]{$key} } 0 .. 2;
  $dups++ if @on > 1;
  $lost++ unless @on;
  $owner{$key} = $on[0] if @on == 1;
}
is($dups || 0, 0, 'no key is on two nodes');
is($lost || 0, 0, 'every key is on some node');
spread_ok([map { scalar keys %{ $held->[$_] } } 0 .. 2], $kKeys, 'nutcracker ketama');
diag(sprintf('cluster: ketama spread over 3 nodes %s',
             join(' / ', map { scalar keys %{ $held->[$_] } } 0 .. 2)));

# ------------------------------------------------ d. adding a fourth node

my $node4 = MemcdTest->start(args => '-t 1 -m 64');
my $proxy4 = start_proxy([(map { [$names[$_], $nodes[$_]->port] } 0 .. 2),
                          [$names[3], $node4->port]], 'proxy4');
my $ps4 = connect_to($proxy4->{port});
my $got4 = get_all($ps4, \@keys) || {};
my @moved = grep { !exists $got4->{$_} } @keys;
my $moved = @moved;
diag(sprintf('cluster: ketama 3->4 nodes moved %d of %d keys (%.1f%%)',
             $moved, $kKeys, 100 * $moved / $kKeys));
ok($moved >= $kKeys * 0.10 && $moved <= $kKeys * 0.40,
   'ketama moves 10-40% of the keys to a 4th node (ideal 25%, modulo ~75%)');
is($moved, $kMoved3to4, 'the same keys move on every run (the ring uses names)');
is(wrong_values($got4, \%index), 0, 'keys that stayed read back intact');
# Each key lives on one node (c.), so a hit came from its old node. A miss
# is a key that moved; store the misses through the new ring and they must
# all land on node4, i.e. none moved between the old three.
is(set_all($ps4, [map { [$_, value_of($index{$_})] } @moved]), $moved,
   'the moved keys stored through the 4-node proxy');
my $d4 = $node4->sock;
is(stats($d4)->{curr_items}, $moved, 'node4 holds exactly the moved keys');
is(scalar(keys %{ get_all($d4, \@moved) || {} }), $moved,
   'and they are the keys that missed');
stop_child($proxy4->{pid});
$node4->stop;

# ------------------------------------------------ e. a node dies

my $victim = 2;
my @dead_keys = grep { ($owner{$_} // -1) == $victim } @keys;
my @live_keys = grep { ($owner{$_} // $victim) != $victim } @keys;
is($nodes[$victim]->stop, 0, 'node3 stops on SIGTERM');
ok(server_closed($proxy, 'node3'), 'nutcracker sees its connection to node3 close');
send_cmd($ps, "get $dead_keys[0]\r\n");
my $error = read_line($ps);
is($error, "SERVER_ERROR Connection refused\r\n",
   'a key on the dead node: nutcracker answers SERVER_ERROR');
mem_get_is($ps, $live_keys[0], value_of($index{$live_keys[0]}),
           'the same proxy connection still serves a live key');
$got = get_all($ps, \@live_keys) || {};
is(scalar(keys %$got), scalar(@live_keys),
   'every key on the two live nodes is still served through the proxy');
is(wrong_values($got, \%index), 0, 'with its value');

# Each failed request counts towards server_failure_limit; then the node is
# ejected and its keys map to the live nodes (misses there).
my ($errors, $ejected, $tries) = (1, 0, 0);
my $deadline = time() + 5;
while (!$ejected && $tries < 50 && time() < $deadline) {
  my $key = $dead_keys[++$tries];
  send_cmd($ps, "get $key\r\n");
  my $reply = read_reply($ps);
  last unless defined $reply;
  if ($reply eq "END\r\n") {
    $ejected = 1;
  } elsif ($reply =~ /\ASERVER_ERROR /) {
    $errors++;
    sleep(0.02);
  } else {
    diag("unexpected reply: $reply");
    last;
  }
}
ok($ejected, "node3 is ejected after $errors error replies");
ok($errors >= 1 && $errors <= $kFailureLimit,
   "at most server_failure_limit ($kFailureLimit) errors before ejection");
# Ejection rebuilt the ring without node3: only node3's keys moved.
$got = get_all($ps, \@live_keys) || {};
is(scalar(keys %$got), scalar(@live_keys),
   'after ejection the live nodes\' keys are still where they were');
is(wrong_values($got, \%index), 0, 'with their values');
my @fresh = map { ["new:$_:after-eject", "fresh-$_"] } 1 .. 1000;
is(set_all($ps, \@fresh), 1000, 'after ejection 1,000 new keys are STORED');
$got = get_all($ps, [map { $_->[0] } @fresh]) || {};
is(scalar(grep { ($got->{$_->[0]} // '') eq $_->[1] } @fresh), 1000,
   'and read back through the proxy');
my $after = 0;
$after += stats($direct[$_])->{curr_items} for 0 .. 1;
is($after, $items[0] + $items[1] + 1000, 'the live nodes took them all');
stop_child($proxy->{pid});
$_->stop for @nodes;

# ------------------------------------------------ f. hashing clients

my @pool = map { MemcdTest->start(args => '-t 1 -m 64') } 1 .. 3;
my @psocks = map { $_->sock } @pool;
my %node_of_port = map { ($pool[$_]->port => $_) } 0 .. 2;

# Checks that every key of %$want (key => node index) is on that node and
# on no other, with its value; then the spread.
sub placement_ok {
  my ($want, $values, $name) = @_;
  local $Test::Builder::Level = $Test::Builder::Level + 1;
  my @ks = sort keys %$want;
  my $on = holdings(\@psocks, \@ks);
  my ($misplaced, $bad) = (0, 0);
  my @count = (0, 0, 0);
  for my $key (@ks) {
    my @where = grep { exists $on->[$_]{$key} } 0 .. 2;
    $count[$want->{$key}]++;
    if (@where != 1 || $where[0] != $want->{$key}) {
      $misplaced++;
    } elsif ($on->[$where[0]]{$key} ne $values->{$key}) {
      $bad++;
    }
  }
  is($misplaced, 0, "$name: every key on exactly its node");
  is($bad, 0, "$name: with its value");
  spread_ok(\@count, scalar @ks, $name);
}

{
  my $python = '/usr/bin/python3';
  my ($st, undef, $why) = run_bin(20, $python, '-c', 'import pymemcache');
  is($st, 0, "$python imports pymemcache (apt-get install python3-pymemcache)")
    or diag($why);
  my ($status, $out, $err) = run_bin(60, $python, "$top/t/hashclient.py",
    $kClientKeys, 'py:', map { '127.0.0.1:' . $_->port } @pool);
  is($status, 0, 'hashclient.py stores and reads back its keys') or diag($err);
  my (%want, %values, $unknown);
  for my $line (split /\n/, $out) {
    my ($key, $host, $port) = $line =~ /\A(\S+) ([\d.]+):(\d+)\z/ or next;
    $unknown++, next unless exists $node_of_port{$port};
    $want{$key} = $node_of_port{$port};
    $values{$key} = "v-$key";
  }
  is(scalar(keys %want), $kClientKeys, 'pymemcache: a node for every key');
  ok(!$unknown, 'pymemcache: only the pool\'s nodes');
  placement_ok(\%want, \%values, 'pymemcache HashClient (rendezvous)');
}

{
  for my $s (@psocks) {
    mem_cmd_is($s, "flush_all\r\n", "OK\r\n", 'flush a node');
  }
  my $loaded = eval { require Cache::Memcached::Fast; 1 };
  ok($loaded, 'Cache::Memcached::Fast loads '
     . '(apt-get install libcache-memcached-fast-perl)') or diag($@);
  my $mc = $loaded ? Cache::Memcached::Fast->new({
    servers => [map { '127.0.0.1:' . $_->port } @pool], ketama_points => 150,
    utf8 => 0, connect_timeout => 2, io_timeout => 5 }) : undef;
  my %values = map { ("cmf:$_" => "w-$_") } 1 .. $kClientKeys;
  my $res = $mc ? $mc->set_multi(map { [$_, $values{$_}] } keys %values) : {};
  is(scalar(grep { $res->{$_} } keys %values), $kClientKeys,
     'Cache::Memcached::Fast: set_multi stores every key');
  my $back = $mc ? $mc->get_multi(keys %values) : {};
  is(scalar(grep { ($back->{$_} // '') eq $values{$_} } keys %values),
     $kClientKeys, 'Cache::Memcached::Fast: get_multi reads them all back');
  my $on = holdings(\@psocks, [sort keys %values]);
  my %want;
  for my $n (0 .. 2) {
    $want{$_} = $n for keys %{ $on->[$n] };
  }
  is(scalar(keys %want), $kClientKeys, 'Cache::Memcached::Fast: every key on a node');
  placement_ok(\%want, \%values, 'Cache::Memcached::Fast ketama_points 150');
  $mc->disconnect_all if $mc;
}
$_->stop for @pool;

# ------------------------------------------------ g. contrib/cluster/pool.sh

{
  my $script = "$top/contrib/cluster/pool.sh";
  ok(-x $script, 'pool.sh is executable');
  my ($base, $pport, $sport);
  for (1 .. 20) {
    $base = free_port();
    ($pport, $sport) = (free_port(), free_port());
    my %distinct = map { ($_ => 1) } $base, $base + 1, $pport, $sport;
    last if keys %distinct == 4 && IO::Socket::INET->new(
      LocalAddr => '127.0.0.1', LocalPort => $base + 1, Proto => 'tcp',
      Listen => 1);
  }
  my $out = "$dir/pool.out";
  my $pid = spawn($out, { MEMCD_BIN => memcd_bin(), NUTCRACKER_BIN => $kNutcracker },
                  $script, '-n', 2, '-p', $pport, '-b', $base, '-s', $sport,
                  '--', '-t', 1, '-m', 16);
  my $ready = proxy_ready({ pid => $pid, port => $pport });
  ok($ready, 'pool.sh: the proxy serves a set/get') or diag(read_log($out));
  # The proxy may answer a moment before pool.sh prints its list.
  my $deadline = time() + 5;
  sleep(0.05) while read_log($out) !~ /stops the pool/ && time() < $deadline;
  my @pids = read_log($out) =~ /\(.*?pid (\d+)\)/g;
  is(scalar @pids, 3, 'pool.sh: lists the proxy and 2 nodes with their pids')
    or diag(read_log($out));
  is(stop_child($pid), 0, 'pool.sh: exits 0 on SIGTERM');
  # pool.sh waited for its children, so they are gone, not zombies.
  my @alive = grep { kill 0, $_ } @pids;
  is("@alive", '', 'pool.sh: its memcd and nutcracker children are gone');
}

done_testing();
