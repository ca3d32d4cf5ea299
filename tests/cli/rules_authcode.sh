#!/usr/bin/env bash
# Authorization codes at the clearinghouse (SPEC.md §3.2, §7), over real HTTP against mnpd on the
# test clock: only the serving operator registers a code; a code is valid 60 minutes to the
# millisecond; a newer code replaces the older, which is then simply wrong (C01); five wrong codes
# for a number within one clock hour lock it (429 C01) until the hour ends, even for the right
# code, for that number only. Every refusal changes nothing but the count of wrong attempts.
# Run by ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/mnpd.bash
source "$(dirname "$0")/mnpd.bash"
# shellcheck source=tests/cli/rules.bash
source "$(dirname "$0")/rules.bash"
mnpd_setup
mnpd_start

# China Unicom numbers in Changsha, one per case; China Mobile receives them.
na=13007301240 nb=13007301241 nc=13007301242 nd=13007301243 ne=13007301244 nf=13007301245
id=430102199001011238
watch="$na $nb $nc $nd $ne $nf"
t0=$test_clock_start # 10:00:00.000Z, a whole hour
req() { # req NUMBER CODE: China Mobile's port request for the subscriber
    echo "{\"number\":\"$1\",\"identity\":\"$id\",\"code\":\"$2\",\"channel\":\"online\"}"
}
code_body() { # code_body NUMBER CODE
    echo "{\"number\":\"$1\",\"identity\":\"$id\",\"code\":\"$2\"}"
}

# Only the operator serving the number registers its code.
refused "another operator registers" 403 not_serving \
    POST /v1/authcodes "$cmcc" "$(code_body "$na" 100001)"
check_match "not_serving: names the serving operator" '"detail":"[^"]*CUCC' "$body"
refused "a third operator registers" 403 not_serving \
    POST /v1/authcodes "$ctcc" "$(code_body "$na" 100001)"
refused "the regulator registers" 403 forbidden \
    POST /v1/authcodes "$miit" "$(code_body "$na" 100001)"
refused "a code of letters" 400 bad_value POST /v1/authcodes "$cucc" "$(code_body "$na" abcdef)"

# Expiry: valid for 60 minutes after registration, not a millisecond longer.
register "$cucc" "$na" "$id" 100001
register "$cucc" "$nb" "$id" 100002
clock_to $((t0 + hour_ms - 1))
http POST /v1/orders "$cmcc" "$(req "$na" 100001)"
check "last millisecond of the code: 201" 201 "$status"
clock_to $((t0 + hour_ms))
refused "C02 after 60 minutes" 422 C02 POST /v1/orders "$cmcc" "$(req "$nb" 100002)"
refused "C02 also for the recipient's second try" 422 C02 \
    POST /v1/orders "$cmcc" "$(req "$nb" 100002)"
register "$cucc" "$nb" "$id" 100003
http POST /v1/orders "$cmcc" "$(req "$nb" 100003)"
check "a new code after expiry: 201" 201 "$status"

# Replacement: a second code replaces the first; the first is then wrong (C01), not expired.
register "$cucc" "$nc" "$id" 200001
register "$cucc" "$nc" "$id" 200002
refused "C01 the replaced code" 422 C01 POST /v1/orders "$cmcc" "$(req "$nc" 200001)"
http POST /v1/orders "$cmcc" "$(req "$nc" 200002)"
check "the newer code: 201" 201 "$status"
audit_has "registrations audited" '"action":"authcode.registered".*"subject":"86'"$nc"'"'

# Lockout: from 11:30, five wrong codes for nd; the fifth locks it for the rest of the hour.
clock_to $((t0 + hour_ms + 30 * min_ms))
register "$cucc" "$nd" "$id" 300000
register "$cucc" "$ne" "$id" 400000
for wrong in 300001 300002 300003 300004; do
    refused "wrong code $wrong: C01" 422 C01 POST /v1/orders "$cmcc" "$(req "$nd" "$wrong")"
done
locked_nd='"action":"authcode.locked".*"subject":"86'"$nd"'"'
check "no lock before the fifth" no "$(audit_match "$locked_nd")"
refused "fifth wrong code: locked" 429 C01 POST /v1/orders "$cmcc" "$(req "$nd" 300005)"
check_match "429: says it is locked for the hour" '"detail":"[^"]*locked' "$body"
audit_has "the lock is audited" "$locked_nd"
refused "sixth try, the right code: still locked" 429 C01 \
    POST /v1/orders "$cmcc" "$(req "$nd" 300000)"
refused "another recipient, the right code: locked" 429 C01 POST /v1/orders "$ctcc" \
    "{\"number\":\"$nd\",\"identity\":\"$id\",\"code\":\"300000\",\"channel\":\"store\"}"
# The lock is the number's, not the recipient's: another number ports meanwhile.
http POST /v1/orders "$cmcc" "$(req "$ne" 400000)"
check "another number is not locked: 201" 201 "$status"
clock_to $((t0 + 2 * hour_ms - 1))
refused "last millisecond of the hour: locked" 429 C01 POST /v1/orders "$cmcc" "$(req "$nd" 300000)"
clock_to $((t0 + 2 * hour_ms))
submit_ok "$cmcc" "$nd" "$id" 300000
check "unlocked in the next hour: the order waits" PENDING_DONOR "$(state_of "$order")"

# The count is per clock hour: four wrong codes at 12:40 and one at 13:00 lock nothing.
clock_to $((t0 + 2 * hour_ms + 40 * min_ms))
register "$cucc" "$nf" "$id" 500000
for wrong in 500001 500002 500003 500004; do
    refused "12:40 wrong code $wrong" 422 C01 POST /v1/orders "$cmcc" "$(req "$nf" "$wrong")"
done
clock_to $((t0 + 3 * hour_ms))
refused "13:00 a fifth wrong code, but the first of this hour" 422 C01 POST /v1/orders "$cmcc" \
    "$(req "$nf" 500005)"
submit_ok "$cmcc" "$nf" "$id" 500000

mnpd_stop
finish
