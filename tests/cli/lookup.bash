# Shared by the tests of a lookup replica (sourced after mnpd.bash, not run): its credential and
# configuration, starting it, waiting for it and stopping it, and waiting until it applied the
# feed up to a sequence number.

# lookup_start CONF: starts mnpd with CONF (a [lookup] section) and reads its log until it is up
# and has a snapshot to answer from; sets lookup_pid and the ports it logged: lookup_http,
# lookup_pdb, lookup_enum (empty when it has no such server). Its log goes on to
# $tmp/lookup.log.
lookup_start() {
    rm -f "$tmp/lookup.fifo"
    mkfifo "$tmp/lookup.fifo"
    "$mnpd" --config "$1" 2>"$tmp/lookup.fifo" &
    lookup_pid=$!
    exec 5<"$tmp/lookup.fifo"
    lookup_http="" lookup_pdb="" lookup_enum=""
    local line up=0 serving=0
    while IFS= read -r -t 30 -u 5 line; do
        [[ "$line" =~ role=lookup\ addr=127\.0\.0\.1:([0-9]+) ]] && lookup_http=${BASH_REMATCH[1]}
        [[ "$line" =~ role=pdb\ addr=127\.0\.0\.1:([0-9]+) ]] && lookup_pdb=${BASH_REMATCH[1]}
        [[ "$line" =~ role=enum\ addr=127\.0\.0\.1:([0-9]+) ]] && lookup_enum=${BASH_REMATCH[1]}
        [[ "$line" =~ msg=\"ready\" ]] && up=1
        [[ "$line" =~ msg=\"lookup\ replica\ ready\" ]] && serving=1
        ((up && serving)) && break
    done
    cat <&5 >>"$tmp/lookup.log" &
    exec 5<&-
}

# lookup_stop: SIGTERM to the replica started by lookup_start, and a clean exit.
lookup_stop() {
    local st
    kill -TERM "$lookup_pid"
    set +e
    wait "$lookup_pid"
    st=$?
    set -e
    check "the replica stops cleanly" 0 "$st"
}

# lookup_wait_seq SEQ: waits until the replica (its /metrics on $lookup_http) reflects the feed
# up to SEQ, pausing on the clearinghouse's long poll (at most 1 s a try, 20 tries).
lookup_wait_seq() {
    local i s ch=$port
    for ((i = 0; i < 20; i++)); do
        port=$lookup_http
        http GET /metrics ""
        port=$ch
        s=$(sed -nE 's/^mnp_lookup_seq ([0-9]+)$/\1/p' <<<"$body")
        [[ -n "$s" && "$s" -ge "$1" ]] && return 0
        http GET "/v1/events?after=1000000000&wait=1" "$miit"
    done
    check "the replica reached seq $1" "$1" "$s"
}

# lookup_setup [KEY=VALUE...]: after mnpd_setup and mnpd_start, a replica credential
# ($tmp/lookup.key) and $tmp/lookup.conf: a [lookup] on ephemeral ports following the
# clearinghouse on $port, with its state in $tmp/state and the given extra keys. Sets ch_port.
lookup_setup() {
    ch_port=$port
    (umask 077 && "$bin" replica add LOOKUP1 --db "$db" >"$tmp/lookup.key")
    {
        printf '[lookup]\nlisten = 127.0.0.1:0\nclearinghouse = http://127.0.0.1:%s\n' "$ch_port"
        printf 'api_key_file = %s\nstate_dir = %s\n' "$tmp/lookup.key" "$tmp/state"
        printf '%s\n' "$@"
    } >"$tmp/lookup.conf"
}
