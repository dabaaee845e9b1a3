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

/// A 64-bit FNV-1a hash of a message text: cheap, stable across runs and
/// platforms (unlike `std`'s randomly keyed hasher), good enough to tell
/// "the same text" apart.
pub fn text_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
