#!/usr/bin/env bash
# The reads behind the operator console and the regulator's drill-down (SPEC.md §7, §8), over
# real HTTP against mnpd on the test clock: GET /v1/orders by number (in every written form),
# by the caller's side (donor or recipient; never for the regulator) and with the other
# filters; an order's timeline, which shows its every state change in order with who made it
# and nothing about another order of the same number, to exactly those who may read the order;
# and the audit log of one number, paged; and GET /v1/me, whose key it is. Refused requests
# change nothing. Run by ctest with
# MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
run replica add LOOKUP1 --db "$db"
replica=$out
mnpd_start

id=430102199001011238
t0=$test_clock_start
n=13007301280 m=13007301281 # China Unicom's, in Changsha
p=13807301290               # China Mobile's, in Changsha
watch="$n $m $p"

# ids KEY QUERY: the ids GET /v1/orders?QUERY lists for KEY, space-separated.
ids() {
    http GET "/v1/orders?$2" "$1"
    jq -r '[.orders[].order] | join(" ")' <<<"$body"
}

# o0: China Telecom's attempt at n, which the donor rejects (D01); then o1: China Mobile ports n
# through every state to ACTIVE; o2 and o3 stay with their donors.
register "$cucc" "$n" "$id" 100001
submit_ok "$ctcc" "$n" "$id" 100001
o0=$order
http POST "/v1/orders/$o0/answer" "$cucc" '{"reason":"D01"}'
check "o0: the donor objects: 200" 200 "$status"
check "o0 rejected" REJECTED "$(state_of "$o0")"
register "$cucc" "$n" "$id" 100002
clock_to $((t0 + min_ms))
submit_ok "$cmcc" "$n" "$id" 100002
o1=$order
check "o1 waits for the donor" PENDING_DONOR "$(state_of "$o1")"
# A refusal about n that made no order (C04: o1 is open) is audited under n's subject.
refused "C04 while o1 is open" 409 C04 POST /v1/orders "$ctcc" \
    "{\"number\":\"$n\",\"identity\":\"$id\",\"code\":\"100002\",\"channel\":\"app\"}"
accept "$o1" "$cucc"
activate "$o1"
register "$cucc" "$m" "$id" 100003
submit_ok "$cmcc" "$m" "$id" 100003
o2=$order
register "$cmcc" "$p" "$id" 100004
submit_ok "$cucc" "$p" "$id" 100004
o3=$order

# ---- GET /v1/orders?number= ----------------------------------------------------------------
for form in "$n" "86$n" "%2B86$n" "+86$n" "0086$n" "86%20130%200730%201280" "130-0730-1280" \
    "%20$n%20"; do
    check "number=$form: CMCC sees its own order of n" "$o1" "$(ids "$cmcc" "number=$form")"
    check "number=$form: the regulator sees both orders of n" "$o0 $o1" \
        "$(ids "$miit" "number=$form")"
done
check "number: CTCC sees its rejected order only" "$o0" "$(ids "$ctcc" "number=$n")"
check "number: CBN sees nothing of n" "" "$(ids "$cbn" "number=$n")"
check "number with state" "$o1" "$(ids "$miit" "number=$n&state=ACTIVE")"
check "number with after" "$o1" "$(ids "$miit" "number=$n&after=$o0")"
check "number with limit" "$o0" "$(ids "$miit" "number=$n&limit=1")"
check "another number" "$o2" "$(ids "$miit" "number=$m")"
refused "a number too short" 400 bad_query GET "/v1/orders?number=1300730128" "$cmcc"
check "a number too short: why" "number: too short" "$(jq -r .detail <<<"$body")"
refused "a number with letters" 400 bad_query GET "/v1/orders?number=1300730128x" "$miit"
check_match "a number with letters: why" '^number: .*character' "$(jq -r .detail <<<"$body")"
refused "a number of another country" 400 bad_query GET "/v1/orders?number=%2B4413007301280" \
    "$cmcc"
refused "an empty number" 400 bad_query GET "/v1/orders?number=" "$cmcc"

# ---- GET /v1/orders?role= ------------------------------------------------------------------
check "CMCC as recipient" "$o1 $o2" "$(ids "$cmcc" role=recipient)"
check "CMCC as donor" "$o3" "$(ids "$cmcc" role=donor)"
check "CMCC on either side" "$o1 $o2 $o3" "$(ids "$cmcc" "")"
check "CUCC as donor" "$o0 $o1 $o2" "$(ids "$cucc" role=donor)"
check "CUCC as recipient" "$o3" "$(ids "$cucc" role=recipient)"
check "CTCC as recipient" "$o0" "$(ids "$ctcc" role=recipient)"
check "CTCC as donor: none" "" "$(ids "$ctcc" role=donor)"
check "CUCC as donor, of n" "$o0 $o1" "$(ids "$cucc" "role=donor&number=$n")"
check "CUCC as donor, pending" "$o2" "$(ids "$cucc" "role=donor&state=PENDING_DONOR")"
check "CUCC as donor, paged" "$o1" "$(ids "$cucc" "role=donor&after=$o0&limit=1")"
check "CMCC as recipient of p: none" "" "$(ids "$cmcc" "role=recipient&number=$p")"
refused "the regulator asks for a side" 400 bad_query GET "/v1/orders?role=donor" "$miit"
check "the regulator asks for a side: why" "role: the regulator is party to no order" \
    "$(jq -r .detail <<<"$body")"
refused "a side that is not one" 400 bad_query GET "/v1/orders?role=holder" "$cmcc"
refused "a side in upper case" 400 bad_query GET "/v1/orders?role=DONOR" "$cmcc"
refused "a side left empty" 400 bad_query GET "/v1/orders?role=" "$cucc"

# Each listed order carries its channel and creation instant besides what it had.
http GET "/v1/orders?number=$n" "$cmcc"
want="{\"orders\":[{\"channel\":\"store\",\"created_ms\":$((t0 + min_ms)),\"donor\":\"CUCC\","
want+="\"number\":\"86$n\",\"order\":$o1,\"recipient\":\"CMCC\",\"state\":\"ACTIVE\","
want+="\"updated_ms\":$((t0 + hour_ms))}]}"
check "a listed order, whole" "$want" "$body"

# ---- GET /v1/orders/{id}/timeline ----------------------------------------------------------
http GET "/v1/orders/$o1" "$cmcc"
order_body=$body
http GET "/v1/orders/$o1/timeline" "$cmcc"
check "timeline: 200" 200 "$status"
timeline=$body
check "timeline: the order as GET /v1/orders/{id} shows it" "$order_body" \
    "$(jq -c -S .order <<<"$timeline")"
# Every record: "action actor state" (state "-" when the record names none).
steps=$(jq -r '.records[] | "\(.action) \(.actor) \(.detail.state // "-")"' <<<"$timeline")
want="order.created CMCC PENDING_DONOR
order.state CUCC ACCEPTED
order.state system SCHEDULED
npdb.change system -
order.state system BROADCASTING
order.state system ACTIVE"
check "timeline: each step in order, with who made it" "$want" "$steps"
check "timeline: every record names this order" "true" \
    "$(jq '[.records[].detail.order] | all(. == '"$o1"')' <<<"$timeline")"
check "timeline: seqs ascending" "true" \
    "$(jq '[.records[].seq] | . == sort and length == (unique | length)' <<<"$timeline")"
check "timeline: hashes" "true" \
    "$(jq '[.records[].hash | test("^[0-9a-f]{64}$")] | all' <<<"$timeline")"
check "timeline: next_after is the last seq" "true" \
    "$(jq '.next_after == .records[-1].seq' <<<"$timeline")"
# Created, accepted and scheduled at 10:01; cut over and acknowledged at the 11:00 cutover.
at1=$((t0 + min_ms)) at2=$((t0 + hour_ms))
check "timeline: the instants" "$at1 $at1 $at1 $at2 $at2 $at2" \
    "$(jq -r '[.records[].at_ms] | join(" ")' <<<"$timeline")"
http GET "/v1/orders/$o1/timeline" "$cucc"
check "timeline: the donor reads the same" "$timeline" "$body"
http GET "/v1/orders/$o1/timeline" "$miit"
check "timeline: the regulator reads the same" "$timeline" "$body"
http GET "/v1/orders/$o0/timeline" "$miit"
check "timeline of o0: created, then rejected by CUCC with D01" \
    "order.created CTCC PENDING_DONOR -|order.state CUCC REJECTED D01" \
    "$(jq -r '[.records[] | "\(.action) \(.actor) \(.detail.state) \(.detail.reason // "-")"]
        | join("|")' <<<"$body")"
http GET "/v1/orders/$o1/timeline?limit=2" "$cmcc"
page1=$body
after=$(jq .next_after <<<"$page1")
http GET "/v1/orders/$o1/timeline?after=$after&limit=1000" "$cmcc"
check "timeline: two pages make the whole" "$(jq -c .records <<<"$timeline")" \
    "$(jq -c -s '.[0].records + .[1].records' <<<"$page1$body")"

# Exactly who may read the order: the same 404 for anyone else as for no order at all.
for who in ctcc cbn; do
    http GET "/v1/orders/$o1" "${!who}"
    want_status=$status want_body=$body
    refused "timeline of o1 for $who" 404 not_found GET "/v1/orders/$o1/timeline" "${!who}"
    check "timeline of o1 for $who: as GET /v1/orders/{id}" "$want_status $want_body" \
        "$status $body"
done
refused "timeline of o0 for CMCC (its order of n is another)" 404 not_found \
    GET "/v1/orders/$o0/timeline" "$cmcc"
refused "timeline of no order" 404 not_found GET /v1/orders/999/timeline "$miit"
refused "timeline of a malformed id" 404 not_found GET /v1/orders/x1/timeline "$cmcc"
refused "timeline for a replica" 403 forbidden GET "/v1/orders/$o1/timeline" "$replica"
refused "timeline without a key" 401 unauthorized GET "/v1/orders/$o1/timeline" ""
refused "timeline with a bad limit" 400 bad_query GET "/v1/orders/$o1/timeline?limit=1001" \
    "$cmcc"

# ---- GET /v1/audit?number= -----------------------------------------------------------------
http GET "/v1/audit?limit=1000" "$miit"
all=$body
want=$(jq -c '[.records[] | select(.subject == "86'"$n"'")]' <<<"$all")
http GET "/v1/audit?number=%2B86%20130%200730%201280&limit=1000" "$miit"
check "audit of n: 200" 200 "$status"
check "audit of n: exactly n's records, as the whole log has them" "$want" \
    "$(jq -c .records <<<"$body")"
check "audit of n: also the refusal and the codes" "true" \
    "$(jq '[.records[].action] | (index("order.refused") != null) and
        (index("authcode.registered") != null)' <<<"$body")"
check "audit of n: other numbers have records too" "true" \
    "$(jq '[.records[].subject] | unique | length > 1' <<<"$all")"
# o1's timeline is exactly n's records about o1: none of o0's (in the same index range) nor the
# C04 refusal, which names no order.
check "audit of n: records of o0 and a refusal besides o1's" "true" \
    "$(jq '[.records[] | .detail.order // "none"] | (index('"$o0"') != null) and
        (index("none") != null)' <<<"$body")"
check "timeline of o1: n's records about o1, and only those" \
    "$(jq -c '[.records[] | select(.detail.order == '"$o1"') | del(.subject)]' <<<"$body")" \
    "$(jq -c .records <<<"$timeline")"
# Pages of 3 from the start: every record of n once, in order, then an empty page that keeps
# its place.
pages="" after=0 rounds=0
while :; do
    http GET "/v1/audit?number=$n&after=$after&limit=3" "$miit"
    got=$(jq '.records | length' <<<"$body")
    pages+=$(jq -c '.records[]' <<<"$body")$'\n'
    check "audit page after $after: next_after" \
        "$(jq -r "if $got == 0 then $after else .records[-1].seq end" <<<"$body")" \
        "$(jq .next_after <<<"$body")"
    after=$(jq .next_after <<<"$body")
    rounds=$((rounds + 1))
    ((got == 3)) || break
done
check "audit of n, paged: the same records" "$want" "$(jq -c -s . <<<"$pages")"
check "audit of n, paged: pages" $((($(jq length <<<"$want") + 3) / 3)) "$rounds"
http GET "/v1/audit?number=$p" "$miit"
check "audit of p: its order and its code, nothing else" \
    "authcode.registered CMCC|order.created CUCC" \
    "$(jq -r '[.records[] | "\(.action) \(.actor)"] | join("|")' <<<"$body")"
refused "audit of a bad number" 400 bad_query GET "/v1/audit?number=1300730128" "$miit"
check "audit of a bad number: why" "number: too short" "$(jq -r .detail <<<"$body")"
refused "audit of a number, for an operator" 403 forbidden GET "/v1/audit?number=$n" "$cmcc"

# ---- GET /v1/me: whose key it is, and the clearinghouse's clock ------------------------------
http POST /v1/test/clock "" '{"advance_ms":1000}'
now=$(json_int now_ms)
http GET /v1/me "$cmcc"
check "me, an operator" "200 operator CMCC $now" \
    "$status $(jq -r '"\(.role) \(.principal) \(.now_ms)"' <<<"$body")"
http GET /v1/me "$miit"
check "me, the regulator: its role" "200 regulator" "$status $(jq -r .role <<<"$body")"
refused "me, for a replica (not its feed's route)" 403 forbidden GET /v1/me "$replica"
refused "me, with a key nobody holds" 401 unauthorized GET /v1/me "not-a-key"

# The web interface of a clearinghouse without a gateway: the console and the dashboard.
http GET /ui/areas.json ""
check "the web interface's areas here" '200 {"areas":["operator","regulator"]}' "$status $body"

mnpd_stop
finish
