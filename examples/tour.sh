#!/bin/sh
# A walk through kldsim: boot a core kernel on a private socket, build a
# module from C, load it, look at it, unload it, shut down.
# Run from anywhere: sh examples/tour.sh  (needs clang for the build step)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kld="node $here/../bin/kld.js"
work=$(mktemp -d)
trap 'KLD_SOCKET=$work/s/kld.sock $kld shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export KLD_SOCKET="$work/s/kld.sock"

say() { printf '\n$ %s\n' "$*"; }

say kld boot none -m none
$kld boot none -m none
say kld build -o counter.ko counter.c
$kld build -o "$work/counter.ko" "$here/counter/counter.c"
say kld load ./counter.ko
$kld load "$work/counter.ko"
say kld stat -v
$kld stat -v
say kld sym counter_value
$kld sym counter_value
say kld malloc
$kld malloc
say kld unload counter.ko
$kld unload counter.ko
say kld dmesg
$kld dmesg | grep counter
