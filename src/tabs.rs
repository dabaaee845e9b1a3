//! One ordered list per member, all lists in one pool: the engine's request
//! tabs (pending requests by recipient) and the simulator's memories of
//! awaited requests (by sender).
//!
//! Why not a `Vec` per member: a network of a million members has about a
//! million lists, each its own heap block, so adding to one costs an
//! allocator call whenever it grows, and freeing them costs a million
//! scattered `free`s (a fifth of a second at that size, all on the critical
//! path). Here lists are blocks of one pool, reused through free lists by
//! size, and a list's handle is 12 bytes instead of 24 (the handles of a
//! million tabs are read at random on every send).

use crate::prefetch::{prefetch, prefetch_write};

/// Entries of the smallest block: most tabs that fill at all get several
/// requests, and each growth is a copy.
const FIRST_BLOCK: usize = 4;

/// A tab: `len` entries from `start` in a block of `FIRST_BLOCK << class`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
    /// [`Span::NO_BLOCK`] until the first entry arrives.
    class: u8,
}

impl Span {
    const NO_BLOCK: u8 = u8::MAX;
    const EMPTY: Span = Span {
        start: 0,
        len: 0,
        class: Span::NO_BLOCK,
    };

    fn capacity(self) -> usize {
        if self.class == Span::NO_BLOCK {
            0
        } else {
            FIRST_BLOCK << self.class
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// One ordered list of `T` per member, all in one pool.
#[derive(Clone, Debug)]
pub(crate) struct Tabs<T> {
    pool: Vec<T>,
    spans: Vec<Span>,
    /// Free blocks by class: their start in the pool.
    free: Vec<Vec<u32>>,
}

impl<T: Copy + Default> Tabs<T> {
    /// `members` empty tabs.
    pub(crate) fn new(members: usize) -> Self {
        Tabs {
            pool: Vec::new(),
            spans: vec![Span::EMPTY; members],
            free: Vec::new(),
        }
    }

    /// Members (tabs), empty or not.
    pub(crate) fn members(&self) -> usize {
        self.spans.len()
    }

    /// Adds an empty tab for a new member.
    pub(crate) fn add(&mut self) {
        self.spans.push(Span::EMPTY);
    }

    pub(crate) fn get(&self, m: u32) -> &[T] {
        &self.pool[self.spans[m as usize].range()]
    }

    pub(crate) fn get_mut(&mut self, m: u32) -> &mut [T] {
        let range = self.spans[m as usize].range();
        &mut self.pool[range]
    }

    /// Starts loading member `m`'s tab handle (where its entries are).
    pub(crate) fn warm_handle(&self, m: u32) {
        prefetch(&self.spans[m as usize]);
    }

    /// Starts loading member `m`'s tab, to be searched from its start and
    /// added to at its end: the first free slot of its block (written, so
    /// loaded for writing), else its last entry.
    pub(crate) fn warm(&self, m: u32) {
        let span = self.spans[m as usize];
        if span.class == Span::NO_BLOCK {
            return;
        }
        let (start, end) = (span.start as usize, (span.start + span.len) as usize);
        prefetch(&self.pool[start]);
        if (span.len as usize) < span.capacity() {
            prefetch_write(&self.pool[end]);
        } else {
            prefetch(&self.pool[end - 1]);
        }
    }

    /// Appends `value` to member `m`'s tab.
    pub(crate) fn push(&mut self, m: u32, value: T) {
        let span = self.spans[m as usize];
        let span = if span.len as usize == span.capacity() {
            self.grow(m, span)
        } else {
            span
        };
        self.pool[(span.start + span.len) as usize] = value;
        self.spans[m as usize].len += 1;
    }

    /// Removes entry `i` of member `m`'s tab, keeping the order of the rest.
    pub(crate) fn remove(&mut self, m: u32, i: usize) -> T {
        let span = self.spans[m as usize];
        let range = span.range();
        let at = range.start + i;
        let value = self.pool[at];
        self.pool.copy_within(at + 1..range.end, at);
        self.spans[m as usize].len -= 1;
        value
    }

    /// Keeps the entries of member `m`'s tab for which `keep` holds, in order.
    pub(crate) fn retain(&mut self, m: u32, mut keep: impl FnMut(&T) -> bool) {
        let range = self.spans[m as usize].range();
        let mut kept = range.start;
        for at in range {
            if keep(&self.pool[at]) {
                self.pool[kept] = self.pool[at];
                kept += 1;
            }
        }
        self.spans[m as usize].len = (kept - self.spans[m as usize].start as usize) as u32;
    }

    /// Moves member `m`'s tab to a block of the next class and frees the old one.
    fn grow(&mut self, m: u32, span: Span) -> Span {
        let class = if span.class == Span::NO_BLOCK {
            0
        } else {
            span.class + 1
        };
        let start = self.take_block(class);
        self.pool.copy_within(span.range(), start as usize);
        if span.class != Span::NO_BLOCK {
            self.free[span.class as usize].push(span.start);
        }
        let grown = Span {
            start,
            len: span.len,
            class,
        };
        self.spans[m as usize] = grown;
        grown
    }

    /// A free block of `class`, reused or added at the end of the pool.
    fn take_block(&mut self, class: u8) -> u32 {
        if self.free.len() <= class as usize {
            self.free.resize_with(class as usize + 1, Vec::new);
        }
        if let Some(start) = self.free[class as usize].pop() {
            return start;
        }
        let start = self.pool.len();
        self.pool
            .resize(start + (FIRST_BLOCK << class), T::default());
        u32::try_from(start).expect("a pool of fewer than 2^32 entries")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32, u32),
        Remove(u32, usize),
        Set(u32, usize, u32),
        /// Keeps the entries not divisible by the divisor.
        Retain(u32, u32),
        Add,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u32..12, any::<u32>()).prop_map(|(m, v)| Op::Push(m, v)),
            3 => (0u32..12, 0usize..40).prop_map(|(m, i)| Op::Remove(m, i)),
            1 => (0u32..12, 0usize..40, any::<u32>()).prop_map(|(m, i, v)| Op::Set(m, i, v)),
            1 => (0u32..12, 2u32..5).prop_map(|(m, d)| Op::Retain(m, d)),
            1 => Just(Op::Add),
        ]
    }

    proptest! {
        /// Any sequence of pushes, removes, retains and writes leaves every tab as a
        /// `Vec` per member would.
        #[test]
        fn tabs_agree_with_a_vec_per_member(ops in proptest::collection::vec(op(), 0..400)) {
            let mut tabs: Tabs<u32> = Tabs::new(8);
            let mut model: Vec<Vec<u32>> = vec![Vec::new(); 8];
            for op in ops {
                match op {
                    Op::Push(m, v) if (m as usize) < model.len() => {
                        tabs.push(m, v);
                        model[m as usize].push(v);
                    }
                    Op::Remove(m, i) if (m as usize) < model.len() && i < model[m as usize].len() => {
                        prop_assert_eq!(tabs.remove(m, i), model[m as usize].remove(i));
                    }
                    Op::Set(m, i, v) if (m as usize) < model.len() && i < model[m as usize].len() => {
                        tabs.get_mut(m)[i] = v;
                        model[m as usize][i] = v;
                    }
                    Op::Retain(m, d) if (m as usize) < model.len() => {
                        tabs.retain(m, |v| v % d != 0);
                        model[m as usize].retain(|v| v % d != 0);
                    }
                    Op::Add => {
                        tabs.add();
                        model.push(Vec::new());
                    }
                    _ => {}
                }
                for (m, list) in model.iter().enumerate() {
                    prop_assert_eq!(tabs.get(m as u32), list.as_slice());
                }
            }
        }
    }

    #[test]
    fn a_freed_block_is_reused_by_the_next_tab_that_needs_one() {
        let mut tabs: Tabs<u32> = Tabs::new(2);
        for v in 0..5 {
            tabs.push(0, v); // 4 entries, then a block of 8: the first block is freed
        }
        let pool = tabs.pool.len();
        tabs.push(1, 9);
        assert_eq!(tabs.pool.len(), pool, "the freed block of 4 is reused");
        assert_eq!(tabs.get(0), &[0, 1, 2, 3, 4]);
        assert_eq!(tabs.get(1), &[9]);
    }
}
