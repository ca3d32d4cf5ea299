#!/usr/bin/env bash
# An unmodified Kamailio 5.6 (Debian's kamailio, its pdb module) routes a SIP INVITE sent by sipp
# by the number's current operator, which it asks of an mnp lookup replica over the pdb
# protocol: before a port the call goes to China Unicom's network, after it to China Mobile's.
# Kamailio's configuration is etc/kamailio/pdb-routing.cfg; the sipp scenario
# tests/sipp/invite-redirect.xml fails the call unless the redirect names the expected operator.
# Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
# shellcheck source=tests/cli/lookup.bash
source "$(dirname "$0")/lookup.bash"
for tool in kamailio sipp; do
    command -v "$tool" >/dev/null ||
        { echo "$tool is missing: scripts/bootstrap installs kamailio and sip-tester" >&2; exit 1; }
done
src="${MNP_SOURCE_DIR:?}"
mnpd_setup
mnpd_start
lookup_setup "pdb_listen = 127.0.0.1:0"
lookup_start "$tmp/lookup.conf"
kam_pid=""
trap 'kill -TERM $kam_pid $lookup_pid $mnpd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
pdb_port=$lookup_pdb
check_match "the replica's pdb server listens" '^[0-9]+$' "$pdb_port"

# Kamailio cannot take an ephemeral port and say which: a random high one, another when taken.
mkdir -p "$tmp/kam"
for ((try = 0; try < 5; try++)); do
    sip_port=$((20000 + RANDOM % 20000))
    kamailio -f "$src/etc/kamailio/pdb-routing.cfg" -DD -E -Y "$tmp/kam" \
        -A "SIP_LISTEN=udp:127.0.0.1:$sip_port" -A "PDB_SERVER=\"127.0.0.1:$pdb_port\"" \
        >"$tmp/kamailio.log" 2>&1 &
    kam_pid=$!
    # Up when its SIP workers listen (it logs the socket), or dead when the port was taken.
    for ((i = 0; i < 50; i++)); do
        grep -q 'INFO: <core> \[core/udp_server.c' "$tmp/kamailio.log" 2>/dev/null && break
        kill -0 "$kam_pid" 2>/dev/null || break
        timeout 0.1 tail -n0 -f "$tmp/kamailio.log" >/dev/null 2>&1 || true # waits for output
    done
    kill -0 "$kam_pid" 2>/dev/null && break
done
check "kamailio runs" yes "$(kill -0 "$kam_pid" 2>/dev/null && echo yes || echo no)"

num=13007301234
# call HOST: one INVITE for $num through Kamailio; sipp's status (0: redirected to HOST).
call() {
    sed "s/EXPECTED_HOST/$1/" "$src/tests/sipp/invite-redirect.xml" >"$tmp/scenario.xml"
    set +e
    sipp -sf "$tmp/scenario.xml" -s "$num" "127.0.0.1:$sip_port" -i 127.0.0.1 -p 0 -m 1 \
        -timeout 10s -timeout_error -nostdin -trace_err -error_file "$tmp/sipp.err" \
        >"$tmp/sipp.out" 2>&1
    status=$?
    set -e
}
call cucc.example
check "before the port, Kamailio sends the call to China Unicom" 0 "$status"
((status == 0)) || { cat "$tmp/sipp.err" "$tmp/kamailio.log" 2>/dev/null | tail -20; }

id=$(idcard 43010219900101123)
register "$cucc" "$num" "$id" 123456
submit_ok "$cmcc" "$num" "$id" 123456
accept "$order" "$cucc"
activate "$order"
lookup_wait_seq "$npdb_seq"
call cmcc.example
check "after the port, Kamailio sends the call to China Mobile" 0 "$status"
((status == 0)) || { cat "$tmp/sipp.err" "$tmp/kamailio.log" 2>/dev/null | tail -20; }
call cucc.example
check "and no longer to China Unicom" 1 "$((status != 0))"
check_match "Kamailio logged the carrier the replica gave" 'is served by carrier 1' "$(cat "$tmp/kamailio.log")"

kill -TERM "$kam_pid"
wait "$kam_pid" 2>/dev/null || true
kam_pid=""
lookup_stop
mnpd_stop
trap 'rm -rf "$tmp"' EXIT
finish
