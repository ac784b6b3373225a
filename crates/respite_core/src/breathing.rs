//! Breathing heard through a microphone: when the patient breathes in and out, and how fast.
//!
//! A headset's or a lapel microphone hears breath as a soft rush of noise, louder on the
//! way out (the air hits the microphone) than on the way in. The detector works on 20 ms
//! frames of the breath band (a 300–3 000 Hz band-pass):
//!
//! - each frame's level (dB), smoothed over 100 ms;
//! - adaptive thresholds: a noise floor that follows the quietest frames (down at once,
//!   up at 1.5 dB a second) and a breath level that follows the loudest (up at once, down
//!   at 0.5 dB a second); a breath sound starts above 40 % of the way from floor to
//!   breath level and ends below 25 %, so the thresholds follow a quiet or a loud room
//!   and a near or a far microphone;
//! - **speech is set aside**: a frame whose signal repeats at a voice's pitch (the
//!   normalised autocorrelation over the last 40 ms at 2.5–12.5 ms lags, 80–400 Hz,
//!   above 0.5, in it and the frame before) is voiced, not breath: breath noise does not repeat like that for
//!   40 ms. A sound voiced for a tenth of its frames or more is speech; so is one shorter
//!   than 0.35 s (a consonant). Whispering, humming through the
//!   nose and a cough can still pass for breaths, and a breath under speech is lost;
//! - **in or out**: when the breath sounds of the last minute fall into a louder and a
//!   quieter group (at least 4 dB apart, each a third of them or more) the louder are
//!   exhales and the quieter inhales; otherwise every sound is taken for an exhale (a
//!   microphone that only hears the breath out), and the quiet between for the inhale;
//! - **the rate**: from the times between the starts of the last minute's exhales; a
//!   time under 0.3 of their median is one breath heard twice (a sniff), and a time that
//!   holds two or more of the shorter ones (the lower quartile of the rest) counts as that
//!   many breaths, so breaths lost under speech do not slow the rate.

use std::collections::VecDeque;

/// Frame length, seconds.
pub const FRAME_S: f64 = 0.02;
/// The shortest sound taken for a breath, seconds.
pub const MIN_BREATH_S: f64 = 0.35;
/// How far back the rate and the in/out grouping look, seconds.
pub const WINDOW_S: f64 = 60.0;
/// The voicing (normalised autocorrelation at a voice's pitch) above which a frame is speech.
pub const VOICED: f32 = 0.5;
/// A frame quieter than this (dB of full scale) is digital silence, not a room.
const SILENT_DB: f32 = -90.0;
/// The fewest dB between the noise floor and the breath level for anything to count.
const MIN_RANGE_DB: f32 = 6.0;

/// Which way the breath goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Inhale,
    Exhale,
}

impl Phase {
    pub fn code(self) -> &'static str {
        match self {
            Phase::Inhale => "inhale",
            Phase::Exhale => "exhale",
        }
    }
}

/// One breath sound heard: when it began and ended (seconds of input), its mean level
/// above the noise floor, and which way the detector takes it to go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breath {
    pub start_s: f64,
    pub end_s: f64,
    pub level_db: f32,
    pub phase: Phase,
}

/// A second-order band-pass section (RBJ biquad), direct form I.
#[derive(Debug, Clone)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
}

impl Biquad {
    fn band_pass(rate: f32, centre_hz: f32, q: f32) -> Biquad {
        let w = std::f32::consts::TAU * centre_hz / rate;
        let alpha = w.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        Biquad {
            b: [alpha / a0, 0.0, -alpha / a0],
            a: [-2.0 * w.cos() / a0, (1.0 - alpha) / a0],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    fn process(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// The sound now being heard.
#[derive(Debug, Clone)]
struct Sounding {
    start_s: f64,
    frames: u32,
    level_sum: f32,
    voiced: u32,
}

impl Sounding {
    /// Speech: voiced for a tenth of the sound or more.
    fn speech(&self) -> bool {
        self.voiced * 10 >= self.frames.max(1)
    }
}

/// The detector: feed it samples as they come; it answers with the breaths it has heard.
#[derive(Debug, Clone)]
pub struct Detector {
    rate: f32,
    frame_len: usize,
    /// The breath band: two band-pass sections (about 300–3 000 Hz together).
    band: [Biquad; 2],
    /// This frame's raw samples (for voicing) and band samples (for level).
    raw: Vec<f32>,
    banded: Vec<f32>,
    frames: u64,
    /// Samples heard (or skipped as lost), for the clock.
    samples: u64,
    /// The frame before this one (raw), so voicing sees 40 ms: a 12.5 ms lag fits twice.
    previous: Vec<f32>,
    /// The last 5 frame levels, for the 100 ms smoothing.
    recent: VecDeque<f32>,
    floor_db: f32,
    peak_db: f32,
    sounding: Option<Sounding>,
    /// Breaths of the last `WINDOW_S`, oldest first.
    heard: VecDeque<Breath>,
    /// The smoothed level, 0 (floor) to 1 (breath level), of the last frame.
    level: f32,
    /// Frames taken for speech so far.
    voiced_frames: u64,
    /// Whether the last frame repeated at a voice's pitch.
    was_periodic: bool,
}

impl Detector {
    /// A detector for input at `rate` samples a second (8 000 or more).
    pub fn new(rate: u32) -> Detector {
        let rate = rate.max(8_000) as f32;
        Detector {
            rate,
            frame_len: (rate as f64 * FRAME_S).round() as usize,
            band: [
                Biquad::band_pass(rate, 600.0, 0.7),
                Biquad::band_pass(rate, 1_500.0, 0.7),
            ],
            raw: Vec::new(),
            banded: Vec::new(),
            frames: 0,
            samples: 0,
            previous: Vec::new(),
            recent: VecDeque::new(),
            floor_db: f32::NAN,
            peak_db: f32::NAN,
            sounding: None,
            heard: VecDeque::new(),
            level: 0.0,
            voiced_frames: 0,
            was_periodic: false,
        }
    }

    /// Seconds of input heard so far.
    pub fn now_s(&self) -> f64 {
        self.samples as f64 / f64::from(self.rate as u32)
    }

    /// Input lost (a queue that overflowed): the clock moves on by `n` samples, heard as
    /// nothing; the frame under way starts again.
    pub fn skip(&mut self, n: u64) {
        self.samples += n;
        self.raw.clear();
        self.banded.clear();
        self.previous.clear();
    }

    /// The breath sound's level now, 0 (quiet) to 1 (a full breath).
    pub fn level(&self) -> f32 {
        self.level
    }

    /// Frames taken for speech so far.
    pub fn voiced_frames(&self) -> u64 {
        self.voiced_frames
    }

    /// Whether a breath sound is being heard now, and which way it is taken to go.
    pub fn sounding(&self) -> Option<Phase> {
        let s = self.sounding.as_ref()?;
        let secs = s.frames as f64 * FRAME_S;
        (secs >= MIN_BREATH_S && !s.speech())
            .then(|| self.phase_of(s.level_sum / s.frames.max(1) as f32))
    }

    /// Feeds samples (mono, any level; non-finite ones count as silence); returns the
    /// breaths whose sound ended within them.
    pub fn push(&mut self, samples: &[f32]) -> Vec<Breath> {
        let mut ended = Vec::new();
        for &x in samples {
            let x = if x.is_finite() {
                x.clamp(-4.0, 4.0)
            } else {
                0.0
            };
            let first = self.band[0].process(x);
            let b = self.band[1].process(first);
            self.raw.push(x);
            self.banded.push(b);
            self.samples += 1;
            if self.raw.len() >= self.frame_len {
                if let Some(breath) = self.frame() {
                    ended.push(breath);
                }
                std::mem::swap(&mut self.previous, &mut self.raw);
                self.raw.clear();
                self.banded.clear();
            }
        }
        ended
    }

    /// The breaths of the last minute, oldest first.
    pub fn recent(&self) -> impl Iterator<Item = &Breath> {
        self.heard.iter()
    }

    /// Breaths a minute from the last minute's exhales (a gap spanning breaths lost under
    /// speech counts as as many breaths as it holds). None until three have been heard.
    pub fn rate_per_min(&self) -> Option<f32> {
        let starts: Vec<f64> = self
            .heard
            .iter()
            .filter(|b| b.phase == Phase::Exhale)
            .map(|b| b.start_s)
            .collect();
        if starts.len() < 3 {
            return None;
        }
        let gaps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        let mut sorted = gaps.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        // A gap under 0.3 of the median is a breath heard twice (a sniff, a split exhale):
        // it adds no breath. A gap with breaths lost in it (under speech) spans two or
        // more: each counts as the whole number of the shorter gaps (the lower quartile
        // of the rest) it holds.
        let rest: Vec<f64> = sorted
            .iter()
            .copied()
            .filter(|g| *g >= median * 0.3)
            .collect();
        let short = rest[rest.len() / 4];
        if short <= 0.0 {
            return None;
        }
        let breaths: f64 = gaps
            .iter()
            .map(|g| {
                if *g < median * 0.3 {
                    0.0
                } else {
                    (g / short).round().max(1.0)
                }
            })
            .sum();
        let period = gaps.iter().sum::<f64>() / breaths.max(1.0);
        Some((60.0 / period) as f32)
    }

    fn frame(&mut self) -> Option<Breath> {
        self.frames += 1;
        let t = self.now_s();
        let n = self.banded.len().max(1) as f32;
        let power = self.banded.iter().map(|s| s * s).sum::<f32>() / n;
        let db = 10.0 * power.max(1e-12).log10();
        // Voiced: this frame and the one before repeat at a voice's pitch (band-limited
        // noise now and then looks periodic for a single frame; a voice holds it).
        let window: Vec<f32> = self.previous.iter().chain(&self.raw).copied().collect();
        let periodic = voicing(&window, self.rate) > VOICED;
        let voiced = periodic && self.was_periodic;
        self.was_periodic = periodic;
        if voiced {
            self.voiced_frames += 1;
        }
        self.recent.push_back(db);
        if self.recent.len() > 5 {
            self.recent.pop_front();
        }
        let smooth = self.recent.iter().sum::<f32>() / self.recent.len() as f32;
        let dt = FRAME_S as f32;
        // A frame of digital silence (a stream starting, a dropout) says nothing of the
        // room: the thresholds stay as they were, and the sound under way goes on.
        if db < SILENT_DB {
            self.recent.pop_back();
            return None;
        }
        // The floor: down at once, up slowly; the breath level: up at once, down slowly.
        self.floor_db = if self.floor_db.is_nan() {
            smooth
        } else {
            smooth.min(self.floor_db + 1.5 * dt)
        };
        if !voiced {
            self.peak_db = if self.peak_db.is_nan() {
                smooth
            } else {
                smooth.max(self.peak_db - 0.5 * dt)
            };
        }
        let range = self.peak_db - self.floor_db;
        self.level = if range >= MIN_RANGE_DB {
            ((smooth - self.floor_db) / range).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let above = smooth - self.floor_db;
        let done = match &mut self.sounding {
            None => {
                if range >= MIN_RANGE_DB && self.level > 0.40 {
                    self.sounding = Some(Sounding {
                        start_s: t - self.frame_len as f64 / f64::from(self.rate as u32),
                        frames: 1,
                        level_sum: above,
                        voiced: u32::from(voiced),
                    });
                }
                None
            }
            Some(s) => {
                if self.level < 0.25 {
                    self.sounding.take()
                } else {
                    s.frames += 1;
                    s.level_sum += above;
                    s.voiced += u32::from(voiced);
                    None
                }
            }
        };
        while self.heard.front().is_some_and(|b| b.start_s < t - WINDOW_S) {
            self.heard.pop_front();
        }
        let s = done?;
        let secs = s.frames as f64 * FRAME_S;
        // A consonant, or speech: not a breath.
        if secs < MIN_BREATH_S || s.speech() {
            return None;
        }
        let level_db = s.level_sum / s.frames as f32;
        let breath = Breath {
            start_s: s.start_s,
            end_s: t,
            level_db,
            phase: Phase::Exhale,
        };
        self.heard.push_back(breath);
        self.regroup();
        self.heard.back().copied()
    }

    /// Sorts the last minute's sounds into exhales and inhales by their levels.
    fn regroup(&mut self) {
        let levels: Vec<f32> = self.heard.iter().map(|b| b.level_db).collect();
        let split = two_groups(&levels);
        for b in &mut self.heard {
            b.phase = match split {
                Some(cut) if b.level_db < cut => Phase::Inhale,
                _ => Phase::Exhale,
            };
        }
    }

    fn phase_of(&self, level_db: f32) -> Phase {
        let levels: Vec<f32> = self.heard.iter().map(|b| b.level_db).collect();
        match two_groups(&levels) {
            Some(cut) if level_db < cut => Phase::Inhale,
            _ => Phase::Exhale,
        }
    }
}

/// Where levels split into a louder and a quieter group (two-means on dB): the level
/// between them, if they are at least 4 dB apart and each holds a third or more.
fn two_groups(levels: &[f32]) -> Option<f32> {
    if levels.len() < 4 {
        return None;
    }
    let mut sorted = levels.to_vec();
    sorted.sort_by(f32::total_cmp);
    let (mut lo, mut hi) = (sorted[0], sorted[sorted.len() - 1]);
    for _ in 0..20 {
        let cut = (lo + hi) / 2.0;
        let (a, b): (Vec<f32>, Vec<f32>) = sorted.iter().partition(|&&l| l < cut);
        if a.is_empty() || b.is_empty() {
            return None;
        }
        lo = a.iter().sum::<f32>() / a.len() as f32;
        hi = b.iter().sum::<f32>() / b.len() as f32;
    }
    let cut = (lo + hi) / 2.0;
    let quieter = sorted.iter().filter(|&&l| l < cut).count();
    let third = sorted.len().div_ceil(3);
    (hi - lo >= 4.0 && quieter >= third && sorted.len() - quieter >= third).then_some(cut)
}

/// How strongly a frame repeats at a voice's pitch: the largest normalised autocorrelation
/// over lags of 2.5–12.5 ms (80–400 Hz). Noise stays near 0; a voiced vowel near 1.
pub fn voicing(frame: &[f32], rate: f32) -> f32 {
    // Above 16 kHz every k-th sample is enough for a voice's pitch, at a k-th of the cost.
    let k = ((rate / 16_000.0) as usize).max(1);
    if k > 1 {
        let thin: Vec<f32> = frame.iter().step_by(k).copied().collect();
        return voicing(&thin, rate / k as f32);
    }
    let lo = (rate * 0.0025) as usize;
    let hi = ((rate * 0.0125) as usize).min(frame.len() / 2);
    if lo >= hi {
        return 0.0;
    }
    let mean = frame.iter().sum::<f32>() / frame.len().max(1) as f32;
    let x: Vec<f32> = frame.iter().map(|s| s - mean).collect();
    let mut best = 0.0f32;
    for lag in lo..=hi {
        let (a, b) = (&x[..x.len() - lag], &x[lag..]);
        let ab: f32 = a.iter().zip(b).map(|(p, q)| p * q).sum();
        let aa: f32 = a.iter().map(|p| p * p).sum();
        let bb: f32 = b.iter().map(|q| q * q).sum();
        if aa > 0.0 && bb > 0.0 {
            best = best.max(ab / (aa * bb).sqrt());
        }
    }
    best
}

/// Synthetic breathing for tests and demonstrations: `rate` breaths a minute for
/// `seconds`, each an inhale (40 % of the breath, 8 dB under the exhale) and an exhale
/// (50 %), shaped noise in the breath band over a faint room; with `speech`, a voice-like
/// sound (a 110–220 Hz voice with vowel-like colour, four syllables a second) for 3 s
/// of every 15, 6 dB over the exhales.
pub fn synthetic(
    rate_per_min: f32,
    seconds: f32,
    sample_rate: u32,
    speech: bool,
    seed: u64,
) -> Vec<f32> {
    let sr = sample_rate as f32;
    let period = 60.0 / rate_per_min;
    let n = (seconds * sr) as usize;
    let mut rng = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut noise = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((rng >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
    };
    let mut colour = [
        Biquad::band_pass(sr, 700.0, 0.8),
        Biquad::band_pass(sr, 1_400.0, 0.8),
    ];
    let exhale = 0.3f32;
    let inhale = exhale * 10f32.powf(-8.0 / 20.0);
    let room = 0.002f32;
    let mut out = Vec::with_capacity(n);
    let mut voice_phase = 0.0f32;
    for i in 0..n {
        let t = i as f32 / sr;
        let phase = (t / period).rem_euclid(1.0);
        // A rise and fall over each part of the breath (a sine-squared hump).
        let hump = |from: f32, len: f32| {
            let u = (phase - from) / len;
            if (0.0..1.0).contains(&u) {
                (std::f32::consts::PI * u).sin().powi(2)
            } else {
                0.0
            }
        };
        let breath = inhale * hump(0.0, 0.4) + exhale * hump(0.42, 0.5);
        let first = colour[0].process(noise());
        let rush = colour[1].process(first);
        let mut s = rush * breath * 3.0 + room * noise();
        if speech && (t % 15.0) >= 6.0 && (t % 15.0) < 9.0 {
            let f0 = 165.0 + 55.0 * (std::f32::consts::TAU * 0.7 * t).sin();
            voice_phase += std::f32::consts::TAU * f0 / sr;
            let syllable = (std::f32::consts::PI * 4.0 * t).sin().abs();
            // Harmonics weighted like an open vowel: strong around 700 Hz and 1 200 Hz.
            let voice: f32 = (1..=20)
                .map(|h| {
                    let f = f0 * h as f32;
                    let formant = (-((f - 700.0) / 300.0).powi(2)).exp()
                        + 0.6 * (-((f - 1_200.0) / 300.0).powi(2)).exp()
                        + 0.3 / h as f32;
                    formant * (voice_phase * h as f32).sin()
                })
                .sum();
            s += voice * syllable * exhale * 2.0 * 0.25;
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 16_000;

    fn detect(samples: &[f32]) -> (Detector, Vec<Breath>) {
        let mut d = Detector::new(SR);
        let mut all = Vec::new();
        // As a sound card gives them: 10 ms blocks.
        for block in samples.chunks(160) {
            all.extend(d.push(block));
        }
        (d, all)
    }

    /// The rate at 6 and 12 breaths a minute, with and without a voice talking over a
    /// fifth of the time: within a breath a minute.
    #[test]
    fn the_breath_rate_is_heard_within_one_a_minute_with_and_without_speech() {
        for rate in [6.0f32, 12.0] {
            for speech in [false, true] {
                let samples = synthetic(rate, 120.0, SR, speech, 7);
                let (d, all) = detect(&samples);
                let heard = d.rate_per_min().expect("a rate");
                eprintln!("{rate}/min, speech {speech}: heard {heard:.2}/min");
                assert!(
                    (heard - rate).abs() <= 1.0,
                    "{rate}/min, speech {speech}: heard {heard:.2}/min from {} breaths",
                    all.len()
                );
                // In and out told apart: the exhales are the louder sounds.
                let exhales = d.recent().filter(|b| b.phase == Phase::Exhale).count();
                let inhales = d.recent().filter(|b| b.phase == Phase::Inhale).count();
                assert!(
                    inhales >= exhales * 2 / 3 && inhales <= exhales + 1,
                    "{rate}/min, speech {speech}: {exhales} exhales, {inhales} inhales"
                );
                if speech {
                    assert!(d.voiced_frames() > 0, "the voice was heard as speech");
                }
            }
        }
    }

    /// Where each exhale begins: within half a second of where the synthetic one does.
    #[test]
    fn each_exhale_is_placed_where_it_began() {
        let rate = 6.0;
        let samples = synthetic(rate, 60.0, SR, false, 3);
        let (_, all) = detect(&samples);
        // In and out are told apart from the fourth sound on, as they are heard: the
        // exhales after the first 20 s.
        let exhales: Vec<&Breath> = all
            .iter()
            .filter(|b| b.phase == Phase::Exhale && b.start_s > 20.0)
            .collect();
        assert!(exhales.len() >= 3, "{all:?}");
        for b in &exhales {
            // Exhales begin at 42 % of each 10 s breath; the sound is heard from about a
            // fifth of the way into its rise.
            let into = (b.start_s % 10.0) - 4.2;
            assert!((0.0..=1.5).contains(&into), "exhale at {:.2} s", b.start_s);
        }
    }

    /// A breath heard twice (a sniff just after an exhale began) does not double the rate.
    #[test]
    fn a_breath_heard_twice_does_not_double_the_rate() {
        let mut d = Detector::new(SR);
        for (k, start) in [0.0, 10.0, 10.8, 20.0, 30.0, 40.0].iter().enumerate() {
            d.heard.push_back(Breath {
                start_s: *start,
                end_s: start + 0.5,
                level_db: 30.0 + k as f32 * 0.1,
                phase: Phase::Exhale,
            });
        }
        let rate = d.rate_per_min().unwrap();
        assert!((rate - 6.0).abs() < 0.01, "{rate}");
    }

    /// Speech alone is no breathing; nor is silence, nor a steady hum.
    #[test]
    fn speech_silence_and_a_hum_are_not_breaths() {
        let sr = SR as f32;
        let voice: Vec<f32> = synthetic(6.0, 60.0, SR, true, 1)
            .iter()
            .zip(synthetic(6.0, 60.0, SR, false, 1))
            .map(|(with, without)| with - without)
            .collect();
        let (d, all) = detect(&voice);
        assert!(all.is_empty(), "speech heard as {} breaths", all.len());
        assert_eq!(d.rate_per_min(), None);
        let (d, all) = detect(&vec![0.0; SR as usize * 30]);
        assert!(all.is_empty() && d.rate_per_min().is_none());
        let hum: Vec<f32> = (0..SR as usize * 30)
            .map(|i| 0.2 * (std::f32::consts::TAU * 120.0 * i as f32 / sr).sin())
            .collect();
        let (_, all) = detect(&hum);
        assert!(all.is_empty(), "a hum heard as {} breaths", all.len());
        // NaN and infinities in the input count as silence, never a panic.
        let mut bad = synthetic(6.0, 30.0, SR, false, 2);
        bad[1000] = f32::NAN;
        bad[2000] = f32::INFINITY;
        let (d, _) = detect(&bad);
        assert!(d.level().is_finite());
    }
}
