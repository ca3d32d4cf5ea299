#!/usr/bin/env bash
# A number's second life (SPEC.md §3.5, §5, E05), over real HTTP against mnpd on the test clock:
# a number ported within the last 120 days (counted in Beijing calendar days from its cutover)
# cannot port again (422 C07, naming the first date it may) until the first millisecond of that
# date; a reversal restores the operator the number came from, which after a second port is not
# the range holder; only the port in force can be reversed; and a number return, by the serving
# operator alone, goes RETURN_PENDING then RETURNED and gives the number back to its range holder,
# not to the operator it came from. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
mnpd_start

id=430102199001011238
t0=$test_clock_start # 2026-11-25T10:00:00.000Z
n=13007301270 m=13007301271 other=13007301272 p=13007301273 # China Unicom's, in Changsha
watch="$n $m $other $p"
req() { # req NUMBER CODE: a port request's body
    echo "{\"number\":\"$1\",\"identity\":\"$id\",\"code\":\"$2\",\"channel\":\"online\"}"
}
# lookup NUMBER: "OPERATOR ported|not-ported" as the lookup answers now.
lookup() {
    http GET "/v1/numbers/$1" "$cbn"
    local top
    top=$(sed -E 's/"history":\[[^]]*\]//' <<<"$body")
    echo "$(grep -oE '"operator":"[A-Z]+"' <<<"$top" | cut -d'"' -f4)" \
        "$(grep -q '"ported":true' <<<"$top" && echo ported || echo not-ported)"
}

# Returns refused before anything was ported.
refused "return of a never ported number" 409 not_ported POST /v1/returns "$cucc" \
    "{\"number\":\"$other\"}"
refused "return of a malformed number" 400 C08 POST /v1/returns "$cucc" '{"number":"130073012"}'

# First ports, China Unicom to China Mobile, cut over at 11:00 (19:00 in Beijing).
register "$cucc" "$n" "$id" 100001
register "$cucc" "$m" "$id" 100002
register "$cucc" "$p" "$id" 100003
submit_ok "$cmcc" "$n" "$id" 100001
o1=$order
submit_ok "$cmcc" "$m" "$id" 100002
o3=$order
submit_ok "$cmcc" "$p" "$id" 100003
o5=$order
accept "$o1" "$cucc"
accept "$o3" "$cucc"
accept "$o5" "$cucc"
activate "$o1"
c1=$cutover
activate "$o3"
activate "$o5"
check "first ports cut over at 11:00" $((t0 + hour_ms)) "$c1"
check "n: China Mobile's" "CMCC ported" "$(lookup "$n")"

# RULE E05: 120 Beijing calendar days after 2026-11-25 is 2027-03-25 00:00 Beijing time.
cst=$((8 * hour_ms))
again=$(((((c1 + cst) / day_ms) + 120) * day_ms - cst))
check "first date again: 2027-03-25 00:00+08:00" 2027-03-24T16:00:00Z \
    "$(date -u -d "@$((again / 1000))" +%FT%TZ)"
refused "the range holder no longer registers codes" 403 not_serving POST /v1/authcodes "$cucc" \
    "{\"number\":\"$n\",\"identity\":\"$id\",\"code\":\"200001\"}"
register "$cmcc" "$n" "$id" 200001
refused "C07 ported today" 422 C07 POST /v1/orders "$ctcc" "$(req "$n" 200001)"
check_match "C07 names the first date it may port" '"detail":"[^"]*120 days[^"]*2027-03-24T16:00' \
    "$body"
refused "C07 also back to the range holder" 422 C07 POST /v1/orders "$cucc" "$(req "$n" 200001)"
# p is returned to its range holder 100 days after its port.
clock_to $((c1 + 100 * day_ms))
http POST /v1/returns "$cmcc" "{\"number\":\"$p\"}"
check "p returned after 100 days: 200" 200 "$status"
now_ms >/dev/null
check "p: its range holder's" "CUCC not-ported" "$(lookup "$p")"
clock_to $((again - 30 * min_ms))
register "$cmcc" "$n" "$id" 300001
register "$cmcc" "$m" "$id" 300002
register "$cucc" "$p" "$id" 300003
clock_to $((again - 1))
refused "C07 in the last millisecond of the 120 days" 422 C07 POST /v1/orders "$ctcc" \
    "$(req "$n" 300001)"
clock_to "$again"
submit_ok "$ctcc" "$n" "$id" 300001
o2=$order
submit_ok "$ctcc" "$m" "$id" 300002
o4=$order
# 120 days after its last port, p may port again (RULE E05: "at least 120 calendar days since
# the last port"): its return 20 days ago is not a port and does not restart the count.
submit "$ctcc" "$p" "$id" 300003
check "p: 120 days after its port, the return since does not restart the count: 201" 201 \
    "$status"
accept "$o2" "$cmcc"
accept "$o4" "$cmcc"
activate "$o2"
activate "$o4"
check "n: second port to China Telecom" "CTCC ported" "$(lookup "$n")"
check "m: second port to China Telecom" "CTCC ported" "$(lookup "$m")"

# Reversal: only the port in force. Reversing m's first port would take the number from China
# Telecom, which serves it by a later, good port.
refused "the superseded first port cannot be reversed" 409 invalid_state \
    POST "/v1/orders/$o3/reverse" "$miit" '{"text":"wrong port"}'
check "m: still China Telecom's" "CTCC ported" "$(lookup "$m")"
http POST "/v1/orders/$o4/reverse" "$miit" '{"text":"wrong port"}'
check "reverse the second port: 200" 200 "$status"
check "reversed" REVERSED "$(state_of "$o4")"
check "m: back with China Mobile, the operator it came from, not the range holder" \
    "CMCC ported" "$(lookup "$m")"

# Returns: only the serving operator; the number goes to its range holder.
refused "return by the previous operator" 404 not_serving POST /v1/returns "$cmcc" \
    "{\"number\":\"$n\"}"
refused "return by the range holder" 404 not_serving POST /v1/returns "$cucc" "{\"number\":\"$n\"}"
refused "return by the regulator" 403 forbidden POST /v1/returns "$miit" "{\"number\":\"$n\"}"
http GET "/v1/events?after=0&limit=1000" "$miit"
head=$(json_int next_after)
http POST /v1/returns "$ctcc" "{\"number\":\"$n\"}"
check "return by the serving operator: 200" 200 "$status"
check "the return names the order in force" "{\"order\":$o2}" "$body"
now_ms >/dev/null
check "returned" RETURNED "$(state_of "$o2")"
check "n: back with its range holder, not China Mobile" "CUCC not-ported" "$(lookup "$n")"
http GET "/v1/numbers/$n" "$cbn"
check_match "n: routed to China Unicom in Changsha" '"routing_number":"1020731"' "$body"
http GET "/v1/events?after=$head&limit=1000" "$ctcc"
re="\"order\":$o2,[^}]*\"state\":\"RETURN_PENDING\".*"
re+="\"kind\":\"npdb\",\"event\":\\{\"number\":\"86$n\",\"operator\":\"CUCC\",\"order\":$o2\\}.*"
re+="\"order\":$o2,[^}]*\"state\":\"RETURNED\""
check_match "feed: RETURN_PENDING, the NPDB change to the range holder, RETURNED" "$re" "$body"
refused "returned twice" 409 not_ported POST /v1/returns "$ctcc" "{\"number\":\"$n\"}"

# m, reversed back to China Mobile, is returned by China Mobile under its first port.
http POST /v1/returns "$cmcc" "{\"number\":\"$m\"}"
check "return after a reversal: 200" 200 "$status"
check "the port in force is the first" "{\"order\":$o3}" "$body"
now_ms >/dev/null
check "returned" RETURNED "$(state_of "$o3")"
check "m: back with its range holder" "CUCC not-ported" "$(lookup "$m")"

mnpd_stop
finish
