//! The text rules, found in two passes over the bytes and no allocation:
//! one Aho-Corasick pass (ASCII-case-insensitive) for every phrase of every
//! rule in the registry, and one byte scan for what phrases cannot say
//! (capital letters, digit runs, length). The hints add a few substring
//! checks when they are given.

use super::rules::{Detect, RuleId, RuleSet, RULES};
use super::Hints;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Short messages do better, long ones worse (characters, not bytes).
const CONCISE_BELOW_CHARS: u32 = 400;
const LONG_ABOVE_CHARS: u32 = 1200;

/// What a phrase needs around it to count.
#[derive(Clone, Copy, Debug)]
struct Pattern {
    rule: RuleId,
    word_start: bool,
    word_end: bool,
}

/// The compiled text rules.
#[derive(Clone, Debug)]
pub struct Matcher {
    phrases: AhoCorasick,
    patterns: Vec<Pattern>,
    /// Rules that fire when their phrases are missing.
    absent_rules: RuleSet,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new()
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl Matcher {
    pub fn new() -> Self {
        let mut needles = Vec::new();
        let mut patterns = Vec::new();
        let mut absent_rules = RuleSet::default();
        for (rule, def) in RuleId::ALL.iter().zip(RULES) {
            let list = match def.detect {
                Detect::Phrases(list) => list,
                Detect::Absent(list) => {
                    absent_rules.insert(*rule);
                    list
                }
                Detect::Scan | Detect::Context => continue,
            };
            for phrase in list {
                let (needle, prefix) = match phrase.strip_suffix('*') {
                    Some(stem) => (stem, true),
                    None => (*phrase, false),
                };
                let bytes = needle.as_bytes();
                patterns.push(Pattern {
                    rule: *rule,
                    word_start: bytes.first().copied().is_some_and(is_word_byte),
                    word_end: !prefix && bytes.last().copied().is_some_and(is_word_byte),
                });
                needles.push(needle);
            }
        }
        // A DFA: the fastest search, and a few hundred short phrases keep it small.
        let phrases = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(&needles)
            .expect("the registry's phrases compile");
        Matcher {
            phrases,
            patterns,
            absent_rules,
        }
    }

    /// The text rules that fire on `text`.
    pub fn text_rules(&self, text: &str, hints: &Hints) -> RuleSet {
        self.content_rules(text)
            .union(hint_rules(text.as_bytes(), hints))
    }

    /// The text rules that read the text alone (not the hints): the same
    /// text always gives the same set, so callers may keep it by text.
    pub fn content_rules(&self, text: &str) -> RuleSet {
        let bytes = text.as_bytes();
        let mut found = RuleSet::default();
        // Overlapping, so that "free" is seen inside "free offer" too.
        for m in self.phrases.find_overlapping_iter(text) {
            let p = self.patterns[m.pattern().as_usize()];
            if found.contains(p.rule) {
                continue;
            }
            let starts_word = m.start() == 0 || !is_word_byte(bytes[m.start() - 1]);
            let ends_word = m.end() == bytes.len() || !is_word_byte(bytes[m.end()]);
            if (!p.word_start || starts_word) && (!p.word_end || ends_word) {
                found.insert(p.rule);
            }
        }
        let mut fired = RuleSet(found.0 & !self.absent_rules.0);
        fired = fired.union(RuleSet(self.absent_rules.0 & !found.0));
        fired.union(scan_rules(bytes))
    }
}

/// Counts gathered in one pass over the bytes.
#[derive(Default)]
struct ByteStats {
    chars: u32,
    letters: u32,
    upper: u32,
    longest_mark_run: u32,
    /// Longest digit run of a free-standing number (not part of a URL, a
    /// file name or an identifier like `abc12345`).
    longest_number_run: u32,
    /// Most digits of a free-standing number written in groups, like
    /// `0800 169 6031` or `555-0100-22`.
    most_grouped_digits: u32,
}

impl ByteStats {
    /// Counts a free-standing number with its longest digit group and digit total.
    fn record_number(&mut self, longest_group: u32, digits: u32) {
        self.longest_number_run = self.longest_number_run.max(longest_group);
        self.most_grouped_digits = self.most_grouped_digits.max(digits);
    }
}

/// A number may start after this byte: not inside a word, URL or identifier.
fn number_may_start_after(prev: u8) -> bool {
    !(prev.is_ascii_alphabetic()
        || matches!(
            prev,
            b'/' | b'=' | b'_' | b'#' | b'&' | b'.' | b'@' | b'?' | b'%'
        ))
}

/// A number may end at `bytes[i]` (not followed by a path, query or decimals).
fn number_may_end_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        None => true,
        Some(b'/' | b'=' | b'_' | b'&' | b'@' | b'%') => false,
        Some(b'.' | b',') => !bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()),
        Some(_) => true,
    }
}

/// Bytes looked at together by [`any_position`].
const SCAN_BLOCK: usize = 32;

/// Calls `check` on the positions of the bytes for which `wanted` holds,
/// in order, until it returns true (then returns true). The positions are
/// found [`SCAN_BLOCK`] bytes at a time as a bit mask, by a fixed-length
/// loop without early exits, which the compiler turns into vector compares:
/// the scans below then read only those bytes one by one.
fn any_position(
    bytes: &[u8],
    wanted: impl Fn(u8) -> bool,
    mut check: impl FnMut(usize) -> bool,
) -> bool {
    let bits = |mask: u32, (j, &b): (usize, &u8)| mask | u32::from(wanted(b)) << j;
    for (k, block) in bytes.chunks(SCAN_BLOCK).enumerate() {
        let mut found = match <&[u8; SCAN_BLOCK]>::try_from(block) {
            Ok(full) => full.iter().enumerate().fold(0, bits),
            Err(_) => block.iter().enumerate().fold(0, bits),
        };
        while found != 0 {
            if check(k * SCAN_BLOCK + found.trailing_zeros() as usize) {
                return true;
            }
            found &= found - 1;
        }
    }
    false
}

/// The runs being read: exclamation and question marks in a row, and the
/// free-standing number in progress.
#[derive(Default)]
struct Runs {
    /// Position after the last mark, and the marks in a row up to it.
    mark_end: usize,
    marks: u32,
    /// The number in progress (`digits > 0`): position after its last
    /// digit, its digits, those of its current and of its longest group.
    number_end: usize,
    digits: u32,
    group: u32,
    longest_group: u32,
    free_start: bool,
}

impl Runs {
    /// Reads `bytes[i]`, a mark (`!` or `?`).
    fn mark(&mut self, i: usize, s: &mut ByteStats) {
        self.marks = if self.mark_end == i && self.marks > 0 {
            self.marks + 1
        } else {
            1
        };
        self.mark_end = i + 1;
        s.longest_mark_run = s.longest_mark_run.max(self.marks);
    }

    /// Reads `bytes[i]`, a digit: it goes on the number in progress, goes
    /// on it after one space or hyphen (a new group), or starts a number
    /// (the one in progress, if any, then ends).
    fn digit(&mut self, bytes: &[u8], i: usize, s: &mut ByteStats) {
        if self.digits > 0 && self.number_end == i {
            self.group += 1;
        } else if self.digits > 0 && self.number_end + 1 == i && matches!(bytes[i - 1], b' ' | b'-')
        {
            self.group = 1;
        } else {
            self.end_number(bytes, s);
            self.free_start = i == 0 || number_may_start_after(bytes[i - 1]);
            self.group = 1;
        }
        self.digits += 1;
        self.longest_group = self.longest_group.max(self.group);
        self.number_end = i + 1;
    }

    /// The number in progress ends (where its last digit is followed by
    /// something other than a digit, or a lone space or hyphen and a digit).
    fn end_number(&mut self, bytes: &[u8], s: &mut ByteStats) {
        if self.digits > 0 && self.free_start && number_may_end_at(bytes, self.number_end) {
            s.record_number(self.longest_group, self.digits);
        }
        (self.digits, self.group, self.longest_group) = (0, 0, 0);
    }
}

/// The counts of [`ByteStats`]. Characters, letters and capitals are
/// counted by loops without branches (which the compiler vectorizes); marks
/// and digits, a few in most texts, are found by [`any_position`], and
/// only they are read one by one.
fn byte_stats(bytes: &[u8]) -> ByteStats {
    let count = |class: fn(u8) -> bool| bytes.iter().map(|&b| u32::from(class(b))).sum::<u32>();
    let mut s = ByteStats {
        // Characters, not bytes: UTF-8 continuation bytes are 10xxxxxx.
        chars: count(|b| b & 0xC0 != 0x80),
        letters: count(|b| b.is_ascii_alphabetic()),
        upper: count(|b| b.is_ascii_uppercase()),
        ..ByteStats::default()
    };
    let mut runs = Runs::default();
    let marked = |b: u8| b.is_ascii_digit() | (b == b'!') | (b == b'?');
    any_position(bytes, marked, |i| {
        if bytes[i].is_ascii_digit() {
            runs.digit(bytes, i, &mut s);
        } else {
            runs.mark(i, &mut s);
        }
        false // read them all
    });
    runs.end_number(bytes, &mut s);
    s
}

/// The rules found by the byte scan.
fn scan_rules(bytes: &[u8]) -> RuleSet {
    let s = byte_stats(bytes);
    let mut fired = RuleSet::default();
    if s.longest_number_run >= 5 || s.most_grouped_digits >= 10 {
        fired.insert(RuleId::PhoneNumber);
    }
    if s.longest_mark_run >= 3 || (s.letters >= 12 && s.upper * 10 > s.letters * 6) {
        fired.insert(RuleId::Shouting);
    }
    if s.chars < CONCISE_BELOW_CHARS {
        fired.insert(RuleId::Concise);
    } else if s.chars > LONG_ABOVE_CHARS {
        fired.insert(RuleId::Long);
    }
    fired
}

/// `haystack` contains `needle`, ASCII letters compared case-insensitively.
fn contains_ignore_case(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.trim().as_bytes();
    let Some((first, rest)) = needle.split_first() else {
        return false;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    // Where the first byte may match (`| 0x20` folds ASCII capitals onto
    // small letters, and a few other bytes onto each other, which the
    // comparison then rules out), the whole needle compared.
    let folded = first | 0x20;
    any_position(
        &haystack[..=last_start],
        |b| b | 0x20 == folded,
        |i| {
            haystack[i].eq_ignore_ascii_case(first)
                && haystack[i + 1..i + needle.len()].eq_ignore_ascii_case(rest)
        },
    )
}

const GREETINGS: &[&str] = &[
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
    "hello",
    "hiya",
    "hey",
    "dear",
    "hi",
];

/// The greeting word the text opens with and what follows it.
fn opening_greeting(bytes: &[u8]) -> Option<&[u8]> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &bytes[start..];
    GREETINGS.iter().find_map(|g| {
        let g = g.as_bytes();
        let rest = text.get(g.len()..)?;
        let whole_word = rest.first().is_none_or(|b| !is_word_byte(*b));
        (text[..g.len()].eq_ignore_ascii_case(g) && whole_word).then_some(rest)
    })
}

/// The rules that need the hints, and the greeting check.
pub fn hint_rules(bytes: &[u8], hints: &Hints) -> RuleSet {
    let mut fired = RuleSet::default();
    let name_known = hints.recipient_name.is_some_and(|n| !n.trim().is_empty());
    let greets_by_name = hints
        .recipient_name
        .is_some_and(|n| contains_ignore_case(bytes, n));
    if greets_by_name {
        fired.insert(RuleId::GreetsByName);
    }
    if let Some(rest) = opening_greeting(bytes) {
        let next = rest.iter().copied().find(|b| *b != b' ');
        let bare = next.is_none_or(|b| matches!(b, b',' | b'!' | b'.' | b':' | b'\n' | b'\r'));
        if (name_known && !greets_by_name) || (!name_known && bare) {
            fired.insert(RuleId::GreetingWithoutName);
        }
    }
    if hints
        .recipient_industry
        .is_some_and(|i| contains_ignore_case(bytes, i))
    {
        fired.insert(RuleId::MentionsIndustry);
    }
    if hints
        .shared_event
        .is_some_and(|e| contains_ignore_case(bytes, e))
    {
        fired.insert(RuleId::SharedEvent);
    }
    fired
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fires(text: &str) -> RuleSet {
        Matcher::new().text_rules(text, &Hints::default())
    }

    proptest::proptest! {
        /// The first-byte scan finds a needle, in any case, exactly where
        /// lower-casing both and comparing every window does.
        #[test]
        fn contains_ignore_case_matches_a_plain_search(
            haystack in "[a-cA-C @`\\[{ ]{0,80}",
            needle in "[a-cA-C@`\\[{]{0,4}",
        ) {
            let (h, n) = (haystack.to_ascii_lowercase(), needle.to_ascii_lowercase());
            let plain = !n.is_empty() && h.as_bytes().windows(n.len()).any(|w| w == n.as_bytes());
            proptest::prop_assert_eq!(contains_ignore_case(haystack.as_bytes(), &needle), plain);
        }
    }

    /// The byte scan as first written, one byte at a time: the reference
    /// the mask scan is checked against.
    fn byte_stats_byte_by_byte(bytes: &[u8]) -> ByteStats {
        let mut s = ByteStats::default();
        let mut marks = 0u32;
        let (mut digits, mut group, mut longest_group) = (0u32, 0u32, 0u32);
        let mut free_start = false;
        for (i, &b) in bytes.iter().enumerate() {
            s.chars += u32::from(b & 0xC0 != 0x80);
            if b == b'!' || b == b'?' {
                marks += 1;
                s.longest_mark_run = s.longest_mark_run.max(marks);
            } else {
                marks = 0;
            }
            if b.is_ascii_alphabetic() {
                s.letters += 1;
                s.upper += u32::from(b.is_ascii_uppercase());
            }
            if b.is_ascii_digit() {
                if digits == 0 {
                    free_start = i == 0 || number_may_start_after(bytes[i - 1]);
                }
                digits += 1;
                group += 1;
                longest_group = longest_group.max(group);
            } else if digits > 0 {
                let joins = (b == b' ' || b == b'-')
                    && group > 0
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if joins {
                    group = 0;
                } else {
                    if free_start && number_may_end_at(bytes, i) {
                        s.record_number(longest_group, digits);
                    }
                    (digits, group, longest_group) = (0, 0, 0);
                }
            }
        }
        if digits > 0 && free_start {
            s.record_number(longest_group, digits);
        }
        s
    }

    /// A case proptest once found (marks, digits and two-byte characters
    /// across block boundaries), kept as a plain test.
    #[test]
    fn the_mask_scan_agrees_on_a_case_once_found() {
        let text = "= A-éA0 éaAa= Aa é0aéAé?-aééé=Aéé_0é-aééééééaéé éé_éééééééa=_?-éé0éAéaé=aéééaééééAééé0A";
        let key = |s: ByteStats| {
            (
                s.chars,
                s.letters,
                s.upper,
                s.longest_mark_run,
                s.longest_number_run,
                s.most_grouped_digits,
            )
        };
        assert_eq!(
            key(byte_stats(text.as_bytes())),
            key(byte_stats_byte_by_byte(text.as_bytes()))
        );
    }

    proptest::proptest! {
        /// The mask scan counts what reading every byte counts.
        #[test]
        fn the_mask_scan_counts_what_a_byte_by_byte_scan_counts(
            text in "([a-zA-Z0-9 !?./=_,-]|é){0,120}",
        ) {
            let key = |s: ByteStats| {
                (s.chars, s.letters, s.upper, s.longest_mark_run, s.longest_number_run, s.most_grouped_digits)
            };
            let bytes = text.as_bytes();
            proptest::prop_assert_eq!(key(byte_stats(bytes)), key(byte_stats_byte_by_byte(bytes)));
        }
    }

    #[test]
    fn phrases_respect_word_boundaries_and_prefixes() {
        assert!(fires("You WON a prize").contains(RuleId::Prize));
        assert!(!fires("the window is open").contains(RuleId::Prize));
        assert!(fires("Please unsubscribe me").contains(RuleId::FinePrint));
        assert!(fires("FreeMsg: hi").contains(RuleId::Free));
    }

    #[test]
    fn digit_runs_and_grouped_numbers_are_phone_numbers() {
        assert!(fires("call 09061701461").contains(RuleId::PhoneNumber));
        assert!(fires("ring 0800 169 6031 today").contains(RuleId::PhoneNumber));
        assert!(fires("Text WIN to 87121.").contains(RuleId::PhoneNumber));
        assert!(!fires("see you at 10:30 on 21/05/2005").contains(RuleId::PhoneNumber));
        assert!(!fires("see http://x.org/archive/2002/123456.html").contains(RuleId::PhoneNumber));
        assert!(!fires("ticket ABC123456 and ref=998877").contains(RuleId::PhoneNumber));
    }

    #[test]
    fn length_is_counted_in_characters() {
        let short = "é".repeat(399);
        assert!(fires(&short).contains(RuleId::Concise));
        let long = "é".repeat(1201);
        assert!(fires(&long).contains(RuleId::Long));
        let middle = "é".repeat(800);
        assert!(
            !fires(&middle).contains(RuleId::Concise) && !fires(&middle).contains(RuleId::Long)
        );
    }

    #[test]
    fn bare_greetings_and_greetings_without_the_known_name() {
        assert!(fires("Hi, quick question").contains(RuleId::GreetingWithoutName));
        assert!(!fires("Hi Ana, quick question").contains(RuleId::GreetingWithoutName));
        assert!(!fires("Highly relevant role").contains(RuleId::GreetingWithoutName));
        let m = Matcher::new();
        let hints = Hints {
            recipient_name: Some("Ana"),
            ..Hints::default()
        };
        assert!(m
            .text_rules("Hello Bob, about the role", &hints)
            .contains(RuleId::GreetingWithoutName));
        let named = m.text_rules("Hello ana, about the role", &hints);
        assert!(named.contains(RuleId::GreetsByName));
        assert!(!named.contains(RuleId::GreetingWithoutName));
    }
}
