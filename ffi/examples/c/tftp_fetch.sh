#!/usr/bin/env bash
# Runs the tftp_fetch example (its command line is "$@", e.g. valgrind ...
# tftp_fetch) against `dialtone tftp serve` on 127.0.0.1 and checks the file.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cargo build --locked --release -q -p dialtone-lab --manifest-path "$root/Cargo.toml"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 40000))
"$root/target/release/dialtone" tftp serve --root "$root/testdata/samples" --listen "127.0.0.1:$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.3
# Phones ask with a leading '/' and the MAC in upper case; names match in any case.
"$@" "$port" /SEP.cnf.XML "$work/out.xml"
cmp "$work/out.xml" "$root/testdata/samples/sep.cnf.xml"
echo "tftp_fetch: file identical"
