#!/usr/bin/env bash
# Who may see and do what at the clearinghouse (SPEC.md §7), over real HTTP against mnpd: an
# operator sees and acts on only the orders where it is recipient or donor (to a third operator
# they do not exist: 404 on reading, answering and cancelling, absent from its list and feed);
# the regulator reads everything and changes nothing (403 forbidden on every changing route, the
# reversal aside) and an unknown key nothing at all (401); none of these refusals changes
# anything. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
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
n=13007301280 spare=13007301281 # China Unicom's in Changsha; China Mobile receives n
watch="$n $spare"
forger=mnp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
code_body="{\"number\":\"$spare\",\"identity\":\"$id\",\"code\":\"654321\"}"
order_body="{\"number\":\"$spare\",\"identity\":\"$id\",\"code\":\"654321\",\"channel\":\"store\"}"
# ids_in: the order ids in $body, sorted, on one line.
ids_in() {
    grep -oE '"order":[0-9]+' <<<"$body" | cut -d: -f2 | sort -un | paste -sd' '
}

register "$cucc" "$n" "$id" 123456
register "$cucc" "$spare" "$id" 654321
submit_ok "$cmcc" "$n" "$id" 123456
o=$order

# The parties and the regulator read the order; the others do not see it at all.
for key in "$cmcc" "$cucc" "$miit"; do
    http GET "/v1/orders/$o" "$key"
    check "a party or the regulator reads it: 200" 200 "$status"
    check_match "the order as stored" "\"order\":$o,.*\"recipient\":\"CMCC\"" \
        "$(tr ',' '\n' <<<"$body" | sort | paste -sd,)"
done
for key in "$ctcc" "$cbn"; do
    refused "a third operator reads it" 404 not_found GET "/v1/orders/$o" "$key"
    check "the refusal does not even say whose it is" no \
        "$(grep -qE 'CMCC|CUCC|86'"$n" <<<"$body" && echo yes || echo no)"
    refused "a third operator answers it" 404 not_found POST "/v1/orders/$o/answer" "$key" \
        '{"reason":"D01"}'
    refused "a third operator accepts it" 404 not_found POST "/v1/orders/$o/answer" "$key" '{}'
    refused "a third operator cancels it" 404 not_found POST "/v1/orders/$o/cancel" "$key" '{}'
    http GET "/v1/orders?limit=1000" "$key"
    check "a third operator's list is empty" '{"orders":[]}' "$body"
    http GET "/v1/events?after=0&limit=1000" "$key"
    check "a third operator's feed has none of its events" "" "$(ids_in)"
done
refused "the recipient answers for the donor" 404 not_found POST "/v1/orders/$o/answer" "$cmcc" '{}'
refused "the donor cancels for the recipient" 404 not_found POST "/v1/orders/$o/cancel" "$cucc" '{}'
for key in "$cmcc" "$cucc" "$miit"; do
    http GET "/v1/orders?limit=1000" "$key"
    check "the parties and the regulator list it" "$o" "$(ids_in)"
    http GET "/v1/events?after=0&limit=1000" "$key"
    check "the parties and the regulator follow it on the feed" "$o" "$(ids_in)"
done
refused "no such order id" 404 not_found GET /v1/orders/0 "$cmcc"
refused "not an order id" 404 not_found GET /v1/orders/1x "$cmcc"

# The regulator changes nothing: every changing route but the reversal, with a body that would
# otherwise do something.
refused "regulator registers a code" 403 forbidden POST /v1/authcodes "$miit" "$code_body"
refused "regulator submits" 403 forbidden POST /v1/orders "$miit" "$order_body"
refused "regulator accepts" 403 forbidden POST "/v1/orders/$o/answer" "$miit" '{}'
refused "regulator objects" 403 forbidden POST "/v1/orders/$o/answer" "$miit" \
    '{"reason":"D03","text":"x"}'
refused "regulator cancels" 403 forbidden POST "/v1/orders/$o/cancel" "$miit" '{}'
refused "regulator acknowledges the feed" 403 forbidden POST /v1/events/ack "$miit" '{"seq":1}'
refused "operators do not read the audit log" 403 forbidden GET "/v1/audit?limit=10" "$cmcc"
# A key nobody was given gets nothing, on any route.
refused "forged key: register" 401 unauthorized POST /v1/authcodes "$forger" "$code_body"
refused "forged key: submit" 401 unauthorized POST /v1/orders "$forger" "$order_body"
refused "forged key: read" 401 unauthorized GET "/v1/orders/$o" "$forger"
refused "forged key: answer" 401 unauthorized POST "/v1/orders/$o/answer" "$forger" '{}'
refused "forged key: cancel" 401 unauthorized POST "/v1/orders/$o/cancel" "$forger" '{}'
refused "forged key: reverse" 401 unauthorized POST "/v1/orders/$o/reverse" "$forger" \
    '{"text":"x"}'
refused "forged key: ack" 401 unauthorized POST /v1/events/ack "$forger" '{"seq":1}'
refused "forged key: lookup" 401 unauthorized GET "/v1/numbers/$n" "$forger"
check "the order is still waiting for its donor" PENDING_DONOR "$(state_of "$o")"

# Once the port is ACTIVE: the regulator still cannot return it, nor a third operator; the
# number's lookup is for every operator.
accept "$o" "$cucc"
activate "$o"
refused "regulator returns the number" 403 forbidden POST /v1/returns "$miit" "{\"number\":\"$n\"}"
refused "a third operator returns it" 404 not_serving POST /v1/returns "$ctcc" "{\"number\":\"$n\"}"
refused "the donor returns it" 404 not_serving POST /v1/returns "$cucc" "{\"number\":\"$n\"}"
refused "a third operator cancels it" 404 not_found POST "/v1/orders/$o/cancel" "$ctcc" '{}'
refused "a third operator registers a code for it" 403 not_serving POST /v1/authcodes "$ctcc" \
    "{\"number\":\"$n\",\"identity\":\"$id\",\"code\":\"111111\"}"
for key in "$ctcc" "$cbn"; do
    http GET "/v1/numbers/$n" "$key"
    check_match "every operator looks the number up" '"operator":"CMCC","ported":true' "$body"
done
check "ACTIVE still" ACTIVE "$(state_of "$o")"

mnpd_stop
finish
