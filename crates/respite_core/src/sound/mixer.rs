//! The soundscape mixer: every source normalised to a known level, placed around the
//! listener's head, scaled to the session's level, faded and limited.
//!
//! A point source reaches each ear as through a spherical head (Brown & Duda 1998, "A
//! structural model for binaural sound synthesis"; no measured data needed): later at the
//! far ear by Woodworth's interaural time difference, `a/c · (θ + sin θ)`, about 0.66 ms
//! for a source at 90° with a head of radius 8.75 cm; and duller there, by the model's
//! head-shadow filter (a one-pole, one-zero shelf: no change at low pitches, up to +6 dB
//! at the near ear and −20 dB at the far one at high pitches). A gentle broadband level
//! difference (at most 6 dB at 90°) keeps a source's side plain on small speakers too.
//!
//! Levels are measured, not guessed: each voice is measured over a stretch of its own
//! output when the mixer is built, and so is the whole mix at the seat, so a source at
//! −6 dB really sits 6 dB under the mix and the mix really plays at its dBFS.

use super::voices::Voice;
use super::{SAMPLE_RATE, db_to_gain};
use crate::scatter::rule_rng;
use crate::scene::{SoundKind, Soundscape};
use crate::{FADE_S, smoothstep};
use rand::Rng;

/// Ear spacing: a head's width (Bevy's default of 4 is for pixel-sized worlds).
pub const EAR_GAP_M: f32 = 2.0 * HEAD_RADIUS_M;
/// The spherical head's radius: an adult's average (Brown & Duda's 8.75 cm).
pub const HEAD_RADIUS_M: f32 = 0.0875;
/// The speed of sound in air at about 20 °C.
pub const SPEED_OF_SOUND_M_S: f32 = 343.0;
/// The broadband level difference between the ears for a source at 90°, dB (the head
/// shadow adds its own, rising with pitch).
pub const SIDE_LEVEL_DB: f32 = 6.0;
/// Samples of a point source's past kept for the far ear's delay (0.66 ms at most is 32).
const HISTORY: usize = 64;
/// How fast an ear's delay follows a turning head, samples a sample: a turn never clicks
/// (it bends the pitch by at most 1 %).
const DELAY_SLEW: f32 = 0.01;
/// No fade of the soundscape is shorter than this, except an emergency stop.
pub const FADE_MIN_S: f32 = 2.0;
/// An emergency stop fades the sound out this fast: quick, never a click.
pub const EMERGENCY_FADE_S: f32 = 0.8;
/// The limiter keeps every sample at or under this: −1 dBFS.
pub const CEILING: f32 = 0.891;
/// How much of each voice and of the mix is measured to set levels, seconds.
const MEASURE_S: f32 = 30.0;
/// Limiter recovery after a peak, seconds.
const RELEASE_S: f32 = 0.25;

/// Where the listener's head is and which way its right ear points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub position: [f32; 3],
    /// Unit vector out of the right ear.
    pub right: [f32; 3],
}

impl Pose {
    /// Seated at `eye_height`, facing `yaw_deg` (0 = north, −Z; 90 = east, +X).
    pub fn seated(eye_height: f32, yaw_deg: f32) -> Pose {
        let yaw = yaw_deg.to_radians();
        // Facing (sin, 0, −cos): the right ear points (cos, 0, sin).
        Pose {
            position: [0.0, eye_height, 0.0],
            right: [yaw.cos(), 0.0, yaw.sin()],
        }
    }
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn len(a: [f32; 3]) -> f32 {
    dot(a, a).sqrt()
}

#[derive(Clone, Debug)]
enum Place {
    /// All around: one voice per ear (decorrelated noise) or one voice in both.
    Bed,
    /// At a point; `reference_m` is its distance from the seat, where it plays at its level.
    At {
        position: [f32; 3],
        reference_m: f32,
    },
}

/// The way from a point source to one ear: its delay (eased towards where the head now
/// puts it) and the head's shadow on it.
#[derive(Clone, Debug, Default)]
struct EarPath {
    /// The delay the head's pose asks for, and the one now, in samples.
    delay_to: f32,
    delay: f32,
    shadow: Shadow,
}

/// Brown & Duda's head-shadow filter, `(1 + α s/2ω₀) / (1 + s/2ω₀)` with `ω₀ = c/a`,
/// through the bilinear transform: unity at low pitches, `α` at high ones.
#[derive(Clone, Debug)]
struct Shadow {
    b0: f32,
    b1: f32,
    a1: f32,
    x1: f32,
    y1: f32,
}

impl Default for Shadow {
    fn default() -> Self {
        Shadow {
            b0: 1.0,
            b1: 0.0,
            a1: 0.0,
            x1: 0.0,
            y1: 0.0,
        }
    }
}

impl Shadow {
    /// The filter for an ear `theta` (radians) away from the source: 0 = the source is
    /// straight out from that ear, π = straight out from the other.
    fn set(&mut self, theta: f32) {
        // α runs from 2 (a 6 dB lift) facing the source to 0.1 at 150° and beyond.
        const ALPHA_MIN: f32 = 0.1;
        const THETA_MIN: f32 = 150.0;
        let alpha = (1.0 + ALPHA_MIN / 2.0)
            + (1.0 - ALPHA_MIN / 2.0)
                * (theta.to_degrees().min(THETA_MIN) / THETA_MIN * std::f32::consts::PI).cos();
        let beta = 2.0 * SPEED_OF_SOUND_M_S / HEAD_RADIUS_M;
        let k = 2.0 * SAMPLE_RATE as f32;
        self.b0 = (beta + alpha * k) / (beta + k);
        self.b1 = (beta - alpha * k) / (beta + k);
        self.a1 = (beta - k) / (beta + k);
    }

    fn process(&mut self, x: f32) -> f32 {
        let y = self.b0 * x + self.b1 * self.x1 - self.a1 * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }
}

/// Woodworth's delay to an ear `theta` (radians) from the source, in samples, counted
/// from the ear facing the source: none for θ ≤ 90° beyond `a/c (1 − cos θ)`, then around
/// the head. At 90° the far ear hears `a/c (π/2 + 1)` later than the near one.
fn ear_delay_samples(theta: f32) -> f32 {
    let half_pi = std::f32::consts::FRAC_PI_2;
    let t = if theta < half_pi {
        -theta.cos()
    } else {
        theta - half_pi
    };
    // + 1: the ear facing the source (θ = 0) has no delay.
    (t + 1.0) * HEAD_RADIUS_M / SPEED_OF_SOUND_M_S * SAMPLE_RATE as f32
}

#[derive(Clone, Debug)]
struct Source {
    voices: Vec<Voice>,
    /// Level × the voice's measured normalisation.
    gain: f32,
    place: Place,
    /// Gains to the left and right ear for the current listener pose.
    ears: [f32; 2],
    /// A point source's way to each ear (none for a bed, nor in plain stereo).
    paths: Option<[EarPath; 2]>,
    /// A point source's last samples, newest at `at`.
    history: Vec<f32>,
    at: usize,
}

impl Source {
    fn new(voices: Vec<Voice>, gain: f32, place: Place) -> Source {
        Source {
            voices,
            gain,
            place,
            ears: [1.0, 1.0],
            paths: None,
            history: Vec::new(),
            at: 0,
        }
    }

    fn frame(&mut self) -> [f32; 2] {
        match self.voices.as_mut_slice() {
            [l, r] => [
                l.sample() * self.gain * self.ears[0],
                r.sample() * self.gain * self.ears[1],
            ],
            [v] => {
                let s = v.sample() * self.gain;
                let Some(paths) = self.paths.as_mut() else {
                    return [s * self.ears[0], s * self.ears[1]];
                };
                if self.history.len() != HISTORY {
                    self.history = vec![0.0; HISTORY];
                }
                self.at = (self.at + 1) % HISTORY;
                self.history[self.at] = s;
                let mut out = [0.0; 2];
                for (ear, path) in paths.iter_mut().enumerate() {
                    let step = (path.delay_to - path.delay).clamp(-DELAY_SLEW, DELAY_SLEW);
                    path.delay = (path.delay + step).clamp(0.0, (HISTORY - 2) as f32);
                    // Linear interpolation between the two samples around the delay.
                    let whole = path.delay.floor();
                    let frac = path.delay - whole;
                    let i = (self.at + HISTORY - whole as usize) % HISTORY;
                    let j = (i + HISTORY - 1) % HISTORY;
                    let delayed = self.history[i] * (1.0 - frac) + self.history[j] * frac;
                    out[ear] = path.shadow.process(delayed) * self.ears[ear];
                }
                out
            }
            _ => [0.0, 0.0],
        }
    }

    /// Plain stereo: every source centred, as from the seat, with no delay or shadow.
    fn centre(&mut self) {
        self.ears = [1.0, 1.0];
        self.paths = None;
    }

    fn place_for(&mut self, pose: &Pose) {
        self.ears = match self.place {
            Place::Bed => [1.0, 1.0],
            Place::At {
                position,
                reference_m,
            } => {
                let to = sub(position, pose.position);
                let dist = len(to).max(0.5);
                // How far to the right the source is: 1 straight out from the right ear.
                let side = (dot(to, pose.right) / dist).clamp(-1.0, 1.0);
                // Each ear's angle from the source: the right ear's axis is `right`.
                let theta = [(-side).acos(), side.acos()];
                let fresh = self.paths.is_none();
                let paths = self.paths.get_or_insert_with(Default::default);
                for (path, theta) in paths.iter_mut().zip(theta) {
                    path.delay_to = ear_delay_samples(theta);
                    if fresh {
                        path.delay = path.delay_to;
                    }
                    path.shadow.set(theta);
                }
                // A gentle level difference by side, power kept: left² + right² = 2.
                let half = crate::sound::db_to_gain(SIDE_LEVEL_DB / 2.0 * side);
                let norm = std::f32::consts::SQRT_2 / (half * half + 1.0 / (half * half)).sqrt();
                let pan = [norm / half, norm * half];
                // Each ear hears by its own distance, relative to the seat's.
                let half_gap = EAR_GAP_M / 2.0;
                let ear = |sign: f32| {
                    let p = [
                        pose.position[0] + sign * half_gap * pose.right[0],
                        pose.position[1] + sign * half_gap * pose.right[1],
                        pose.position[2] + sign * half_gap * pose.right[2],
                    ];
                    reference_m / len(sub(position, p)).max(0.5)
                };
                [pan[0] * ear(-1.0), pan[1] * ear(1.0)]
            }
        };
    }
}

/// A fade of the whole mix: smooth at both ends, per sample.
#[derive(Clone, Debug)]
struct Fader {
    from: f32,
    to: f32,
    at: u32,
    len: u32,
    /// The last level given out: the next never steps against the fade's direction, even
    /// where float rounding in the curve's last samples would.
    last: f32,
}

impl Fader {
    fn level(&self) -> f32 {
        if self.at >= self.len {
            self.to
        } else {
            self.from + (self.to - self.from) * smoothstep(self.at as f32 / self.len as f32)
        }
    }
    fn step(&mut self) -> f32 {
        let curve = self.level();
        let l = if self.to >= self.from {
            curve.max(self.last)
        } else {
            curve.min(self.last)
        };
        self.last = l;
        self.at = self.at.saturating_add(1);
        l
    }
    fn start(&mut self, to: f32, seconds: f32) {
        self.from = self.last;
        self.to = to;
        self.at = 0;
        self.len = (seconds * SAMPLE_RATE as f32).max(1.0) as u32;
    }
}

/// Peak limiter with instant attack: the gain drops on the very sample that would pass
/// the ceiling, so no sample ever does; it recovers over `RELEASE_S`.
#[derive(Clone, Debug)]
struct Limiter {
    gain: f32,
    release: f32,
}

impl Limiter {
    fn new() -> Self {
        Self {
            gain: 1.0,
            release: 1.0 - (-1.0 / (RELEASE_S * SAMPLE_RATE as f32)).exp(),
        }
    }
    fn process(&mut self, [l, r]: [f32; 2]) -> [f32; 2] {
        let peak = l.abs().max(r.abs());
        self.gain += (1.0 - self.gain) * self.release;
        if peak * self.gain > CEILING {
            self.gain = CEILING / peak;
        }
        [l * self.gain, r * self.gain]
    }
}

/// The whole soundscape, ready to play.
#[derive(Clone, Debug)]
pub struct Mixer {
    sources: Vec<Source>,
    /// Soft bells now ringing (a walk's time marks and goals).
    chimes: Vec<Chime>,
    chime_gain: f32,
    master: f32,
    /// The therapist's volume: the gain asked for and the gain now, eased between.
    trim_to: f32,
    trim: f32,
    /// Plain stereo: every source centred as heard from the seat, whatever the head does.
    plain: bool,
    fader: Fader,
    limiter: Limiter,
}

/// Range of the therapist's volume control, dB around the soundscape's level.
pub const VOLUME_DB: std::ops::RangeInclusive<f32> = -30.0..=6.0;

/// Noise-like sounds get a separate voice per ear, so a bed sounds wide; tonal ones (birds,
/// a chord) play one voice in both ears, or two would sing different songs at once.
fn decorrelated(kind: SoundKind) -> bool {
    matches!(
        kind,
        SoundKind::Waves
            | SoundKind::Wind
            | SoundKind::Stream
            | SoundKind::Rain
            | SoundKind::Campfire
    )
}

/// Measures a voice's RMS over `MEASURE_S` without disturbing it.
fn measured_rms(voice: &Voice) -> f32 {
    let mut v = voice.clone();
    let n = (MEASURE_S * SAMPLE_RATE as f32) as usize;
    let power = (0..n).map(|_| f64::from(v.sample()).powi(2)).sum::<f64>() / n as f64;
    (power.sqrt() as f32).max(1e-6)
}

impl Mixer {
    /// Builds the mix for `sound`, to play at `target_dbfs` RMS when heard from `seat`.
    /// It starts silent: call `fade_in`.
    pub fn new(sound: &Soundscape, target_dbfs: f32, seed: u64, seat: Pose) -> Mixer {
        let sr = SAMPLE_RATE as f32;
        let mut stream = 0u64;
        let mut voice_for = |kind: SoundKind, character: f32| {
            // Stream numbers 1000+ keep sound apart from the scene's placement streams.
            let mut rng = rule_rng(seed, 1_000 + stream);
            stream += 1;
            let v = Voice::new(kind, character, rng.next_u64(), sr);
            let rms = measured_rms(&v);
            (v, 1.0 / rms)
        };
        let mut sources = Vec::new();
        for bed in &sound.beds {
            let (voices, norm) = if decorrelated(bed.sound) {
                let (l, nl) = voice_for(bed.sound, bed.character);
                let (r, nr) = voice_for(bed.sound, bed.character);
                (vec![l, r], (nl + nr) / 2.0)
            } else {
                let (v, n) = voice_for(bed.sound, bed.character);
                (vec![v], n)
            };
            sources.push(Source::new(
                voices,
                db_to_gain(bed.level_db) * norm,
                Place::Bed,
            ));
        }
        for e in &sound.emitters {
            let (v, norm) = voice_for(e.sound, e.character);
            let position = [e.position.0, e.position.1, e.position.2];
            sources.push(Source::new(
                vec![v],
                db_to_gain(e.level_db) * norm,
                Place::At {
                    position,
                    reference_m: len(sub(position, seat.position)).max(0.5),
                },
            ));
        }
        let mut mixer = Mixer {
            sources,
            chimes: Vec::new(),
            // A chime peaks about 6 dB over the soundscape's average: heard, never startling.
            chime_gain: db_to_gain(target_dbfs) * 2.0,
            master: 1.0,
            trim_to: 1.0,
            trim: 1.0,
            plain: false,
            fader: Fader {
                from: 0.0,
                to: 0.0,
                at: 0,
                len: 1,
                last: 0.0,
            },
            limiter: Limiter::new(),
        };
        mixer.set_listener(&seat);
        mixer.master = db_to_gain(target_dbfs) / mixer.measured_mix_rms();
        mixer
    }

    /// RMS of the mix as it stands (before master gain, fades and limiter).
    fn measured_mix_rms(&self) -> f32 {
        let mut sources = self.sources.clone();
        let n = (MEASURE_S * SAMPLE_RATE as f32) as usize;
        let mut power = 0.0f64;
        for _ in 0..n {
            let mut frame = [0.0f32; 2];
            for s in &mut sources {
                let [l, r] = s.frame();
                frame[0] += l;
                frame[1] += r;
            }
            power += f64::from(frame[0]).powi(2) + f64::from(frame[1]).powi(2);
        }
        ((power / (2 * n) as f64).sqrt() as f32).max(1e-9)
    }

    /// The head moved: re-place every emitter.
    pub fn set_listener(&mut self, pose: &Pose) {
        for s in &mut self.sources {
            if self.plain {
                s.centre();
            } else {
                s.place_for(pose);
            }
        }
    }

    /// Plain stereo (`true`: sources centred at their seat level, not following the head)
    /// or spatial sound.
    pub fn set_plain(&mut self, plain: bool, pose: &Pose) {
        self.plain = plain;
        self.set_listener(pose);
    }

    /// The therapist's volume, dB around the soundscape's level (clamped to [`VOLUME_DB`]),
    /// eased over about 50 ms so a change never clicks.
    pub fn set_volume_db(&mut self, db: f32) {
        self.trim_to = db_to_gain(db.clamp(*VOLUME_DB.start(), *VOLUME_DB.end()));
    }

    /// Fades the sound in; never faster than `FADE_MIN_S`.
    pub fn fade_in(&mut self, seconds: f32) {
        self.fader.start(1.0, seconds.max(FADE_MIN_S));
    }

    /// Fades the sound out; never faster than `FADE_MIN_S`.
    pub fn fade_out(&mut self, seconds: f32) {
        self.fader.start(0.0, seconds.max(FADE_MIN_S));
    }

    /// The emergency stop's fade: out within a second, still without a click.
    pub fn emergency_fade_out(&mut self) {
        self.fader.start(0.0, EMERGENCY_FADE_S);
    }

    /// Rings one soft chime: a bell of a few partials that swells in over 15 ms and dies
    /// away over about three seconds.
    pub fn chime(&mut self) {
        self.chimes.push(Chime { t: 0 });
    }

    /// The current fade level, 0 (silent) to 1: the level of the last frame given out.
    pub fn fade_level(&self) -> f32 {
        self.fader.last
    }

    /// The next stereo frame.
    pub fn next_frame(&mut self) -> [f32; 2] {
        let mut frame = [0.0f32; 2];
        for s in &mut self.sources {
            let [l, r] = s.frame();
            frame[0] += l;
            frame[1] += r;
        }
        let mut bell = 0.0;
        for c in &mut self.chimes {
            bell += c.sample();
        }
        self.chimes.retain(|c| !c.done());
        let fade = self.fader.step();
        // A one-pole ease with a time constant of about 50 ms.
        self.trim += (self.trim_to - self.trim) * (1.0 / (0.05 * SAMPLE_RATE as f32));
        let fade = fade * self.trim;
        let g = self.master * fade;
        let bell = bell * self.chime_gain * fade;
        let [l, r] = self
            .limiter
            .process([frame[0] * g + bell, frame[1] * g + bell]);
        // The limiter already holds the ceiling; the clamp only absorbs float rounding.
        [l.clamp(-CEILING, CEILING), r.clamp(-CEILING, CEILING)]
    }

    /// Fills `out` with interleaved stereo frames.
    pub fn fill(&mut self, out: &mut [f32]) {
        for frame in out.chunks_exact_mut(2) {
            let [l, r] = self.next_frame();
            frame[0] = l;
            frame[1] = r;
        }
    }
}

/// A struck bell: E5 with its bell-like partials, each dying away at its own rate.
#[derive(Clone, Debug)]
struct Chime {
    t: u32,
}

/// (frequency Hz, level, seconds to fall by 1/e)
const CHIME_PARTIALS: [(f32, f32, f32); 4] = [
    (659.3, 1.0, 1.2),
    (1318.5, 0.35, 0.6),
    (1977.8, 0.15, 0.35),
    (329.6, 0.25, 1.6),
];
const CHIME_ATTACK_S: f32 = 0.015;
const CHIME_S: f32 = 6.0;

impl Chime {
    fn sample(&mut self) -> f32 {
        let t = self.t as f32 / SAMPLE_RATE as f32;
        self.t += 1;
        let attack = smoothstep(t / CHIME_ATTACK_S);
        let sum: f32 = CHIME_PARTIALS
            .iter()
            .map(|&(f, a, tau)| a * (-t / tau).exp() * (std::f32::consts::TAU * f * t).sin())
            .sum();
        0.5 * attack * sum
    }
    fn done(&self) -> bool {
        self.t as f32 >= CHIME_S * SAMPLE_RATE as f32
    }
}

/// Renders a session's sound offline: fade in, play, fade out over the last `FADE_S`.
/// Interleaved stereo at `SAMPLE_RATE`.
pub fn render(mixer: &mut Mixer, seconds: f32) -> Vec<f32> {
    let frames = (seconds * SAMPLE_RATE as f32) as usize;
    let fade_out_at = frames.saturating_sub((FADE_S * SAMPLE_RATE as f32) as usize);
    let mut out = vec![0.0f32; frames * 2];
    mixer.fade_in(FADE_S);
    let (head, tail) = out.split_at_mut(fade_out_at * 2);
    mixer.fill(head);
    mixer.fade_out(FADE_S);
    mixer.fill(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::{Bed, Emitter, LevelMode};
    use crate::sound::{ResolvedLevel, Room, rms_dbfs, wav};

    #[test]
    fn a_chime_rings_softly_over_the_scene_and_dies_away_without_a_click() {
        let sound = glade_like(-24.0, LevelMode::Fixed);
        let mut mixer = Mixer::new(&sound, -24.0, 7, Pose::seated(1.2, 0.0));
        mixer.fade_in(2.0);
        let sr = SAMPLE_RATE as usize;
        let mut plain = vec![0.0f32; sr * 2 * 3];
        mixer.fill(&mut plain);
        let mut twin = mixer.clone();
        mixer.chime();
        let mut rung = vec![0.0f32; sr * 2 * 8];
        let mut quiet = rung.clone();
        mixer.fill(&mut rung);
        twin.fill(&mut quiet);
        let bell: Vec<f32> = rung.iter().zip(&quiet).map(|(a, b)| a - b).collect();
        let peak = bell.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scene = rms_dbfs(&quiet);
        let peak_db = crate::sound::gain_to_db(peak);
        // Heard over the place (a few dB above its level), far below the ceiling.
        assert!(
            peak_db > scene && peak_db < scene + 12.0,
            "bell {peak_db} dB, scene {scene} dB"
        );
        // No click: the first millisecond stays under a tenth of the peak.
        let first_ms = bell[..sr / 1000 * 2]
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(first_ms < peak * 0.1, "{first_ms} vs {peak}");
        // Gone after six seconds.
        let tail = bell[sr * 2 * 6..]
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(tail < 1e-6, "{tail}");
    }

    fn glade_like(master_db: f32, mode: LevelMode) -> Soundscape {
        Soundscape {
            master_db,
            level_mode: mode,
            beds: vec![
                Bed {
                    sound: SoundKind::Wind,
                    level_db: -3.0,
                    character: 0.5,
                },
                Bed {
                    sound: SoundKind::Birdsong,
                    level_db: -8.0,
                    character: 0.6,
                },
            ],
            emitters: vec![Emitter {
                sound: SoundKind::Stream,
                level_db: -6.0,
                position: (7.0, 0.0, -9.0),
                character: 0.5,
            }],
        }
    }

    fn everything(master_db: f32) -> Soundscape {
        Soundscape {
            master_db,
            level_mode: LevelMode::Fixed,
            beds: SoundKind::ALL
                .iter()
                .map(|&k| Bed {
                    sound: k,
                    level_db: -6.0,
                    character: 1.0,
                })
                .collect(),
            emitters: vec![Emitter {
                sound: SoundKind::Campfire,
                level_db: 0.0,
                position: (1.0, -1.0, 0.5),
                character: 1.0,
            }],
        }
    }

    fn seat() -> Pose {
        Pose::seated(1.2, 0.0)
    }

    /// RMS of the steady part of a render (after the opening fade, before the closing one).
    fn steady_dbfs(samples: &[f32]) -> f32 {
        let fade = (FADE_S * SAMPLE_RATE as f32) as usize * 2;
        rms_dbfs(&samples[fade..samples.len() - fade])
    }

    #[test]
    fn rendered_level_matches_the_spec_within_half_a_db() {
        for master in [-30.0, -18.0] {
            let sound = glade_like(master, LevelMode::Fixed);
            let mut m = Mixer::new(&sound, master, 7, seat());
            // 90 s: three times the measured stretch, so the level holds beyond it.
            let got = steady_dbfs(&render(&mut m, 90.0));
            assert!(
                (got - master).abs() <= 0.5,
                "asked {master} dBFS, got {got:.2}"
            );
        }
    }

    #[test]
    fn above_ambient_plays_five_db_over_the_room() {
        let sound = glade_like(-24.0, LevelMode::AboveAmbient { db: 5.0 });
        let room = Room {
            ambient_db_spl: 42.0,
            headphones_db_spl: 92.0,
        };
        let level = ResolvedLevel::resolve(&sound, Some(room)).unwrap();
        let mut m = Mixer::new(&sound, level.dbfs, 7, seat());
        let got = steady_dbfs(&render(&mut m, 60.0));
        // At the ear: headphones' calibration + the mix's dBFS.
        let spl = room.headphones_db_spl + got;
        assert!(
            (spl - (42.0 + 5.0)).abs() <= 0.5,
            "{spl:.2} dB SPL against 47"
        );
    }

    #[test]
    fn fades_are_monotonic_and_never_shorter_than_required() {
        let mut m = Mixer::new(&glade_like(-24.0, LevelMode::Fixed), -24.0, 1, seat());
        let mut levels = Vec::new();
        m.fade_in(0.5); // asked too fast: stretched to the minimum
        for _ in 0..(3.0 * SAMPLE_RATE as f32) as usize {
            m.next_frame();
            levels.push(m.fade_level());
        }
        if let Some(i) = levels.windows(2).position(|w| w[1] < w[0]) {
            panic!(
                "fade-in went backwards at {i}: {} -> {}",
                levels[i],
                levels[i + 1]
            );
        }
        let reached = levels.iter().position(|&l| l >= 1.0).unwrap() as f32 / SAMPLE_RATE as f32;
        assert!(
            (FADE_MIN_S - 0.01..=FADE_MIN_S + 0.01).contains(&reached),
            "fade-in took {reached} s"
        );

        m.emergency_fade_out();
        let mut out = Vec::new();
        for _ in 0..SAMPLE_RATE {
            m.next_frame();
            out.push(m.fade_level());
        }
        assert!(
            out.windows(2).all(|w| w[1] <= w[0]),
            "emergency fade went back up"
        );
        let silent = out.iter().position(|&l| l <= 0.0).unwrap() as f32 / SAMPLE_RATE as f32;
        assert!(
            (0.5..=1.0).contains(&silent),
            "emergency fade took {silent} s"
        );
    }

    #[test]
    fn no_sample_reaches_full_scale_in_ten_minutes_of_everything_at_once() {
        // All nine kinds, loud, plus a fire at arm's length: the limiter's worst day.
        let mut m = Mixer::new(&everything(-6.0), -6.0, 3, seat());
        m.fade_in(FADE_S);
        let mut block = vec![0.0f32; 2 * SAMPLE_RATE as usize];
        let mut peak = 0.0f32;
        for _ in 0..600 {
            m.fill(&mut block);
            peak = block.iter().fold(peak, |p, s| p.max(s.abs()));
        }
        assert!(peak <= CEILING, "peak {peak}");
        assert!(
            peak > 0.5,
            "the test should push the limiter, peak only {peak}"
        );
    }

    #[test]
    fn same_seed_same_wav_bytes_other_seed_other_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let sound = glade_like(-20.0, LevelMode::Fixed);
        let write = |seed: u64, name: &str| {
            let mut m = Mixer::new(&sound, -20.0, seed, seat());
            let path = dir.path().join(name);
            wav::write_stereo(&path, SAMPLE_RATE, &render(&mut m, 8.0)).unwrap();
            std::fs::read(path).unwrap()
        };
        let a = write(11, "a.wav");
        assert_eq!(a, write(11, "b.wav"));
        assert_ne!(a, write(12, "c.wav"));
        let (rate, samples) = wav::read_stereo(&dir.path().join("a.wav")).unwrap();
        assert_eq!(
            (rate, samples.len()),
            (SAMPLE_RATE, 8 * SAMPLE_RATE as usize * 2)
        );
    }

    #[test]
    fn an_emitter_moves_across_the_ears_as_the_head_turns() {
        let sound = stream_to_the_east();
        let ears = |yaw: f32| {
            let mut m = Mixer::new(&sound, -20.0, 1, seat());
            m.set_listener(&Pose::seated(1.2, yaw));
            ears_of(&mut m)
        };
        // The stream is due east. Facing north it is on the right; facing south, the left:
        // louder there by the 6 dB between the ears and the head's shadow on the far one.
        let (l, r) = ears(0.0);
        assert!(r - l > 10.0, "facing north: left {l:.1}, right {r:.1}");
        let (l, r) = ears(180.0);
        assert!(l - r > 10.0, "facing south: left {l:.1}, right {r:.1}");
        // Facing it, both ears hear it alike.
        let (l, r) = ears(90.0);
        assert!(
            (l - r).abs() < 0.5,
            "facing east: left {l:.1}, right {r:.1}"
        );
    }

    /// One stream 10 m due east of the seat, at ear height.
    fn stream_to_the_east() -> Soundscape {
        Soundscape {
            master_db: -20.0,
            level_mode: LevelMode::Fixed,
            beds: vec![],
            emitters: vec![Emitter {
                sound: SoundKind::Stream,
                level_db: 0.0,
                position: (10.0, 1.2, 0.0),
                character: 0.5,
            }],
        }
    }

    /// Left and right RMS (dBFS) of seconds 2–3 of `m` after a quick fade-in.
    fn ears_of(m: &mut Mixer) -> (f32, f32) {
        m.fade_in(0.0);
        let mut block = vec![0.0f32; 2 * SAMPLE_RATE as usize * 3];
        m.fill(&mut block);
        let tail = &block[4 * SAMPLE_RATE as usize..];
        let left: Vec<f32> = tail.iter().step_by(2).copied().collect();
        let right: Vec<f32> = tail.iter().skip(1).step_by(2).copied().collect();
        (rms_dbfs(&left), rms_dbfs(&right))
    }

    /// Left and right channels of seconds 1–3 after a quick fade-in, through a WAV file.
    fn rendered_ears(m: &mut Mixer) -> (Vec<f32>, Vec<f32>) {
        m.fade_in(0.0);
        let sr = SAMPLE_RATE as usize;
        let mut block = vec![0.0f32; 2 * sr * 3];
        m.fill(&mut block);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ears.wav");
        wav::write_stereo(&path, SAMPLE_RATE, &block).unwrap();
        let (rate, back) = wav::read_stereo(&path).unwrap();
        assert_eq!(rate, SAMPLE_RATE);
        let tail = &back[2 * sr..];
        (
            tail.iter().step_by(2).copied().collect(),
            tail.iter().skip(1).step_by(2).copied().collect(),
        )
    }

    /// How much later the left ear hears what the right hears, ms: the lag (±1.5 ms) at
    /// which the two channels correlate best.
    fn left_lags_right_ms(left: &[f32], right: &[f32]) -> f64 {
        let most = 72i64;
        let n = left.len() as i64;
        let best = (-most..=most)
            .map(|lag| {
                let c: f64 = (most..n - most)
                    .map(|i| f64::from(left[i as usize]) * f64::from(right[(i - lag) as usize]))
                    .sum();
                (lag, c)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0;
        best as f64 * 1000.0 / f64::from(SAMPLE_RATE)
    }

    /// The high pitches: each sample less the one before (+6 dB an octave, 0 at DC).
    fn highs(x: &[f32]) -> Vec<f32> {
        x.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// RMS (dB) of the high pitches.
    fn bright_db(x: &[f32]) -> f32 {
        rms_dbfs(&highs(x))
    }

    /// The spherical head: a source at 90° reaches the far ear Woodworth's 0.66 ms later
    /// (a/c · (π/2 + 1) with a = 8.75 cm) and duller; facing it, both ears alike.
    #[test]
    fn a_source_at_ninety_degrees_arrives_earlier_and_brighter_at_the_near_ear() {
        let sound = stream_to_the_east();
        let woodworth_ms = f64::from(HEAD_RADIUS_M / SPEED_OF_SOUND_M_S)
            * (std::f64::consts::FRAC_PI_2 + 1.0)
            * 1000.0;
        assert!((woodworth_ms - 0.656).abs() < 0.001, "{woodworth_ms}");
        // Facing north, the stream due east is at 90° on the right.
        let mut m = Mixer::new(&sound, -20.0, 1, seat());
        m.set_listener(&Pose::seated(1.2, 0.0));
        let (l, r) = rendered_ears(&mut m);
        // The high pitches arrive by Woodworth's delay and up to 3 samples (1/48 ms each)
        // more (the shadow filter's phase); the low ones a little later still, as at a
        // real head (Kuhn 1977 measured up to 3a/c = 0.77 ms below 500 Hz).
        let lag = left_lags_right_ms(&highs(&l), &highs(&r));
        assert!(
            (woodworth_ms..woodworth_ms + 0.06).contains(&lag),
            "left later by {lag:.3} ms"
        );
        let broadband = left_lags_right_ms(&l, &r);
        assert!(
            (0.62..=0.80).contains(&broadband),
            "left later by {broadband:.3} ms over all pitches"
        );
        let louder = rms_dbfs(&r) - rms_dbfs(&l);
        let brighter = (bright_db(&r) - bright_db(&l)) - louder;
        eprintln!(
            "90°: highs {lag:.3} ms later at the far ear, all {:.3} ms; near ear {louder:.1} dB louder, {brighter:.1} dB brighter beyond that",
            left_lags_right_ms(&l, &r)
        );
        assert!(
            louder > 6.0 && louder < 20.0,
            "near ear louder by {louder:.1} dB"
        );
        assert!(
            brighter > 4.0,
            "near ear brighter by {brighter:.1} dB beyond its level"
        );
        // Facing south: the left ear is the near one.
        let mut m = Mixer::new(&sound, -20.0, 1, seat());
        m.set_listener(&Pose::seated(1.2, 180.0));
        let (l, r) = rendered_ears(&mut m);
        let lag = left_lags_right_ms(&highs(&l), &highs(&r));
        assert!(
            (woodworth_ms..woodworth_ms + 0.06).contains(&-lag),
            "left earlier by {lag:.3} ms"
        );
        // Facing it: no delay, no shadow between the ears.
        let mut m = Mixer::new(&sound, -20.0, 1, seat());
        m.set_listener(&Pose::seated(1.2, 90.0));
        let (l, r) = rendered_ears(&mut m);
        assert!(left_lags_right_ms(&l, &r).abs() < 0.01);
        assert!((bright_db(&r) - bright_db(&l)).abs() < 0.1);
        // At 45° to the right the delay is in between: a/c · (π/4 + sin 45°) = 0.38 ms.
        let mut m = Mixer::new(&sound, -20.0, 1, seat());
        m.set_listener(&Pose::seated(1.2, 45.0));
        let (l, r) = rendered_ears(&mut m);
        let lag = left_lags_right_ms(&highs(&l), &highs(&r));
        let at_45 = f64::from(HEAD_RADIUS_M / SPEED_OF_SOUND_M_S)
            * (std::f64::consts::FRAC_PI_4 + std::f64::consts::FRAC_1_SQRT_2)
            * 1000.0;
        assert!(
            (at_45..at_45 + 0.06).contains(&lag),
            "{lag:.3} ms against {at_45:.3}"
        );
    }

    /// The delay line itself: Woodworth's formula, worked by hand for a = 8.75 cm,
    /// c = 343 m/s, 48 kHz: 0 at the near ear, 12.24 samples at 90° (a/c), 31.49 at 180°.
    #[test]
    fn each_ears_delay_is_woodworths() {
        assert!(ear_delay_samples(0.0).abs() < 1e-4);
        assert!((ear_delay_samples(std::f32::consts::FRAC_PI_2) - 12.245).abs() < 0.01);
        assert!((ear_delay_samples(std::f32::consts::PI) - 31.48).abs() < 0.01);
    }

    /// A head turning half a turn in a second: each ear's delay eases along, so the sound
    /// never clicks, and ends where the new pose puts it.
    #[test]
    fn a_turning_head_moves_the_delay_without_a_click() {
        let sound = stream_to_the_east();
        let mut m = Mixer::new(&sound, -20.0, 1, seat());
        m.set_listener(&Pose::seated(1.2, 0.0));
        m.fade_in(0.0);
        let sr = SAMPLE_RATE as usize;
        let mut warm = vec![0.0f32; 2 * sr];
        m.fill(&mut warm);
        // The same second heard with the head still, facing where it starts and where it
        // ends (the far ear grows louder as the head turns).
        let mut at_start = m.clone();
        let mut at_end = m.clone();
        at_end.set_listener(&Pose::seated(1.2, 180.0));
        let mut turned = Vec::new();
        let mut steady = Vec::new();
        // 90 poses a second, as a headset gives them.
        for k in 0..90 {
            m.set_listener(&Pose::seated(1.2, 180.0 * (k + 1) as f32 / 90.0));
            let mut block = vec![0.0f32; 2 * sr / 90];
            m.fill(&mut block);
            turned.extend_from_slice(&block);
            for still in [&mut at_start, &mut at_end] {
                let mut same = vec![0.0f32; 2 * sr / 90];
                still.fill(&mut same);
                steady.extend_from_slice(&same);
            }
        }
        let largest_step = |x: &[f32]| {
            x.chunks(2)
                .zip(x.chunks(2).skip(1))
                .map(|(a, b)| (b[0] - a[0]).abs().max((b[1] - a[1]).abs()))
                .fold(0.0f32, f32::max)
        };
        let (a, b) = (largest_step(&turned), largest_step(&steady));
        assert!(a < 1.5 * b.max(0.01), "turning: {a}, still: {b}");
        let (l, r) = rendered_ears(&mut m);
        let lag = left_lags_right_ms(&highs(&l), &highs(&r));
        assert!(
            (-0.72..=-0.656).contains(&lag),
            "after the turn: {lag:.3} ms"
        );
    }

    #[test]
    fn plain_sound_stays_centred_whatever_the_head_does() {
        let sound = stream_to_the_east();
        for yaw in [0.0, 180.0] {
            let mut m = Mixer::new(&sound, -20.0, 1, seat());
            m.set_plain(true, &Pose::seated(1.2, yaw));
            let (l, r) = ears_of(&mut m);
            assert!((l - r).abs() < 0.01, "yaw {yaw}: left {l:.2}, right {r:.2}");
            m.set_plain(false, &Pose::seated(1.2, yaw));
            let (l, r) = ears_of(&mut m);
            assert!(
                (l - r).abs() > 10.0,
                "spatial again at yaw {yaw}: {l:.1} {r:.1}"
            );
        }
    }

    #[test]
    fn the_volume_control_moves_the_level_by_its_decibels_without_a_click() {
        let sound = glade_like(-24.0, LevelMode::Fixed);
        let mut m = Mixer::new(&sound, -24.0, 3, seat());
        let (l0, _) = ears_of(&mut m.clone());
        let mut quieter = m.clone();
        quieter.set_volume_db(-10.0);
        let (l1, _) = ears_of(&mut quieter);
        assert!((l0 - l1 - 10.0).abs() < 0.3, "{l0:.2} → {l1:.2}");
        m.set_volume_db(-60.0);
        assert!(
            (ears_of(&mut m.clone()).0 - (l0 - 30.0)).abs() < 0.3,
            "clamped at −30 dB"
        );
        // A change mid-play eases: no step between samples larger than the sound's own.
        m.fade_in(0.0);
        m.set_volume_db(0.0);
        let mut block = vec![0.0f32; 2 * SAMPLE_RATE as usize];
        m.fill(&mut block);
        m.set_volume_db(6.0);
        let mut after = vec![0.0f32; 2 * 4800];
        m.fill(&mut after);
        let step = after
            .chunks(2)
            .zip(after.chunks(2).skip(1))
            .map(|(a, b)| (b[0] - a[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(step < 0.1, "largest step {step}");
    }
}
