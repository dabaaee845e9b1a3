//! Compact adjacency (CSR) and weighted sampling (Vose's alias tables).

use crate::prefetch::prefetch;
use rayon::prelude::*;

/// Compressed sparse rows: the neighbours of row `i` are
/// `targets[offsets[i]..offsets[i + 1]]`, sorted and without duplicates.
/// Offsets are `u32` (half the bytes of a `u64`, so more of them stay in
/// cache): a CSR holds fewer than 2^32 entries, 16 GiB of targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csr {
    offsets: Vec<u32>,
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
    ///
    /// In two passes so that a large graph's writes stay near each other:
    /// the entries are first dealt into buckets of [`BUCKET_ROWS`] rows
    /// (a few hundred sequential write streams; see [`deal`]), then each bucket's rows
    /// are counted, placed, sorted and deduplicated in its own slice of the
    /// targets, buckets in parallel. Writing each entry straight to its row
    /// would scatter them over the whole (hundreds of MiB) target array.
    pub fn from_pairs(rows: usize, pairs: Vec<(u32, u32)>, symmetric: bool) -> Self {
        let parts: Vec<&[(u32, u32)]> = pairs.chunks(DEAL_PART).collect();
        let dealt = deal(&parts, rows, symmetric);
        drop(pairs);
        Csr::from_dealt(rows, dealt)
    }

    /// [`Csr::from_pairs`] of the pairs of all `parts` (in their order), as
    /// a parallel producer leaves them: dealt part by part, never gathered
    /// into one list first.
    pub fn from_parts(rows: usize, parts: Vec<Vec<(u32, u32)>>, symmetric: bool) -> Self {
        let dealt = deal(&parts, rows, symmetric);
        drop(parts);
        Csr::from_dealt(rows, dealt)
    }

    /// The CSR of `rows` rows from their entries dealt into buckets
    /// ([`deal`]): each bucket's rows built, then the gaps closed.
    fn from_dealt(rows: usize, (dealt, starts): (Vec<(u32, u32)>, Vec<usize>)) -> Self {
        if rows == 0 {
            return Csr::empty(0);
        }
        let buckets = rows.div_ceil(BUCKET_ROWS);

        let mut targets = vec![0u32; dealt.len()];
        let mut lengths = vec![0u32; rows];
        let mut jobs = Vec::with_capacity(buckets);
        let (mut entries, mut out): (&[(u32, u32)], &mut [u32]) = (&dealt, &mut targets);
        for (k, row_lengths) in lengths.chunks_mut(BUCKET_ROWS).enumerate() {
            let size = starts[k + 1] - starts[k];
            let (these, rest) = entries.split_at(size);
            let (slice, tail) = std::mem::take(&mut out).split_at_mut(size);
            jobs.push(((k * BUCKET_ROWS) as u32, these, slice, row_lengths));
            (entries, out) = (rest, tail);
        }
        jobs.into_par_iter()
            .for_each(|(first, entries, out, lengths)| build_bucket(first, entries, out, lengths));
        drop(dealt);

        // Each bucket's rows now start its slice: close the gaps the
        // duplicates left between buckets.
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0u32);
        let mut write = 0usize;
        for (k, row_lengths) in lengths.chunks(BUCKET_ROWS).enumerate() {
            let mut size = 0usize;
            for &len in row_lengths {
                size += len as usize;
                offsets.push(u32::try_from(write + size).expect(ENTRIES_FIT));
            }
            targets.copy_within(starts[k]..starts[k] + size, write);
            write += size;
        }
        targets.truncate(write);
        targets.shrink_to_fit();
        Csr { offsets, targets }
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

    /// Starts loading row `i`, up to its first [`WARM_LINES`] cache lines
    /// (the hardware streams the rest of a long one). Reads the row's
    /// bounds, so warm them a little earlier with [`Csr::warm_bounds`].
    pub fn warm_row(&self, i: u32) {
        let row = self.row(i);
        for line in row.chunks(16).take(WARM_LINES) {
            prefetch(&line[0]);
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
        block_common(short, long)
    }

    /// The transpose of a CSR with `columns` distinct targets.
    pub fn transpose(&self, columns: usize) -> Csr {
        let mut pairs = Vec::with_capacity(self.len());
        for r in 0..self.rows() as u32 {
            for &t in self.row(r) {
                pairs.push((t, r));
            }
        }
        Csr::from_pairs(columns, pairs, false)
    }
}

const ENTRIES_FIT: &str = "a CSR holds fewer than 2^32 entries";

/// The most pairs [`Csr::from_pairs`] takes for a symmetric graph (each
/// pair is two entries; offsets are `u32`). Callers reading pairs from a
/// file check it, so that a too-large file is an input error.
pub const MAX_SYMMETRIC_PAIRS: usize = (u32::MAX / 2) as usize;

/// Cache lines of a row [`Csr::warm_row`] asks for: 64 entries, more than
/// most members' connections.
const WARM_LINES: usize = 4;

/// Rows per bucket of [`Csr::from_pairs`]: a bucket's row counts and
/// entries (about 40 per row in a professional network) stay in a core's cache.
const BUCKET_ROWS: usize = 1 << 12;

/// Pairs per part of [`deal`] (parts are dealt in parallel); tiny in unit
/// tests, so that their few hundred pairs are dealt in many parts too.
const DEAL_PART: usize = if cfg!(test) { 7 } else { 1 << 20 };

/// The (row, target) entries of the pairs of `parts` (both directions when
/// symmetric, self-loops dropped) grouped by bucket of [`BUCKET_ROWS`] of
/// the `rows` rows, in the order of the pairs within a bucket, and where
/// each bucket starts. The parts are dealt in parallel: each part first
/// counts its entries per bucket, so that every (bucket, part) owns one
/// slice of the output.
fn deal<P: AsRef<[(u32, u32)]> + Sync>(
    parts: &[P],
    rows: usize,
    symmetric: bool,
) -> (Vec<(u32, u32)>, Vec<usize>) {
    let buckets = rows.div_ceil(BUCKET_ROWS);
    let bucket = |row: u32| row as usize / BUCKET_ROWS;
    let parts: Vec<&[(u32, u32)]> = parts.iter().map(AsRef::as_ref).collect();
    let counts: Vec<Vec<usize>> = parts
        .par_iter()
        .map(|part| {
            let mut count = vec![0usize; buckets];
            for_each_entry(part, symmetric, |row, _| count[bucket(row)] += 1);
            count
        })
        .collect();
    let total = counts.iter().flatten().sum();
    let mut dealt = vec![(0u32, 0u32); total];
    let mut starts = Vec::with_capacity(buckets + 1);
    let mut slices: Vec<Vec<&mut [(u32, u32)]>> = parts.iter().map(|_| Vec::new()).collect();
    let (mut rest, mut at): (&mut [(u32, u32)], usize) = (&mut dealt, 0);
    for k in 0..buckets {
        starts.push(at);
        for (count, out) in counts.iter().zip(&mut slices) {
            let (slice, tail) = std::mem::take(&mut rest).split_at_mut(count[k]);
            out.push(slice);
            (rest, at) = (tail, at + count[k]);
        }
    }
    starts.push(at);
    parts
        .into_par_iter()
        .zip(slices)
        .for_each(|(part, mut out)| {
            let mut fill = vec![0usize; buckets];
            for_each_entry(part, symmetric, |row, target| {
                let k = bucket(row);
                out[k][fill[k]] = (row, target);
                fill[k] += 1;
            });
        });
    (dealt, starts)
}

/// Calls `f` with the (row, target) entries of some pairs: each pair, and
/// its mirror when symmetric (self-loops dropped then).
fn for_each_entry(pairs: &[(u32, u32)], symmetric: bool, mut f: impl FnMut(u32, u32)) {
    for &(a, b) in pairs {
        if symmetric && a == b {
            continue;
        }
        f(a, b);
        if symmetric {
            f(b, a);
        }
    }
}

/// The rows `first..` of a CSR from their (row, target) entries: each row's
/// targets sorted, without duplicates, packed at the start of `out`;
/// `lengths` receives each row's length.
fn build_bucket(first: u32, entries: &[(u32, u32)], out: &mut [u32], lengths: &mut [u32]) {
    let mut starts = vec![0usize; lengths.len() + 1];
    for &(row, _) in entries {
        starts[(row - first) as usize + 1] += 1;
    }
    for i in 0..lengths.len() {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    for &(row, target) in entries {
        let at = &mut fill[(row - first) as usize];
        out[*at] = target;
        *at += 1;
    }
    let mut write = 0;
    for (i, length) in lengths.iter_mut().enumerate() {
        let row = &mut out[starts[i]..starts[i + 1]];
        row.sort_unstable();
        let mut n = 0;
        for j in 0..row.len() {
            if n == 0 || row[j] != row[n - 1] {
                row[n] = row[j];
                n += 1;
            }
        }
        out.copy_within(starts[i]..starts[i] + n, write);
        write += n;
        *length = n as u32;
    }
}

/// Entries per block of [`block_common`].
const BLOCK: usize = 8;

/// Shared entries of two sorted rows of similar length, a block of each at
/// a time: every entry of one block is compared with every entry of the
/// other (64 comparisons without branches, which the compiler turns into a
/// few vector instructions), then the block whose last entry is smaller
/// moves on (both if equal). No pair is counted twice and none is missed:
/// entries of a block that moves on are below every entry of the other
/// row's later blocks. The ends, shorter than a block, are merged.
fn block_common(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0u32);
    while i + BLOCK <= a.len() && j + BLOCK <= b.len() {
        let (x, y) = (&a[i..i + BLOCK], &b[j..j + BLOCK]);
        for p in x {
            for q in y {
                n += u32::from(p == q);
            }
        }
        let (x_last, y_last) = (x[BLOCK - 1], y[BLOCK - 1]);
        i += BLOCK * usize::from(x_last <= y_last);
        j += BLOCK * usize::from(y_last <= x_last);
    }
    n + merge_common(&a[i..], &b[j..])
}

/// Shared entries of two sorted rows, by a merge without data-dependent
/// branches: which side moves is arithmetic, so random ids cost no
/// mispredictions.
fn merge_common(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (p, q) = (a[i], b[j]);
        n += u32::from(p == q);
        i += usize::from(p <= q);
        j += usize::from(q <= p);
    }
    n
}

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

/// Vose's alias table: O(1) draws of an index (or of a label given to each
/// index) with probability proportional to its weight. Each entry is
/// (probability of keeping the slot, the slot's label, its alias's label),
/// side by side: one draw reads one cache line and yields a label without
/// a second read (a member id in a list of members, say).
#[derive(Clone, Debug, Default)]
pub struct Alias {
    table: Vec<Entry>,
}

/// One slot of an [`Alias`] table (what [`Alias::slot`] hands out to be
/// loaded early).
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    keep: f32,
    label: u32,
    alias: u32,
}

impl Alias {
    /// Draws of an index.
    pub fn new(weights: &[f64]) -> Self {
        Self::labelled(weights, |i| i as u32)
    }

    /// Draws of `labels[i]` with the weight of `weights[i]`.
    pub fn of(weights: &[f64], labels: &[u32]) -> Self {
        assert_eq!(weights.len(), labels.len(), "a label for every weight");
        Self::labelled(weights, |i| labels[i])
    }

    fn labelled(weights: &[f64], label: impl Fn(usize) -> u32) -> Self {
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
            table: prob
                .into_iter()
                .zip(alias)
                .enumerate()
                .map(|(i, (keep, alias))| Entry {
                    keep,
                    label: label(i),
                    alias: label(alias as usize),
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// A random index or label (panics on an empty table: check `is_empty`).
    pub fn sample<R: rand::Rng>(&self, rng: &mut R) -> u32 {
        self.resolve(rng.next_u64())
    }

    /// The index or label one uniform 64-bit draw `x` stands for: its high
    /// bits pick the slot, its low 24 bits toss the slot's coin (independent
    /// for any table below 2^40 entries).
    pub fn resolve(&self, x: u64) -> u32 {
        let e = self.slot(x);
        if ((x & 0xFF_FFFF) as f32) < e.keep * (1 << 24) as f32 {
            e.label
        } else {
            e.alias
        }
    }

    /// The entry `resolve(x)` will read, so a caller drawing many indexes
    /// can start loading it early (see [`crate::prefetch`]).
    pub fn slot(&self, x: u64) -> &Entry {
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
        let csr = Csr::from_pairs(4, vec![(0, 1), (1, 0), (2, 1), (3, 3), (0, 2)], true);
        assert_eq!(csr.row(0), &[1, 2]);
        assert_eq!(csr.row(1), &[0, 2]);
        assert_eq!(csr.row(3), &[] as &[u32]);
        assert!(csr.contains(2, 0));
        assert_eq!(csr.common(0, 1), 1);
        assert_eq!(csr.len(), 6);
    }

    proptest::proptest! {
        /// Rows built in buckets match a plain sorted set per row, in both
        /// directions when symmetric, and across bucket boundaries.
        #[test]
        fn from_pairs_matches_sets_per_row(
            rows in 1usize..3 * BUCKET_ROWS,
            raw in proptest::collection::vec((0u32..u32::MAX, 0u32..u32::MAX), 0..400),
            symmetric in proptest::bool::ANY,
        ) {
            let pairs: Vec<(u32, u32)> = raw
                .iter()
                .map(|&(a, b)| (a % rows as u32, b % rows as u32))
                .collect();
            let mut expected = vec![std::collections::BTreeSet::new(); rows];
            for &(a, b) in &pairs {
                if symmetric && a == b {
                    continue;
                }
                expected[a as usize].insert(b);
                if symmetric {
                    expected[b as usize].insert(a);
                }
            }
            let csr = Csr::from_pairs(rows, pairs, symmetric);
            proptest::prop_assert_eq!(csr.rows(), rows);
            for (r, set) in expected.iter().enumerate() {
                proptest::prop_assert_eq!(csr.row(r as u32), &set.iter().copied().collect::<Vec<_>>()[..]);
            }
            proptest::prop_assert_eq!(csr.len(), expected.iter().map(|s| s.len()).sum::<usize>());
        }

        /// Pairs given in parts of any sizes (some empty) build the same CSR
        /// as the same pairs in one list.
        #[test]
        fn from_parts_matches_from_pairs(
            rows in 1usize..3 * BUCKET_ROWS,
            raw in proptest::collection::vec((0u32..u32::MAX, 0u32..u32::MAX), 0..400),
            cuts in proptest::collection::vec(0usize..400, 0..8),
            symmetric in proptest::bool::ANY,
        ) {
            let pairs: Vec<(u32, u32)> = raw
                .iter()
                .map(|&(a, b)| (a % rows as u32, b % rows as u32))
                .collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(pairs.len())).collect();
            cuts.sort_unstable();
            let bounds: Vec<usize> = std::iter::once(0).chain(cuts).chain([pairs.len()]).collect();
            let parts: Vec<Vec<(u32, u32)>> =
                bounds.windows(2).map(|w| pairs[w[0]..w[1]].to_vec()).collect();
            proptest::prop_assert_eq!(
                Csr::from_parts(rows, parts, symmetric),
                Csr::from_pairs(rows, pairs, symmetric)
            );
        }

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
            let csr = Csr::from_pairs(3002, pairs, false);
            let expected = a.intersection(&b).count() as u32;
            proptest::prop_assert_eq!(csr.common(0, 1), expected);
            proptest::prop_assert_eq!(csr.common(1, 0), expected);
        }

        /// Rows of similar length sharing many entries (the block merge).
        #[test]
        fn the_block_merge_counts_the_shared_values(
            a in proptest::collection::btree_set(0u32..120, 0..80),
            b in proptest::collection::btree_set(0u32..120, 0..80),
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let expected = a.iter().filter(|v| b.binary_search(v).is_ok()).count() as u32;
            proptest::prop_assert_eq!(block_common(&a, &b), expected);
            proptest::prop_assert_eq!(block_common(&b, &a), expected);
        }
    }

    #[test]
    fn alias_draws_follow_the_weights() {
        let alias = Alias::new(&[1.0, 3.0, 0.0]);
        let mut rng = crate::rng::stream(1, crate::rng::Purpose::Graph, &[0]);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[alias.sample(&mut rng) as usize] += 1;
        }
        assert_eq!(counts[2], 0);
        let share = f64::from(counts[1]) / 40_000.0;
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }

    /// A labelled table draws exactly the labels of the indexes the plain
    /// one draws, for the same draws.
    #[test]
    fn labelled_alias_draws_the_labels_of_the_same_indexes() {
        let weights = [0.5, 2.0, 0.0, 7.0, 1.0, 1.0];
        let labels = [40, 11, 97, 3, 58, 26];
        let (plain, labelled) = (Alias::new(&weights), Alias::of(&weights, &labels));
        let mut rng = crate::rng::stream(2, crate::rng::Purpose::Graph, &[0]);
        for _ in 0..10_000 {
            let x = rand::Rng::next_u64(&mut rng);
            assert_eq!(labelled.resolve(x), labels[plain.resolve(x) as usize]);
        }
    }

    /// A case proptest once found: a block that moves on while the other
    /// row's block still holds its last shared entries.
    #[test]
    fn the_block_merge_agrees_on_a_case_once_found() {
        let a = [0, 1, 2, 3, 4, 5, 19, 25];
        let b = [0, 1, 2, 3, 4, 5, 6, 7];
        assert_eq!(block_common(&a, &b), 6);
        assert_eq!(block_common(&b, &a), 6);
    }
}
