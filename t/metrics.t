#!/usr/bin/perl
# -o metrics_port: GET /metrics in the Prometheus text format. Values agree
# with "stats", each command family's latency histogram counts exactly the
# requests made, promtool accepts the page, and other paths are 404.
# doc/observability.md describes the page.
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use File::Temp qw(tempfile);
use Time::HiRes qw(sleep);
use MemcdTest;

plan skip_all => 'memcd only (memcached has no /metrics)' unless is_memcd();

my $mport = MemcdTest::_free_port();
# hot_keys_sample=1: every request sampled, so hot key counts are exact.
my $srv = MemcdTest->start(args => "-t 2 -o metrics_port=$mport,hot_keys_sample=1");
my $http = HTTP::Tiny->new(timeout => 5);
my $url = "http://127.0.0.1:$mport/metrics";

# The cache port may accept a moment before the metrics port is bound.
sub fetch {
  my ($u) = @_;
  my $r;
  for (1 .. 50) {
    $r = $http->get($u);
    last unless $r->{status} == 599;  # HTTP::Tiny: connection failed
    sleep(0.1);
  }
  return $r;
}

# "name{labels}" => value; and the TYPE of each family.
sub parse_page {
  my ($page) = @_;
  my (%v, %type, %help);
  for my $line (split /\n/, $page) {
    if ($line =~ /^# TYPE (\S+) (\S+)$/) { $type{$1} = $2; next }
    if ($line =~ /^# HELP (\S+) (.+)$/) { $help{$1} = $2; next }
    next if $line =~ /^#/;
    $line =~ /^(\S+(?:\{.*\})?) (\S+)$/ or do { diag("bad line: $line"); next };
    $v{$1} = $2;
  }
  return (\%v, \%type, \%help);
}

my $sock = $srv->sock;
my %want = map { $_ => 0 } qw(get set delete incr_decr touch meta_get meta_set
  meta_delete meta_arithmetic other);

for my $i (1 .. 20) {
  my $val = sprintf('v%02d', $i);
  mem_cmd_is($sock, "set k$i 0 0 3\r\n$val\r\n", "STORED\r\n"); $want{set}++;
}
mem_cmd_is($sock, "add k1 0 0 1\r\nx\r\n", "NOT_STORED\r\n"); $want{set}++;
for my $i (1 .. 30) {  # 20 hits, 10 misses
  send_cmd($sock, "get k$i\r\n"); read_reply($sock); $want{get}++;
}
mem_cmd_is($sock, "get k1 k2 k3\r\n",
           "VALUE k1 0 3\r\nv01\r\nVALUE k2 0 3\r\nv02\r\nVALUE k3 0 3\r\nv03\r\nEND\r\n");
$want{get}++;  # one request, three keys
mem_cmd_is($sock, "delete k20\r\n", "DELETED\r\n"); $want{delete}++;
mem_cmd_is($sock, "delete nope\r\n", "NOT_FOUND\r\n"); $want{delete}++;
mem_cmd_is($sock, "set n 0 0 1\r\n5\r\n", "STORED\r\n"); $want{set}++;
mem_cmd_is($sock, "incr n 3\r\n", "8\r\n"); $want{incr_decr}++;
mem_cmd_is($sock, "decr n 1\r\n", "7\r\n"); $want{incr_decr}++;
mem_cmd_is($sock, "touch k1 100\r\n", "TOUCHED\r\n"); $want{touch}++;
mem_cmd_is($sock, "gat 100 k2\r\n", "VALUE k2 0 3\r\nv02\r\nEND\r\n"); $want{touch}++;
mem_cmd_is($sock, "mg k1 v\r\n", "VA 3\r\nv01\r\n"); $want{meta_get}++;
mem_cmd_is($sock, "ms m1 2\r\nmv\r\n", "HD\r\n"); $want{meta_set}++;
mem_cmd_is($sock, "md m1\r\n", "HD\r\n"); $want{meta_delete}++;
mem_cmd_is($sock, "ma n\r\n", "HD\r\n"); $want{meta_arithmetic}++;
mem_cmd_is($sock, "mn\r\n", "MN\r\n"); $want{other}++;
# A heavy key whose name needs escaping in a label: '"' and '\'.
my $odd = 'q"uo\\te';
mem_cmd_is($sock, "set $odd 0 0 1\r\nz\r\n", "STORED\r\n"); $want{set}++;
for (1 .. 25) { send_cmd($sock, "get $odd\r\n"); read_reply($sock); $want{get}++ }

my $st = stats($sock); $want{other}++;
my $slabs = stats($sock, 'slabs'); $want{other}++;
my $items = stats($sock, 'items'); $want{other}++;

my $r = fetch($url);
is($r->{status}, 200, 'GET /metrics is 200');
like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4},
     'Content-Type names format 0.0.4');
my $page = $r->{content};
my ($v, $type, $help) = parse_page($page);

# Counters against "stats" (none of these moves with a "stats" command).
for my $stat (qw(get_hits get_misses cmd_get cmd_set delete_hits delete_misses
                 incr_hits decr_hits touch_hits total_items)) {
  is($v->{"memcd_${stat}_total"}, $st->{$stat}, "memcd_${stat}_total = stats $stat");
  is($type->{"memcd_${stat}_total"}, 'counter', "$stat is a counter");
  ok(defined $help->{"memcd_${stat}_total"}, "$stat has HELP");
}
is($st->{get_hits}, 20 + 3 + 1 + 25, 'get_hits as made (sanity)');
for my $stat (qw(curr_items limit_maxbytes threads curr_connections uptime)) {
  is($v->{"memcd_$stat"}, $st->{$stat}, "memcd_$stat = stats $stat")
    unless $stat eq 'uptime' || $stat eq 'curr_connections';
  is($type->{"memcd_$stat"}, 'gauge', "$stat is a gauge");
}
cmp_ok(abs($v->{memcd_uptime} - $st->{uptime}), '<=', 1, 'uptime');
ok(!exists $v->{memcd_version}, 'no sample for the string stat "version"');
like($page, qr/^memcd_build_info\{version="\Q$st->{version}\E",libevent="[^"]+"\} 1$/m,
     'build_info carries the version');

# Per slab class gauges and counters, labelled by class.
my @classes = map { /^(\d+):used_chunks$/ ? $1 : () } keys %$slabs;
ok(@classes >= 1, 'some slab class in use');
for my $c (@classes) {
  is($v->{"memcd_slabs_used_chunks{class=\"$c\"}"}, $slabs->{"$c:used_chunks"},
     "slabs used_chunks class $c");
  is($v->{"memcd_items_number{class=\"$c\"}"}, $items->{"items:$c:number"},
     "items number class $c") if exists $items->{"items:$c:number"};
}
is($type->{memcd_slabs_used_chunks}, 'gauge', 'per-class used_chunks is a gauge');
is($type->{memcd_items_evicted_total}, 'counter', 'per-class evicted is a counter');

# Latency histograms: exact counts per family, cumulative buckets.
is($type->{memcd_request_duration_seconds}, 'histogram', 'latency is a histogram');
for my $f (sort keys %want) {
  my $l = "command=\"$f\"";
  is($v->{"memcd_request_duration_seconds_count{$l}"}, $want{$f},
     "$f: _count is the requests made ($want{$f})");
  is($v->{"memcd_request_duration_seconds_bucket{$l,le=\"+Inf\"}"}, $want{$f},
     "$f: +Inf bucket = count");
  my @b = map { $v->{$_} } sort {
    my ($x) = $a =~ /le="([^"]+)"/; my ($y) = $b =~ /le="([^"]+)"/;
    ($x eq '+Inf' ? 1e99 : $x) <=> ($y eq '+Inf' ? 1e99 : $y)
  } grep { /^memcd_request_duration_seconds_bucket\{\Q$l\E,/ } keys %$v;
  is(scalar(@b), 22, "$f: 21 finite buckets and +Inf");
  ok(!(grep { $b[$_] < $b[$_ - 1] } 1 .. $#b), "$f: buckets are cumulative");
  my $sum = $v->{"memcd_request_duration_seconds_sum{$l}"};
  if ($want{$f}) {
    ok($sum > 0 && $sum < $want{$f}, "$f: _sum is positive and under a second each");
  } else {
    is($sum, 0, "$f: _sum is 0");
  }
}

# Hot keys as gauges, the label escaped per the format.
is($type->{memcd_hot_key_reads}, 'gauge', 'hot key reads: gauge');
like($page, qr/^memcd_hot_key_reads\{rank="1",key="q\\"uo\\\\te"\} 25$/m,
     'hottest read key first, escaped, counted exactly');
# "n": set, incr, decr and ma.
like($page, qr/^memcd_hot_key_writes\{rank="1",key="n"\} 4$/m, 'hottest written key');

# promtool (Debian package "prometheus") must accept the page.
my ($promtool) = grep { -x "$_/promtool" } split /:/, $ENV{PATH};
SKIP: {
  if (!$promtool) {
    fail('promtool is installed (CI=true requires it)') if ($ENV{CI} // '') eq 'true';
    skip 'promtool not installed (apt-get install prometheus)', 1;
  }
  my ($fh, $file) = tempfile(UNLINK => 1);
  print $fh $page;
  close $fh;
  my $out = `"$promtool/promtool" check metrics < "$file" 2>&1`;
  is($? >> 8, 0, 'promtool check metrics accepts the page') or diag($out);
}

# Other paths, and a query string.
is(fetch("http://127.0.0.1:$mport/")->{status}, 404, '/ is 404');
is(fetch("http://127.0.0.1:$mport/metricsx")->{status}, 404, '/metricsx is 404');
is(fetch("$url?x=1")->{status}, 200, '/metrics?x=1 is 200');
is($http->request('POST', $url)->{status}, 501, 'POST is refused');

# Scraping is not a request: the histograms did not move.
($v) = parse_page(fetch($url)->{content});
is($v->{'memcd_request_duration_seconds_count{command="other"}'}, $want{other},
   'scrapes are not counted as requests');

done_testing();
