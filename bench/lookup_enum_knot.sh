#!/usr/bin/env bash
# bench/lookup_enum_knot.sh: ENUM for N ported numbers (default 1 million) from an mnp lookup
# replica and from Knot DNS (Debian's knot) serving the same numbers as a zone, measured in one
# run with the same generator (bench/udp_load --proto dns), one UDP worker each, in turns over
# three rounds (medians), with each server's resident memory.
#   1. gen_ported writes the numbers, gen_blocks gives their blocks local networks, and the
#      routing numbers are data/routing-demo.csv's;
#   2. the replica starts from a snapshot of them in its state directory (no clearinghouse);
#   3. Knot loads a zone file with one NAPTR per number, written from the same data.
# Usage: bench/lookup_enum_knot.sh [BUILD_DIR] [--count N] [--seconds S] [--inflight K]
set -euo pipefail

# shellcheck source=bench/lib/bench.bash
source "$(dirname "$0")/lib/bench.bash"

build=build
count=1000000
seconds=5
inflight=256
while (($# > 0)); do
    case "$1" in
    --count) count=$2 && shift 2 ;;
    --seconds) seconds=$2 && shift 2 ;;
    --inflight) inflight=$2 && shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" && exit 0 ;;
    *) build=$1 && shift ;;
    esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
command -v knotd >/dev/null || { echo "lookup_enum_knot: knotd is missing (apt-get install knot)" >&2; exit 1; }
for prog in bin/mnpd bin/mnpctl bench/gen_ported bench/gen_blocks bench/udp_load; do
    [[ -x "$build/$prog" ]] || { echo "lookup_enum_knot: $build/$prog is missing; run make" >&2; exit 1; }
done
build=$(cd "$build" && pwd)
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
mkdir state knot

echo "== $count ported numbers, their blocks, a snapshot and a zone"
"$build/bench/gen_ported" --count "$count" --seed 1 >ported.csv
"$build/bench/gen_blocks" <ported.csv >blocks.csv
"$build/bin/mnpctl" npdb build --input ported.csv --output state/npdb.snapshot --seq 1 | tail -1
awk -F, -v routing="$src/data/routing-demo.csv" -v blocks="blocks.csv" '
    BEGIN {
        while ((getline l < routing) > 0) { split(l, f, ","); rn[f[1] "," f[2]] = f[3] }
        while ((getline l < blocks) > 0) { split(l, f, ","); ln[f[1]] = f[3] }
        print "$ORIGIN e164.arpa."
        print "$TTL 300"
        print "@ SOA ns.mnp.invalid. hostmaster.mnp.invalid. 1 3600 600 86400 60"
        print "@ NS ns.mnp.invalid."
    }
    NR > 1 || $1 ~ /^[0-9]/ {
        n = $1; r = rn[$2 "," ln[substr(n, 3, 7)]]
        if (r == "") next
        name = ""
        for (i = length(n); i >= 1; i--) name = name substr(n, i, 1) "."
        printf "%se164.arpa. NAPTR 10 100 \"u\" \"E2U+pstn:tel\" \"!^(.*)$!tel:\\\\1;npdi;rn=%s!\" .\n", name, r
    }' ported.csv >knot/e164.arpa.zone
echo "zone: $(($(wc -l <knot/e164.arpa.zone) - 4)) NAPTR records, $(wc -c <knot/e164.arpa.zone) bytes"
rm ported.csv

(umask 077 && "$build/bin/mnpctl" replica add BENCH --db keys.db >replica.key)
cat >lookup.conf <<CONF
[lookup]
listen = 127.0.0.1:0
clearinghouse = http://127.0.0.1:9
api_key_file = $work/replica.key
state_dir = $work/state
blocks = $work/blocks.csv
routing = $src/data/routing-demo.csv
enum_listen = 127.0.0.1:0
workers = 1
CONF
knot_port=$((30000 + RANDOM % 20000))
cat >knot.conf <<CONF
server:
    listen: 127.0.0.1@$knot_port
    rundir: $work/knot
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: $work/knot
template:
  - id: default
    storage: $work/knot
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: e164.arpa
    file: e164.arpa.zone
log:
  - target: stderr
    any: info
CONF

"$build/bin/mnpd" --config lookup.conf 2>mnpd.log &
pids+=($!)
mnpd_pid=$!
enum=$(started mnpd.log '.*role=enum addr=127\.0\.0\.1:([0-9]+).*')
t0=$(date +%s%N)
knotd -c knot.conf 2>knot.log &
pids+=($!)
knot_pid=$!
started knot.log '.*(zone file parsed).*' 600 >/dev/null
started knot.log '.*(loaded, serial).*' 600 >/dev/null
echo "knot loaded the zone in $((($(date +%s%N) - t0) / 1000000)) ms"

load() { # load PORT
    "$build/bench/udp_load" --port "$1" --proto dns --inflight "$inflight" --seconds "$seconds" \
        --ported-count "$count" --ported-seed 1 --json
}
reps=() knots=()
for round in 1 2 3; do
    r=$(load "$enum")
    k=$(load "$knot_port")
    echo "round $round: replica $(field qps "$r") q/s ($(field hits_found "$r") of $(field hits_answered "$r") with rn), knot $(field qps "$k") q/s ($(field hits_found "$k") of $(field hits_answered "$k") with rn)"
    reps+=("$(field qps "$r")")
    knots+=("$(field qps "$k")")
done
q=$(printf '%s\n' "${reps[@]}" | median)
b=$(printf '%s\n' "${knots[@]}" | median)
rss_m=$(ps -o rss= -p "$mnpd_pid" | tr -d ' ')
rss_k=$(ps -o rss= -p "$knot_pid" | tr -d ' ')
awk -v q="$q" -v b="$b" -v rm="$rss_m" -v rk="$rss_k" -v n="$count" \
    'BEGIN { printf "ENUM at %d ported numbers, one worker each: replica %.0f q/s, %.2fx Knot DNS " \
             "(%.0f q/s; medians of 3 rounds); resident memory replica %.1f MB, Knot %.1f MB " \
             "(1/%.0f)\n", n, q, q / b, b, rm / 1024, rk / 1024, rk / rm }'
