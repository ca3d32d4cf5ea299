#!/usr/bin/env bash
# Starts the real mnpd on 127.0.0.1 with an ephemeral port and drives it as an operator's
# supervisor would: the logfmt startup lines, /healthz, /readyz, /metrics and a problem body
# over a plain TCP connection, SIGHUP reopening a rotated log file, SIGTERM stopping cleanly,
# and configuration errors refused with file and line. Start-up and log lines are read from
# FIFOs, so the test waits on events, never on the clock. Run by ctest with MNP_BIN_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
mnpd="$MNP_BIN_DIR/mnpd"
[[ -x "$mnpd" ]] || { echo "no executable $mnpd" >&2; exit 1; }

# get PORT PATH: one HTTP/1.0 request over bash's /dev/tcp; sets reply (headers and body).
get() {
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.0\r\nHost: test\r\n\r\n' "$2" >&3
    reply=$(tr -d '\r' <&3)
    exec 3<&-
}

# await FD PATTERN: reads lines from FD until one matches (bounded by a generous timeout, which
# only a failing run ever reaches); sets line.
await() {
    line=""
    while IFS= read -r -t 30 -u "$1" line; do
        [[ "$line" =~ $2 ]] && return 0
    done
    return 1
}

cat >"$tmp/a.conf" <<CONF
[mnpd]
log_level = info
drain_timeout = 5s

[clearinghouse]
listen = 127.0.0.1:0
store = sqlite:$tmp/ch.db
key_file = $tmp/ch.key
CONF

mkfifo "$tmp/stderr"
"$mnpd" --config "$tmp/a.conf" 2>"$tmp/stderr" &
pid=$!
exec 4<"$tmp/stderr"
await 4 'msg="listening"' && ok=yes || ok=no
check "start: listening line" yes "$ok"
check_match "start: logfmt line with role and address" \
    '^level=info time=[0-9T:.-]+Z msg="listening" role=clearinghouse addr=127\.0\.0\.1:[0-9]+ ' "$line"
port=$(sed -E 's/.*addr=127\.0\.0\.1:([0-9]+).*/\1/' <<<"$line")
await 4 'msg="ready"' && ok=yes || ok=no
check "start: ready line" yes "$ok"
check "start: key file private" "-rw-------" "$(stat -c %A "$tmp/ch.key")"
check "start: store created" yes "$([[ -s "$tmp/ch.db" ]] && echo yes || echo no)"

get "$port" /healthz
check_match "healthz" $'^HTTP/1\\.[01] 200 .*\n\nok$' "$reply"
get "$port" /readyz
check_match "readyz" $'^HTTP/1\\.[01] 200 .*\n\nready$' "$reply"
get "$port" /metrics
check_match "metrics: counts the requests so far" \
    'mnp_http_requests_total\{route="healthz",method="GET",status="200"\} 1' "$reply"
get "$port" /v1/nothing-here
check_match "unknown path: problem body" \
    $'^HTTP/1\\.[01] 404 .*Content-Type: application/problem\\+json.*\n\n\\{"status":404,"code":"not_found",' \
    "$(tr '\n' '\1' <<<"$reply" | sed 's/\x01\x01/\n\n/; s/\x01/ /g')"

kill -TERM "$pid"
await 4 'msg="stopping"' && ok=yes || ok=no
check "stop: stopping line" yes "$ok"
check_match "stop: names the signal" 'signal=SIGTERM' "$line"
await 4 'msg="stopped"' && ok=yes || ok=no
check "stop: stopped line" yes "$ok"
set +e
wait "$pid"
status=$?
set -e
check "stop: exit status" 0 "$status"
exec 4<&-

# Log rotation: the log file is a FIFO the test reads; after it is moved away and a new one
# made, SIGHUP makes mnpd write to the new one.
sed -i "s|^drain_timeout = 5s|&\nlog_file = $tmp/mnpd.log|" "$tmp/a.conf"
mkfifo "$tmp/mnpd.log"
"$mnpd" --config "$tmp/a.conf" 2>"$tmp/b.stderr" &
pid=$!
exec 5<"$tmp/mnpd.log"
await 5 'msg="ready"' && ok=yes || ok=no
check "log file: ready line in it" yes "$ok"
mv "$tmp/mnpd.log" "$tmp/mnpd.log.1"
mkfifo "$tmp/mnpd.log"
kill -HUP "$pid"
exec 6<"$tmp/mnpd.log"
await 6 'msg="log file reopened"' && ok=yes || ok=no
check "log file: reopened line in the new file" yes "$ok"
kill -TERM "$pid"
await 6 'msg="stopped"' && ok=yes || ok=no
check "log file: stopped line in the new file" yes "$ok"
set +e
wait "$pid"
status=$?
set -e
check "log file: exit status" 0 "$status"
check "log file: nothing on stderr" "" "$(cat "$tmp/b.stderr")"
exec 5<&- 6<&-

# Configuration errors name the file and line; --check validates without starting.
printf '[clearinghouse]\nlisten = 127.0.0.1:0\nlistn = 1\n' >"$tmp/typo.conf"
run_status() {
    set +e
    out=$("$mnpd" "$@" 2>"$tmp/err")
    status=$?
    set -e
    err=$(cat "$tmp/err")
}
run_status --config "$tmp/typo.conf"
check "typo: exit status" 1 "$status"
check "typo: message" "mnpd: $tmp/typo.conf:3: unknown key 'listn' in [clearinghouse]" "$err"
printf '[web]\n' >"$tmp/role.conf"
run_status --config "$tmp/role.conf"
check "unknown section: exit status" 1 "$status"
check_match "unknown section: message" "role\.conf:1: unknown section \[web\]" "$err"
printf '[lookup]\nclearinghouse = local\n' >"$tmp/lookup.conf"
run_status --config "$tmp/lookup.conf"
check "lookup alone: exit status" 1 "$status"
check_match "lookup alone: it needs a listener" "lookup\.conf:1: \[lookup\] listen is required" "$err"
printf '[clearinghouse]\nkey_file = k\n' >"$tmp/nostore.conf"
run_status --config "$tmp/nostore.conf"
check "no store: exit status" 1 "$status"
check_match "no store: says what to add" 'store is required \(e\.g\. store = sqlite:ch\.db\)' "$err"
run_status --config "$tmp/a.conf" --check
check "check: exit status" 0 "$status"
check "check: silent" "" "$out$err"
run_status --config "${MNP_SOURCE_DIR:?}/etc/mnpd.conf.example" --check
check "shipped example: valid" 0 "$status"
run_status --config "$tmp/missing.conf"
check "missing config: exit status" 1 "$status"
run_status
check "no --config: exit status" 2 "$status"
check_match "no --config: hint" "pass --config FILE" "$err"
run_status --frobnicate
check "unknown option: exit status" 2 "$status"
run_status --help
check "help: exit status" 0 "$status"
check_match "help: usage" '^Usage: mnpd --config FILE' "$out"
run_status --version
check_match "version" '^mnpd [0-9]+\.[0-9]+\.[0-9]+$' "$out"

finish
