# shellcheck shell=bash disable=SC2034,SC2154 # tmp from lib.bash; demo_status for the caller
# The running demo for a test (sourced after lib.bash, not run): demo_start starts scripts/demo
# in the background on free loopback ports with few subscribers and reads its banner, which it
# leaves in $banner; $demo_pid is the demo's process. Extra environment (MNP_DEMO_TEST_CLOCK=1)
# passes through. The demo runs in its own process group (job control) so that SIGINT reaches
# it as from a terminal; the EXIT trap stops it.

scripts="${MNP_SOURCE_DIR:?}/scripts"

demo_start() {
    export MNP_DEMO_DIR="$tmp/demo" MNP_DEMO_PORT=0 MNP_DEMO_SUBSCRIBERS=300
    export MNP_DEMO_PDB_PORT=0 MNP_DEMO_ENUM_PORT=0
    MNP_BUILD_DIR=$(dirname "$MNP_BIN_DIR")
    export MNP_BUILD_DIR
    mkfifo "$tmp/demo.out"
    set -m
    "$scripts/demo" >"$tmp/demo.out" 2>&1 &
    demo_pid=$!
    set +m
    trap 'kill -INT $demo_pid 2>/dev/null || true; wait $demo_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    exec 4<"$tmp/demo.out"
    banner=""
    local line
    while IFS= read -r -t 120 -u 4 line; do
        banner+="$line"$'\n'
        [[ "$line" == *"scripts/demo-walkthrough"* ]] && break
    done
    cat <&4 >"$tmp/demo.log" &
    exec 4<&-
}

# Stops the demo with SIGINT, as Ctrl-C does; the demo's exit status is in $demo_status.
demo_stop() {
    kill -INT "$demo_pid"
    set +e
    wait "$demo_pid"
    demo_status=$?
    set -e
    trap 'rm -rf "$tmp"' EXIT
}
