#!/usr/bin/perl
# SASL over the binary protocol (-S), with memcached 1.6.18's exact reply
# packets: the mechanism list, refusal before authentication, PLAIN through
# memcached's own password file ($MEMCACHED_SASL_PWDB) and through a sasldb
# made by saslpasswd2, the AUTH_CONTINUE step, the auth_cmds/auth_errors
# counters (also counted by -Y ASCII authentication), and -S's rules for
# -B and -U.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Sys::Hostname qw(hostname);
use Test::More;
use MemcdBinary;
use MemcdTest;

my %OP = (get => 0x00, set => 0x01, noop => 0x0a, version => 0x0b,
          stat => 0x10, sasl_list => 0x20, sasl_auth => 0x21,
          sasl_step => 0x22);
my %ST = (ok => 0, einval => 4, auth_error => 0x20, auth_continue => 0x21,
          unknown => 0x81);

# A request: req(op, key => , extras => , value => , cas => , opaque => ).
sub req { my ($op, %a) = @_; return bin_request($OP{$op}, %a) }

# A reply: res(op, status, cas => , extras => , key => , body => , opaque => ).
sub res { my ($op, $status, %a) = @_; return bin_reply($OP{$op}, $ST{$status}, %a) }

sub auth_error { my ($op, %a) = @_; return res($op, 'auth_error', body => 'Auth failure.', %a) }
sub plain { my ($user, $pass) = @_; return "\0$user\0$pass" }

# Reads one whole reply packet as raw bytes; undef on EOF or timeout.
sub read_packet {
  my ($sock) = @_;
  my $h = read_bytes($sock, 24);
  return undef unless defined $h;
  my $len = unpack('N', substr($h, 8, 4));
  my $body = $len ? read_bytes($sock, $len) : '';
  return defined $body ? $h . $body : undef;
}

# Sends $req and compares the next reply packet byte for byte.
sub bin_is {
  my ($sock, $req, $want, $name) = @_;
  send_cmd($sock, $req);
  my $got = read_packet($sock);
  is(defined $got ? unpack('H*', $got) : 'undef', unpack('H*', $want), $name);
}

sub bin_stats {
  my ($sock, $group) = @_;
  send_cmd($sock, req('stat', key => $group));
  my %st;
  while (defined(my $p = read_packet($sock))) {
    my ($kl, $el) = unpack('n C', substr($p, 2, 3));
    my $key = substr($p, 24 + $el, $kl);
    my $body = substr($p, 24 + $el + $kl);
    last if $key eq '' && $body eq '';
    $st{$key} = $body;
  }
  return \%st;
}

sub write_file {
  my ($path, $text) = @_;
  open(my $fh, '>', $path) or die "$path: $!";
  print $fh $text;
  close $fh;
  chmod 0644, $path;
}

my $dir = tempdir('memcd-sasl-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
# A conf for SASL application "memcached": PLAIN only, and a sasldb of our
# own (created below if saslpasswd2 is there), never the system's.
write_file("$dir/memcached.conf",
           "mech_list: plain\nsasldb_path: $dir/sasldb\n");
# SASL hands the password file "user@realm", the realm being the host name.
my $realm = hostname();
write_file("$dir/pwdb", "alice\@$realm:secret\ncarol\@$realm:pw:extra\n");
my %env = (SASL_CONF_PATH => $dir, MEMCACHED_SASL_PWDB => "$dir/pwdb");

my $srv = MemcdTest->start(args => '-S', env => \%env, debug_time => 0);

{
  my $s = $srv->sock;
  bin_is($s, req('sasl_list', opaque => 7), res('sasl_list', 'ok', body => 'PLAIN', opaque => 7),
         'SASL_LIST_MECHS: the conf\'s mech_list');
  send_cmd($s, req('version'));
  my $v = read_packet($s);
  is(defined $v ? unpack('C', substr($v, 7, 1)) : -1, 0, 'VERSION needs no authentication');
  bin_is($s, req('sasl_step', key => 'PLAIN', value => plain('alice', 'secret')),
         auth_error('sasl_step'), 'SASL_STEP before SASL_AUTH: AUTH_ERROR');
  bin_is($s, req('sasl_auth', key => 'PLAIN', value => plain('alice', 'wrong'), opaque => 9),
         auth_error('sasl_auth', opaque => 9), 'PLAIN, wrong password: AUTH_ERROR');
  bin_is($s, req('sasl_auth', key => 'NOSUCH', value => 'x'), auth_error('sasl_auth'),
         'an unknown mechanism: AUTH_ERROR');
  bin_is($s, req('sasl_auth', key => 'P' x 33, value => 'abc'),
         res('sasl_auth', 'einval', body => 'Invalid arguments'),
         'a mechanism over 32 bytes: EINVAL, its data swallowed');
  bin_is($s, req('sasl_list'), res('sasl_list', 'ok', body => 'PLAIN'),
         'failures leave the connection open');
  bin_is($s, req('get', key => 'foo', opaque => 0x01020304),
         auth_error('get', opaque => 0x01020304), 'GET before authentication: AUTH_ERROR');
  ok(wait_for_eof($s), 'and the connection is closed');
}

for my $op (qw(noop stat)) {
  my $s = $srv->sock;
  bin_is($s, req($op), auth_error($op), "\U$op\E before authentication: AUTH_ERROR");
  ok(wait_for_eof($s), 'and closed');
}

# Debian's memcached is built without its password file (no
# --enable-sasl-pwdb): these two blocks are memcd's only when run against it.
SKIP: {
  skip 'the reference memcached has no MEMCACHED_SASL_PWDB support', 6 unless is_memcd();
  my $s = $srv->sock;
  bin_is($s, req('sasl_auth', key => 'PLAIN', value => plain('alice', 'secret'), opaque => 3),
         res('sasl_auth', 'ok', body => 'Authenticated', opaque => 3),
         'PLAIN with the password file: Authenticated');
  bin_is($s, req('set', key => 'foo', extras => pack('NN', 1, 0), value => 'bar'),
         res('set', 'ok', cas => 1), 'then SET works');
  bin_is($s, req('get', key => 'foo'), res('get', 'ok', extras => pack('N', 1), body => 'bar', cas => 1),
         'and GET');
  # As memcached: a SASL request first drops the authentication.
  bin_is($s, req('sasl_list'), res('sasl_list', 'ok', body => 'PLAIN'), 'SASL_LIST_MECHS again');
  bin_is($s, req('noop'), auth_error('noop'), 'which unauthenticates the connection');
  ok(wait_for_eof($s), 'closed');
}

SKIP: {
  skip 'the reference memcached has no MEMCACHED_SASL_PWDB support', 8 unless is_memcd();
  my $s = $srv->sock;
  bin_is($s, req('sasl_auth', key => 'PLAIN'), res('sasl_auth', 'auth_continue'),
         'PLAIN without data: AUTH_CONTINUE');
  bin_is($s, req('sasl_step', key => 'PLAIN', value => plain('carol', 'pw')),
         res('sasl_step', 'ok', body => 'Authenticated'),
         'SASL_STEP with the credentials (fields past the password ignored)');
  bin_is($s, req('noop'), res('noop', 'ok'), 'authenticated');
  # 5 checks so far: 2 good, 3 bad (the step before a start, the wrong
  # password, the unknown mechanism); EINVAL and AUTH_CONTINUE do not count.
  my $st = bin_stats($s, '');
  is($st->{auth_cmds}, 5, 'auth_cmds');
  is($st->{auth_errors}, 3, 'auth_errors');
  my $set = bin_stats($s, 'settings');
  is($set->{auth_enabled_sasl}, 'yes', 'stats settings: auth_enabled_sasl yes');
  is($set->{binding_protocol}, 'binary', '-S implies -B binary');
  bin_stats($s, 'reset');
  $st = bin_stats($s, '');
  is("$st->{auth_cmds} $st->{auth_errors}", '0 0', 'stats reset zeroes both');
}

# A sasldb made with saslpasswd2, as memcached deployments use.
SKIP: {
  my ($st) = run_bin(10, 'sh', '-c', "printf hunter2 | saslpasswd2 -p -f $dir/sasldb -a memcached -c bob");
  skip 'saslpasswd2 (sasl2-bin) is not installed', 3 unless defined $st && $st == 0;
  chmod 0644, "$dir/sasldb";
  my $s = $srv->sock;
  bin_is($s, req('sasl_auth', key => 'PLAIN', value => plain('bob', 'nope')),
         auth_error('sasl_auth'), 'sasldb user, wrong password');
  bin_is($s, req('sasl_auth', key => 'PLAIN', value => plain('bob', 'hunter2')),
         res('sasl_auth', 'ok', body => 'Authenticated'), 'sasldb user authenticates');
  bin_is($s, req('noop'), res('noop', 'ok'), 'and may run commands');
}
$srv->stop;

# Without -S the SASL opcodes are unknown commands.
{
  my $plain = MemcdTest->start(args => '-B binary');
  my $s = $plain->sock;
  bin_is($s, req('sasl_auth', key => 'PLAIN', value => plain('alice', 'secret')),
         res('sasl_auth', 'unknown', body => 'Unknown command'), 'no -S: SASL_AUTH unknown');
  bin_is($s, req('noop'), res('noop', 'ok'), 'its data was swallowed');
  is(bin_stats($s, 'settings')->{auth_enabled_sasl}, 'no', 'auth_enabled_sasl no');
  $plain->stop;
}

# -S accepts only the binary protocol, and no UDP.
for my $case (['-B ascii', qr/You cannot allow the ASCII protocol while using SASL\./],
              ['-B auto', qr/You cannot allow the ASCII protocol while using SASL\./],
              ['-U 11299', qr/Cannot enable UDP while using binary SASL authentication\./]) {
  my ($args, $why) = @$case;
  local @ENV{keys %env} = values %env;
  my ($status, $out, $err) = run_bin(10, memcd_bin(), '-p', '0', '-S', split(' ', $args),
                                     ($> == 0 ? ('-u', 'root') : ()));
  is($status, 64, "-S $args: refused (EX_USAGE)");
  like($err, $why, 'with memcached\'s reason');
}

# No SASL configuration anywhere: memcached refuses to start, status 1.
SKIP: {
  my @confs = grep { -e } map { "$_/memcached.conf" } '/etc/sasl', '/etc/sasl2';
  skip "this machine has @confs, so SASL has a configuration", 2 if @confs;
  local $ENV{SASL_CONF_PATH};
  delete $ENV{SASL_CONF_PATH};
  my ($status, $out, $err) = run_bin(10, memcd_bin(), '-p', '0', '-S',
                                     ($> == 0 ? ('-u', 'root') : ()));
  is($status, 1, '-S without a SASL configuration: exit status 1');
  like($err, qr/Error initializing sasl/, 'with the reason');
}

# -Y (ASCII authentication) counts in auth_cmds and auth_errors too.
{
  write_file("$dir/authfile", "alice:secret\n");
  my $y = MemcdTest->start(args => "-Y $dir/authfile");
  my $s = $y->sock;
  mem_cmd_is($s, "set k 0 0 9\r\nalice bad\r\n", "CLIENT_ERROR authentication failure\r\n");
  mem_cmd_is($s, "set k 0 0 5\r\nalice\r\n", "CLIENT_ERROR bad authentication token format\r\n");
  mem_cmd_is($s, "set k 0 0 12\r\nalice secret\r\n", "STORED\r\n");
  my $st = stats($s);
  is("$st->{auth_cmds} $st->{auth_errors}", '2 1', '-Y: a bad format is not counted');
  $y->stop;
}

done_testing();
