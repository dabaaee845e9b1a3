//! The policy engine: who may message whom (CONTRACT section 3).
//!
//! [`rules`] holds the named rules and their precedence as pure functions of
//! [`rules::SendFacts`]; [`state`] holds the network's memory (pending
//! requests, threads, blocks, ignores, reports, bans) and turns each action
//! into a [`Decision`]. No I/O, no randomness, no threads in here.

pub mod policy;
pub mod rules;
pub mod state;
mod table;

pub use crate::message::Score;
pub use policy::{AfterIgnore, Policy};
pub use rules::{decide_send, Notify, Outcome, Pending, Rule, SendFacts, SEND_PRECEDENCE};
pub use state::{
    Decision, Engine, MemberId, Message, PairRecords, PairUpdate, PendingRequest, WARM_AHEAD,
    WARM_TAB_AHEAD,
};
