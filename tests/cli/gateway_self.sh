#!/usr/bin/env bash
# Subscriber self-service over HTTP (docs/self-service.md): one mnpd runs the clearinghouse and
# the gateways of China Unicom and China Mobile. A subscriber logs in with the code the gateway
# sends to the number (read from the outbound queue, as the SMS centre does), asks the
# eligibility query and for an authorization code on the web with the same answers as by SMS,
# ports with that code and follows the order to ACTIVE; every limit of codes and sessions is
# tried on the test clock. Then a gateway alone, with the demo switch on and its clearinghouse
# gone, shows the login SMS in the answer and says so in its log. Run by ctest with MNP_BIN_DIR
# and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
{ echo "[gateway]"; gateway_operator CUCC; gateway_operator CMCC; } >>"$tmp/ch.conf"

zhang=$(idcard 43010219900101123) # eligible, with services and a balance
li=$(idcard 43010219850505432)    # a company number, unpaid, under contract
wang=$(idcard 43010219920202111)  # eligible; an agreement comes after his first query
zhao=$(idcard 43010219880808123)  # tries the limits
qian=$(idcard 43010219770707123)  # lets a code expire
sun=$(idcard 43010219660606123)   # China Mobile's
cat >"$tmp/subscribers.csv" <<CSV
number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen
13007301234,张三,$zhang,person,normal,0,,副卡;宽带融合套餐,1250
13007301235,李四,$li,company,normal,5000,,,0
13007301236,王五,$wang,person,normal,0,,,0
13007301237,赵六,$zhao,person,normal,0,,,0
13007301238,钱七,$qian,person,normal,0,,,0
CSV
printf 'number,name,start,end,fee_fen,has_term\n13007301235,畅享套餐24个月,2026-01-01,2027-12-31,30000,yes\n' \
    >"$tmp/agreements.csv"
run subscribers import --operator CUCC "$tmp/subscribers.csv" --db "$tmp/cucc.db"
check "import China Unicom's subscribers" 0 "$status"
run agreements import --operator CUCC "$tmp/agreements.csv" --db "$tmp/cucc.db"
check "import an agreement" 0 "$status"
printf 'number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen\n13407301111,孙八,%s,person,normal,0,,,0\n' \
    "$sun" >"$tmp/cmcc.csv"
run subscribers import --operator CMCC "$tmp/cmcc.csv" --db "$tmp/cmcc.db"
check "import China Mobile's subscriber" 0 "$status"
# mnpctl records at the real time: the daemon's clock starts there, after the imports.
test_clock_start=now
mnpd_start

jget() { jq -r "$1" <<<"$body"; } # jget FILTER: from the last answer's body
login() { http POST /v1/self/login "" "{\"number\":\"$1\"}"; }
session() { http POST /v1/self/session "" "{\"number\":\"$1\",\"code\":\"$2\"}"; }
query() { # query eligibility|authcode TOKEN NAME IDENTITY
    http POST "/v1/self/$1" "$2" "{\"name\":\"$3\",\"identity\":\"$4\"}"
}
sms() { # sms NUMBER TEXT: China Unicom's SMS centre delivers it; sms_reply is the reply
    http POST /v1/sms/inbound "$cucc" "{\"from\":\"$1\",\"to\":\"10010\",\"text\":\"$2\"}"
    sms_reply=$(jget .reply)
}
outbound() { # outbound KEY: every SMS the operator's SMS centre has to send
    local s=$status b=$body
    http GET "/v1/sms/outbound?limit=1000" "$1"
    outbound=$body
    status=$s body=$b
}
code_of() { # code_of KEY NUMBER: the newest login code sent to NUMBER, as the SMS centre reads it
    outbound "$1"
    code=$(jq -r --arg to "86$2" '[.messages[] | select(.to == $to) | .text |
        capture("网上营业厅验证码为 (?<c>[0-9]{6})，").c] | last // ""' <<<"$outbound")
}
log_in() { # log_in KEY NUMBER: login and session; sets token
    login "$2"
    check "login $2: 202" 202 "$status"
    code_of "$1" "$2"
    session "$2" "$code"
    check "session for $2: 201" 201 "$status"
    token=$(jget .token)
}
queries=0 # CXXZ about China Unicom's subscribers, web and SMS: the regulator must count them all

# Login: the code goes by SMS to the number, sealed in the queue, and the answer says where.
status="" body=""
t0=$(now_ms)
login 13007301234
check "login: 202" 202 "$status"
check "login: who sent it where, until when" \
    "CUCC 中国联通 130****1234 $((t0 + 300000)) null" \
    "$(jget '"\(.operator) \(.operator_name) \(.sent_to) \(.expires_ms) \(.demo_sms)"')"
code_of "$cucc" 13007301234
check_match "the login SMS, as the SMS centre sends it" \
    '"text":"【中国联通】您的网上营业厅验证码为 [0-9]{6}，5分钟内有效，请勿告诉他人。","to":"8613007301234"' \
    "$outbound"
check "the code is not in China Unicom's store files" 0 \
    "$(cat "$tmp/cucc.db"* | grep -a -c "验证码为 $code" || true)"
session 13007301234 "$(printf '%06d' $(((10#$code + 1) % 1000000)))"
check "a wrong code: 401 wrong_code" "401 wrong_code" "$status $(jget .code)"
session 13007301234 "$code"
check "the right code: 201" 201 "$status"
token=$(jget .token)
zhang_token=$token
check_match "a url-safe token of 32 random bytes" '^[A-Za-z0-9_-]{43}$' "$token"
check "the session: its number, operator and end" "8613007301234 CUCC 中国联通 $((t0 + 1800000))" \
    "$(jget '"\(.number) \(.operator) \(.operator_name) \(.expires_ms)"')"
session 13007301234 "$code"
check "the code again: used, 401 wrong_code" "401 wrong_code" "$status $(jget .code)"

# The eligibility query on the web is the CXXZ: the same reply, byte for byte.
query eligibility "$token" 张三 "$zhang"
queries=$((queries + 1))
check "eligibility: 200" 200 "$status"
check "eligible, what porting ends, the balance" 'true [] ["副卡","宽带融合套餐"] 1250' \
    "$(jget '"\(.eligible) \(.conditions|tojson) \(.services|tojson) \(.balance_fen)"')"
web_reply=$(jget .reply)
sms 13007301234 "CXXZ#张三#$zhang"
queries=$((queries + 1))
check "the web's reply is the SMS's" "$sms_reply" "$web_reply"
outbound "$cucc"
check "the web's reply was not sent by SMS" 1 \
    "$(jq --arg r "$web_reply" '[.messages[] | select(.text == $r)] | length' <<<"$outbound")"
query eligibility "$token" 张四 "$zhang"
queries=$((queries + 1))
check "another name: E07 alone, nothing disclosed" '[{"code":"E07"}] [] 0' \
    "$(jget '"\(.conditions|tojson) \(.services|tojson) \(.balance_fen)"')"
http POST /v1/self/eligibility "$token" '{"name":"张三"}'
check "a missing identity: 400 missing_field" "400 missing_field" "$status $(jget .code)"
query eligibility "$token" 张三 "$zhang\",\"x\":\"1"
check "an unknown member: 400 unknown_field" "400 unknown_field" "$status $(jget .code)"

# Three blockers at once, each with its facts for a page in another language.
log_in "$cucc" 13007301235
query eligibility "$token" 李四 "$li"
queries=$((queries + 1))
check "李四: not eligible" false "$(jget .eligible)"
check "E01, E03 and E04 with the company, the amount, the agreement's end and fee" \
    '[{"code":"E01","why":"company"},{"code":"E03","unpaid_fen":5000},{"agreements":[{"end":"2027-12-31","fee_fen":30000,"name":"畅享套餐24个月"}],"code":"E04"}]' \
    "$(jget '.conditions|tojson')"
web_reply=$(jget .reply)
sms 13007301235 "CXXZ#李四#$li"
queries=$((queries + 1))
check "李四's reply on the web is the SMS's" "$sms_reply" "$web_reply"
query authcode "$token" 李四 "$li"
check "SQXZ when not eligible: the same answer and no code" 'false false null 3' \
    "$(jget '"\(.eligible) \(.code_issued) \(.code) \(.conditions|length)"')"
check "SQXZ when not eligible: the CXXZ reply" "$sms_reply" "$(jget .reply)"

# The web query freezes the agreements: one recorded later never blocks, and is reported.
log_in "$cucc" 13007301236
query eligibility "$token" 王五 "$wang"
queries=$((queries + 1))
check "王五: eligible" true "$(jget .eligible)"
advance 1000
http POST /v1/agreements "$cucc" \
    '{"agreements":[{"number":"13007301236","name":"新签合约12个月","start":"2026-01-01","end":"2027-12-31","fee_fen":20000,"has_term":true}]}'
check "the billing system adds an agreement afterwards" 201 "$status"
query eligibility "$token" 王五 "$wang"
queries=$((queries + 1))
check "the agreement after the web query does not block" 'true []' \
    "$(jget '"\(.eligible) \(.conditions|tojson)"')"

# Another operator's subscriber: the login goes to that operator's gateway.
login 13407301111
check "China Mobile's subscriber: China Mobile's login" "202 CMCC 中国移动" \
    "$status $(jget '"\(.operator) \(.operator_name)"')"
code_of "$cmcc" 13407301111
check_match "China Mobile's SMS centre sends it" '^[0-9]{6}$' "$code"
code_of "$cucc" 13407301111
check "China Unicom's does not" "" "$code"

# Refusals change nothing: no SMS is queued.
outbound "$cucc"
before=$outbound
login 13007309999
check "not a subscriber: 404" "404 not_a_subscriber" "$status $(jget .code)"
login 1300730
check "a bad number: 400" "400 bad_number" "$status $(jget .code)"
http POST /v1/self/login "" '{"number":13007301237}'
check "a number as a JSON number: 400 wrong_type" "400 wrong_type" "$status $(jget .code)"
http POST /v1/self/login "" "{\"number\":\"$(printf '1%.0s' {1..40})\"}"
check "too long: 400 too_long" "400 too_long" "$status $(jget .code)"
http POST /v1/self/login "" '{"number":"13007301237","extra":true}'
check "an unknown member: 400 unknown_field" "400 unknown_field" "$status $(jget .code)"
outbound "$cucc"
check "no SMS queued by a refused login" "$before" "$outbound"

# One code a minute, five an hour; a new code replaces the old; five wrong tries void it.
login 13007301237
code_of "$cucc" 13007301237
code1=$code
login 13007301237
check "a second code within a minute: 429 too_soon" "429 too_soon" "$status $(jget .code)"
check_match "it says when to ask again" 'in 60 s' "$(jget .detail)"
retry=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' \
    -d '{"number":"13007301237"}' "http://127.0.0.1:$port/v1/self/login" |
    tr -d '\r' | sed -nE 's/^retry-after: //Ip')
check "and so does its Retry-After header" 60 "$retry"
advance 60000
login 13007301237
check "a minute later: 202" 202 "$status"
code_of "$cucc" 13007301237
code2=$code
[[ "$code1" != "$code2" ]] || code1=$(printf '%06d' $(((10#$code2 + 5) % 1000000)))
session 13007301237 "$code1"
check "the replaced code: 401 wrong_code" "401 wrong_code" "$status $(jget .code)"
for i in 1 2 3 4; do # with the replaced code, five wrong tries
    session 13007301237 "$(printf '%06d' $(((10#$code2 + i) % 1000000)))"
    wrong[i]="$status $(jget .code)"
done
check "wrong tries 2-4: 401 wrong_code" "401 wrong_code|401 wrong_code|401 wrong_code" \
    "${wrong[1]}|${wrong[2]}|${wrong[3]}"
check "the fifth wrong try: 429 too_many_attempts" "429 too_many_attempts" "${wrong[4]}"
session 13007301237 "$code2"
check "then even the right code: 429 too_many_attempts" "429 too_many_attempts" \
    "$status $(jget .code)"
for i in 3 4 5; do
    advance 60000
    login 13007301237
    check "login $i in the hour: 202" 202 "$status"
done
code_of "$cucc" 13007301237
session 13007301237 "$code"
check "a new code after the void one: 201" 201 "$status"
advance 60000
login 13007301237
check "a sixth in the hour: 429 too_many_codes" "429 too_many_codes" "$status $(jget .code)"

# A code is valid 5 minutes: only the right one hears it expired.
login 13007301238
code_of "$cucc" 13007301238
advance 300001
session 13007301238 "$code"
check "a code 5 minutes old: 401 code_expired" "401 code_expired" "$status $(jget .code)"

# A session lasts 30 minutes.
log_in "$cucc" 13007301238
advance 1799999
query eligibility "$token" 钱七 "$qian"
queries=$((queries + 1))
check "a session 30 minutes old less 1 ms: 200" 200 "$status"
advance 1
query eligibility "$token" 钱七 "$qian"
check "a session 30 minutes old: 401" "401 unauthorized" "$status $(jget .code)"
http POST /v1/self/eligibility "$zhang_token" "{\"name\":\"张三\",\"identity\":\"$zhang\"}"
check "so is the first one: 401" 401 "$status"

# Without a live session nothing answers.
for route in "POST /v1/self/eligibility" "POST /v1/self/authcode" "GET /v1/self/orders" \
    "POST /v1/self/logout"; do
    read -r method path <<<"$route"
    http "$method" "$path" "" '{"name":"张三","identity":"x"}'
    check "$route without a token: 401" "401 unauthorized" "$status $(jget .code)"
    http "$method" "$path" "$(printf 'A%.0s' {1..43})" '{"name":"张三","identity":"x"}'
    check "$route with a wrong token: 401" "401 unauthorized" "$status $(jget .code)"
done
http GET /v1/self/orders "$cucc"
check "an operator's key is no session: 401" 401 "$status"
check_match "the refusal says to log in again" 'log in again' "$(jget .detail)"
log_in "$cucc" 13007301236
http POST /v1/self/logout "$token"
check "logout: 204" "204 " "$status $body"
http GET /v1/self/orders "$token"
check "after logout: 401" 401 "$status"

# The regulator counts the web's queries with the SMS's, and sees the late agreement.
late=""
for ((i = 0; i < 10; i++)); do # the courier sends the reports on at once
    http GET "/v1/stats?to=4102444800000" "$miit"
    counted=$(jget '.rows[] | select(.operator == "CUCC" and .local_network == "0731") | .queries')
    late=$(jget '[.flags[] | select(.kind == "late_agreement") | .number] | join(" ")')
    [[ "$counted" == "$queries" && -n "$late" ]] && break
    http GET "/v1/events?after=1000000&wait=1" "$cucc" # a pause of at most 1 s
done
check "stats: every CXXZ counted, web and SMS" "$queries" "$counted"
check "stats: the agreement after the web query flagged" 8613007301236 "$late"

# The authorization code on the web: registered at the clearinghouse, shown, not sent by SMS.
log_in "$cucc" 13007301234
now=$(now_ms)
query authcode "$token" 张三 "$zhang"
check "authcode: 200, a code valid an hour" "200 true true $((now + 3600000))" \
    "$status $(jget '"\(.eligible) \(.code_issued) \(.expires_ms)"')"
code=$(jget .code)
check_match "six digits" '^[0-9]{6}$' "$code"
check_match "the reply is the SQXZ's" "^【中国联通】您的携号转网授权码为$code，" "$(jget .reply)"
outbound "$cucc"
check "the code was not sent by SMS" 0 "$(grep -c "授权码为$code" <<<"$outbound" || true)"
http POST /v1/port-in "$cmcc" "{\"number\":\"13007301234\",\"name\":\"张三\",\"identity\":\"$zhang\",\"code\":\"$code\",\"channel\":\"online\"}"
check "China Mobile's port-in takes the code: 201" 201 "$status"
order=$(json_int order)

# The subscriber follows the order to ACTIVE.
http GET /v1/self/orders "$token"
check "orders: 200, the number's order with its parties" "200 8613007301234 $order CMCC CUCC" \
    "$status $(jget '"\(.number) \([.orders[].order]|join(",")) \(.orders[0].recipient) \(.orders[0].donor)"')"
check_match "orders: when it was made" '^[0-9]{13}$' "$(jget '.orders[0].created_ms')"
feed_seq=0
for ((i = 0; i < 20; i++)); do # China Unicom's gateway accepts it from the feed
    [[ "$(state_of "$order")" == SCHEDULED ]] && break
    http GET "/v1/events?after=$feed_seq&wait=2" "$cmcc"
    feed_seq=$(json_int next_after)
done
http GET /v1/self/orders "$token"
check "orders: SCHEDULED, with its cutover" "SCHEDULED true" \
    "$(jget '"\(.orders[0].state) \(.orders[0].cutover_ms > 0)"')"
cutover=$(jget '.orders[0].cutover_ms')
# The session may expire before the cutover comes: a new one a minute before (a minute after
# the last login at least).
at=$(($(now_ms) + 60000))
((cutover - 60000 < at)) || at=$((cutover - 60000))
clock_to "$at"
log_in "$cucc" 13007301234
if ((cutover > at)); then clock_to "$cutover"; fi
seq=$(http GET "/v1/orders/$order" "$miit"; json_int npdb_seq)
for key in "$ctcc" "$cbn"; do # operators without a gateway here
    http POST /v1/events/ack "$key" "{\"seq\":$seq}"
done
for ((i = 0; i < 20; i++)); do # both gateways acknowledge on their own
    now_ms >/dev/null
    [[ "$(state_of "$order")" == ACTIVE ]] && break
    http GET "/v1/events?after=$feed_seq&wait=1" "$cmcc"
    feed_seq=$(json_int next_after)
done
http GET /v1/self/orders "$token"
check "orders: ACTIVE" "ACTIVE $order" "$(jget '"\(.orders[0].state) \(.orders[0].order)"')"
check "the login code never in China Unicom's store files" 0 \
    "$(cat "$tmp/cucc.db"* | grep -a -c '网上营业厅验证码为 [0-9]' || true)"
mnpd_stop

# China Unicom's gateway alone, its clearinghouse gone, with the demo switch on.
printf '[gateway]\nlisten = 127.0.0.1:0\ndemo_show_login_sms = yes\n' >"$tmp/gw.conf"
gateway_operator CUCC http://127.0.0.1:9 >>"$tmp/gw.conf"
"$mnpd" --config "$tmp/gw.conf" 2>"$tmp/gw.log" &
mnpd_pid=$! # mnpd_stop and the EXIT trap stop it
timeout 30 tail -n +1 -f "$tmp/gw.log" | grep -q -m1 'msg="ready"' || true
port=$(sed -nE 's/.*msg="listening".*addr=127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/gw.log")
check_match "the demo gateway listens" '^[0-9]+$' "$port"
check_match "and warns that this is for demos only" \
    'level=warn time=[^ ]+ msg="DEMO: .*never run production' "$(cat "$tmp/gw.log")"
http POST /v1/self/eligibility "$token" "{\"name\":\"王五\",\"identity\":\"$wang\"}"
check "a restart forgets the sessions: 401" 401 "$status"
login 13007301236
check "demo: the login answer shows the SMS" 202 "$status"
demo_sms=$(jget .demo_sms)
check_match "demo: the SMS with the code" '^【中国联通】您的网上营业厅验证码为 [0-9]{6}，' "$demo_sms"
code=$(grep -oE '[0-9]{6}' <<<"$demo_sms")
code_of "$cucc" 13007301236
check "demo: the code the SMS centre sends" "$code" "$(grep -oE '[0-9]{6}' <<<"$demo_sms")"
session 13007301236 "$code"
check "demo: that code logs in" 201 "$status"
token=$(jget .token)
query authcode "$token" 王五 "$wang"
check "the clearinghouse gone: eligible, no code" "200 true false null" \
    "$status $(jget '"\(.eligible) \(.code_issued) \(.code)"')"
check_match "the reply says to try again later" '系统繁忙.*请稍后' "$(jget .reply)"
http GET /v1/self/orders "$token"
check "orders: 503 clearinghouse_unreachable" "503 clearinghouse_unreachable" \
    "$status $(jget .code)"
check "demo: still no login code in the store files" 0 \
    "$(cat "$tmp/cucc.db"* | grep -a -c '网上营业厅验证码为 [0-9]' || true)"
mnpd_stop
finish
