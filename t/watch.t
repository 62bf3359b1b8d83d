#!/usr/bin/perl
# "watch" (memcached 1.6.18's logger): the replies to the command, each
# event type's line field by field on a watcher, two watchers with
# different masks, a watcher that goes away, -W, the log_* stats, a watcher
# that never reads (the server keeps serving in bounded memory), and
# "stats detail" counting meta and binary requests too.
use strict;
use warnings;
use Test::More;
use MemcdTest;

my $TS = qr/ts=\d+\.\d+ gid=(\d+)/;

# "version" answers: the connection still serves.
sub version_ok {
  my ($s, $name) = @_;
  send_cmd($s, "version\r\n");
  like(read_line($s) // '', qr/^VERSION /, $name);
}

# Sends $req and reads $len reply bytes, unbuffered (fast enough for
# thousands of rounds; the MemcdTest buffer of $s must be empty).
sub raw_roundtrip {
  my ($s, $req, $len) = @_;
  syswrite($s, $req) == length $req or die "short write";
  my $buf;
  while ($len > 0) {
    my $r = sysread($s, $buf, 65536);
    die "read failed" unless $r;
    $len -= $r;
  }
}

# Everything $s sends until it is quiet for a second.
sub raw_drain {
  my ($s) = @_;
  my ($all, $buf, $rin) = ('', '', '');
  vec($rin, fileno($s), 1) = 1;
  while (select(my $rout = $rin, undef, undef, 1) > 0) {
    last unless sysread($s, $buf, 1 << 20);
    $all .= $buf;
  }
  return $all;
}

# Log lines from $w until one matches $until (or a quiet timeout).
sub watch_lines {
  my ($w, $until) = @_;
  my @lines;
  while (defined(my $line = read_line($w))) {
    push @lines, $line;
    last if $line =~ $until;
  }
  return @lines;
}

# Every line matches its pattern, in order, with increasing gids.
sub lines_like {
  my ($lines, $patterns, $name) = @_;
  is(scalar(@$lines), scalar(@$patterns), "$name: line count")
    or diag(join('', @$lines));
  my $last = 0;
  for my $i (0 .. $#$patterns) {
    my $line = $lines->[$i] // '';
    like($line, qr/^$TS $patterns->[$i]\n\z/, "$name: line $i");
    my ($gid) = $line =~ /gid=(\d+)/;
    ok(defined $gid && $gid > $last, "$name: gid $i increases") if defined $gid;
    $last = $gid if defined $gid;
  }
}

{
  my $srv = MemcdTest->start(args => '-m 2');
  my $c = $srv->sock;

  # Replies to the command itself.
  for my $bad ('watch foo', 'watch fetchers bogus') {
    my $s = $srv->sock;
    mem_cmd_is($s, "$bad\r\n", "ERROR\r\n", "$bad refused as memcached 1.6.18");
    version_ok($s, 'connection still serves');
  }

  # deletions (newer memcached's; 1.6.18 refuses the word): delete, md and
  # binary DELETE, each with the item's class and size; misses, md I (stale)
  # and md x (emptied) are not deletions.
  if (is_memcd()) {
    my $d = $srv->sock;
    mem_cmd_is($d, "watch deletions\r\n", "OK\r\n", 'watch deletions');
    my $s = $srv->sock;
    mem_cmd_is($s, "set d$_ 0 0 $_\r\n" . ('a' x $_) . "\r\n", "STORED\r\n") for 1 .. 4;
    mem_cmd_is($s, "delete d1\r\n", "DELETED\r\n");
    mem_cmd_is($s, "delete nope\r\n", "NOT_FOUND\r\n");
    mem_cmd_is($s, "md d2 q\r\nmn\r\n", "MN\r\n");
    mem_cmd_is($s, "md d3 I\r\n", "HD\r\n");
    mem_cmd_is($s, "md d4 x\r\n", "HD\r\n");
    my $b = $srv->sock;  # a connection speaks one protocol
    send_cmd($b, pack('CCnCCnNNQ>', 0x80, 0x04, 2, 0, 0, 0, 2, 0, 0) . 'd3');
    my @del = watch_lines($d, qr/key=d3 /);
    lines_like(\@del, [qr/type=deleted key=d1 cmd=delete clsid=\d+ size=1/,
                       qr/type=deleted key=d2 cmd=md clsid=\d+ size=2/,
                       qr/type=deleted key=d3 cmd=delete clsid=\d+ size=3/],
               'deletions');
  }
  {
    my $s = $srv->sock;
    send_cmd($s, "watch fetchers noreply\r\nversion\r\n");
    like(read_line($s), qr/^VERSION /, 'noreply hushes the ERROR for the word "noreply"');
    send_cmd($s, "get x\r\nwatch\r\n");
    is(read_line($s), "END\r\n", 'reply before the watch');
    is(read_line($s), "CLIENT_ERROR cannot watch while processing commands\r\n",
       'no watch with replies queued');
  }

  my $w = $srv->sock;
  mem_cmd_is($w, "watch fetchers mutations evictions connevents\r\n", "OK\r\n", 'watch OK');
  my $g = $srv->sock;
  mem_cmd_is($g, "watch\r\n", "OK\r\n", 'watch with no argument: fetchers');

  my $n = $srv->sock;  # opened while watched: conn_new
  my $cfd = qr/cfd=\d+/;
  # $g's own connection first, then $n's.
  # The connections of the blocks above may still be closing: their
  # conn_close lines can come first and are not what this checks.
  my @conn = grep { !/type=conn_close/ }
             (watch_lines($w, qr/conn_new/), watch_lines($w, qr/conn_new/));
  lines_like(\@conn, [(qr/type=conn_new rip=127\.0\.0\.1 rport=\d+ transport=tcp $cfd/) x 2],
             'conn_new');

  send_cmd($n, "set foo 5 100 3\r\nbar\r\nget foo nope\r\nadd foo 0 0 1\r\nx\r\n" .
               "replace zz 0 0 1\r\nx\r\ncas foo 0 0 1 999\r\nx\r\n" .
               "set a%20b 0 0 1\r\nx\r\nmg a%20b v\r\nms kk 2 T50\r\nhi\r\n");
  my $answers = "STORED\r\nVALUE foo 5 3\r\nbar\r\nEND\r\nNOT_STORED\r\nNOT_STORED\r\n" .
                "EXISTS\r\nSTORED\r\nVA 1\r\nx\r\nHD\r\n";
  is(read_bytes($n, length $answers), $answers, 'commands answered');
  my @got = watch_lines($w, qr/key=kk /);
  lines_like(\@got, [
    qr/type=item_store key=foo status=stored cmd=set ttl=100 clsid=\d+ $cfd size=3/,
    qr/type=item_get key=foo status=found clsid=\d+ $cfd size=3/,
    qr/type=item_get key=nope status=not_found clsid=0 $cfd size=0/,
    qr/type=item_store key=foo status=not_stored cmd=add ttl=0 clsid=\d+ $cfd size=1/,
    qr/type=item_store key=zz status=not_stored cmd=replace ttl=0 clsid=\d+ $cfd size=1/,
    qr/type=item_store key=foo status=exists cmd=cas ttl=0 clsid=\d+ $cfd size=1/,
    qr/type=item_store key=a%2520b status=stored cmd=set ttl=0 clsid=\d+ $cfd size=1/,
    qr/type=item_get key=a%2520b status=found clsid=\d+ $cfd size=1/,
    qr/type=item_store key=kk status=stored cmd=set ttl=50 clsid=\d+ $cfd size=2/,
  ], 'fetchers and mutations');
  my @fetch = watch_lines($g, qr/key=a%2520b status=found/);
  lines_like(\@fetch, [
    qr/type=item_get key=foo status=found clsid=\d+ $cfd size=3/,
    qr/type=item_get key=nope status=not_found clsid=0 $cfd size=0/,
    qr/type=item_get key=a%2520b status=found clsid=\d+ $cfd size=1/,
  ], 'second watcher: fetchers only');

  # Binary get and set reach the watcher too.
  my $nb = $srv->sock;
  send_cmd($nb, pack('CCnCCnNNQ>', 0x80, 0x00, 3, 0, 0, 0, 3, 0, 0) . 'foo');
  my @bin = watch_lines($w, qr/item_get/);
  lines_like(\@bin, [qr/type=conn_new rip=127\.0\.0\.1 rport=\d+ transport=tcp $cfd/,
                     qr/type=item_get key=foo status=found clsid=\d+ $cfd size=3/],
             'binary get');
  close $nb;
  watch_lines($w, qr/conn_close/);
  close $n;
  my @closed = watch_lines($w, qr/conn_close/);
  lines_like(\@closed, [qr/type=conn_close rip=127\.0\.0\.1 rport=\d+ transport=tcp reason=normal $cfd/],
             'conn_close');

  # Evictions: fill 2 MB with 1000-byte values.
  my $e = $srv->sock;
  my $v = 'x' x 1000;
  for my $i (0 .. 2999) {
    send_cmd($e, "set key$i 0 0 1000 noreply\r\n$v\r\n");
  }
  version_ok($e, 'sets done');
  my ($ev) = grep { /eviction/ } watch_lines($w, qr/type=eviction/);
  like($ev // '', qr/^$TS type=eviction key=key\d+ fetch=no ttl=-1 la=\d+ clsid=\d+ size=1000\n\z/,
       'eviction line');

  # A watcher that goes away is dropped: log_watchers counts it out.
  my $st = stats($c);
  is($st->{log_watchers}, 2, 'two watchers');
  ok($st->{log_worker_written} > 0, 'log_worker_written counts');
  ok($st->{log_watcher_sent} > 0, 'log_watcher_sent counts');
  for my $k (qw(log_worker_dropped log_watcher_skipped)) {
    ok(exists $st->{$k}, "$k reported");
  }
  my @names = map { /^STAT (\S+)/ ? $1 : () } do {
    send_cmd($c, "stats\r\n");
    my @l;
    while (defined(my $l = read_line($c))) { last if $l eq "END\r\n"; push @l, $l }
    @l;
  };
  my $at = join(' ', @names);
  like($at, qr/log_worker_dropped log_worker_written log_watcher_skipped log_watcher_sent log_watchers/,
       'log_* stats in memcached order');
  close $g;
  is(wait_stat($c, 'log_watchers', 1), 1, 'closed watcher removed');
  close $w;
  is(wait_stat($c, 'log_watchers', 0), 0, 'all watchers gone');
  version_ok($c, 'server fine');
}

# -W: refused as memcached refuses it.
{
  my $srv = MemcdTest->start(args => '-W');
  my $s = $srv->sock;
  mem_cmd_is($s, "watch\r\n", "CLIENT_ERROR watch commands not allowed\r\n", '-W refuses');
  mem_cmd_is($s, "watch foo\r\n", "CLIENT_ERROR watch commands not allowed\r\n",
             '-W refuses before looking at the words');
  mem_cmd_is($s, "watch noreply\r\n", "", '-W: noreply hushes it');
  version_ok($s, 'still serving');
}

# A watcher that never reads: others are served and memory stays bounded.
{
  # Under ASan without quarantine, so RSS shows what the server holds.
  my $srv = MemcdTest->start(args => '-m 8', env => MemcdTest::asan_rss_env());
  my $w = $srv->sock;
  mem_cmd_is($w, "watch fetchers mutations\r\n", "OK\r\n", 'lazy watcher');
  my $s = $srv->sock;
  my $rss = sub {
    open(my $fh, '<', '/proc/' . $srv->pid . '/status') or return 0;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+) kB/ }
    return 0;
  };
  mem_cmd_is($s, "set k 0 0 1\r\nx\r\n", "STORED\r\n");
  my $reply = "VALUE k 0 1\r\nx\r\nEND\r\n";
  send_cmd($s, "get k\r\n" x 100);
  read_bytes($s, 100 * length $reply);
  my $before = $rss->();
  my $half;
  # Paced batches small enough for the thread buffers, so most lines reach
  # the watcher's bounded buffer and, once the kernel's socket buffers
  # (several MiB on loopback) are full, overflow it.
  for my $i (1 .. 2000) {
    raw_roundtrip($s, "get k\r\n" x 100, 100 * length $reply);
    select(undef, undef, undef, 0.002);
    $half = $rss->() if $i == 1000;
  }
  version_ok($s, 'served while the watcher sleeps');
  my $after = $rss->();
  # TSan's shadow and sync metadata grow with the first traffic whatever the
  # server holds: there, only growth over the second 100,000 gets counts.
  $before = $half if sanitizer() =~ /\btsan\b/;
  ok($after - $before < 4 * 1024, "RSS grew by less than 4 MiB (${before} kB -> ${after} kB)");
  my $st = stats($s);
  ok($st->{log_watcher_skipped} > 0, 'lines skipped for the sleeping watcher');
  ok($st->{log_worker_written} + $st->{log_worker_dropped} >= 200000, 'every event logged or dropped');
  # The watcher catches up: a "skipped=" line comes before further lines.
  my $all = raw_drain($w);
  raw_roundtrip($s, "get k\r\n", length $reply);
  $all .= raw_drain($w);
  like($all, qr/\nskipped=\d+\n$TS type=item_get key=k /, 'skipped count announced');
}

# -o worker_logbuf_size (KiB) bounds each thread's buffer: a burst larger
# than 1 KiB of records is partly dropped, and counted.
if (is_memcd()) {
  my $srv = MemcdTest->start(args => '-o worker_logbuf_size=1,watcher_logbuf_size=512');
  my $s = $srv->sock;
  my $st = stats($s, 'settings');
  is("$st->{worker_logbuf_size} $st->{watcher_logbuf_size}", '1024 524288',
     'stats settings: the buffer sizes in bytes');
  my $w = $srv->sock;
  mem_cmd_is($w, "watch fetchers\r\n", "OK\r\n");
  mem_cmd_is($s, "get k\r\n" x 200, "END\r\n" x 200, '200 gets at once');
  # The log thread adds a buffer's drops to the stats when it drains it.
  my $dropped = 0;
  for (1 .. 150) {
    $dropped = stats($s)->{log_worker_dropped};
    last if $dropped > 0;
    select(undef, undef, undef, 0.02);
  }
  ok($dropped > 0, 'a 1 KiB worker buffer drops some');
}

# "stats detail" counts meta and binary requests as text ones.
{
  my $srv = MemcdTest->start;
  my $s = $srv->sock;
  mem_cmd_is($s, "stats detail on\r\n", "OK\r\n");
  mem_cmd_is($s, "ms p:a 1\r\nx\r\n", "HD\r\n");
  mem_cmd_is($s, "mg p:a v\r\n", "VA 1\r\nx\r\n");
  mem_cmd_is($s, "mg p:b v\r\n", "EN\r\n");
  mem_cmd_is($s, "md p:a\r\n", "HD\r\n");
  my $b = $srv->sock;
  # Binary SET p:c, GET p:c, DELETE p:c.
  send_cmd($b, pack('CCnCCnNNQ>', 0x80, 0x01, 3, 8, 0, 0, 12, 0, 0) . pack('NN', 0, 0) . 'p:c' . 'y');
  send_cmd($b, pack('CCnCCnNNQ>', 0x80, 0x00, 3, 0, 0, 0, 3, 0, 0) . 'p:c');
  send_cmd($b, pack('CCnCCnNNQ>', 0x80, 0x04, 3, 0, 0, 0, 3, 0, 0) . 'p:c');
  my $replies = read_bytes($b, 24 + 24 + 4 + 1 + 24);
  ok(defined $replies, 'binary replies');
  mem_cmd_is($s, "stats detail dump\r\n", "PREFIX p get 3 hit 2 set 2 del 2\r\nEND\r\n",
             'meta and binary counted');
}

done_testing();
