//! msgpolicy: a rule-engine policy simulator and spam analyzer for message
//! requests on professional networks.
//!
//! The layers, top to bottom (nothing below knows what is above):
//! `cli` -> `report` -> `sim` -> `behavior` -> `population`;
//! `sim`, `replay` -> `engine`, `analyzer` -> `scenario`, `message`, `violation`.

#![deny(unsafe_code)]

pub mod analyzer;
pub mod behavior;
pub mod cli;
pub mod csvin;
pub mod engine;
pub mod error;
pub mod message;
pub mod output;
pub mod population;
pub mod prefetch;
pub mod replay;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
mod tabs;
pub mod violation;
