//! What is known about one message besides its text: the sender's day and
//! the pair's history. The engine gathers it; the analyzer's context rules
//! read it. Neither ever sees who the sender "really" is (a persona label).

use crate::violation::Violations;

/// The analyzer's verdict on a message in its context, as the engine uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Score {
    /// Spam score with the context rules (bulk, follow-ups, after an ignore).
    pub spam_score: f64,
    /// Spam score of the text alone.
    pub text_spam_score: f64,
    pub quality_score: f64,
    /// Content violations (`promotional`, `abusive`, ...).
    pub content: Violations,
}

/// The context of one send from S to R.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendContext {
    /// Distinct recipients S has sent this same text to today, this one included.
    pub same_text_recipients: u32,
    /// The `bulk_threshold` policy key: more recipients than this is bulk.
    pub bulk_threshold: u32,
    /// Messages S sent R (not rejected) that R has not answered yet.
    pub unanswered: u32,
    /// R ignored or deleted a request of S and has not answered S since.
    pub after_ignore: bool,
}

impl SendContext {
    /// The same text went to more than `bulk_threshold` recipients today.
    pub fn is_bulk(&self) -> bool {
        self.same_text_recipients > self.bulk_threshold
    }
}

/// A 64-bit hash of a message text: stable across runs and platforms
/// (unlike `std`'s randomly keyed hasher), good enough to tell "the same
/// text" apart, and cheap: eight bytes a step (little-endian words, the
/// tail zero-padded, the length mixed in), each step a multiply and a
/// rotation, then a final avalanche. Byte-at-a-time FNV cost the simulator
/// a tenth of its planning time on messages of a few hundred bytes.
pub fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = text.as_bytes();
    let step = |h: u64, word: [u8; 8]| {
        (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29)
    };
    let mut h = (bytes.len() as u64).wrapping_mul(K) ^ 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = step(h, w.try_into().expect("chunks of eight"));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut last = [0u8; 8];
        last[..tail.len()].copy_from_slice(tail);
        h = step(h, last);
    }
    crate::rng::mix(h)
}

#[cfg(test)]
mod tests {
    use super::text_hash;

    #[test]
    fn padding_and_length_tell_texts_apart() {
        assert_ne!(text_hash("a"), text_hash("a\0"));
        assert_ne!(text_hash(""), text_hash("\0"));
        assert_ne!(text_hash("12345678"), text_hash("12345678\0"));
        assert_eq!(
            text_hash("same text"),
            text_hash(&String::from("same text"))
        );
    }

    proptest::proptest! {
        /// Any change to a text (a byte anywhere, or its length) changes its hash.
        #[test]
        fn different_texts_hash_apart(a in ".{0,40}", b in ".{0,40}") {
            proptest::prop_assert_eq!(a == b, text_hash(&a) == text_hash(&b));
        }
    }
}
