#!/bin/bash
# Shared set-up for run.sh and test.sh: installs the Debian packages that are
# missing (apt-get update runs at most once, and only when something is
# missing), then configures and builds in ./build. Quick when nothing changed.
# Usage: scripts/setup.sh [configure flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# libsasl2-modules: SASL's PLAIN mechanism, which -S and t/sasl.t need.
# libssl-dev: OpenSSL 3, for TLS (-Z).
BUILD_PACKAGES="g++ make autoconf automake libtool pkg-config perl
  libevent-dev libgoogle-glog-dev libgflags-dev googletest libgtest-dev
  libsasl2-dev libsasl2-modules libssl-dev"
# sasl2-bin: saslpasswd2, for t/sasl.t's sasldb case (skipped without it).
# openssl, libio-socket-ssl-perl: t/tls.t's certificates and TLS client.
# prometheus: promtool, for t/metrics.t's check of the /metrics page.
# nutcracker: twemproxy, for t/cluster.t's pool behind a proxy.
TEST_PACKAGES="python3 python3-pymemcache libcache-memcached-perl
  libcache-memcached-fast-perl libmemcached-tools sasl2-bin
  openssl libio-socket-ssl-perl prometheus nutcracker"
# clang, libclang-rt-14-dev: libFuzzer, for the fuzz targets (a separate
# clang build dir, configure --enable-fuzzing; doc/fuzzing.md).
FUZZ_PACKAGES="clang libclang-rt-14-dev"
packages=$BUILD_PACKAGES
[ "${MEMCD_WITH_TEST_TOOLS:-0}" = 1 ] && packages="$packages $TEST_PACKAGES $FUZZ_PACKAGES"
case " $* " in *" --enable-fuzzing "*) packages="$packages $FUZZ_PACKAGES" ;; esac

missing=()
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  ./autogen.sh
fi
mkdir -p build
cd build
flags="$*"
if [ ! -f config.status ] || [ "$(cat .configure-flags 2>/dev/null)" != "$flags" ]; then
  ../configure "$@"
  echo "$flags" > .configure-flags
fi
make -j"$(nproc)"
