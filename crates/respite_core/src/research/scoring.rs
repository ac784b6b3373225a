//! Scoring. Questionnaires are data (`questionnaires/*.ron`, read by `questionnaire`); raw
//! items are always kept beside the scores; [`SCORING_VERSION`] goes into every file that
//! holds a score, so a later change of rule is visible.

/// Bumped whenever a scoring rule changes.
pub const SCORING_VERSION: &str = "respite-scoring-1";

/// The pain NRS: 0 no pain – 10 worst pain imaginable. An answer outside is refused.
pub const NRS_RANGE: (f64, f64) = (0.0, 10.0);

/// The Fast Motion sickness Scale: one whole number 0 – 20.
pub const FMS_RANGE: (u8, u8) = (0, 20);

pub use super::questionnaire::{IpqScores, Item, Questionnaire, SsqScores, ipq, ssq};

/// Pain change from a baseline NRS to a later one, with IMMPACT's thresholds (Dworkin et
/// al. 2005): a fall of ≥ 30 % is moderately important, ≥ 50 % substantial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NrsChange {
    /// later − baseline (negative is relief).
    pub absolute: f64,
    /// 100 × (later − baseline) / baseline; none when the baseline is 0.
    pub percent: Option<f64>,
}

impl NrsChange {
    pub fn new(baseline: f64, later: f64) -> Self {
        Self {
            absolute: later - baseline,
            percent: (baseline > 0.0).then(|| 100.0 * (later - baseline) / baseline),
        }
    }

    /// "substantial", "moderate", "minimal" or "none" (no relief or no baseline pain).
    pub fn immpact(&self) -> &'static str {
        match self.percent {
            Some(p) if p <= -50.0 => "substantial",
            Some(p) if p <= -30.0 => "moderate",
            Some(p) if p < 0.0 => "minimal",
            _ => "none",
        }
    }
}

/// FMS answers over a session: the peak and the mean.
pub fn fms_summary(values: &[u8]) -> Option<(u8, f64)> {
    let peak = *values.iter().max()?;
    let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64;
    Some((peak, mean))
}
