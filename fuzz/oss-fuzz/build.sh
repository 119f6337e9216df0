#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script: builds every target with ASan and
# debug assertions, and ships each target's checked-in corpus as its seed corpus.
cd "$SRC/dialtone"
cargo fuzz build -O --debug-assertions
for src in fuzz/fuzz_targets/*.rs; do
  target="$(basename "$src" .rs)"
  cp "fuzz/target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
  if [ -d "fuzz/corpus/$target" ]; then
    (cd "fuzz/corpus/$target" && zip -qr "$OUT/${target}_seed_corpus.zip" .)
  fi
  if [ -f "fuzz/dict/$target.dict" ]; then
    cp "fuzz/dict/$target.dict" "$OUT/"
  fi
done
