#!/usr/bin/env bash
# The README's clearinghouse session, run as written: the bash block under "## A clearinghouse
# session" with this build's programs, a scratch directory instead of /tmp and a free port
# instead of 8080. Documentation that is run cannot drift from the code. Needs curl (installed
# by scripts/bootstrap).
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
readme="${MNP_SOURCE_DIR:?}/README.md"

# A port nothing answers on, from a range away from the usual ones.
port=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((20000 + RANDOM % 20000))
done

awk '/^## A clearinghouse session/ { s = 1 } s && /^```bash$/ { b = 1; next }
     b && /^```$/ { exit } b { print }' "$readme" >"$tmp/session.sh"
check_match "the README has the session" 'mnpd --config' "$(cat "$tmp/session.sh")"
sed -i -e "s|B=build/bin|B=$MNP_BIN_DIR|" -e "s|/tmp/|$tmp/|g" -e "s|8080|$port|g" "$tmp/session.sh"

cd "$MNP_SOURCE_DIR"
set +e
out=$(timeout 60 bash -e "$tmp/session.sh" 2>&1)
rc=$?
set -e
check "the session runs to its end" 0 "$rc"
check_match "the port is ACTIVE" '"recipient":"CMCC","state":"ACTIVE"' "$out"
check_match "the lookup names the new operator and its routing number" \
    '"operator":"CMCC","ported":true,"routing_number":"1010731"' "$out"
check_match "the audit log verifies" 'audit log: [0-9]+ records, head [0-9a-f]{64}, chain intact$' "$out"
finish
