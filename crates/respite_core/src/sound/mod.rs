//! Procedural soundscapes: seeded sound makers, one mixer that places them around the
//! listener and sets levels in dB, fades and a limiter, and a WAV writer. The same mixer
//! plays live (wrapped as a rodio source by the app) and renders offline, so what the
//! tests measure is what a patient hears.

pub mod dsp;
pub mod level;
pub mod mixer;
pub mod voices;
pub mod wav;

pub use level::{ResolvedLevel, Room};
pub use mixer::{Mixer, Pose};

/// Samples per second, per channel.
pub const SAMPLE_RATE: u32 = 48_000;

/// Amplitude ↔ decibels (dBFS when the amplitude is relative to full scale).
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

pub fn gain_to_db(gain: f32) -> f32 {
    20.0 * gain.max(1e-12).log10()
}

/// RMS level of interleaved samples, in dBFS.
pub fn rms_dbfs(samples: &[f32]) -> f32 {
    let power =
        samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len().max(1) as f64;
    gain_to_db(power.sqrt() as f32)
}
