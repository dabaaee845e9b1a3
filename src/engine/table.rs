//! Open-addressing hash tables for the engine's per-pair and per-text records.
//!
//! Why not `HashMap`: on a large network a send's cost is its cache misses,
//! and the pair table holds tens of millions of records. Here the key sits
//! next to its value and probing is linear, so a lookup usually reads one
//! cache line, and that line's address follows from the key alone: a caller
//! walking a batch of messages can start loading it several messages ahead
//! ([`Table::home`] + [`crate::prefetch`]). Records are never removed.
//!
//! A table may also place its keys in the order of a member id
//! ([`Table::ordered`], [`in_member_order`]) rather than at random, for
//! callers that walk members in order.

use rayon::prelude::*;

/// A key of a [`Table`].
pub(crate) trait Key: Copy + Eq {
    /// The key of an empty slot.
    const VACANT: Self;

    /// Where a probe for the key starts, as a fraction of the table (in
    /// units of 2^-64), spread evenly over a table's keys. `order` is the
    /// [`Order`] of a table made with [`Table::ordered`], for keys that
    /// place themselves in the order of a member id ([`in_member_order`]);
    /// `None` for a table placed by hash alone.
    fn place(self, order: Option<Order>) -> u64;

    /// Whether a slot holding `self` is taken for a probe of `probe`. Keys
    /// that carry a generation (today's texts) leave the slots of earlier
    /// generations free, so a new day needs no clearing.
    fn holds_for(self, probe: Self) -> bool;
}

/// Taken slots at most, as a fraction of all slots (7/10): linear probing
/// mostly stays within a cache line or two below it. A full table grows by
/// half (not double), which keeps a large table's memory, and the peak while
/// it is copied, closer to what it holds.
const LOAD_NUM: usize = 7;
const LOAD_DEN: usize = 10;

/// Slots from which a new table is written out by all threads.
const PARALLEL_FILL: usize = 1 << 20;

#[derive(Clone, Debug)]
pub(crate) struct Table<K, V> {
    slots: Vec<(K, V)>,
    /// Taken slots (of the current generation).
    len: usize,
    /// Passed to [`Key::place`].
    order: Option<Order>,
}

/// How a table placed in member order is cut: one part per
/// [`MEMBER_WINDOW`] members, each `share` of 2^64 wide.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Order {
    share: u64,
}

/// Members per part of a table placed in member order: a part's records
/// stay in cache while the members' sends and answers go by (at the
/// baseline's volume, about 1 MiB of pair records and 100 KiB of today's
/// texts), and thousands of members even out the heavy senders among them.
const MEMBER_WINDOW: u64 = 4096;

/// Mixes a 64-bit value (Fibonacci hashing): its high bits depend on all of
/// the input's, so they place keys evenly.
pub(crate) fn mix(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A place in member order: a key goes to a spot of its member's part of
/// the table ([`Order`]) chosen by the key's `mixed` hash (see [`mix`]).
/// Why: the simulator's sends and answers come member by member in
/// increasing order, so keys placed so are read in a sweep through the
/// table, not at random (a large table's random reads wait on memory; a
/// sweep's are mostly in cache).
/// Multiplications only: a place is computed for every probe.
pub(crate) fn in_member_order(member: u32, mixed: u64, order: Order) -> u64 {
    let within = (u128::from(mixed) * u128::from(order.share)) >> 64;
    (u64::from(member) / MEMBER_WINDOW)
        .wrapping_mul(order.share)
        .wrapping_add(within as u64)
}

/// A probe this long in a table placed in member order means that its keys
/// crowd one part of it (more of them there than its share of slots, as
/// when the table was not reserved for a day's or a run's records): the
/// table goes back to placing keys by hash, where probes stay short at any
/// load below [`LOAD_NUM`]/[`LOAD_DEN`].
const CROWDED: usize = 256;

impl<K: Key + Send + Sync, V: Copy + Default + Send + Sync> Table<K, V> {
    pub(crate) fn new() -> Self {
        Self::with_slots(16, None)
    }

    /// A table whose keys may place themselves in the order of a member id
    /// among `members` members (see [`Key::place`]); with none, by hash.
    pub(crate) fn ordered(members: u64) -> Self {
        let order = (members > 0).then(|| Order {
            share: u64::MAX / members.div_ceil(MEMBER_WINDOW),
        });
        Self::with_slots(16, order)
    }

    fn with_slots(slots: usize, order: Option<Order>) -> Self {
        // Written out now (the vacant key is not all zeros), so the pages
        // are in place before the table is used; a large table (hundreds of
        // MiB on a network of millions) by all threads.
        let vacant = (K::VACANT, V::default());
        let slots = if slots < PARALLEL_FILL {
            vec![vacant; slots]
        } else {
            (0..slots).into_par_iter().map(|_| vacant).collect()
        };
        Table {
            slots,
            len: 0,
            order,
        }
    }

    /// Makes room for `records` records without growing.
    pub(crate) fn reserve(&mut self, records: usize) {
        let needed = (records * LOAD_DEN).div_ceil(LOAD_NUM) + 1;
        if needed > self.slots.len() {
            self.rehash(needed);
        }
    }

    /// The key's place scaled to the table's size.
    fn home_index(&self, key: K) -> usize {
        let place = key.place(self.order);
        ((u128::from(place) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot where a probe for `key` starts (to prefetch).
    pub(crate) fn home(&self, key: K) -> &(K, V) {
        &self.slots[self.home_index(key)]
    }

    /// The slot holding `key`, or the free slot where it would go.
    fn find(&self, key: K) -> usize {
        let mut i = self.home_index(key);
        loop {
            let k = self.slots[i].0;
            if k == key || !k.holds_for(key) {
                return i;
            }
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
    }

    pub(crate) fn get(&self, key: K) -> Option<&V> {
        let (k, v) = &self.slots[self.find(key)];
        (*k == key).then_some(v)
    }

    /// The record of `key`, made (default) if it is not there yet.
    pub(crate) fn entry(&mut self, key: K) -> &mut V {
        let i = self.slot(key);
        if self.slots[i].0 != key {
            self.set(i, key, V::default());
        }
        &mut self.slots[i].1
    }

    /// Where `key`'s record is or would go, with room made for it (the
    /// table grows first if a new record would overfill it): one probe for
    /// a caller that reads the record ([`Table::at`]) and then writes it
    /// ([`Table::set`]), with no other change to the table in between.
    pub(crate) fn slot(&mut self, key: K) -> usize {
        let i = self.find(key);
        if self.slots[i].0 == key {
            return i;
        }
        if self.order.is_some() && self.distance(key, i) > CROWDED {
            self.rehash_live(self.slots.len(), None, key);
        } else if (self.len + 1) * LOAD_DEN > self.slots.len() * LOAD_NUM {
            self.rehash_live(self.slots.len() * 3 / 2, self.order, key);
        } else {
            return i;
        }
        self.find(key)
    }

    /// Whether keys are still placed in member order (not fallen back).
    #[cfg(test)]
    pub(crate) fn is_ordered(&self) -> bool {
        self.order.is_some()
    }

    /// How far slot `i` is past `key`'s home slot.
    fn distance(&self, key: K, i: usize) -> usize {
        let home = self.home_index(key);
        if i >= home {
            i - home
        } else {
            i + self.slots.len() - home
        }
    }

    /// The record of `key` at `slot` (from [`Table::slot`]), if there is one.
    pub(crate) fn at(&self, slot: usize, key: K) -> Option<&V> {
        let (k, v) = &self.slots[slot];
        (*k == key).then_some(v)
    }

    /// Writes `key`'s record at `slot` (from [`Table::slot`]).
    pub(crate) fn set(&mut self, slot: usize, key: K, value: V) {
        if self.slots[slot].0 != key {
            self.len += 1;
        }
        self.slots[slot] = (key, value);
    }

    /// Forgets every record at once; only for keys that carry a generation,
    /// when the generation moves on (their old slots already count as free).
    pub(crate) fn retire_all(&mut self) {
        self.len = 0;
    }

    fn rehash(&mut self, slots: usize) {
        let old = std::mem::replace(self, Self::with_slots(slots, self.order));
        for (k, v) in old.slots {
            if k != K::VACANT {
                self.insert_new(k, v);
            }
        }
    }

    /// Grows (or places keys anew: `order`), keeping only the records of
    /// `current`'s generation.
    fn rehash_live(&mut self, slots: usize, order: Option<Order>, current: K) {
        let old = std::mem::replace(self, Self::with_slots(slots, order));
        for (k, v) in old.slots {
            if k.holds_for(current) {
                self.insert_new(k, v);
            }
        }
    }

    fn insert_new(&mut self, key: K, value: V) {
        let i = self.find(key);
        self.slots[i] = (key, value);
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    struct Dated {
        id: u32,
        day: u32,
    }

    impl Key for Dated {
        const VACANT: Self = Dated {
            id: u32::MAX,
            day: u32::MAX,
        };
        fn place(self, _: Option<Order>) -> u64 {
            mix(u64::from(self.id) % 7) // many collisions on purpose
        }
        fn holds_for(self, probe: Self) -> bool {
            self.day == probe.day
        }
    }

    impl Key for u64 {
        const VACANT: Self = u64::MAX;
        fn place(self, _: Option<Order>) -> u64 {
            mix(self)
        }
        fn holds_for(self, _: Self) -> bool {
            self != u64::MAX
        }
    }

    /// A record of one member's, placed in member order.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    struct Owned {
        member: u32,
        id: u32,
    }

    impl Key for Owned {
        const VACANT: Self = Owned {
            member: u32::MAX,
            id: u32::MAX,
        };
        fn place(self, order: Option<Order>) -> u64 {
            let mixed = mix(u64::from(self.member) << 32 | u64::from(self.id));
            order.map_or(mixed, |order| in_member_order(self.member, mixed, order))
        }
        fn holds_for(self, _: Self) -> bool {
            self != Self::VACANT
        }
    }

    /// Members of the tests' ordered tables: 16 parts.
    const MEMBERS: u32 = 16 * MEMBER_WINDOW as u32;

    /// `records` records of [`MEMBERS`] members, member by member (some
    /// members with many), counted in an ordered table and in a map.
    fn fill_in_member_order(table: &mut Table<Owned, u32>, records: u32) {
        let mut map = std::collections::HashMap::new();
        for k in 0..records {
            let member = (u64::from(k) * u64::from(MEMBERS) / u64::from(records)) as u32;
            let key = Owned {
                member,
                id: (k * 7919) % 50,
            };
            *table.entry(key) += 1;
            *map.entry(key).or_insert(0u32) += 1;
        }
        assert_eq!(table.len, map.len());
        for (k, v) in &map {
            assert_eq!(table.get(*k), Some(v));
        }
    }

    #[test]
    fn a_reserved_table_keeps_member_order_with_short_probes() {
        let mut table: Table<Owned, u32> = Table::ordered(MEMBERS.into());
        table.reserve(20_000);
        fill_in_member_order(&mut table, 20_000);
        assert!(table.order.is_some(), "fell back to hashing");
        // Members' records come in the order of their windows.
        let window_of = |i: usize| u64::from(table.slots[i].0.member) / MEMBER_WINDOW;
        let taken: Vec<usize> = (0..table.slots.len())
            .filter(|&i| table.slots[i].0 != Owned::VACANT)
            .collect();
        let out_of_order = taken
            .windows(2)
            .filter(|w| window_of(w[1]) < window_of(w[0]))
            .count();
        assert!(
            out_of_order <= 1,
            "{out_of_order} (one wrap around the end allowed)"
        );
    }

    /// Unreserved, the first parts of an ordered table crowd as it fills
    /// part by part: it places keys by hash instead, and loses nothing.
    #[test]
    fn a_crowded_ordered_table_falls_back_to_hashing() {
        let mut table: Table<Owned, u32> = Table::ordered(MEMBERS.into());
        fill_in_member_order(&mut table, 20_000);
        assert!(table.order.is_none());
    }

    #[test]
    fn agrees_with_a_hash_map_through_growth() {
        let mut table: Table<u64, u32> = Table::new();
        let mut map = std::collections::HashMap::new();
        let mut x = 1u64;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = x >> 50; // repeats
            *table.entry(key) += 1;
            *map.entry(key).or_insert(0u32) += 1;
        }
        assert_eq!(table.len, map.len());
        for (k, v) in &map {
            assert_eq!(table.get(*k), Some(v));
        }
        assert_eq!(table.get(u64::MAX - 1), None);
    }

    /// Read-then-write through one slot (growing on the way) counts as
    /// `entry` does.
    #[test]
    fn a_slot_read_then_written_agrees_with_a_hash_map() {
        let mut table: Table<u64, u32> = Table::new();
        let mut map = std::collections::HashMap::new();
        for i in 0..5_000u64 {
            let key = (i * 7919) % 1_500; // repeats
            let slot = table.slot(key);
            let seen = table.at(slot, key).copied();
            assert_eq!(seen, map.get(&key).copied(), "{key}");
            table.set(slot, key, seen.unwrap_or(0) + 1);
            *map.entry(key).or_insert(0u32) += 1;
        }
        assert_eq!(table.len, map.len());
        for (k, v) in &map {
            assert_eq!(table.get(*k), Some(v));
        }
    }

    #[test]
    fn a_new_generation_forgets_the_old_one_and_reuses_its_slots() {
        let mut table: Table<Dated, u32> = Table::new();
        for id in 0..9 {
            *table.entry(Dated { id, day: 0 }) = id + 1;
        }
        table.retire_all();
        assert_eq!(table.get(Dated { id: 3, day: 1 }), None);
        for id in 0..100 {
            *table.entry(Dated { id, day: 1 }) += 1;
        }
        for id in 0..100 {
            assert_eq!(table.get(Dated { id, day: 1 }), Some(&1));
        }
        assert_eq!(table.len, 100);
    }
}
