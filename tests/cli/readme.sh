#!/usr/bin/env bash
# The README's clearinghouse session, run as written: the bash block under "## A clearinghouse
# session" with this build's programs, a scratch directory instead of /tmp and a free port
# instead of 8080. Documentation that is run cannot drift from the code. Needs curl (installed
# by scripts/bootstrap).
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
readme="${MNP_SOURCE_DIR:?}/README.md"

awk '/^## A clearinghouse session/ { s = 1 } s && /^```bash$/ { b = 1; next }
     b && /^```$/ { exit } b { print }' "$readme" >"$tmp/readme.sh"
check_match "the README has the session" 'mnpd --config' "$(cat "$tmp/readme.sh")"

# A port below the kernel's ephemeral range (32768 and up), so that no other test's ephemeral
# port can take it; tried again on another one when something else holds it after all.
cd "$MNP_SOURCE_DIR"
for _ in 1 2 3; do
    rm -f "$tmp/mnpd.log"
    port=$((20000 + RANDOM % 12000))
    sed -e "s|/tmp/|$tmp/|g" -e "s|8080|$port|g" -e "s|B=build/bin|B=$MNP_BIN_DIR|" \
        "$tmp/readme.sh" >"$tmp/session.sh"
    set +e
    out=$(timeout 30 bash -e "$tmp/session.sh" 2>&1)
    rc=$?
    set -e
    grep -q 'Address already in use' "$tmp/mnpd.log" || break
done
check "the session runs to its end" 0 "$rc"
((rc == 0)) || { echo "--- mnpd's log:"; cat "$tmp/mnpd.log" 2>/dev/null || true; }
check_match "the port is ACTIVE" '"recipient":"CMCC","state":"ACTIVE"' "$out"
check_match "the lookup names the new operator and its routing number" \
    '"operator":"CMCC","ported":true,"routing_number":"1010731"' "$out"
check_match "the audit log verifies" 'audit log: [0-9]+ records, head [0-9a-f]{64}, chain intact$' "$out"
finish
