//! One ordered list per member: the engine's request tabs (pending
//! requests by recipient) and the simulator's memories of awaited requests
//! (by sender).
//!
//! Why not a `Vec` per member: a network of a million members has about a
//! million lists, each its own heap block, so adding to one costs an
//! allocator call whenever it grows, and freeing them costs a million
//! scattered `free`s (a fifth of a second at that size, all on the critical
//! path). Here a list's first entry sits in its member's slot of one array,
//! in member order, and longer lists live in blocks of one pool, reused
//! through free lists by size. Most lists hold one entry at most (at the
//! end of a million-member run 72% of request tabs are empty and 20% hold
//! one request), so a send to a random member reads one slot, not a handle
//! and then a block, and the phases that walk members in order (recipients
//! looking at their requests, answers, senders planning) read the slots in
//! order.

use crate::prefetch::{prefetch, prefetch_write};

/// Entries of the smallest block: a list that outgrows its slot has two
/// entries and often gets more; each growth is a copy.
const FIRST_BLOCK: usize = 4;

/// A member's list: in its slot while it has one entry at most, else
/// `len` entries from `start` in a block of `FIRST_BLOCK << class`.
#[derive(Clone, Copy, Debug)]
enum Slot<T> {
    Empty,
    One(T),
    Block { start: u32, len: u32, class: u8 },
}

/// A slot on a 32-byte boundary: a slot read at random (a request tab's,
/// on every send) is then one cache line, never two, for entries of up to
/// 28 bytes, as a pending request is (tested).
#[derive(Clone, Copy, Debug)]
#[repr(align(32))]
struct Aligned<T>(Slot<T>);

/// One ordered list of `T` per member.
#[derive(Clone, Debug)]
pub(crate) struct Tabs<T> {
    slots: Vec<Aligned<T>>,
    pool: Vec<T>,
    /// Free blocks by class: their start in the pool.
    free: Vec<Vec<u32>>,
}

fn block_range(start: u32, len: u32) -> std::ops::Range<usize> {
    start as usize..(start + len) as usize
}

impl<T: Copy + Default> Tabs<T> {
    /// `members` empty lists.
    pub(crate) fn new(members: usize) -> Self {
        Tabs {
            slots: vec![Aligned(Slot::Empty); members],
            pool: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Members (lists), empty or not.
    pub(crate) fn members(&self) -> usize {
        self.slots.len()
    }

    /// Adds an empty list for a new member.
    pub(crate) fn add(&mut self) {
        self.slots.push(Aligned(Slot::Empty));
    }

    pub(crate) fn get(&self, m: u32) -> &[T] {
        match &self.slots[m as usize].0 {
            Slot::Empty => &[],
            Slot::One(value) => std::slice::from_ref(value),
            &Slot::Block { start, len, .. } => &self.pool[block_range(start, len)],
        }
    }

    pub(crate) fn get_mut(&mut self, m: u32) -> &mut [T] {
        match &mut self.slots[m as usize].0 {
            Slot::Empty => &mut [],
            Slot::One(value) => std::slice::from_mut(value),
            &mut Slot::Block { start, len, .. } => &mut self.pool[block_range(start, len)],
        }
    }

    /// Starts loading member `m`'s slot (its list, or where its block is).
    pub(crate) fn warm_slot(&self, m: u32) {
        prefetch(&self.slots[m as usize]);
    }

    /// The second step of [`Tabs::warm_slot`], once the slot has loaded:
    /// a list in a block starts loading, to be searched from its start and
    /// added to at its end (the first free place, written, so loaded for
    /// writing, else its last entry).
    pub(crate) fn warm(&self, m: u32) {
        if let Slot::Block { start, len, class } = self.slots[m as usize].0 {
            let (start, end) = (start as usize, (start + len) as usize);
            prefetch(&self.pool[start]);
            if end - start < FIRST_BLOCK << class {
                prefetch_write(&self.pool[end]);
            } else {
                prefetch(&self.pool[end - 1]);
            }
        }
    }

    /// Appends `value` to member `m`'s list.
    pub(crate) fn push(&mut self, m: u32, value: T) {
        let slot = match self.slots[m as usize].0 {
            Slot::Empty => Slot::One(value),
            Slot::One(first) => {
                // The second entry: both go to a block.
                let start = self.take_block(0);
                self.pool[start as usize] = first;
                self.pool[start as usize + 1] = value;
                Slot::Block {
                    start,
                    len: 2,
                    class: 0,
                }
            }
            Slot::Block { start, len, class } => {
                let (start, class) = if len as usize == FIRST_BLOCK << class {
                    self.grow(block_range(start, len), class)
                } else {
                    (start, class)
                };
                self.pool[(start + len) as usize] = value;
                Slot::Block {
                    start,
                    len: len + 1,
                    class,
                }
            }
        };
        self.slots[m as usize].0 = slot;
    }

    /// Removes entry `i` of member `m`'s list, keeping the order of the rest.
    pub(crate) fn remove(&mut self, m: u32, i: usize) -> T {
        match self.slots[m as usize].0 {
            Slot::One(value) if i == 0 => {
                self.slots[m as usize].0 = Slot::Empty;
                value
            }
            Slot::Block { start, len, class } => {
                let range = block_range(start, len);
                let at = range.start + i;
                assert!(at < range.end, "entry {i} of a list of {len}");
                let value = self.pool[at];
                self.pool.copy_within(at + 1..range.end, at);
                self.set_block(m, start, len - 1, class);
                value
            }
            _ => panic!("entry {i} of a list of one or none"),
        }
    }

    /// Keeps the entries of member `m`'s list for which `keep` holds, in order.
    pub(crate) fn retain(&mut self, m: u32, mut keep: impl FnMut(&T) -> bool) {
        match self.slots[m as usize].0 {
            Slot::Empty => {}
            Slot::One(value) => {
                if !keep(&value) {
                    self.slots[m as usize].0 = Slot::Empty;
                }
            }
            Slot::Block { start, len, class } => {
                let mut kept = start as usize;
                for at in block_range(start, len) {
                    if keep(&self.pool[at]) {
                        self.pool[kept] = self.pool[at];
                        kept += 1;
                    }
                }
                self.set_block(m, start, (kept - start as usize) as u32, class);
            }
        }
    }

    /// Member `m`'s list is now `len` entries of its block; down to one
    /// entry or none, it moves back into its slot and the block is freed.
    fn set_block(&mut self, m: u32, start: u32, len: u32, class: u8) {
        self.slots[m as usize].0 = match len {
            0 | 1 => {
                self.free[class as usize].push(start);
                if len == 1 {
                    Slot::One(self.pool[start as usize])
                } else {
                    Slot::Empty
                }
            }
            _ => Slot::Block { start, len, class },
        };
    }

    /// Moves a full block's entries to a block of the next class and frees
    /// the old one; returns the new block's start and class.
    fn grow(&mut self, entries: std::ops::Range<usize>, class: u8) -> (u32, u8) {
        let start = self.take_block(class + 1);
        self.free[class as usize].push(entries.start as u32);
        self.pool.copy_within(entries, start as usize);
        (start, class + 1)
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
        assert_eq!(tabs.pool.len(), pool, "one entry stays in its slot");
        tabs.push(1, 10);
        assert_eq!(tabs.pool.len(), pool, "the freed block of 4 is reused");
        assert_eq!(tabs.get(0), &[0, 1, 2, 3, 4]);
        assert_eq!(tabs.get(1), &[9, 10]);
    }

    #[test]
    fn a_request_tabs_slot_is_half_a_cache_line() {
        let size = std::mem::size_of::<Aligned<crate::engine::PendingRequest>>();
        assert_eq!(size, 32);
    }

    #[test]
    fn a_list_down_to_one_entry_moves_back_to_its_slot() {
        let mut tabs: Tabs<u32> = Tabs::new(1);
        tabs.push(0, 1);
        assert!(matches!(tabs.slots[0].0, Slot::One(1)));
        tabs.push(0, 2);
        tabs.push(0, 3);
        assert!(matches!(tabs.slots[0].0, Slot::Block { len: 3, .. }));
        assert_eq!(tabs.remove(0, 0), 1);
        tabs.retain(0, |&v| v != 2);
        assert!(matches!(tabs.slots[0].0, Slot::One(3)));
        assert_eq!(tabs.get(0), &[3]);
        assert_eq!(tabs.free[0].len(), 1, "its block is free again");
    }
}
