#!/usr/bin/env bash
# Builds libdialtone, compiles every C example against the committed header
# with -Wall -Wextra -Werror, and runs each under valgrind (leaks are errors).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
cargo build --locked --release -p dialtone-ffi
out="$root/target/c-examples"
mkdir -p "$out"
for src in ffi/examples/c/*.c; do
  name="$(basename "$src" .c)"
  echo "--- $name"
  cc -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -I ffi/include \
    "$src" "$root/target/release/libdialtone.a" -lpthread -ldl -lm -o "$out/$name"
  args=()
  if [ -x "ffi/examples/c/$name.sh" ]; then
    # An example that needs a peer (e.g. a server on loopback) has a wrapper
    # that starts it and runs the example binary passed as its argument.
    "ffi/examples/c/$name.sh" valgrind --error-exitcode=1 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect -q "$out/$name"
  else
    valgrind --error-exitcode=1 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect -q "$out/$name" "${args[@]}"
  fi
done
