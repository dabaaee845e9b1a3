#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md (command, machine, figures).
#   bash benches/run.sh
# Speed targets are checked here, never by timed tests. The machine may be
# shared and noisy: read the ratios (1 vs 2 threads, 100k vs 1M members).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/msgpolicy-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/msgpolicy"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

engine=$(cargo bench --quiet --bench engine 2>&1 | grep -E "^(engine|replay)" || true)
analyzer=$(cargo bench --quiet --bench analyzer 2>&1 | grep -E "^analyzer/" || true)

sim_row() { # members threads
  local line
  line=$("$bin" run --set population.members="$1" --set replications=1 --threads "$2" --out "$tmp/r" 2>&1 | tail -1)
  local attempts secs mib
  attempts=$(sed -E 's/.* runs, ([0-9]+) message attempts.*/\1/' <<<"$line")
  secs=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")
  mib=$(sed -E 's/.*peak memory ([0-9]+) MiB.*/\1/' <<<"$line")
  echo "$1 $2 $attempts $secs $mib"
}
rows=()
for m in 100000 1000000; do
  for t in 1 2; do
    rows+=("$(sim_row "$m" "$t")")
  done
done

{
  echo "# Benchmarks"
  echo
  echo "Written by \`bash benches/run.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB RAM; shared and noisy, so read the ratios."
  echo
  echo "## Policy engine and replay (\`cargo bench --bench engine\`; the engine on one thread, replay on two)"
  echo
  echo "1 million members, heavy-tailed graph (mean 40 connections), three earlier days of requests, accepts, ignores and blocks; scores precomputed."
  echo
  echo '```'
  echo "$engine"
  echo '```'
  echo
  echo "- \`engine_dry_run_decisions_per_s\`: \`Engine::decide\`: the rules on the state, nothing recorded."
  echo "- \`engine_decisions_per_s\`: \`Engine::send\`: decide and record (pending requests, pair state, daily counters)."
  echo "- \`replay_rows_per_s\`: \`replay\` on a 1-million-row actions file (65% sends, scored by the analyzer), file to file; rows are read, checked and analyzed on a second thread ahead of the engine."
  echo
  echo "## Analyzer (\`cargo bench --bench analyzer\`, one core)"
  echo
  echo '```'
  echo "$analyzer"
  echo '```'
  echo
  echo "## Simulator end to end (\`msgpolicy run --set population.members=M --set replications=1 --threads T\`, 30 days)"
  echo
  echo "| members | threads | message attempts | wall s | attempts/s | peak MiB |"
  echo "|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    read -r m t a s mib <<<"$r"
    echo "| $m | $t | $a | $s | $(awk -v a="$a" -v s="$s" 'BEGIN{printf "%.0f", a/s}') | $mib |"
  done
  read -r _ _ _ s100k1 _ <<<"${rows[0]}"
  read -r _ _ _ s100k2 _ <<<"${rows[1]}"
  read -r _ _ _ s1m1 _ <<<"${rows[2]}"
  read -r _ _ _ s1m2 _ <<<"${rows[3]}"
  echo
  echo "- 2 threads vs 1: $(awk -v a="$s100k1" -v b="$s100k2" 'BEGIN{printf "%.2f", a/b}')x at 100k members, $(awk -v a="$s1m1" -v b="$s1m2" 'BEGIN{printf "%.2f", a/b}')x at 1M members."
  echo "- 1M vs 100k members (same threads): $(awk -v a="$s1m1" -v b="$s100k1" 'BEGIN{printf "%.1f", a/b}')x with 1 thread, $(awk -v a="$s1m2" -v b="$s100k2" 'BEGIN{printf "%.1f", a/b}')x with 2 threads."
} > BENCHMARKS.md
cat BENCHMARKS.md
