//! Compact adjacency (CSR) and weighted sampling (Vose's alias tables).

use crate::prefetch::prefetch;
use rayon::prelude::*;

/// Compressed sparse rows: the neighbours of row `i` are
/// `targets[offsets[i]..offsets[i + 1]]`, sorted and without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
}

impl Csr {
    /// Rows with no entries.
    pub fn empty(rows: usize) -> Self {
        Csr {
            offsets: vec![0; rows + 1],
            targets: Vec::new(),
        }
    }

    /// Builds from (row, target) pairs: rows sorted, duplicates dropped.
    /// With `symmetric`, every pair is stored in both directions and
    /// self-loops are dropped.
    pub fn from_pairs(rows: usize, pairs: &[(u32, u32)], symmetric: bool) -> Self {
        let mut counts = vec![0u64; rows + 1];
        for &(a, b) in pairs {
            if symmetric && a == b {
                continue;
            }
            counts[a as usize + 1] += 1;
            if symmetric {
                counts[b as usize + 1] += 1;
            }
        }
        for i in 0..rows {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut targets = vec![0u32; counts[rows] as usize];
        for &(a, b) in pairs {
            if symmetric && a == b {
                continue;
            }
            targets[fill[a as usize] as usize] = b;
            fill[a as usize] += 1;
            if symmetric {
                targets[fill[b as usize] as usize] = a;
                fill[b as usize] += 1;
            }
        }
        drop(fill);
        let mut csr = Csr {
            offsets: counts,
            targets,
        };
        csr.sort_and_dedup();
        csr
    }

    /// Sorts every row (in parallel) and squeezes out duplicates.
    fn sort_and_dedup(&mut self) {
        let rows = self.rows();
        let mut slices: Vec<&mut [u32]> = Vec::with_capacity(rows);
        let mut rest: &mut [u32] = &mut self.targets;
        for i in 0..rows {
            let len = (self.offsets[i + 1] - self.offsets[i]) as usize;
            let (row, tail) = rest.split_at_mut(len);
            slices.push(row);
            rest = tail;
        }
        let kept: Vec<u64> = slices
            .par_iter_mut()
            .map(|row| {
                row.sort_unstable();
                let mut n = 0;
                for j in 0..row.len() {
                    if n == 0 || row[j] != row[n - 1] {
                        row[n] = row[j];
                        n += 1;
                    }
                }
                n as u64
            })
            .collect();
        let mut write = 0usize;
        let mut new_offsets = Vec::with_capacity(rows + 1);
        new_offsets.push(0);
        for (i, &k) in kept.iter().enumerate() {
            let start = self.offsets[i] as usize;
            self.targets.copy_within(start..start + k as usize, write);
            write += k as usize;
            new_offsets.push(write as u64);
        }
        self.targets.truncate(write);
        self.targets.shrink_to_fit();
        self.offsets = new_offsets;
    }

    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Total entries.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn row(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.targets[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn degree(&self, i: u32) -> usize {
        let i = i as usize;
        (self.offsets[i + 1] - self.offsets[i]) as usize
    }

    /// Starts loading where row `i` begins and ends (see [`crate::prefetch`]),
    /// the first step before [`Csr::warm_row`].
    pub fn warm_bounds(&self, i: u32) {
        prefetch(&self.offsets[i as usize]);
    }

    /// Starts loading the first entries of row `i`. Reads the row's bounds,
    /// so warm them a little earlier with [`Csr::warm_bounds`].
    pub fn warm_row(&self, i: u32) {
        if let Some(first) = self.targets.get(self.offsets[i as usize] as usize) {
            prefetch(first);
        }
    }

    /// Whether `b` is in row `a` (binary search).
    pub fn contains(&self, a: u32, b: u32) -> bool {
        self.row(a).binary_search(&b).is_ok()
    }

    /// How many entries rows `a` and `b` share: a sorted merge, or binary
    /// searches of the shorter row in the longer one when their sizes differ
    /// a lot (a hub's thousands of connections against a newcomer's few).
    pub fn common(&self, a: u32, b: u32) -> u32 {
        let (x, y) = (self.row(a), self.row(b));
        let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
        if short.len() * 4 < long.len() {
            return gallop_common(short, long);
        }
        // A merge without data-dependent branches: which side moves is
        // arithmetic, so random ids cost no mispredictions.
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < short.len() && j < long.len() {
            let (p, q) = (short[i], long[j]);
            n += u32::from(p == q);
            i += usize::from(p <= q);
            j += usize::from(q <= p);
        }
        n
    }

    /// The transpose of a CSR with `columns` distinct targets.
    pub fn transpose(&self, columns: usize) -> Csr {
        let mut pairs = Vec::with_capacity(self.len());
        for r in 0..self.rows() as u32 {
            for &t in self.row(r) {
                pairs.push((t, r));
            }
        }
        Csr::from_pairs(columns, &pairs, false)
    }
}

/// Vose's alias table: O(1) draws of an index with probability
/// proportional to its weight.
/// Values in both sorted lists, for a short list against a much longer one
/// (a hub's connections): each value of the short one is found by
/// exponential then binary search from where the previous one stopped, so
/// the cost grows with the log of the long list, not its length.
fn gallop_common(short: &[u32], mut long: &[u32]) -> u32 {
    let mut n = 0;
    for &v in short {
        let mut step = 1;
        while step < long.len() && long[step - 1] < v {
            step *= 2;
        }
        let window = &long[..step.min(long.len())];
        let at = window.partition_point(|&w| w < v);
        if at == long.len() {
            break;
        }
        n += u32::from(long[at] == v);
        long = &long[at..];
    }
    n
}

/// Each entry is (probability of keeping the index, its alias), side by
/// side: one draw reads one cache line.
#[derive(Clone, Debug, Default)]
pub struct Alias {
    table: Vec<(f32, u32)>,
}

impl Alias {
    pub fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || total <= 0.0 {
            return Alias::default();
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0f32; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s] as f32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias {
            table: prob.into_iter().zip(alias).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// A random index (panics on an empty table: check `is_empty`).
    pub fn sample<R: rand::Rng>(&self, rng: &mut R) -> usize {
        self.resolve(rng.next_u64())
    }

    /// The index one uniform 64-bit draw `x` stands for: its high bits pick
    /// the slot, its low 24 bits toss the slot's coin (independent for any
    /// table below 2^40 entries).
    pub fn resolve(&self, x: u64) -> usize {
        let i = self.slot_index(x);
        let (keep, alias) = self.table[i];
        if ((x & 0xFF_FFFF) as f32) < keep * (1 << 24) as f32 {
            i
        } else {
            alias as usize
        }
    }

    /// The entry `resolve(x)` will read, so a caller drawing many indexes
    /// can start loading it early (see [`crate::prefetch`]).
    pub fn slot(&self, x: u64) -> &(f32, u32) {
        &self.table[self.slot_index(x)]
    }

    fn slot_index(&self, x: u64) -> usize {
        ((u128::from(x) * self.table.len() as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_is_symmetric_sorted_and_deduplicated() {
        let csr = Csr::from_pairs(4, &[(0, 1), (1, 0), (2, 1), (3, 3), (0, 2)], true);
        assert_eq!(csr.row(0), &[1, 2]);
        assert_eq!(csr.row(1), &[0, 2]);
        assert_eq!(csr.row(3), &[] as &[u32]);
        assert!(csr.contains(2, 0));
        assert_eq!(csr.common(0, 1), 1);
        assert_eq!(csr.len(), 6);
    }

    proptest::proptest! {
        /// Shared connections by merge or by galloping (lists of very
        /// different lengths) agree with a plain set intersection.
        #[test]
        fn common_counts_the_shared_values(
            a in proptest::collection::btree_set(0u32..3000, 0..60),
            b in proptest::collection::btree_set(0u32..3000, 0..900),
        ) {
            let pairs: Vec<(u32, u32)> = a.iter().map(|&v| (0, v + 2))
                .chain(b.iter().map(|&v| (1, v + 2)))
                .collect();
            let csr = Csr::from_pairs(3002, &pairs, false);
            let expected = a.intersection(&b).count() as u32;
            proptest::prop_assert_eq!(csr.common(0, 1), expected);
            proptest::prop_assert_eq!(csr.common(1, 0), expected);
        }
    }

    #[test]
    fn alias_draws_follow_the_weights() {
        let alias = Alias::new(&[1.0, 3.0, 0.0]);
        let mut rng = crate::rng::stream(1, crate::rng::Purpose::Graph, &[0]);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[alias.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[2], 0);
        let share = f64::from(counts[1]) / 40_000.0;
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }
}
