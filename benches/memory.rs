//! The machine's memory, measured: what one random 8-byte read costs in a
//! region of a given size. It explains why a simulator run's cost per
//! message attempt grows with the network (BENCHMARKS.md): the work per
//! attempt is the same, but its random reads land in a larger state.
//!
//! `cargo bench --bench memory` measures regions of 16 MiB to 1 GiB;
//! `MEMORY_MIB="85 650" cargo bench --bench memory` measures those sizes
//! (`benches/run.sh` passes the peak memory of its 100k and 1M runs).
//!
//! Two figures per size:
//! - `dependent_ns`: each read's address comes from the previous read (a
//!   walk around one random cycle): the full latency of a miss;
//! - `independent_ns`: reads at addresses known in advance, so the processor
//!   overlaps as many as it can: the cost of a miss when the simulator's
//!   prefetching hides its latency.
//!
//! Output: `memory<TAB>MiB<TAB>dependent_ns<TAB>independent_ns`.

use std::hint::black_box;
use std::time::Instant;

const READS: usize = 4_000_000;
const DEFAULT_MIB: [usize; 7] = [16, 32, 64, 128, 256, 512, 1024];

/// A small xorshift generator: the benchmark needs fast, uncorrelated
/// addresses, not statistical quality.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `next[i]` is the successor of `i` on one random cycle through every
/// index (Sattolo's shuffle), so a walk visits the whole region.
fn random_cycle(n: usize, rng: &mut XorShift) -> Vec<u64> {
    let mut next: Vec<u64> = (0..n as u64).collect();
    for i in (1..n).rev() {
        next.swap(i, rng.below(i));
    }
    next
}

fn measure(mib: usize) -> (f64, f64) {
    let n = mib * (1 << 20) / 8;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let next = random_cycle(n, &mut rng);

    let start = Instant::now();
    let mut at = 0usize;
    for _ in 0..READS {
        at = next[at] as usize;
    }
    black_box(at);
    let dependent = start.elapsed().as_nanos() as f64 / READS as f64;

    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..READS {
        sum = sum.wrapping_add(next[rng.below(n)]);
    }
    black_box(sum);
    let independent = start.elapsed().as_nanos() as f64 / READS as f64;
    (dependent, independent)
}

fn main() {
    let sizes: Vec<usize> = match std::env::var("MEMORY_MIB") {
        Ok(list) => list
            .split_whitespace()
            .map(|s| {
                s.parse()
                    .expect("MEMORY_MIB: sizes in MiB, e.g. \"85 650\"")
            })
            .collect(),
        Err(_) => DEFAULT_MIB.to_vec(),
    };
    for mib in sizes {
        let (dependent, independent) = measure(mib.max(1));
        println!("memory\t{mib}\t{dependent:.1}\t{independent:.1}");
    }
}
