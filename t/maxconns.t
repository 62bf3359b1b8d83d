#!/usr/bin/perl
# -c N: at most N client connections; the next is answered
# "ERROR Too many open connections" and closed, and counted; when clients
# leave, new ones are accepted again.
use strict;
use warnings;
use Test::More;
use MemcdTest;

# memcached needs -c 20 -t 1 just to start (it sizes its fd limit by -c).
my $max = 20;
my $srv = MemcdTest->start(args => "-c $max -t 1");
my $reject = "ERROR Too many open connections\r\n";

# Opens clients until one is rejected (bounded); returns (accepted sockets,
# the rejected socket's reply, the rejected socket).
sub fill {
  my @ok = @_;
  for (1 .. $max + 5) {
    my $s = $srv->sock;
    send_cmd($s, "version\r\n");
    my $line = read_line($s, 3);
    if (defined $line && $line =~ /^VERSION /) {
      push @ok, $s;
      next;
    }
    return (\@ok, $line, $s);
  }
  return (\@ok, undef, undef);
}

# Wait until the server has reaped start()'s probe connection, so that
# only our own clients count.
my $first = $srv->sock;
is(wait_stat($first, 'curr_connections', 1), 1, 'one client connected');
my ($clients, $line, $rejected) = fill($first);
is(scalar @$clients, $max, "exactly -c $max clients accepted [memcd-only: memcached keeps some for itself]");
is($line, $reject, 'the next one gets "ERROR Too many open connections"');
ok($rejected && wait_for_eof($rejected, 3), 'and is closed');
my $again = $srv->sock;
is(read_line($again, 3), $reject, 'another attempt is rejected too');
ok(wait_for_eof($again, 3), 'and closed');

my $st = stats($clients->[0]);
is($st->{rejected_connections}, 2, 'stats rejected_connections');
is(wait_stat($clients->[0], 'curr_connections', scalar @$clients), scalar @$clients,
   'stats curr_connections counts the clients, not the rejected');

# Three clients leave; exactly three new ones fit.
my $before = $st->{total_connections};
close($_) for splice(@$clients, -3);
is(wait_stat($clients->[0], 'curr_connections', scalar @$clients), scalar @$clients,
   'curr_connections drops when clients leave');
my ($more, $line2) = fill();
is(scalar @$more, 3, 'three new clients accepted after three left');
is($line2, $reject, 'then rejected again');
push @$clients, @$more;
mem_cmd_is($more->[0], "set k 0 0 1\r\nv\r\n", "STORED\r\n", 'a new client works');
mem_get_is($clients->[0], 'k', 'v', 'an old client still works');
$st = stats($clients->[0]);
is($st->{rejected_connections}, 3, 'rejected_connections counts every rejection');
cmp_ok($st->{total_connections}, '>=', $before + 3, 'total_connections grows');

is($srv->stop, 0, 'server stops cleanly with -c clients connected');
done_testing();
