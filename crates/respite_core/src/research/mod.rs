//! Research: study protocols and their counterbalanced plans, the session's data files,
//! questionnaire scoring, and the report and BIDS export made from a data folder.

pub mod bids;
pub mod data;
pub mod design;
pub mod plots;
pub mod protocol;
pub mod report;
pub mod scoring;
pub mod stats;

#[cfg(test)]
mod tests;

pub use protocol::{Plan, Protocol};
