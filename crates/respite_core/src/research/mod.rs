//! Research: study protocols and their counterbalanced plans, the session's data files,
//! questionnaire scoring, and the report and BIDS export made from a data folder.

pub mod analysis;
pub mod bids;
pub mod blinding;
pub mod data;
pub mod design;
pub mod dictionary;
pub mod output;
pub mod plots;
pub mod protocol;
pub mod questionnaire;
pub mod read;
pub mod report;
pub mod scoring;
pub mod stats;
pub mod timecourse;

#[cfg(test)]
mod scale_tests;
#[cfg(test)]
mod tests;

pub use protocol::{Plan, Protocol};
