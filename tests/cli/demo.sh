#!/usr/bin/env bash
# `make demo` and scripts/demo-walkthrough, as a user runs them: scripts/demo builds the demo's
# stores (four operators, three local networks, generated subscribers), starts the whole system
# and says where it is; the walkthrough ports a number from China Unicom to China Mobile through
# the real API and lists three blockers in one reply, checking every step itself; Ctrl-C (SIGINT)
# stops the demo cleanly. Here on a free loopback port and fewer subscribers. Run by ctest with
# MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

# shellcheck source=tests/cli/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/cli/demo.bash
source "$(dirname "$0")/demo.bash"
demo_start
check_match "the demo says it runs" 'mnp demo is running' "$banner"
check_match "the demo prints its web interface" 'web +http://127\.0\.0\.1:[0-9]+/ui/' "$banner"
check_match "the demo says its cutover is immediate" 'cutover +immediate' "$banner"
check_match "the demo names its four operators" 'CMCC.*CUCC.*CTCC.*CBN' "$banner"
check_match "the demo prints its URL" 'API +http://127\.0\.0\.1:[0-9]+' "$banner"
check_match "the demo prints where lookups are answered" 'pdb udp 127\.0\.0\.1:[0-9]+' "$banner"

set +e
walk=$("$scripts/demo-walkthrough" 2>&1)
walk_status=$?
set -e
check "the walkthrough passes" 0 "$walk_status"
check_match "every check of the walkthrough held" 'Every check held\.' "$walk"
check_match "the port reached ACTIVE" '✓ the order is ACTIVE' "$walk"
check_match "the lookup answers the new operator" '✓ ported, served by China Mobile' "$walk"
check_match "three blockers in one reply" '✓ not eligible: a company' "$walk"
check_match "the lookup replica answers over HTTP" '✓ HTTP: China Mobile, ported' "$walk"
check_match "and over ENUM" '✓ ENUM: ;npdi;rn=' "$walk"
check_match "and over pdb" '✓ pdb: OK with China Mobile' "$walk"
[[ $walk_status -eq 0 ]] || printf '%s\n' "$walk"

# The subscribers were generated with every blocker: the stores hold them.
subs=$(wc -l <"$tmp/demo/data/CTCC-subscribers.csv")
check "generated subscribers per operator (and the header)" 301 "$subs"
check_match "some generated subscribers are company-registered" ',company,' \
    "$(cat "$tmp/demo/data/"*-subscribers.csv)"
check_match "some have term agreements" ',yes$' "$(cat "$tmp/demo/data/"*-agreements.csv)"

demo_stop
check "Ctrl-C stops the demo cleanly" 0 "$demo_status"
finish
