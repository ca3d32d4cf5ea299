#!/usr/bin/env bash
# A lookup replica's pdb and ENUM servers, asked by real clients: kdig (knot-dnsutils) gets the
# NAPTR of a number over UDP and TCP before and after its port (";npdi" alone, then
# ";npdi;rn=<routing number>"), NXDOMAIN for a name that is no number and the SOA at the apex;
# Kamailio's pdb protocol (version 1 and legacy, sent as bytes over UDP) gets the carrier id of
# the operator serving the number, and a malformed datagram gets no answer and does not stop
# the server. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
# shellcheck source=tests/cli/lookup.bash
source "$(dirname "$0")/lookup.bash"
command -v kdig >/dev/null || { echo "kdig is missing: scripts/bootstrap installs knot-dnsutils" >&2; exit 1; }
mnpd_setup
mnpd_start
lookup_setup "blocks = $data/blocks-demo.csv" "routing = $data/routing-demo.csv" \
    "pdb_listen = 127.0.0.1:0" "enum_listen = 127.0.0.1:0" "workers = 2" \
    "carriers = CMCC:1,CUCC:2,CTCC:3,CBN:4"
# A replica's key file that others may read is refused, with the remedy.
cp "$tmp/lookup.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
sed "s|^api_key_file = .*|api_key_file = $tmp/open.key|" "$tmp/lookup.conf" >"$tmp/open.conf"
set +e
"$mnpd" --config "$tmp/open.conf" 2>"$tmp/open.err"
st=$?
set -e
check "a key file others may read: mnpd refuses to start" 1 "$st"
check_match "and says why and what to do" 'group or others may read it \(mode 644\).*chmod 600' \
    "$(cat "$tmp/open.err")"

lookup_start "$tmp/lookup.conf"
trap 'kill -TERM $lookup_pid $mnpd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
pdb_port=$lookup_pdb enum_port=$lookup_enum http_port=$lookup_http
check_match "the pdb server listens" '^[0-9]+$' "$pdb_port"
check_match "the ENUM server listens" '^[0-9]+$' "$enum_port"

num=13007301234
name=4.3.2.1.0.3.7.0.0.3.1.6.8.e164.arpa
# naptr [+tcp]: what kdig answers for $name, one line.
naptr() { kdig @127.0.0.1 -p "$enum_port" +short +timeout=2 +retry=0 "$@" "$name" NAPTR; }
# pdb_query BYTES_PRINTF: sends one datagram (a printf format) and prints the reply in hex
# (nothing when none comes within a second).
pdb_query() {
    exec 6<>"/dev/udp/127.0.0.1/$pdb_port"
    # shellcheck disable=SC2059 # the datagram is the format
    printf "$1" >&6
    timeout 1 dd bs=512 count=1 status=none <&6 | od -An -tx1 | tr -d ' \n' || true
    exec 6<&-
}
# v1 ID: a version 1 request for 8613007301234 (6 + 13 + 1 = 20 bytes). ID is not 10: a
# newline byte would make bash write the datagram in two parts.
v1() {
    printf '\\x01\\x00\\x00\\x14\\x00\\x%02x8613007301234\\x00' "$1"
}
# ok ID CARRIER: the version 1 OK reply (6 + 13 + 1 + 2 = 22 bytes), in hex.
ok() {
    printf '01010116%04x%s00%04x' "$1" "$digits" "$2"
}

check "ENUM, not ported: ;npdi alone (UDP)" '10 100 "u" "E2U+pstn:tel" "!^(.*)$!tel:\\1;npdi!" .' "$(naptr)"
check "ENUM, not ported: ;npdi alone (TCP)" '10 100 "u" "E2U+pstn:tel" "!^(.*)$!tel:\\1;npdi!" .' "$(naptr +tcp)"
digits=$(printf '8613007301234' | od -An -tx1 | tr -d ' \n')
check "pdb v1: China Unicom's carrier id 2" "$(ok 33 2)" "$(pdb_query "$(v1 33)")"
check "pdb legacy: carrier id 2" "${digits}000002" "$(pdb_query '8613007301234')"
check "pdb: a length byte that lies gets no answer" "" "$(pdb_query '\x01\x00\x00\x03\x00\x0b8613007301234\x00')"
check "pdb: answers the next one" "$(ok 34 2)" "$(pdb_query "$(v1 34)")"

id=$(idcard 43010219900101123)
register "$cucc" "$num" "$id" 123456
submit_ok "$cmcc" "$num" "$id" 123456
accept "$order" "$cucc"
activate "$order"
lookup_wait_seq "$npdb_seq"
check "ENUM, ported: China Mobile's Changsha routing number (UDP)" \
    '10 100 "u" "E2U+pstn:tel" "!^(.*)$!tel:\\1;npdi;rn=1010731!" .' "$(naptr)"
check "ENUM, ported: the same over TCP" \
    '10 100 "u" "E2U+pstn:tel" "!^(.*)$!tel:\\1;npdi;rn=1010731!" .' "$(naptr +tcp)"
check "pdb v1: China Mobile's carrier id 1" "$(ok 35 1)" "$(pdb_query "$(v1 35)")"

full=$(kdig @127.0.0.1 -p "$enum_port" +timeout=2 +retry=0 9.9.x.e164.arpa NAPTR)
check_match "ENUM: a name that is no number, NXDOMAIN" 'status: NXDOMAIN' "$full"
full=$(kdig @127.0.0.1 -p "$enum_port" +timeout=2 +retry=0 e164.arpa SOA)
check_match "ENUM: the apex has its SOA" 'e164\.arpa\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA' "$full"
check_match "ENUM: authoritative" '[Ff]lags: qr aa' "$full"
full=$(kdig @127.0.0.1 -p "$enum_port" +timeout=2 +retry=0 example.com A)
check_match "ENUM: outside the zone, REFUSED" 'status: REFUSED' "$full"

port=$http_port
http GET /metrics ""
check_match "metrics: pdb datagrams answered" 'mnp_lookup_udp_packets\{server="pdb",packets="answered"\} [1-9]' "$body"
port=$ch_port
lookup_stop
mnpd_stop
trap 'rm -rf "$tmp"' EXIT
finish
