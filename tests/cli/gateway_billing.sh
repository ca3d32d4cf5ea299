#!/usr/bin/env bash
# The billing system's routes of the operator gateway end to end (docs/gateway-data.md, SPEC.md
# §3-§4): one mnpd runs the clearinghouse and the gateways of China Unicom and China Mobile; the
# billing system keeps subscribers and term agreements current over HTTP (no file import), the
# SMS centre posts CXXZ. Covers: records put then queried eligible; an agreement added after the
# first CXXZ never blocks (the freeze) and is reported to the regulator as soon as it is recorded
# (over HTTP or by mnpctl); one added before blocks (E04, with its name and fee)
# until the billing system ends it; ending twice says already; a batch with a bad row writes
# nothing and names the row; keys and tenants (401, another operator's agreement 404); what GET
# shows of a subscriber. Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup

{ echo "[gateway]"; gateway_operator CUCC; gateway_operator CMCC; } >>"$tmp/ch.conf"
mnpd_start

zhang=$(idcard 43010219900101123)
li=$(idcard 43010219850505432)
# sub NUMBER NAME IDENTITY BALANCE: one subscriber row, normal and eligible.
sub() {
    printf '{"number":"%s","name":"%s","identity":"%s","registration":"person","status":"normal","unpaid_fen":0,"last_port":null,"services":["副卡"],"balance_fen":%s}' \
        "$1" "$2" "$3" "$4"
}
# agr NUMBER NAME FEE: a term agreement in force at the test clock (2026-11-25).
agr() {
    printf '{"number":"%s","name":"%s","start":"2026-01-01","end":"2027-12-31","fee_fen":%s,"has_term":true}' \
        "$1" "$2" "$3"
}
sms() { # sms FROM TEXT: the SMS centre delivers it to 10010
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"10010\",\"text\":\"$2\"}"
}

# Records from the billing system, then a CXXZ: eligible.
http PUT /v1/subscribers "$cucc" "{\"subscribers\":[$(sub 13007301234 张三 "$zhang" 1250),$(sub 13007301235 李四 "$li" 0)]}"
check "put subscribers" "200 {\"added\":2,\"changed\":0}" "$status $body"
http PUT /v1/subscribers "$cucc" "{\"subscribers\":[$(sub 13007301234 张三 "$zhang" 1250)]}"
check "the same again changes nothing" "200 {\"added\":0,\"changed\":0}" "$status $body"
sms 13007301234 "CXXZ#张三#$zhang"
check_match "CXXZ: eligible" '"eligible":true,"kind":"CXXZ"' "$body"

# An agreement after the first CXXZ: the next CXXZ does not list it (SPEC §3.1).
advance 1000
http POST /v1/agreements "$cucc" "{\"agreements\":[$(agr 13007301234 新签合约12个月 20000)]}"
check "late agreement added: 201" 201 "$status"
check_match "late agreement: its id" '^\{"added":1,"agreements":\[[0-9]+\]\}$' "$body"
# late_flags WANT: the regulator's late-agreement flags for 张三's number, once the courier
# delivered WANT of them (or gave up waiting).
late_flags() {
    local i n=0
    for ((i = 0; i < 10; i++)); do
        advance 0
        http GET "/v1/stats?to=4102444800000" "$miit"
        n=$(grep -o '"kind":"late_agreement"[^}]*"number":"8613007301234"' <<<"$body" | wc -l)
        ((n >= $1)) && break
        http GET "/v1/events?after=1000000&wait=1" "$cucc" # a pause of at most 1 s
    done
    echo "$n"
}
check "reported to the regulator when it is recorded, before any new query" 1 "$(late_flags 1)"
http GET "/v1/stats?to=4102444800000" "$miit"
check_match "the report names the agreement and both times" \
    "agreement '新签合约12个月' recorded 20[0-9-]+T[0-9:.]+Z, after the first query at 20[0-9-]+T" "$body"
advance 1000
sms 13007301234 "CXXZ#张三#$zhang"
check_match "the late agreement does not block" '"eligible":true' "$body"
check "the late agreement is not in the reply" 0 "$(grep -c '新签合约' <<<"$(json_str reply)" || true)"
check "the next query does not report it again" 1 "$(late_flags 1)"
# The same from a file: mnpctl records one more, says it is late, and the courier reports it.
printf 'number,name,start,end,fee_fen,has_term\n13007301234,宽带合约,2026-01-01,2027-06-30,5000,yes\n' \
    >"$tmp/late.csv"
run agreements import --operator CUCC "$tmp/late.csv" --db "$tmp/cucc.db"
check "mnpctl imports a late agreement: 0" 0 "$status"
check_match "mnpctl says it is late and reported" "1 recorded after the number's first query" "$out"
check "the regulator hears of it too, without a query" 2 "$(late_flags 2)"
http GET "/v1/stats?to=4102444800000" "$miit"
check_match "the report of the imported one" "agreement '宽带合约' recorded" "$body"

# Another number: the agreement first, then CXXZ lists it (E04) until it is ended.
http POST /v1/agreements "$cucc" "{\"agreements\":[$(agr 13007301235 畅享套餐24个月 30000)]}"
check "agreement before any CXXZ: 201" 201 "$status"
id=$(sed -nE 's/.*"agreements":\[([0-9]+)\].*/\1/p' <<<"$body")
check_match "its id" '^[0-9]+$' "$id"
http POST /v1/agreements "$cucc" "{\"agreements\":[$(agr 13007301235 畅享套餐24个月 30000)]}"
check "handed over again: the same agreement" "201 {\"added\":0,\"agreements\":[$id]}" "$status $body"
advance 1000
sms 13007301235 "CXXZ#李四#$li"
check_match "E04: not eligible" '"eligible":false' "$body"
check_match "E04 with the agreement, its end and fee" '畅享套餐24个月.*2027年12月31日.*300\.00元' "$(json_str reply)"
advance 1000
http POST "/v1/agreements/$id/end" "$cucc"
check "end: 200" 200 "$status"
check_match "end: now, not already" "^\\{\"already\":false,\"ended_ms\":[0-9]+,\"id\":$id,\"number\":\"8613007301235\"\\}$" "$body"
ended=$(json_int ended_ms)
sms 13007301235 "CXXZ#李四#$li"
check_match "ended: eligible now" '"eligible":true' "$body"
advance 1000
http POST "/v1/agreements/$id/end" "$cucc"
check "ending twice: already, the first instant kept" \
    "200 {\"already\":true,\"ended_ms\":$ended,\"id\":$id,\"number\":\"8613007301235\"}" "$status $body"

# GET shows the record, the ended agreement and the first CXXZ.
http GET /v1/subscribers/13007301235 "$cucc"
check "get: 200" 200 "$status"
check_match "get: the ended agreement" "\"agreements\":\\[\\{\"created_ms\":[0-9]+,\"end\":\"2027-12-31\",\"ended_ms\":$ended,\"fee_fen\":30000,\"has_term\":true,\"id\":$id,\"name\":\"畅享套餐24个月\",\"start\":\"2026-01-01\"\\}\\]" "$body"
check_match "get: the first query" '"first_query_ms":[0-9]+' "$body"
check_match "get: the record" "\"identity\":\"$li\",.*\"name\":\"李四\",\"number\":\"8613007301235\",\"registration\":\"person\",\"services\":\\[\"副卡\"\\],\"status\":\"normal\"" "$body"
http GET /v1/subscribers/13007301234 "$cucc"
check_match "get: a not-ended agreement shows null" '"ended_ms":null' "$body"
http GET /v1/subscribers/13007301299 "$cucc"
check "get: no such subscriber" "404 not_found" "$status $(json_str code)"
http GET /v1/subscribers/12345 "$cucc"
check "get: not a number" "400 bad_number" "$status $(json_str code)"

# A bad row among good ones: 400 naming it, and nothing written.
http PUT /v1/subscribers "$cucc" "{\"subscribers\":[$(sub 13007301234 张三 "$zhang" 99),$(sub 13007301236 王五 123 0),$(sub 13007301237 赵六 "$zhang" -5)]}"
check "bad rows: 400 bad_rows" "400 bad_rows" "$status $(json_str code)"
check_match "bad rows: each by index and reason" '"rows":\[\{"index":1,"reason":"identity: [^"]+"\},\{"index":2,"reason":"balance_fen \\"-5\\" is not a whole number of fen \(0 or more\)"\}\]' "$body"
check_match "bad rows: the detail counts them" '"detail":"2 bad rows, nothing was written; row 1: ' "$body"
http GET /v1/subscribers/13007301234 "$cucc"
check_match "bad rows: the good row was not written either" '"balance_fen":1250,' "$body"
http GET /v1/subscribers/13007301236 "$cucc"
check "bad rows: no new subscriber" 404 "$status"
http POST /v1/agreements "$cucc" "{\"agreements\":[$(agr 13007301234 合约A 100),$(agr 13007301299 合约B 100)]}"
check "agreement of an unknown subscriber: 422" "422 unknown_subscriber" "$status $(json_str code)"
check_match "422 names the number" '8613007301299' "$(json_str detail)"
http GET /v1/subscribers/13007301234 "$cucc"
check "422: nothing added" 0 "$(grep -c '合约A' <<<"$body" || true)"
http POST /v1/agreements "$cucc" '{"agreements":[]}'
check "no rows: 400" "400 no_rows" "$status $(json_str code)"
http PUT /v1/subscribers "$cucc" '{"subscribers":[{"number":"13007301234"}],"extra":1}'
check "an unknown member: 400" "400 unknown_field" "$status $(json_str code)"

# Keys and tenants.
http PUT /v1/subscribers "wrong-key" "{\"subscribers\":[$(sub 13007301234 张三 "$zhang" 1)]}"
check "wrong key: 401" 401 "$status"
http POST "/v1/agreements/$id/end" ""
check "no key: 401" 401 "$status"
http POST "/v1/agreements/$id/end" "$cmcc"
check "another operator's agreement: 404" "404 not_found" "$status $(json_str code)"
http GET /v1/subscribers/13007301235 "$cmcc"
check "another operator's subscriber: 404" 404 "$status"
http POST "/v1/agreements/99999999/end" "$cucc"
check "no such agreement: 404" 404 "$status"
http POST "/v1/agreements/abc/end" "$cucc"
check "not an id: 404" 404 "$status"

mnpd_stop
finish
