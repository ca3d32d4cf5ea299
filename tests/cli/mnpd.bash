# Shared by the tests that drive a real clearinghouse over HTTP (sourced after lib.bash, not
# run): builds a store with four operators, a regulator, the demo number plan and routing
# numbers, starts mnpd on an ephemeral loopback port with the test clock, and provides http()
# for plain HTTP/1.1 requests over bash's /dev/tcp. Keys land in cmcc, cucc, ctcc, cbn and miit;
# the daemon's pid in mnpd_pid and its port in port. mnpd_stop stops it with SIGTERM and checks
# that it exits cleanly.

mnpd="$MNP_BIN_DIR/mnpd"
data="${MNP_SOURCE_DIR:?}/data"
db="$tmp/ch.db"

# The test clock starts at 2026-11-25T10:00:00Z and moves only when a test says.
test_clock_start=1795600800000

# mnpd_setup: the store, with every operator of the demo plan and a regulator.
mnpd_setup() {
    cmcc=$("$bin" operator add CMCC --name 'China Mobile' --db "$db")
    cucc=$("$bin" operator add CUCC --name 'China Unicom' --db "$db")
    ctcc=$("$bin" operator add CTCC --name 'China Telecom' --db "$db")
    cbn=$("$bin" operator add CBN --name 'China Broadnet' --db "$db")
    miit=$("$bin" regulator add MIIT --db "$db")
    "$bin" numplan import "$data/blocks-demo.csv" --db "$db" >/dev/null
    "$bin" routing import "$data/routing-demo.csv" --db "$db" >/dev/null
    cat >"$tmp/ch.conf" <<CONF
[clearinghouse]
listen = 127.0.0.1:0
store = sqlite:$db
key_file = $db.key
CONF
}

# mnpd_start: starts mnpd on the store and waits until it is ready; its log goes to
# $tmp/mnpd.log.
mnpd_start() {
    rm -f "$tmp/mnpd.fifo"
    mkfifo "$tmp/mnpd.fifo"
    "$mnpd" --config "$tmp/ch.conf" --test-clock "$test_clock_start" 2>"$tmp/mnpd.fifo" &
    mnpd_pid=$!
    trap 'kill -TERM $mnpd_pid 2>/dev/null || true; wait $mnpd_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    exec 4<"$tmp/mnpd.fifo"
    port=""
    local line
    # The port from the first listening line; then every role is up at the ready line.
    while IFS= read -r -t 30 -u 4 line; do
        if [[ -z "$port" && "$line" =~ msg=\"listening\".*addr=127\.0\.0\.1:([0-9]+) ]]; then
            port=${BASH_REMATCH[1]}
        fi
        [[ "$line" =~ msg=\"ready\" ]] && break
    done
    check_match "mnpd listening" '^[0-9]+$' "$port"
    # Keep reading its log so that it never blocks on a full pipe.
    cat <&4 >>"$tmp/mnpd.log" &
    exec 4<&-
}

# mnpd_stop: SIGTERM, and a clean exit (under the sanitizers this is also where leaks would
# fail the exit status).
mnpd_stop() {
    kill -TERM "$mnpd_pid"
    local rc
    set +e
    wait "$mnpd_pid"
    rc=$?
    set -e
    check "mnpd stops cleanly" 0 "$rc"
}

# http METHOD PATH KEY [BODY]: sets status and body (the response's).
http() {
    # In the C locale ${#4} counts bytes, as Content-Length must (bodies may hold Chinese text).
    local LC_ALL=C req auth=""
    [[ -n "$3" ]] && auth="Authorization: Bearer $3"$'\r\n'
    req="$1 $2 HTTP/1.1"$'\r\n'"Host: t"$'\r\n'"Connection: close"$'\r\n'"$auth"
    if (($# > 3)); then
        req+="Content-Type: application/json"$'\r\n'"Content-Length: ${#4}"$'\r\n\r\n'"$4"
    else
        req+=$'\r\n'
    fi
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf '%s' "$req" >&3
    local resp
    resp=$(tr -d '\r' <&3)
    exec 3<&-
    status=$(head -1 <<<"$resp" | cut -d' ' -f2)
    body=$(sed '1,/^$/d' <<<"$resp")
}

# json_int NAME: the first integer member NAME of $body.
json_int() {
    sed -nE "s/.*\"$1\":([0-9]+).*/\\1/p" <<<"$body" | head -1
}

# advance MS: moves the test clock forward by MS and runs the timers.
advance() {
    http POST /v1/test/clock "" "{\"advance_ms\":$1}"
    check "clock +$1: 200" 200 "$status"
}

# gateway_operator CODE [CLEARINGHOUSE]: prints the [operator "CODE"] section of a gateway tenant
# for one of the four operators of mnpd_setup, after writing its key to $tmp/code.key (mode 0600,
# lower-case file names); its store is $tmp/code.db. CLEARINGHOUSE defaults to local.
gateway_operator() {
    local code=$1 lower=${1,,} key name svc
    case "$code" in
    CMCC) key=$cmcc name=中国移动 svc=10086 ;;
    CUCC) key=$cucc name=中国联通 svc=10010 ;;
    CTCC) key=$ctcc name=中国电信 svc=10000 ;;
    CBN) key=$cbn name=中国广电 svc=10099 ;;
    *) echo "gateway_operator: unknown operator $code" >&2 && return 1 ;;
    esac
    (umask 077 && printf '%s\n' "$key" >"$tmp/$lower.key")
    printf '[operator "%s"]\nname = %s\nservice_number = %s\nclearinghouse = %s\n' "$code" \
        "$name" "$svc" "${2:-local}"
    printf 'api_key_file = %s\nstore = sqlite:%s\n' "$tmp/$lower.key" "$tmp/$lower.db"
}
