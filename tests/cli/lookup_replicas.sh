#!/usr/bin/env bash
# Lookup replicas (mnpd's [lookup] role) following a real clearinghouse over HTTP: two replicas
# start from its snapshot and answer a port that reaches ACTIVE with the new operator and its
# routing number over all three protocols (HTTP, pdb, ENUM by kdig); one is killed with SIGKILL
# while a stream of changes arrives and, restarted, resumes from its own state and catches up
# without a gap; a third starts from an old copy of a replica's state and converges; with the
# clearinghouse gone they go on answering from what they have. Waits on the replicas' own figures; pauses are the clearinghouse's long poll (at most 1 s
# each, bounded). Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
for r in 1 2 3; do
    (umask 077 && "$bin" replica add "LOOKUP$r" --db "$db" >"$tmp/lookup$r.key")
done
mnpd_start
ch_port=$port
declare -A rpid rport rpdb renum

# replica_start N [STATE_DIR [CHANGES_MAX]]: a lookup-only mnpd following the clearinghouse; waits until it
# listens, is up and has something to answer from; sets rport[N], rpid[N] and its start-up log
# in started.
replica_start() {
    local n=$1 dir=${2:-$tmp/state$1} max=${3:-262144} line
    cat >"$tmp/lookup$n.conf" <<CONF
[lookup]
listen = 127.0.0.1:0
clearinghouse = http://127.0.0.1:$ch_port
api_key_file = $tmp/lookup$n.key
state_dir = $dir
blocks = $data/blocks-demo.csv
routing = $data/routing-demo.csv
pdb_listen = 127.0.0.1:0
enum_listen = 127.0.0.1:0
snapshot_after_changes = $max
CONF
    rm -f "$tmp/lookup$n.fifo"
    mkfifo "$tmp/lookup$n.fifo"
    "$mnpd" --config "$tmp/lookup$n.conf" 2>"$tmp/lookup$n.fifo" &
    rpid[$n]=$!
    exec 5<"$tmp/lookup$n.fifo"
    started=""
    rport[$n]=""
    local up=0 serving=0
    # Up (the "ready" line) and serving (a snapshot loaded, or its own state resumed).
    while IFS= read -r -t 30 -u 5 line; do
        started+="$line"$'\n'
        if [[ "$line" =~ msg=\"listening\"\ role=lookup\ addr=127\.0\.0\.1:([0-9]+) ]]; then
            rport[$n]=${BASH_REMATCH[1]}
        fi
        [[ "$line" =~ role=pdb\ addr=127\.0\.0\.1:([0-9]+) ]] && rpdb[$n]=${BASH_REMATCH[1]}
        [[ "$line" =~ role=enum\ addr=127\.0\.0\.1:([0-9]+) ]] && renum[$n]=${BASH_REMATCH[1]}
        [[ "$line" =~ msg=\"ready\" ]] && up=1
        [[ "$line" =~ msg=\"lookup\ replica\ (ready|resumes) ]] && serving=1
        ((up && serving)) && break
    done
    cat <&5 >>"$tmp/lookup$n.log" &
    exec 5<&-
    check_match "replica $n listens" '^[0-9]+$' "${rport[$n]}"
}
trap 'kill -KILL ${rpid[*]} 2>/dev/null || true; kill -TERM $mnpd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

# at_replica N METHOD PATH [BODY]: http() against replica N.
at_replica() {
    local n=$1
    shift
    port=${rport[$n]}
    http "$1" "$2" "" "${@:3}"
    port=$ch_port
}
# seq_of N: replica N's mnp_lookup_seq.
seq_of() {
    at_replica "$1" GET /metrics
    sed -nE 's/^mnp_lookup_seq ([0-9]+)$/\1/p' <<<"$body"
}
# caught_up N SEQ: waits until replica N reflects the feed up to SEQ (bounded).
caught_up() {
    local i s=""
    for ((i = 0; i < 20; i++)); do
        s=$(seq_of "$1")
        [[ -n "$s" && "$s" -ge "$2" ]] && break
        http GET "/v1/events?after=1000000000&wait=1" "$miit" # a pause of at most 1 s
    done
    check "replica $1 caught up with seq $2" yes "$([[ -n "$s" && "$s" -ge "$2" ]] && echo yes || echo "no ($s)")"
}

replica_start 1
replica_start 2
for r in 1 2; do
    at_replica "$r" GET /readyz
    check "replica $r is ready (it has the snapshot)" 200 "$status"
done

# Before any port: the range holder, with its routing number in Changsha.
num=13007301234
at_replica 1 GET "/v1/lookup/$num"
check_match "replica 1: China Unicom's number, not ported" \
    '"holder":"CUCC","local_network":"0731","number":"8613007301234","operator":"CUCC","ported":false,"routing_number":"1020731"' "$body"
at_replica 1 GET /v1/lookup/12345
check "replica: not a number, 400" "400 bad_number" "$status $(json_str code)"
cp -r "$tmp/state2" "$tmp/old-state" # an old copy, for replica 3 later
seq0=$(seq_of 2)

# A port to ACTIVE; both replicas answer the new operator with its routing number.
id=$(idcard 43010219900101123)
register "$cucc" "$num" "$id" 123456
submit_ok "$cmcc" "$num" "$id" 123456
accept "$order" "$cucc"
activate "$order"
# pdb_carrier N: replica N's pdb answer for $num (legacy form), its carrier id in hex.
pdb_carrier() {
    exec 6<>"/dev/udp/127.0.0.1/${rpdb[$1]}"
    printf '%s' "86$num" >&6
    timeout 1 dd bs=64 count=1 status=none <&6 | od -An -tx1 | tr -d ' \n' | tail -c 4 || true
    exec 6<&-
}
for r in 1 2; do
    caught_up "$r" "$npdb_seq"
    at_replica "$r" GET "/v1/lookup/+86%20130%200730%201234"
    check_match "replica $r over HTTP: ported to China Mobile, its Changsha routing number" \
        '"operator":"CMCC","ported":true,"routing_number":"1010731"' "$body"
    check "replica $r over pdb: China Mobile's carrier id" 0001 "$(pdb_carrier "$r")"
    check_match "replica $r over ENUM: rn of China Mobile in Changsha" ';npdi;rn=1010731!' \
        "$(kdig @127.0.0.1 -p "${renum[$r]}" +short +timeout=2 +retry=0 \
            4.3.2.1.0.3.7.0.0.3.1.6.8.e164.arpa NAPTR)"
done
at_replica 2 POST /v1/lookup "{\"numbers\":[\"$num\",\"13007301235\",\"x\"]}"
check_match "a batch, answered in order with one seq" \
    '^\{"answers":\[\{[^]]*"operator":"CMCC","ported":true[^]]*\},\{[^]]*"operator":"CUCC","ported":false[^]]*\},\{"error":"[^"]+","number":"x"\}\],"seq":[0-9]+\}$' "$body"

# A stream of changes: 20 ports cut over at once. Replica 1 is killed as they arrive.
first=13007302000
for ((i = 0; i < 20; i++)); do
    n=$((first + i))
    pid=$(idcard "4301021990010$((2000 + i))")
    register "$cucc" "$n" "$pid" 654321 >/dev/null
    submit_ok "$cmcc" "$n" "$pid" 654321 >/dev/null
    http POST "/v1/orders/$order/answer" "$cucc" '{}'
done
now_ms >/dev/null
http GET "/v1/orders/$order" "$miit"
cutover=$(json_int cutover_ms)
before=$(seq_of 1)
(http POST /v1/test/clock "" "{\"set_ms\":$cutover}") & # the 20 cutovers, one after another
clock_pid=$!
for ((i = 0; i < 500; i++)); do # the first of them reached replica 1: now it dies
    [[ "$(seq_of 1)" -gt "$before" ]] && break
done
kill -KILL "${rpid[1]}"
wait "${rpid[1]}" 2>/dev/null || true
wait "$clock_pid"
now_ms >/dev/null
http GET "/v1/orders/$order" "$miit"
last_seq=$(json_int npdb_seq)
replica_start 1
check_match "replica 1 resumes from its own state" 'msg="lookup replica resumes from its local state"' "$started"
caught_up 1 "$last_seq"
caught_up 2 "$last_seq"
for r in 1 2; do
    numbers=$(for ((i = 0; i < 20; i++)); do printf '"%s",' $((first + i)); done)
    at_replica "$r" POST /v1/lookup "{\"numbers\":[${numbers%,}]}"
    check "replica $r: all 20 ports, no gap" 20 "$(grep -o '"operator":"CMCC","ported":true' <<<"$body" | wc -l)"
done
at_replica 1 GET /metrics
check_match "replica 1 did not need a new snapshot" '^mnp_lookup_snapshots_loaded 0$' "$(grep '^mnp_lookup_snapshots_loaded' <<<"$body")"

# Replica 3 starts from the old copy (seq $seq0) and converges; it may hold 5 changes beside its
# snapshot, so catching up 21 makes it fetch a new one.
replica_start 3 "$tmp/old-state" 5
check_match "replica 3 resumes where its old copy was" \
    "msg=\"lookup replica resumes from its local state\" seq=$seq0 " "$started"
caught_up 3 "$last_seq"
at_replica 3 POST /v1/lookup "{\"numbers\":[\"$num\",${numbers%,}]}"
check "replica 3 from an old snapshot: every port" 21 "$(grep -o '"operator":"CMCC","ported":true' <<<"$body" | wc -l)"
at_replica 3 GET /metrics
check_match "replica 3 fetched a new snapshot when too far behind" \
    '^mnp_lookup_snapshots_loaded [1-9]' "$(grep '^mnp_lookup_snapshots_loaded' <<<"$body")"
check_match "and holds few changes beside it" '^mnp_lookup_held_changes [0-5]$' \
    "$(grep '^mnp_lookup_held_changes' <<<"$body")"

# The clearinghouse goes away: the replicas still answer, and say why they stand still.
mnpd_stop
at_replica 2 GET "/v1/lookup/$num"
check_match "replica 2 answers without the clearinghouse" '"operator":"CMCC","ported":true' "$body"
warned=$(timeout 30 tail -n +1 -f "$tmp/lookup2.log" | grep -m1 'cannot follow the clearinghouse' || true)
check_match "and logs that it answers from its local state" 'answering from the local state' "$warned"

for r in 1 2 3; do
    kill -TERM "${rpid[$r]}"
    set +e
    wait "${rpid[$r]}"
    st=$?
    set -e
    check "replica $r stops cleanly" 0 "$st"
done
trap 'rm -rf "$tmp"' EXIT
finish
