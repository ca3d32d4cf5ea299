# Shared by the tests of the clearinghouse's porting rules (tests/cli/rules_*.sh; sourced after
# lib.bash and mnpd.bash, not run): identity numbers with their GB 11643 check digit, the steps
# of an order (register a code, submit, answer, walk to ACTIVE), the test clock in absolute
# instants, and refused(), which checks that a request is refused with a given status and problem
# code and that it changed nothing anyone can see: the orders, the change feed and the lookups of
# the numbers in $watch.
# shellcheck shell=bash disable=SC2034,SC2154 # constants for the tests; keys from mnpd.bash

hour_ms=3600000
min_ms=60000
day_ms=86400000
watch=""

# idcard PREFIX17: the 18-character resident identity number with its GB 11643 check digit.
idcard() {
    local -a w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2)
    local s=0 i checks=10X98765432
    for ((i = 0; i < 17; i++)); do
        s=$((s + ${1:i:1} * w[i]))
    done
    echo "$1${checks:s%11:1}"
}

# json_str NAME: the first string member NAME of $body.
json_str() {
    grep -oE "\"$1\":\"[^\"]*\"" <<<"$body" | head -1 | sed -E 's/.*:"(.*)"/\1/'
}

# now_ms: the daemon's (test) clock now; runs the timers that are due.
now_ms() {
    local s=$status b=$body v
    http POST /v1/test/clock "" '{"advance_ms":0}'
    v=$(json_int now_ms)
    status=$s body=$b
    echo "$v"
}

# clock_to MS: moves the test clock to the instant MS (not before now) and runs the timers.
clock_to() {
    http POST /v1/test/clock "" "{\"set_ms\":$1}"
    check "clock to $1: 200" 200 "$status"
    check_match "clock to $1: now" "\"now_ms\":$1[,}]" "$body"
}

# register KEY NUMBER IDENTITY CODE: the donor registers a code; must succeed.
register() {
    http POST /v1/authcodes "$1" "{\"number\":\"$2\",\"identity\":\"$3\",\"code\":\"$4\"}"
    check "register $4 for $2: 201" 201 "$status"
}

# submit KEY NUMBER IDENTITY CODE: a port request through the store channel; sets status, body
# and order (the new order's id, "" when refused).
submit() {
    http POST /v1/orders "$1" \
        "{\"number\":\"$2\",\"identity\":\"$3\",\"code\":\"$4\",\"channel\":\"store\"}"
    order=$(sed -nE 's/^\{"order":([0-9]+)\}$/\1/p' <<<"$body")
}

# submit_ok KEY NUMBER IDENTITY CODE: submit, which must create an order (in $order).
submit_ok() {
    submit "$@"
    check "submit $2 by code $4: 201" 201 "$status"
    check_match "submit $2: an order id" '^[0-9]+$' "$order"
}

# state_of ID: the order's state as the regulator reads it.
state_of() {
    local s=$status b=$body v
    http GET "/v1/orders/$1" "$miit"
    v=$(json_str state)
    status=$s body=$b
    echo "$v"
}

# world: what a refused request must leave as it was: every order (as the regulator lists it),
# the whole change feed, and the lookup of every number in $watch.
world() {
    local n
    http GET "/v1/orders?limit=1000" "$miit"
    echo "$body"
    http GET "/v1/events?after=0&limit=1000" "$miit"
    echo "$body"
    for n in $watch; do
        http GET "/v1/numbers/$n" "$miit"
        echo "$body"
    done
}

# refused NAME STATUS CODE METHOD PATH KEY [BODY]: the request gets STATUS with a problem body of
# CODE, and the world is unchanged. status and body are the refusal's afterwards.
refused() {
    local name=$1 want_status=$2 want_code=$3 before after s b
    shift 3
    before=$(world)
    http "$@"
    s=$status b=$body
    check "$name: $want_status" "$want_status" "$status"
    check_match "$name: problem code $want_code" \
        "^\\{\"status\":$want_status,\"code\":\"$want_code\"" "$body"
    after=$(world)
    check "$name: nothing changed" "$before" "$after"
    status=$s body=$b
}

# accept ID DONOR_KEY: the donor accepts; the timers then schedule the order.
accept() {
    http POST "/v1/orders/$1/answer" "$2" '{}'
    check "donor accepts $1: 200" 200 "$status"
    now_ms >/dev/null
    check "order $1 scheduled" SCHEDULED "$(state_of "$1")"
}

# ack_all SEQ: every operator's copy acknowledges the feed up to SEQ.
ack_all() {
    local key
    for key in "$cmcc" "$cucc" "$ctcc" "$cbn"; do
        http POST /v1/events/ack "$key" "{\"seq\":$1}"
        check "ack $1: 200" 200 "$status"
    done
}

# activate ID: a SCHEDULED order through its cutover (the clock moves to it) and every
# operator's acknowledgement to ACTIVE; sets cutover and npdb_seq.
activate() {
    http GET "/v1/orders/$1" "$miit"
    cutover=$(json_int cutover_ms)
    check_match "order $1 has a cutover instant" '^[0-9]+$' "$cutover"
    clock_to "$cutover"
    http GET "/v1/orders/$1" "$miit"
    check "order $1 broadcasting at its cutover" BROADCASTING "$(json_str state)"
    npdb_seq=$(json_int npdb_seq)
    ack_all "$npdb_seq"
    now_ms >/dev/null
    check "order $1 ACTIVE" ACTIVE "$(state_of "$1")"
}

# audit_match REGEX: yes when some one record of the audit log (as the regulator reads it; its
# members in the order action, actor, at_ms, detail, hash, seq, subject) matches REGEX, else no.
audit_match() {
    http GET "/v1/audit?limit=1000" "$miit"
    # One record a line; a here-string, since `... | grep -q` fails under pipefail when grep
    # leaves early.
    grep -qE "$1" <<<"${body//'},{"action"'/$'}\n{"action"'}" && echo yes || echo no
}

# audit_has NAME REGEX: some audit record matches REGEX.
audit_has() {
    check "$1" yes "$(audit_match "$2")"
}

# donor_subscribers ZHAO_STATUS: China Unicom's billing file of three subscribers in Changsha,
# 张三 (13007301234), 赵六 (13007301237, whose status is ZHAO_STATUS) and 钱七 (13007301238),
# imported into its gateway's store $tmp/cucc.db; their identity numbers in zhang, zhao, qian.
donor_subscribers() {
    zhang=$(idcard 43010219900101123)
    zhao=$(idcard 43010219880808123)
    qian=$(idcard 43010219770707123)
    cat >"$tmp/subscribers.csv" <<CSV
number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen
13007301234,张三,$zhang,person,normal,0,,,0
13007301237,赵六,$zhao,person,$1,0,,,0
13007301238,钱七,$qian,person,normal,0,,,0
CSV
    run subscribers import --operator CUCC "$tmp/subscribers.csv" --db "$tmp/cucc.db"
    check "import subscribers ($1)" 0 "$status"
}
