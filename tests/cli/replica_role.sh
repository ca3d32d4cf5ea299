#!/usr/bin/env bash
# The lookup replica's credential (mnpctl replica add) against a real mnpd: a replica reads the
# NPDB's changes from the feed (never an order's events), the snapshot and a number's answer,
# acknowledges as a consumer of its own, and can do nothing else. Its acknowledgement never
# makes a port ACTIVE, not even when it bears an operator's name. Run by ctest with MNP_BIN_DIR
# and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup

run replica --help
check "replica --help: 0" 0 "$status"
check_match "replica --help teaches" 'lookup replica' "$out"
run replica add lookup1 --db "$db"
check "a lower-case name: usage error" 2 "$status"
check_match "and says why" 'not a replica name' "$err"
run replica add LOOKUP1 --db "$db"
check "replica add: 0" 0 "$status"
lookup1=$out
run replica add CMCC --db "$db" # a replica may bear an operator's name: it is not that operator
check "a replica named like an operator: 0" 0 "$status"
impostor=$out
mnpd_start

num=13007301234 # China Unicom's, in Changsha
id=$(idcard 43010219900101123)
register "$cucc" "$num" "$id" 123456
submit_ok "$cmcc" "$num" "$id" 123456
accept "$order" "$cucc"
http GET "/v1/orders/$order" "$miit"
clock_to "$(json_int cutover_ms)"
http GET "/v1/orders/$order" "$miit"
check "cut over: broadcasting" BROADCASTING "$(json_str state)"
seq=$(json_int npdb_seq)

# What a replica may read: the NPDB's changes only, the snapshot, a number's answer.
http GET "/v1/events?after=0&limit=1000" "$lookup1"
check "replica reads the feed: 200" 200 "$status"
check_match "it sees the NPDB change" '"kind":"npdb"' "$body"
check "it sees no order's events" 0 "$(grep -o '"kind":"order"' <<<"$body" | wc -l)"
http GET "/v1/events?after=0&limit=1000" "$impostor"
check "a replica named CMCC sees no CMCC order either" 0 "$(grep -o '"kind":"order"' <<<"$body" | wc -l)"
http GET /v1/npdb/snapshot "$lookup1"
check "replica reads the snapshot: 200" 200 "$status"
http GET "/v1/numbers/$num" "$lookup1"
check_match "replica asks for a number" '"operator":"CMCC","ported":true' "$body"

# Its acknowledgements are its own and hold nothing up, nor move anything.
http POST /v1/events/ack "$lookup1" "{\"seq\":$seq}"
check "replica acknowledges: 200" 200 "$status"
http POST /v1/events/ack "$impostor" "{\"seq\":$seq}"
check "the replica named CMCC acknowledges: 200" 200 "$status"
for key in "$cucc" "$ctcc" "$cbn"; do
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
done
now_ms >/dev/null
check "not ACTIVE while the operator CMCC has not acknowledged" BROADCASTING "$(state_of "$order")"
http POST /v1/events/ack "$cmcc" "{\"seq\":$seq}"
now_ms >/dev/null
check "ACTIVE once the operators did" ACTIVE "$(state_of "$order")"

# Everything else is refused, and changes nothing.
watch=$num
refused "replica submits an order" 403 forbidden POST /v1/orders "$lookup1" \
    "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\",\"channel\":\"store\"}"
refused "replica registers a code" 403 forbidden POST /v1/authcodes "$lookup1" \
    "{\"number\":\"$num\",\"identity\":\"$id\",\"code\":\"123456\"}"
refused "replica returns a number" 403 forbidden POST /v1/returns "$lookup1" "{\"number\":\"$num\"}"
refused "replica reports" 403 forbidden POST /v1/signals "$lookup1" \
    "{\"kind\":\"query\",\"number\":\"$num\"}"
refused "replica reads orders" 403 forbidden GET /v1/orders "$lookup1"
refused "replica reads an order" 403 forbidden GET "/v1/orders/$order" "$impostor"
refused "replica reads the audit log" 403 forbidden GET /v1/audit "$lookup1"
refused "replica reads the statistics" 403 forbidden GET /v1/stats "$lookup1"
refused "the regulator acknowledges nothing" 403 forbidden POST /v1/events/ack "$miit" '{"seq":1}'

mnpd_stop
finish
