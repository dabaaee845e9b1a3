#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md (command, machine, figures,
# and each target with whether it is met).
#   bash benches/run.sh            # 3 rounds of each simulator run
#   ROUNDS=5 bash benches/run.sh
# Speed targets are checked here, never by timed tests. The machine may be
# shared and noisy: every figure is the best of ROUNDS runs (the least
# disturbed one), and the ratios (1 vs 2 threads, 100k vs 1M members) matter
# more than the absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/msgpolicy-target}"
rounds="${ROUNDS:-3}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/msgpolicy"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Best (highest) value of a "name<TAB>value" line over several outputs.
best_of() { grep -h "^$1	" "${@:2}" | cut -f2 | sort -n | tail -1; }

for i in $(seq "$rounds"); do
  cargo bench --quiet --bench engine 2>&1 | grep -E "^(engine|replay)" >"$tmp/engine.$i" || true
done
analyzer=$(cargo bench --quiet --bench analyzer 2>&1 | grep -E "^analyzer/" || true)
dry=$(best_of engine_dry_run_decisions_per_s "$tmp"/engine.*)
sends=$(best_of engine_decisions_per_s "$tmp"/engine.*)
replay=$(best_of replay_rows_per_s "$tmp"/engine.*)
short=$(awk '/^analyzer\/short_200_chars/ {print $2}' <<<"$analyzer")
email_mb=$(awk '/^analyzer\/email_8kb/ {print $4}' <<<"$analyzer")

# One simulator run: "attempts wall_s peak_mib"; its stage timings
# (`--timings`) go to $tmp/timings.
sim_run() { # members threads
  local out line
  out=$("$bin" run --set population.members="$1" --set replications=1 --threads "$2" --timings --out "$tmp/r" 2>&1)
  line=$(grep "message attempts in" <<<"$out")
  grep "timings" <<<"$out" >"$tmp/timings"
  echo "$(sed -E 's/.* runs, ([0-9]+) message attempts.*/\1/' <<<"$line")" \
    "$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")" \
    "$(sed -E 's/.*peak memory ([0-9]+) MiB.*/\1/' <<<"$line")"
}
declare -A wall all attempts mib stages
configs=("50000 1" "100000 1" "100000 2" "200000 1" "400000 1" "1000000 1" "1000000 2")
for i in $(seq "$rounds"); do
  for c in "${configs[@]}"; do
    read -r a s p <<<"$(sim_run $c)"
    attempts[$c]=$a
    mib[$c]=$(awk -v x="${mib[$c]:-0}" -v y="$p" 'BEGIN{print (y > x) ? y : x}')
    # The stage timings of the fastest run of each configuration.
    if awk -v x="${wall[$c]:-1e9}" -v y="$s" 'BEGIN{exit !(y < x)}'; then
      stages[$c]=$(cat "$tmp/timings")
    fi
    wall[$c]=$(awk -v x="${wall[$c]:-1e9}" -v y="$s" 'BEGIN{print (y < x) ? y : x}')
    all[$c]="${all[$c]:+${all[$c]}, }$s"
  done
done
# The memory system at the state sizes of the 100k and 1M runs, and around them.
small=${mib[100000 1]}; large=${mib[1000000 1]}
MEMORY_MIB="$(printf '%s\n' 16 64 "$small" 256 "$large" 1024 | sort -nu | xargs)" \
  cargo bench --quiet --bench memory 2>&1 | grep "^memory" >"$tmp/memory" || true
read_cost() { awk -v m="$1" -v col="$2" -F'\t' '$2 == m {print $col}' "$tmp/memory"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{ok = (op == ">=") ? v >= t : v <= t; print ok ? "yes" : "**no**"}'; }
millions() { awk -v v="$1" 'BEGIN{printf "%.1f M", v/1e6}'; }
threads_1m=$(ratio "${wall[1000000 1]}" "${wall[1000000 2]}")
threads_100k=$(ratio "${wall[100000 1]}" "${wall[100000 2]}")
scale_2=$(ratio "${wall[1000000 2]}" "${wall[100000 2]}")
scale_1=$(ratio "${wall[1000000 1]}" "${wall[100000 1]}")
rate_1m=$(awk -v a="${attempts[1000000 2]}" -v s="${wall[1000000 2]}" 'BEGIN{printf "%.0f", a/s}')

{
  echo "# Benchmarks"
  echo
  echo "Written by \`bash benches/run.sh\` (ROUNDS=$rounds) on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB RAM; shared and noisy: each figure is the best of $rounds runs."
  echo
  echo "## Against the targets"
  echo
  echo "| figure | measured | target | met? |"
  echo "|---|---|---|---|"
  echo "| engine decisions/s, 1 M members, one thread (\`Engine::decide\`) | $(millions "$dry") | >= 10 M | $(met "$dry" ">=" 10000000) |"
  echo "| engine decide + record/s (\`Engine::send\`) | $(millions "$sends") | (not a target; see below) | - |"
  echo "| \`replay\` rows/s, 1 M-row file | $(millions "$replay") | >= 2 M | $(met "$replay" ">=" 2000000) |"
  echo "| analyzer, 200-char messages/s, one core | $(millions "$short") | >= 1 M | $(met "$short" ">=" 1000000) |"
  echo "| analyzer, 8 KB e-mails, MB/s, one core | $email_mb | >= 100 | $(met "$email_mb" ">=" 100) |"
  echo "| 1 M members x 30 days, 2 threads, wall s | ${wall[1000000 2]} | <= 30 | $(met "${wall[1000000 2]}" "<=" 30) |"
  echo "| message attempts/s, 1 M members, 2 threads | $(millions "$rate_1m") | aim >= 1 M | $(met "$rate_1m" ">=" 1000000) |"
  echo "| 2 threads vs 1, 1 M members | ${threads_1m}x | >= 1.8x | $(met "$threads_1m" ">=" 1.8) |"
  echo "| 1 M vs 100 k members, wall, 2 threads | ${scale_2}x | <= 11x | $(met "$scale_2" "<=" 11) |"
  echo "| 1 M vs 100 k members, wall, 1 thread | ${scale_1}x | <= 11x | $(met "$scale_1" "<=" 11) |"
  echo "| peak memory, 1 M members, mean 40 connections | ${mib[1000000 2]} MiB | <= 1024 MiB | $(met "${mib[1000000 2]}" "<=" 1024) |"
  echo
  echo "## Policy engine and replay (\`cargo bench --bench engine\`, $rounds runs; the engine on one thread, replay on two)"
  echo
  echo "1 million members, heavy-tailed graph (mean 40 connections), three earlier days of requests, accepts, ignores and blocks; 10 days of 1 million messages each, scores precomputed."
  echo
  echo '```'
  cat "$tmp"/engine.*
  echo '```'
  echo
  echo "- \`engine_dry_run_decisions_per_s\`: \`Engine::decide\`: the rules on the state, nothing recorded."
  echo "- \`engine_decisions_per_s\`: \`Engine::send\`: decide and record (pending requests, pair state, daily counters). Recording dirties four random cache lines per message (pair, text, request tab, the sender's daily count) that must later be written back, so it runs at a fraction of the decision rate on a network this size."
  echo "- \`replay_rows_per_s\`: \`replay\` on a 1-million-row actions file (65% sends, scored by the analyzer), file to file; rows are read, checked and analyzed on a second thread ahead of the engine, and the engine starts loading each row's pair record and request tab 16 rows ahead (1.6x faster than without, measured when this was added)."
  echo
  echo "## Analyzer (\`cargo bench --bench analyzer\`, one core)"
  echo
  echo '```'
  echo "$analyzer"
  echo '```'
  echo
  echo "## Simulator end to end (\`msgpolicy run --set population.members=M --set replications=1 --threads T\`, 30 days)"
  echo
  echo "| members | threads | message attempts | best wall s | all runs, s | attempts/s | peak MiB |"
  echo "|---|---|---|---|---|---|---|"
  for c in "${configs[@]}"; do
    read -r m t <<<"$c"
    echo "| $m | $t | ${attempts[$c]} | ${wall[$c]} | ${all[$c]} | $(awk -v a="${attempts[$c]}" -v s="${wall[$c]}" 'BEGIN{printf "%.0f", a/s}') | ${mib[$c]} |"
  done
  echo
  echo "- 2 threads vs 1: ${threads_100k}x at 100k members, ${threads_1m}x at 1M members."
  echo "- 1M vs 100k members: ${scale_1}x with 1 thread, ${scale_2}x with 2 threads (message attempts: $(ratio "${attempts[1000000 2]}" "${attempts[100000 2]}")x)."
  echo
  echo "## Where the time goes (\`--timings\`, the fastest run of each)"
  echo
  echo "Wall seconds by stage; a stage growing faster than the message attempts (10.09x) is where the 1M run loses linearity."
  echo
  echo "| stage | 100k, 2 thr | 1M, 2 thr | ratio | 100k, 1 thr | 1M, 1 thr | ratio |"
  echo "|---|---|---|---|---|---|---|"
  stage() { sed -E "s/.* $2 ([0-9.]+).*/\1/" <<<"${stages[$1]}"; }
  for st in population "plan and send" look answer "end of day" report; do
    a2=$(stage "100000 2" "$st"); b2=$(stage "1000000 2" "$st")
    a1=$(stage "100000 1" "$st"); b1=$(stage "1000000 1" "$st")
    r() { awk -v a="$1" -v b="$2" 'BEGIN{if (a > 0) printf "%.1fx", b/a; else print "-"}'; }
    echo "| $st | $a2 | $b2 | $(r "$a2" "$b2") | $a1 | $b1 | $(r "$a1" "$b1") |"
  done
  echo
  echo "Plan and send: the senders' plans in parallel, their messages through the engine in order (pipelined); look: recipients' decisions in parallel; answer: the decisions applied in order, replies written meanwhile; population: the synthetic network built; report: tables, charts and report.html written."
  echo
  echo "## Cost per message attempt by network size (1 thread, same runs)"
  echo
  echo "| members | peak MiB | ns per attempt | vs 100k |"
  echo "|---|---|---|---|"
  per_attempt() { awk -v a="${attempts[$1 1]}" -v s="${wall[$1 1]}" 'BEGIN{printf "%.0f", s/a*1e9}'; }
  for m in 50000 100000 200000 400000 1000000; do
    echo "| $m | ${mib[$m 1]} | $(per_attempt $m) | $(ratio "$(per_attempt $m)" "$(per_attempt 100000)")x |"
  done
  echo
  per_doubling=$(awk -v a="$(per_attempt 1000000)" -v b="$(per_attempt 50000)" 'BEGIN{printf "%.1f", (exp(log(a/b)/(log(20)/log(2))) - 1) * 100}')
  echo "Linear cost would keep this column flat. It rises by about ${per_doubling}% for each doubling of the network (50k to 1M members, peak memory ${mib[50000 1]} to ${mib[1000000 1]} MiB): the work per attempt is the same at every size, but its random reads (pair records, request tabs, connection lists of random members) land in a larger state, and the machine's memory answers them more slowly (next section). The 1M-vs-100k wall ratio above is that rise times the message volume."
  echo
  echo "## The machine's memory (\`cargo bench --bench memory\`, one core)"
  echo
  echo "What one random 8-byte read costs in a region of a given size: *dependent*, each address read from the previous one (a miss's full latency); *independent*, addresses known ahead so the core overlaps the misses (what the simulator's prefetching achieves at best)."
  echo
  echo "| region MiB | dependent ns | independent ns |"
  echo "|---|---|---|"
  awk -F'\t' '{printf "| %s | %s | %s |\n", $2, $3, $4}' "$tmp/memory"
  echo
  dep=$(ratio "$(read_cost "$large" 3)" "$(read_cost "$small" 3)")
  ovl=$(ratio "$(read_cost "$large" 4)" "$(read_cost "$small" 4)")
  rise=$(ratio "$(per_attempt 1000000)" "$(per_attempt 100000)")
  allowed=$(awk -v a="${attempts[1000000 1]}" -v b="${attempts[100000 1]}" 'BEGIN{printf "%.2f", 11 / (a / b)}')
  share() { awk -v r="$1" -v f="$ovl" 'BEGIN{printf "%.0f%%", (r - 1) / (f - 1) * 100}'; }
  echo "From a region the size of the 100k run's state (${small} MiB) to the 1M run's (${large} MiB), a random read costs ${dep}x more when dependent and ${ovl}x more when overlapped (more page-table walks and DRAM pages; the caches, a few tens of MiB, hold neither state). If a share f of a run's time at 100k is overlapped random reads, the cost per attempt at 1M is about 1 + f x (${ovl} - 1) times higher. The measured ${rise}x (one thread) puts f near $(share "$rise"); a 1M-vs-100k wall ratio of 11x allows ${allowed}x, that is f up to $(share "$allowed")."
} > BENCHMARKS.md
cat BENCHMARKS.md
