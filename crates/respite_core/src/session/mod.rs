//! A supervised session as plain values: its plan (minutes in the place, when ratings and
//! sickness checks are asked, the longest it may run), the immersion levels, the rating
//! scales and how they are answered, and the breathing pacer's rhythm.

pub mod attention;
pub mod event;
pub mod gaze;
pub mod immersion;
pub mod rating;
pub mod script;

pub use gaze::Dwell;
pub use immersion::{AudioStage, ImmersionLevel, ImmersionLevels, Stereo};
pub use rating::{KeyEntry, Rating, Scale, Timepoint, Via, Who};

/// Why the place is paused. It runs only when no reason holds; each reason's start and end
/// goes on record under its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PauseReason {
    /// The therapist paused it.
    Therapist,
    /// A sickness answer at or over the limit: paused until the therapist decides.
    SicknessCheck,
    /// The headset stopped showing the scene (taken off, the runtime's session stopped).
    Headset,
    /// The headset's runtime is gone; paused until the therapist goes on on the screen.
    RuntimeLost,
    /// The place is changing: the neutral shows while the next one is built.
    Switching,
}

impl PauseReason {
    /// As the console says it.
    pub fn words(self) -> &'static str {
        match self {
            PauseReason::Therapist => "by the therapist",
            PauseReason::SicknessCheck => "sickness check",
            PauseReason::Headset => "headset not showing",
            PauseReason::RuntimeLost => "headset runtime lost",
            PauseReason::Switching => "changing the place",
        }
    }
}

/// When a session asks what, and how long it may last.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPlan {
    /// Minutes in the place (scene time; it stops while paused).
    pub minutes: f32,
    /// A pain rating every this many minutes in the place (none when `None`).
    pub rate_every_min: Option<f32>,
    /// An FMS sickness check every this many minutes (none when `None`).
    pub fms_every_min: Option<f32>,
    /// An FMS answer at or above this pauses the session and asks the therapist.
    pub fms_pause_at: u8,
    /// The most the time in the place may last in real minutes, pauses included: then the
    /// closing fade begins whatever else is happening.
    pub max_minutes: f32,
}

impl Default for SessionPlan {
    fn default() -> Self {
        Self::for_minutes(10.0)
    }
}

/// The most questions of one scale a session asks while in the place.
pub const MAX_PROMPTS: u32 = 10_000;

/// The interval between ratings (or sickness checks) in a protocol, minutes: 0 for none,
/// else at least 6 seconds and at most the longest session.
pub const EVERY_MIN: std::ops::RangeInclusive<f32> = 0.1..=120.0;

/// A scheduled question during the time in the place.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub at_min: f32,
    pub timepoint: Timepoint,
    pub scale: Scale,
}

impl SessionPlan {
    /// The sensible plan for a session of `minutes`: pain every 5 minutes, no sickness
    /// checks, at most 10 minutes over.
    pub fn for_minutes(minutes: f32) -> Self {
        Self {
            minutes,
            rate_every_min: Some(5.0),
            fms_every_min: None,
            fms_pause_at: 10,
            max_minutes: minutes + 10.0,
        }
    }

    /// Every question asked during the time in the place, in order: strictly inside it (the
    /// post rating follows the closing), pain before sickness at the same minute. At most
    /// [`MAX_PROMPTS`] of each scale, so an interval of next to nothing cannot hang a
    /// session; an interval that is not a positive number asks nothing.
    pub fn prompts(&self) -> Vec<Prompt> {
        let mut out = Vec::new();
        let mut add = |every: Option<f32>, scale: Scale| {
            let Some(every) = every.filter(|e| e.is_finite() && *e > 0.0) else {
                return;
            };
            let mut k = 1;
            while k <= MAX_PROMPTS && (k as f32) * every < self.minutes - 1e-3 {
                let at_min = k as f32 * every;
                out.push(Prompt {
                    at_min,
                    timepoint: Timepoint::at_minute(at_min),
                    scale: scale.clone(),
                });
                k += 1;
            }
        };
        add(self.rate_every_min, Scale::Nrs);
        add(self.fms_every_min, Scale::Fms);
        out.sort_by(|a, b| a.at_min.total_cmp(&b.at_min));
        out
    }

    /// Whether an FMS answer should pause the session for the therapist.
    pub fn too_sick(&self, fms: u8) -> bool {
        fms >= self.fms_pause_at
    }
}

/// Breaths per minute the pacer defaults to: slow breathing at about 0.1 Hz.
pub const PACER_BREATHS_PER_MIN: f32 = 6.0;

/// The pacer's swell, 0 (breathed out) to 1 (breathed in), `t` seconds into it: in for
/// 40 % of each breath, out for 60 %, easing at both turns so it never blinks.
pub fn breath(t: f32, breaths_per_min: f32) -> f32 {
    let period = 60.0 / breaths_per_min.clamp(2.0, 20.0);
    let phase = (t / period).rem_euclid(1.0);
    if phase < 0.4 {
        crate::smoothstep(phase / 0.4)
    } else {
        1.0 - crate::smoothstep((phase - 0.4) / 0.6)
    }
}

#[cfg(test)]
mod tests;
