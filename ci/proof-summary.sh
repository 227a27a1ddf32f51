#!/usr/bin/env bash
# ci/proof-summary.sh LOG - judge a Frama-C WP run from its log.
# Passes only if WP ran, proved every goal it generated, and Frama-C
# reported no error. Prints the goal count and any goal not proved.
set -u
log=$1
if grep -qE '\[kernel\] (User Error|Failure)|Plug-in .* aborted|fatal error' "$log"; then
    echo "prove: Frama-C failed:"; grep -E 'Error|error|aborted' "$log" | head -20
    exit 1
fi
line=$(grep -E 'Proved goals: +[0-9]+ / [0-9]+' "$log" | tail -n 1)
if [ -z "$line" ]; then
    echo "prove: no WP summary in $log"; tail -20 "$log"; exit 1
fi
proved=$(echo "$line" | sed -E 's/.*Proved goals: +([0-9]+) \/ ([0-9]+).*/\1/')
total=$(echo "$line" | sed -E 's/.*Proved goals: +([0-9]+) \/ ([0-9]+).*/\2/')
grep -E '^\[wp\] \[(Failed|Unknown|Timeout|Stepout|Missing|Unsuccess)' "$log" | head -40
if [ "$total" -eq 0 ] || [ "$proved" -ne "$total" ]; then
    echo "prove: $proved of $total goals proved: FAILED"
    exit 1
fi
echo "prove: $proved of $total goals proved"
