#!/usr/bin/perl
# The slab page mover: "slabs reassign" / "slabs automove" replies as
# memcached 1.6.18 gives them, a page moved on request, and automove feeding
# a class that memory filled by another class had left without a page.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use MemcdTest;

my $small_value = 'v' x 100;
my $big_value = 'B' x 51200;

# Fills the cache with 100-byte values until it evicts (or a bound).
sub fill_small {
  my ($sock) = @_;
  my $n = 0;
  for my $batch (1 .. 40) {
    my $req = '';
    for (1 .. 2000) {
      $req .= "set s$n 0 0 100 noreply\r\n$small_value\r\n";
      $n++;
    }
    send_cmd($sock, $req . "version\r\n");
    my $line = read_line($sock);
    die "unexpected reply to a fill batch: $line" unless $line =~ /^VERSION /;
    last if stats($sock)->{evictions} > 0;
  }
  return $n;
}

# Class ids (from "stats slabs") holding pages, by chunk size.
sub classes {
  my ($sock) = @_;
  my $st = stats($sock, 'slabs');
  my %pages;
  for my $k (keys %$st) {
    $pages{$1} = $st->{$k} if $k =~ /^(\d+):total_pages$/;
  }
  my %size;
  for my $k (keys %$st) {
    $size{$1} = $st->{$k} if $k =~ /^(\d+):chunk_size$/;
  }
  return (\%pages, \%size);
}

sub set_big {
  my ($sock, $key) = @_;
  send_cmd($sock, "set $key 0 0 " . length($big_value) . "\r\n$big_value\r\n");
  return read_line($sock);
}

# --- replies ---
{
  my $srv = MemcdTest->start(args => '-m 8 -o slab_automove=0');
  my $sock = $srv->sock;
  my @cases = (
    ["slabs reassign 1 2\r\n", "NOSPARE source class has no spare pages\r\n"],
    ["slabs reassign 0 1\r\n", "NOSPARE source class has no spare pages\r\n"],
    ["slabs reassign 1 0\r\n", "NOSPARE source class has no spare pages\r\n"],
    ["slabs reassign 1 1\r\n", "SAME src and dst class are identical\r\n"],
    ["slabs reassign 0 0\r\n", "SAME src and dst class are identical\r\n"],
    ["slabs reassign -1 1\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign -2 1\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign 1 -1\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign 1 40\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign 40 1\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign 2147483648 1\r\n", "BADCLASS invalid src or dst class id\r\n"],
    ["slabs reassign 1x 2\r\n", "CLIENT_ERROR bad command line format\r\n"],
    ["slabs reassign 99999999999999999999 1\r\n",
     "CLIENT_ERROR bad command line format\r\n"],
    ["slabs reassign 1\r\n", "ERROR\r\n"],
    ["slabs reassign 1 2 noreply\r\n", "ERROR\r\n"],
    ["slabs automove 0\r\n", "OK\r\n"],
    ["slabs automove 2\r\n", "OK\r\n"],
    ["slabs automove 01\r\n", "OK\r\n"],
    ["slabs automove 3\r\n", "ERROR\r\n"],
    ["slabs automove abc\r\n", "CLIENT_ERROR bad command line format\r\n"],
    ["slabs automove -1\r\n", "CLIENT_ERROR bad command line format\r\n"],
    ["slabs automove ratio 0.5\r\n", "OK\r\n"],
    ["slabs automove ratio\r\n", "ERROR\r\n"],
    ["slabs automove ratio x\r\n", "ERROR\r\n"],
    ["slabs automove\r\n", "ERROR\r\n"],
    ["slabs foo 1 2\r\n", "ERROR\r\n"],
    ["slabs\r\n", "ERROR\r\n"],
  );
  mem_cmd_is($sock, $_->[0], $_->[1]) for @cases;
  # stats settings shows what "slabs automove" set, as memcached.
  mem_cmd_is($sock, "slabs automove 2\r\n", "OK\r\n");
  mem_cmd_is($sock, "slabs automove ratio 0.25\r\n", "OK\r\n");
  my $set = stats($sock, 'settings');
  is($set->{slab_automove}, 2, 'stats settings: slab_automove as set');
  is($set->{slab_automove_ratio}, '0.25', 'stats settings: slab_automove_ratio as set');
  send_cmd($sock, "slabs automove 0 noreply\r\nversion\r\n");
  like(read_line($sock), qr/^VERSION /, 'slabs automove noreply is silent');
  is(stats($sock, 'settings')->{slab_automove}, 0, 'and back to 0');
  my $st = stats($sock);
  for my $name (qw(slab_reassign_rescues slab_reassign_chunk_rescues
                   slab_reassign_evictions_nomem slab_reassign_inline_reclaim
                   slab_reassign_busy_items slab_reassign_busy_deletes
                   slab_reassign_running slabs_moved slab_global_page_pool)) {
    is($st->{$name}, '0', "stats has $name 0");
  }
}

{
  my $srv = MemcdTest->start(args => '-m 8 -o no_slab_reassign');
  my $sock = $srv->sock;
  mem_cmd_is($sock, "slabs reassign 1 2\r\n",
             "CLIENT_ERROR slab reassignment disabled\r\n");
  mem_cmd_is($sock, "slabs reassign 1\r\n", "ERROR\r\n");
  mem_cmd_is($sock, "slabs automove 2\r\n", "OK\r\n");
}

# --- a page moved on request ---
{
  my $srv = MemcdTest->start(args => '-m 8 -o slab_automove=0');
  my $sock = $srv->sock;
  fill_small($sock);
  my ($pages, $size) = classes($sock);
  my ($small) = grep { $pages->{$_} > 1 } keys %$pages;
  ok(defined $small, 'the 100-byte class holds the pages');
  # The class of a 50 KB value, by the default -n 48 / -f 1.25 rule (the
  # same chunk sizes as memcached's): it has no page yet.
  my ($big, $chunk) = (1, 96);
  while ($chunk < 51200 + 100) {
    my $next = int($chunk * 1.25);
    $next = int(($next + 7) / 8) * 8;
    $chunk = $next > $chunk + 8 ? $next : $chunk + 8;
    $big++;
  }
  my $first = set_big($sock, 'big0');
  if (MemcdTest::is_memcd()) {
    # memcd's -m is strict: no page is left for the new class.
    is($first, "SERVER_ERROR out of memory storing object\r\n",
       'no page for 50 KB values');
  }
  mem_cmd_is($sock, "slabs reassign $small $small\r\n",
             "SAME src and dst class are identical\r\n");
  mem_cmd_is($sock, "slabs reassign $small $big\r\n", "OK\r\n");
  is(wait_stat($sock, 'slabs_moved', '1', 10), '1', 'one page moved');
  is(wait_stat($sock, 'slab_reassign_running', '0', 10), '0', 'move ended');
  ($pages) = classes($sock);
  # memcached also gives each class a first page past -m.
  is($pages->{$big}, MemcdTest::is_memcd() ? 1 : 2,
     'the 50 KB class got the page');
  is(set_big($sock, 'big1'), "STORED\r\n", 'a 50 KB value is stored');
  ok(stats($sock)->{slab_reassign_evictions_nomem} > 0,
     'items of a full class are evicted from the moved page');
}

# --- automove (memcached's default 1) ---
{
  my $srv = MemcdTest->start(args => '-m 8');
  my $sock = $srv->sock;
  fill_small($sock);
  my $stored = 0;
  my $writes = 0;
  my $deadline = time() + 15;
  while ($stored < 10 && time() < $deadline) {
    my $r = set_big($sock, "big$writes");
    $writes++;
    if ($r eq "STORED\r\n") {
      $stored++;
    } else {
      is($r, "SERVER_ERROR out of memory storing object\r\n",
         'until a page moves, the write is refused') if $stored == 0 && $writes == 1;
      $stored = 0;
      sleep(0.1);
    }
  }
  is($stored, 10, "10 50 KB writes in a row stored after $writes writes");
  ok(stats($sock)->{slabs_moved} >= 1, 'automove moved pages')
    if MemcdTest::is_memcd();
  my ($pages, $size) = classes($sock);
  my ($big) = grep { $size->{$_} >= 51200 && $pages->{$_} } keys %$size;
  ok(defined $big && $pages->{$big} >= 1, 'the 50 KB class has pages');
  mem_get_is($sock, 'big' . ($writes - 1), $big_value);
}

done_testing();
