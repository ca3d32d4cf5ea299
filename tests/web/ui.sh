#!/usr/bin/env bash
# The web interface's browser tests (ui.test.mjs): starts the demo on its test clock (few
# subscribers, free loopback ports), runs the tests with node's test runner and stops the demo.
# Screenshots go to MNP_SCREENSHOTS_DIR (`make screenshots` refreshes docs/screenshots/). Run by
# ctest with MNP_BIN_DIR and MNP_SOURCE_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cli/lib.bash
source "$here/../cli/lib.bash"
# shellcheck source=tests/cli/demo.bash
source "$here/../cli/demo.bash"

[[ -d "$here/node_modules/playwright-core" ]] || {
    echo "web tests: tests/web/node_modules is missing; run scripts/bootstrap" >&2
    exit 1
}
export MNP_DEMO_TEST_CLOCK=1
demo_start
check_match "the demo runs on its test clock" 'TEST CLOCK' "$banner"
[[ "$banner" =~ web\ +(http://127\.0\.0\.1:[0-9]+)/ui/ ]] || {
    printf 'the demo printed no web address:\n%s\n' "$banner" >&2
    exit 1
}
export MNP_URL="${BASH_REMATCH[1]}" MNP_DEMO_DIR
export MNP_SCREENSHOTS_DIR="${MNP_SCREENSHOTS_DIR:-$tmp/screenshots}"

set +e
(cd "$here" && node --test --test-reporter=spec ui.test.mjs)
status=$?
set -e
check "every browser test passed" 0 "$status"
demo_stop
check "the demo stopped cleanly" 0 "$demo_status"
finish
