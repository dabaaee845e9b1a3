//! Etiquette violations: the names the engine reports in the `violations` column.
//!
//! Two come from the engine's own memory of a sender/recipient pair
//! (`excess_follow_up`, `message_after_ignore`), the rest from the analyzer's
//! reading of the text and the sender's day (`promotional`, `abusive`, `bulk`).
//! A set of them is a bit set so that a decision stays a small `Copy` value.

/// One etiquette violation. The discriminant is the bit position and the
/// order in which violations are listed in outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Violation {
    /// More unanswered messages to a non-connection than `follow_up_limit` allows.
    ExcessFollowUp = 0,
    /// A message to someone who ignored or deleted the sender's request.
    MessageAfterIgnore = 1,
    /// Unsolicited promotion: offers, prices, calls to buy.
    Promotional = 2,
    /// Abusive or harassing language.
    Abusive = 3,
    /// The same text sent to more than `bulk_threshold` recipients in a day.
    Bulk = 4,
}

impl Violation {
    /// Every violation, in output order.
    pub const ALL: [Violation; 5] = [
        Violation::ExcessFollowUp,
        Violation::MessageAfterIgnore,
        Violation::Promotional,
        Violation::Abusive,
        Violation::Bulk,
    ];

    /// The stable snake_case name used in CSV outputs.
    pub const fn name(self) -> &'static str {
        match self {
            Violation::ExcessFollowUp => "excess_follow_up",
            Violation::MessageAfterIgnore => "message_after_ignore",
            Violation::Promotional => "promotional",
            Violation::Abusive => "abusive",
            Violation::Bulk => "bulk",
        }
    }
}

/// A set of violations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Violations(u8);

impl Violations {
    pub const NONE: Violations = Violations(0);

    pub fn insert(&mut self, v: Violation) {
        self.0 |= 1 << v as u8;
    }

    pub fn with(mut self, v: Violation) -> Self {
        self.insert(v);
        self
    }

    pub fn contains(self, v: Violation) -> bool {
        self.0 & (1 << v as u8) != 0
    }

    pub fn union(self, other: Violations) -> Violations {
        Violations(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = Violation> {
        Violation::ALL
            .into_iter()
            .filter(move |v| self.contains(*v))
    }

    /// `;`-separated names in output order; empty when there are none.
    pub fn to_names(self) -> String {
        let mut out = String::new();
        for v in self.iter() {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(v.name());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_listed_in_output_order() {
        let set = Violations::NONE
            .with(Violation::Bulk)
            .with(Violation::ExcessFollowUp);
        assert_eq!(set.to_names(), "excess_follow_up;bulk");
        assert_eq!(set.len(), 2);
        assert!(Violations::NONE.to_names().is_empty());
    }
}
