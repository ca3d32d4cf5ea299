#!/usr/bin/env bash
# The operator gateway's SMS commands end to end (SPEC.md §3-§4): one mnpd runs the
# clearinghouse and China Unicom's gateway (clearinghouse = local, one shared listener);
# mnpctl imports the gateway's subscribers and agreements; the SMS centre posts CXXZ and SQXZ as
# subscribers send them and drains the replies. A code from SQXZ is registered at the
# clearinghouse, where China Mobile's port order uses it. Run by ctest with MNP_BIN_DIR and
# MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup

{ echo "[gateway]"; gateway_operator CUCC; } >>"$tmp/ch.conf"

zhang=$(idcard 43010219900101123) # eligible
li=$(idcard 43010219850505432)    # a company number, suspended, unpaid, under contract
wang=$(idcard 43010219920202111)  # eligible, agreement recorded after his first CXXZ
cat >"$tmp/subscribers.csv" <<CSV
number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen
13007301234,张三,$zhang,person,normal,0,,副卡;宽带融合套餐,1250
13007301235,李四,$li,company,suspended,5000,,,0
13007301236,王五,$wang,person,normal,0,,,0
CSV
cat >"$tmp/agreements.csv" <<CSV
number,name,start,end,fee_fen,has_term
13007301235,畅享套餐24个月,2026-01-01,2027-12-31,30000,yes
13007301235,彩铃包,2026-01-01,2027-12-31,0,no
CSV
run subscribers import --operator CUCC "$tmp/subscribers.csv" --db "$tmp/cucc.db"
check "import subscribers" 0 "$status"
run agreements import --operator CUCC "$tmp/agreements.csv" --db "$tmp/cucc.db"
check "import agreements" 0 "$status"
# mnpctl records agreements at the real time, so the daemon's clock starts at the real time too:
# the imports above come before the first CXXZ, the late one below after it.
test_clock_start=now
mnpd_start

sms() { # sms FROM TEXT [TO]: the SMS centre delivers it
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"${3:-10010}\",\"text\":\"$2\"}"
}

sms 13007301234 "CXXZ#张三#$zhang"
check "CXXZ: 200" 200 "$status"
check_match "CXXZ: eligible" '"eligible":true,"kind":"CXXZ"' "$body"
check_match "CXXZ: what porting ends" '"reply":"【中国联通】.*副卡.*宽带融合套餐' "$body"
sms 13007301234 " ｃｘｘｚ ＃ 张三 ＃ ${zhang,,} "
check_match "full-width ＃, spaces and case" '"eligible":true,"kind":"CXXZ"' "$body"

sms 13007301235 "CXXZ#李四#$li"
check_match "several blockers: not eligible" '"eligible":false' "$body"
reply=$(json_str reply)
check_match "E01 in the same reply" '过户|实名' "$reply"
check_match "E02 in the same reply" '停机|复机' "$reply"
check_match "E03 with the amount" '50\.00元' "$reply"
check_match "E04 with the agreement, its end and fee" '畅享套餐24个月.*2027年12月31日.*300\.00元' "$reply"
check "a term-less agreement never blocks" 0 "$(grep -c '彩铃包' <<<"$reply" || true)"

sms 13007301234 "CXXZ#张四#$zhang"
check_match "wrong name: not eligible" '"eligible":false' "$body"
check_match "wrong name: E07 and nothing else" '不符' "$(json_str reply)"
check "wrong name: nothing about the subscriber's services" 0 "$(grep -c '副卡' <<<"$(json_str reply)" || true)"
sms 13007301234 "hello"
check_match "anything else: help" '"kind":"unknown","reply":".*CXXZ#' "$body"
sms 13007301234 "CXXZ#张三#$zhang" 10086
check "another operator's service number: 400" 400 "$status"
check_match "another operator's service number: code" '"code":"wrong_service_number"' "$body"
http POST /v1/sms/inbound "" '{"from":"13007301234","to":"10010","text":"CXXZ"}'
check "no key: 401" 401 "$status"
http POST /v1/sms/inbound "$cmcc" '{"from":"13007301234","to":"10010","text":"CXXZ"}'
check "an operator without a gateway here: 401" 401 "$status"
http POST /v1/sms/inbound "$cucc" '{"from":"13007301234","to":"10010"}'
check_match "missing field" '"code":"missing_field"' "$body"

# SQXZ: a code, registered at the clearinghouse, used by the recipient's order.
sms 13007301234 "SQXZ#张三#$zhang"
check_match "SQXZ: a code issued" '"code_issued":true,.*"kind":"SQXZ"' "$body"
code=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
check_match "SQXZ: six digits in the reply" '^[0-9]{6}$' "$code"
sms 13007301234 "SQXZ#张三#$zhang"
code2=$(grep -oE '[0-9]{6}' <<<"$(json_str reply)" | head -1)
http POST /v1/orders "$cmcc" "{\"number\":\"13007301234\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"store\"}"
if [[ "$code" != "$code2" ]]; then
    check "the first code was replaced: C01" "422 C01" "$status $(json_str code)"
fi
http POST /v1/orders "$cmcc" "{\"number\":\"13007301234\",\"identity\":\"$zhang\",\"code\":\"$code2\",\"channel\":\"store\"}"
check "the newest code ports: 201" 201 "$status"
sms 13007301235 "SQXZ#李四#$li"
check_match "SQXZ when not eligible: the same reply as CXXZ" '"code_issued":false,"eligible":false,"kind":"SQXZ"' "$body"

# The freeze: an agreement recorded after 王五's first CXXZ never blocks.
sms 13007301236 "CXXZ#王五#$wang"
check_match "王五 eligible" '"eligible":true' "$body"
printf 'number,name,start,end,fee_fen,has_term\n13007301236,新签合约12个月,2026-01-01,2027-12-31,20000,yes\n' >"$tmp/late.csv"
run agreements import --operator CUCC "$tmp/late.csv" --db "$tmp/cucc.db"
check "a late agreement imported" 0 "$status"
sms 13007301236 "CXXZ#王五#$wang"
check_match "the late agreement does not block" '"eligible":true' "$body"
sms 13007301236 "CXXZ#王五#$wang"
check_match "nor the next time" '"eligible":true' "$body"

# The outbound queue: every reply, oldest first, until the SMS centre acknowledges it.
http GET "/v1/sms/outbound?limit=1000" "$cucc"
check "outbound: 200" 200 "$status"
check_match "outbound: replies with their recipients" '"to":"8613007301234".*"from":"10010"' "$body"
last=$(json_int next_after)
queued=$(grep -o '"id":' <<<"$body" | wc -l)
check "outbound: one per SMS answered (11)" 11 "$queued"
check_match "outbound: the SMS centre gets the code to send" "授权码为$code2" "$body"
# ... but the gateway's store never held it in clear (the queued text is sealed).
in_store=$(cat "$tmp/cucc.db"* | grep -a -c "授权码为$code2" || true)
check "the code is not in the gateway's store files" 0 "$in_store"
http POST /v1/sms/outbound/ack "$cucc" "{\"up_to\":$last}"
check "ack: all of them" "{\"acknowledged\":11}" "$body"
http GET "/v1/sms/outbound" "$cucc"
check_match "outbound: empty once acknowledged" '"messages":\[\]' "$body"

# The regulator counts the queries the gateway reported (the period ends after the frozen clock's
# now, where they all happened). The gateway queued the reports with its answers; its courier
# sends them on at once, so they are normally there on the first look, else after a pause.
for ((i = 0; i < 10; i++)); do
    http GET "/v1/stats?to=4102444800000" "$miit"
    grep -q '"late_agreements":1,"local_network":"0731","operator":"CUCC","queries":7,' \
        <<<"$(tr -d '\n' <<<"$body" | sed -E 's/"(acceptances|cancellations|codes_issued|rejections|requests|requests_received|returns|reversals|silences|answer_ms|to_active_ms)":(\{[^}]*\}|[0-9]+|null),//g')" && break
    http GET "/v1/events?after=1000000&wait=1" "$cucc" # a pause of at most 1 s
done
check_match "stats: the late agreement flagged for the regulator" \
    '"kind":"late_agreement","local_network":"0731","number":"8613007301236","operator":"CUCC"' "$body"
check "stats: flagged once, though queried twice since" 1 "$(grep -o '"kind":"late_agreement"' <<<"$body" | wc -l)"
check_match "stats: CUCC's row counts one late agreement" '"late_agreements":1,"local_network":"0731","operator":"CUCC"' "$body"
check_match "stats: CUCC's CXXZ queries in Changsha" '"local_network":"0731","operator":"CUCC","queries":7,' \
    "$(tr -d '\n' <<<"$body" | sed -E 's/"(acceptances|cancellations|codes_issued|late_agreements|rejections|requests|requests_received|returns|reversals|silences|answer_ms|to_active_ms)":(\{[^}]*\}|[0-9]+|null),//g')"

mnpd_stop
finish
