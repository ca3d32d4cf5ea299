#!/usr/bin/env bash
# bench/lookup_pdb.sh: the lookup replica's pdb server against the null responder, in one run
# with the same generator (bench/udp_load), at N ported numbers (default 10 million):
#   1. gen_ported writes N numbers, mnpctl builds the snapshot into a replica's state directory;
#   2. mnpd's [lookup] role starts from that state (its clearinghouse is unreachable on purpose:
#      it answers from its local snapshot, as it does in production when the clearinghouse is
#      away) with a pdb server;
#   3. udp_load measures it and bench/udp_null in turns at K in flight (default 256), three
#      rounds (the ratio is of the medians), then the replica at 4,096 in flight (no loss
#      wanted), then both in open loop at half of the replica's peak (p99), and prints the
#      replica's resident memory (the reference pdb_server: 924 MB at 10 million, REFERENCE.md).
# Usage: bench/lookup_pdb.sh [BUILD_DIR] [--count N] [--seconds S] [--inflight K] [--workers W]
# (W worker threads for the replica's pdb server and for the null responder alike)
set -euo pipefail

# shellcheck source=bench/lib/bench.bash
source "$(dirname "$0")/lib/bench.bash"

build=build
count=10000000
seconds=5
inflight=256
workers=1
while (($# > 0)); do
    case "$1" in
    --count) count=$2 && shift 2 ;;
    --seconds) seconds=$2 && shift 2 ;;
    --inflight) inflight=$2 && shift 2 ;;
    --workers) workers=$2 && shift 2 ;;
    -h | --help) sed -n '2,12p' "$0" && exit 0 ;;
    *) build=$1 && shift ;;
    esac
done
for prog in bin/mnpd bin/mnpctl bench/gen_ported bench/udp_load bench/udp_null; do
    [[ -x "$build/$prog" ]] || { echo "lookup_pdb: $build/$prog is missing; run make" >&2; exit 1; }
done
build=$(cd "$build" && pwd)
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
mkdir state

echo "== $count ported numbers into a replica's state"
"$build/bench/gen_ported" --count "$count" --seed 1 >ported.csv
"$build/bin/mnpctl" npdb build --input ported.csv --output state/npdb.snapshot --seq 1 | tail -1
rm ported.csv
(umask 077 && "$build/bin/mnpctl" replica add BENCH --db keys.db >replica.key)
cat >lookup.conf <<CONF
[lookup]
listen = 127.0.0.1:0
clearinghouse = http://127.0.0.1:9
api_key_file = $work/replica.key
state_dir = $work/state
pdb_listen = 127.0.0.1:0
workers = $workers
CONF

load() { # load PORT INFLIGHT
    "$build/bench/udp_load" --port "$1" --proto pdb --inflight "$2" --seconds "$seconds" \
        --ported-count "$count" --ported-seed 1 --json
}

"$build/bin/mnpd" --config lookup.conf 2>mnpd.log &
pids+=($!)
mnpd_pid=$!
pdb=$(started mnpd.log '.*role=pdb addr=127\.0\.0\.1:([0-9]+).*')
"$build/bench/udp_null" --port 0 --workers "$workers" >null.out 2>&1 &
pids+=($!)
null=$(started null.out 'listening on 127\.0\.0\.1:([0-9]+)')

# This machine is shared and noisy: the two servers take turns, three rounds, and the medians
# make the ratio.
reps=() nulls=()
for round in 1 2 3; do
    r=$(load "$pdb" "$inflight")
    n=$(load "$null" "$inflight")
    echo "round $round: replica $(field qps "$r") q/s, null responder $(field qps "$n") q/s"
    reps+=("$(field qps "$r")")
    nulls+=("$(field qps "$n")")
done
q=$(printf '%s\n' "${reps[@]}" | median)
b=$(printf '%s\n' "${nulls[@]}" | median)
echo "== 4096 in flight"
replica_4k=$(load "$pdb" 4096)
echo "$replica_4k"
half=$((q / 2))
echo "== open loop at half of the replica's peak, $half q/s, both servers"
open_loop() {
    "$build/bench/udp_load" --port "$1" --proto pdb --rate "$half" --seconds "$seconds" \
        --ported-count "$count" --ported-seed 1 --json
}
replica_half=$(open_loop "$pdb")
null_half=$(open_loop "$null")
echo "$replica_half"
echo "$null_half"
rss_kb=$(ps -o rss= -p "$mnpd_pid" | tr -d ' ')

awk -v q="$q" -v b="$b" -v lost="$(field lost "$replica_4k")" -v rss="$rss_kb" -v n="$count" \
    -v p99="$(field p99_ns "$replica_half")" -v np99="$(field p99_ns "$null_half")" \
    -v half="$half" -v hlost="$(field lost "$replica_half")" \
    -v w="$workers" 'BEGIN { printf "pdb at %d ported numbers, %d worker(s): %.0f q/s, %.2fx the null responder (%.0f q/s; " \
             "medians of 3 rounds); lost at 4096 in flight: %d; at half of peak (%d q/s, open " \
             "loop) p99 %.3f ms (null responder %.3f ms), %d lost; resident memory %.1f MB " \
             "(%.1f bytes per number; 1/%.0f of the reference 924 MB)\n", n, w, q, q / b, b, \
             lost, half, p99 / 1e6, np99 / 1e6, hlost, rss / 1024, rss * 1024 / n, \
             924 * 1024 / rss }'
