#!/usr/bin/env bash
# Loopback TFTP throughput: `dialtone tftp serve` next to tftpd-hpa, same
# client (atftp), same 10 MiB file, blksize 1428, windowsize 1 and 16
# (tftpd-hpa has no windowsize: it answers lockstep), interleaved runs,
# median of RUNS (default 7). Loopback timings swing ±30-50 %: compare the
# medians of one run of this script, not figures from different runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-7}"
size_mib="${SIZE_MIB:-10}"
for bin in atftp in.tftpd; do
  command -v "$bin" >/dev/null || { echo "missing $bin (apt-get install atftp tftpd-hpa)" >&2; exit 1; }
done
cargo build --release --locked -q -p dialtone-lab
dialtone="$root/target/release/dialtone"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/files"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/files/load.bin"
want="$(sha256sum < "$work/files/load.bin")"
port() { echo $((20000 + RANDOM % 40000)); }
ours="$(port)"; hpa=$((ours + 1))
"$dialtone" tftp serve --root "$work/files" --listen "127.0.0.1:$ours" 2>/dev/null & pids+=($!)
in.tftpd -L -s "$work/files" -a "127.0.0.1:$hpa" & pids+=($!)
sleep 0.5

# One timed download; prints milliseconds (or "fail").
fetch() { # port windowsize
  local out="$work/out" t0 t1
  rm -f "$out"
  t0=$(date +%s%N)
  atftp --option "blksize 1428" --option "windowsize $2" -g -r load.bin -l "$out" 127.0.0.1 "$1" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  if [ "$(sha256sum < "$out")" = "$want" ]; then echo $(( (t1 - t0) / 1000000 )); else echo fail; fi
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else print a[int((NR+1)/2)]}'; }

declare -A times
for _ in $(seq "$runs"); do
  for ws in 1 16; do
    for who in ours hpa; do
      p=$ours; [ "$who" = hpa ] && p=$hpa
      times[$who-$ws]+=" $(fetch "$p" "$ws")"
    done
  done
done
echo "loopback, ${size_mib} MiB, atftp client, blksize 1428, median of $runs (ms):"
for ws in 1 16; do
  o="$(echo "${times[ours-$ws]}" | median)"; h="$(echo "${times[hpa-$ws]}" | median)"
  ratio="$(awk -v o="$o" -v h="$h" 'BEGIN { if (o > 0) printf "%.2f", h / o; else print "n/a" }')"
  printf '  windowsize %-2s  dialtone %6s ms   tftpd-hpa %6s ms   tftpd-hpa/dialtone %sx\n' "$ws" "$o" "$h" "$ratio"
  echo "    runs: dialtone${times[ours-$ws]} | tftpd-hpa${times[hpa-$ws]}"
done
