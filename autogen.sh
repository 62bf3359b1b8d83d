#!/bin/sh
# Regenerates the build system: configure, Makefile.in and the aux scripts.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
