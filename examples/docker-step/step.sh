#!/bin/sh
# A Stepstack Docker step (SPEC section 4): the input arrives as JSON on standard input (and as the
# first argument when it is small); the last JSON line printed on standard output is the step's output.
# Logs go to standard error. Exit 0 for success; exit non-zero to fail (and be retried).
input=$(cat)
event_name=$(printf '%s' "$input" | sed -n 's/^{"event":{[^}]*"name":"\([^"]*\)".*/\1/p')
attempt=$(printf '%s' "$input" | sed -n 's/.*"attempt":\([0-9]*\).*/\1/p')
echo "step started: event ${event_name:-?}, attempt ${attempt:-?}" >&2
echo "some progress text that is not JSON"
printf '{"greeting":"hello from a container","event":"%s","attempt":%s,"stdin_bytes":%d,"argv_bytes":%d}\n' \
  "$event_name" "${attempt:-0}" "${#input}" "${#1}"
