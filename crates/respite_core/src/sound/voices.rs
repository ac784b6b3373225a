//! The sound makers, one per kind, each a seeded random process rather than a loop, so
//! nothing repeats: a ten-minute session never hears the same bar twice. Each yields mono
//! samples at roughly unit scale; the mixer measures and normalises them.

use super::dsp::{BandPass, Noise, OnePole, Wander};
use crate::scene::SoundKind;
use crate::smoothstep;
use std::f32::consts::{PI, TAU};

/// Any voice, as an enum so the mixer can clone one to measure it without disturbing it.
#[derive(Clone, Debug)]
pub enum Voice {
    Waves(Waves),
    Wind(Wind),
    Stream(Stream),
    Rain(Rain),
    Birdsong(Birdsong),
    Crickets(Crickets),
    Campfire(Campfire),
    Gulls(Gulls),
    Drone(Drone),
}

impl Voice {
    /// A voice of `kind`. `character` (0–1) is the kind's one knob: swell size, gustiness,
    /// flow, rain density, bird activity, cricket count, crackle, gull activity, brightness.
    pub fn new(kind: SoundKind, character: f32, seed: u64, sr: f32) -> Voice {
        let mut n = Noise::new(seed);
        let c = character.clamp(0.0, 1.0);
        match kind {
            SoundKind::Waves => Voice::Waves(Waves::new(c, &mut n, sr)),
            SoundKind::Wind => Voice::Wind(Wind::new(c, &mut n, sr)),
            SoundKind::Stream => Voice::Stream(Stream::new(c, &mut n, sr)),
            SoundKind::Rain => Voice::Rain(Rain::new(c, &mut n, sr)),
            SoundKind::Birdsong => Voice::Birdsong(Birdsong::new(c, &mut n, sr)),
            SoundKind::Crickets => Voice::Crickets(Crickets::new(c, &mut n, sr)),
            SoundKind::Campfire => Voice::Campfire(Campfire::new(c, &mut n, sr)),
            SoundKind::Gulls => Voice::Gulls(Gulls::new(c, &mut n, sr)),
            SoundKind::Drone => Voice::Drone(Drone::new(c, &mut n, sr)),
        }
    }

    /// The next mono sample.
    pub fn sample(&mut self) -> f32 {
        match self {
            Voice::Waves(v) => v.next(),
            Voice::Wind(v) => v.next(),
            Voice::Stream(v) => v.next(),
            Voice::Rain(v) => v.next(),
            Voice::Birdsong(v) => v.next(),
            Voice::Crickets(v) => v.next(),
            Voice::Campfire(v) => v.next(),
            Voice::Gulls(v) => v.next(),
            Voice::Drone(v) => v.next(),
        }
    }
}

/// Filter settings change every this many samples: smooth enough, and cheap.
const CONTROL_EVERY: u32 = 32;

/// Ocean waves: noise whose loudness and brightness rise as a swell builds and wash away
/// after it breaks. One swell every 7–13 s (each one different), over a low constant roar.
#[derive(Clone, Debug)]
pub struct Waves {
    n: Noise,
    lp: OnePole,
    lp2: OnePole,
    roar: OnePole,
    sr: f32,
    t: f32,
    period: f32,
    size: f32,
    env: f32,
    tick: u32,
    swell: f32,
}

impl Waves {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut w = Self {
            n: Noise::new(n.next_u64()),
            lp: OnePole::new(800.0, sr),
            lp2: OnePole::new(800.0, sr),
            roar: OnePole::new(180.0, sr),
            sr,
            t: 0.0,
            period: 10.0,
            size: 0.6 + 0.4 * c,
            env: 0.3,
            tick: 0,
            swell: 0.5,
        };
        w.t = w.n.range(0.0, w.period);
        w
    }
    fn next(&mut self) -> f32 {
        if self.tick == 0 {
            let dt = CONTROL_EVERY as f32 / self.sr;
            self.t += dt;
            if self.t >= self.period {
                self.t -= self.period;
                self.period = self.n.range(7.0, 13.0);
                self.swell = self.n.range(0.5, 1.0) * self.size;
            }
            // Build over 40% of the period, break, then a long wash.
            let p = self.t / self.period;
            let shape = if p < 0.4 {
                smoothstep(p / 0.4)
            } else {
                (1.0 - (p - 0.4) / 0.6).powf(1.8)
            };
            self.env = 0.22 + self.swell * shape;
            let cutoff = 250.0 + 2_600.0 * self.env;
            self.lp.set(cutoff, self.sr);
            self.lp2.set(cutoff * 1.3, self.sr);
        }
        self.tick = (self.tick + 1) % CONTROL_EVERY;
        let x = self.n.white();
        let surf = self.lp2.lowpass(self.lp.lowpass(x)) * self.env * 2.2;
        let roar = self.roar.lowpass(self.n.white()) * 1.4;
        surf + roar
    }
}

/// Wind in trees: a low rush that swells with slow gusts, and a leafy rustle on top that
/// only the stronger gusts bring.
#[derive(Clone, Debug)]
pub struct Wind {
    n: Noise,
    body: OnePole,
    body2: OnePole,
    leaves: BandPass,
    gust: Wander,
    sr: f32,
    level: f32,
    gustiness: f32,
    tick: u32,
}

impl Wind {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let gust = Wander::new(6.0, &mut own);
        Self {
            n: own,
            body: OnePole::new(400.0, sr),
            body2: OnePole::new(400.0, sr),
            leaves: BandPass::new(3_500.0, 0.7, sr),
            gust,
            sr,
            level: 0.5,
            gustiness: 0.3 + 0.7 * c,
            tick: 0,
        }
    }
    fn next(&mut self) -> f32 {
        if self.tick == 0 {
            let g = self.gust.step(CONTROL_EVERY as f32 / self.sr, &mut self.n);
            self.level = 0.35 + self.gustiness * g;
            let cutoff = 250.0 + 700.0 * self.level;
            self.body.set(cutoff, self.sr);
            self.body2.set(cutoff, self.sr);
        }
        self.tick = (self.tick + 1) % CONTROL_EVERY;
        let body = self.body2.lowpass(self.body.lowpass(self.n.white())) * 3.0 * self.level;
        let rustle = self.leaves.process(self.n.white()) * (self.level * self.level) * 0.6;
        body + rustle
    }
}

/// A small stream: a bright babble of water over stones, with many tiny bubbles whose
/// pitch rises as they pop.
#[derive(Clone, Debug)]
pub struct Stream {
    n: Noise,
    babble: BandPass,
    babble2: BandPass,
    murmur: Wander,
    sr: f32,
    rate: f32,
    next_bubble: f32,
    bubbles: Vec<Bubble>,
    t: f32,
    level: f32,
    tick: u32,
}

#[derive(Clone, Debug)]
struct Bubble {
    phase: f32,
    freq: f32,
    age: f32,
    life: f32,
    amp: f32,
}

impl Stream {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let murmur = Wander::new(1.5, &mut own);
        Self {
            n: own,
            babble: BandPass::new(1_400.0, 1.2, sr),
            babble2: BandPass::new(2_600.0, 1.5, sr),
            murmur,
            sr,
            rate: 20.0 + 60.0 * c,
            next_bubble: 0.0,
            bubbles: Vec::with_capacity(16),
            t: 0.0,
            level: 0.6,
            tick: 0,
        }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        if self.tick == 0 {
            self.level = 0.55 + 0.45 * self.murmur.step(CONTROL_EVERY as f32 * dt, &mut self.n);
        }
        self.tick = (self.tick + 1) % CONTROL_EVERY;
        self.t += dt;
        if self.t >= self.next_bubble {
            self.next_bubble = self.t + self.n.wait(1.0 / self.rate);
            if self.bubbles.len() < 16 {
                self.bubbles.push(Bubble {
                    phase: 0.0,
                    freq: self.n.range(500.0, 1_800.0),
                    age: 0.0,
                    life: self.n.range(0.008, 0.03),
                    amp: self.n.range(0.1, 0.5),
                });
            }
        }
        let mut pops = 0.0;
        for b in &mut self.bubbles {
            b.age += dt;
            let f = b.freq * (1.0 + 0.8 * b.age / b.life);
            b.phase = (b.phase + f * dt).fract();
            pops += (TAU * b.phase).sin() * b.amp * (1.0 - b.age / b.life).max(0.0);
        }
        self.bubbles.retain(|b| b.age < b.life);
        let x = self.n.white();
        let bed =
            (self.babble.process(x) + 0.6 * self.babble2.process(self.n.white())) * self.level;
        bed * 1.6 + pops * 0.5
    }
}

/// Rain: a soft hiss of distant rain and the patter of nearer drops.
#[derive(Clone, Debug)]
pub struct Rain {
    n: Noise,
    hiss: OnePole,
    hiss_lp: OnePole,
    drop_hp: OnePole,
    sr: f32,
    rate: f32,
    t: f32,
    next_drop: f32,
    drop_env: f32,
    drop_decay: f32,
}

impl Rain {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        Self {
            n: Noise::new(n.next_u64()),
            hiss: OnePole::new(1_500.0, sr),
            hiss_lp: OnePole::new(9_000.0, sr),
            drop_hp: OnePole::new(2_000.0, sr),
            sr,
            rate: 40.0 + 360.0 * c,
            t: 0.0,
            next_drop: 0.0,
            drop_env: 0.0,
            drop_decay: 0.99,
        }
    }
    fn next(&mut self) -> f32 {
        self.t += 1.0 / self.sr;
        if self.t >= self.next_drop {
            self.next_drop = self.t + self.n.wait(1.0 / self.rate);
            self.drop_env = self.n.range(0.2, 1.0);
            // 1–5 ms drops.
            let ms = self.n.range(1.0, 5.0);
            self.drop_decay = (-1.0 / (ms * 0.001 * self.sr)).exp();
        }
        self.drop_env *= self.drop_decay;
        let hiss = self.hiss_lp.lowpass(self.hiss.highpass(self.n.white())) * 0.9;
        let drop = self.drop_hp.highpass(self.n.white() * self.drop_env) * 1.5;
        hiss + drop
    }
}

/// A few birds, each with its own voice and habits, singing short phrases of high chirps
/// separated by long silences.
#[derive(Clone, Debug)]
pub struct Birdsong {
    n: Noise,
    sr: f32,
    birds: Vec<Bird>,
    t: f32,
}

#[derive(Clone, Debug)]
struct Bird {
    base: f32,
    sweep: f32,
    mean_gap: f32,
    next_phrase: f32,
    notes: Vec<(f32, f32, f32)>, // start, length, pitch factor
    phase: f32,
    amp: f32,
}

impl Birdsong {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let count = 2 + (c * 3.0).round() as usize;
        let birds = (0..count)
            .map(|_| Bird {
                base: own.range(2_400.0, 5_200.0),
                sweep: own.range(-0.35, 0.45),
                mean_gap: own.range(6.0, 14.0) / (0.5 + c),
                next_phrase: own.range(0.5, 8.0),
                notes: Vec::new(),
                phase: 0.0,
                amp: own.range(0.5, 1.0),
            })
            .collect();
        Self {
            n: own,
            sr,
            birds,
            t: 0.0,
        }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        self.t += dt;
        let mut out = 0.0;
        for b in &mut self.birds {
            if self.t >= b.next_phrase && b.notes.is_empty() {
                // A phrase: 3–8 chirps, each 40–150 ms, 40–120 ms apart.
                let count = 3 + (self.n.unit() * 6.0) as usize;
                let mut start = self.t;
                let motif = self.n.range(0.85, 1.2);
                for k in 0..count {
                    let len = self.n.range(0.04, 0.15);
                    let pitch =
                        motif * (1.0 + 0.08 * ((k % 3) as f32 - 1.0)) * self.n.range(0.95, 1.05);
                    b.notes.push((start, len, pitch));
                    start += len + self.n.range(0.04, 0.12);
                }
                b.next_phrase = start + self.n.wait(b.mean_gap);
            }
            if let Some(&(start, len, pitch)) = b.notes.first() {
                if self.t >= start + len {
                    b.notes.remove(0);
                } else if self.t >= start {
                    let p = (self.t - start) / len;
                    let f = b.base * pitch * (1.0 + b.sweep * p);
                    b.phase = (b.phase + f * dt).fract();
                    let env = (PI * p).sin().powi(2);
                    let s = (TAU * b.phase).sin() + 0.2 * (2.0 * TAU * b.phase).sin();
                    out += s * env * b.amp;
                }
            }
        }
        out
    }
}

/// Crickets: each one a high pulsed tone, chirping in threes at its own slightly wandering
/// rate, so the chorus never lines up the same way twice.
#[derive(Clone, Debug)]
pub struct Crickets {
    n: Noise,
    sr: f32,
    t: f32,
    crickets: Vec<Cricket>,
}

#[derive(Clone, Debug)]
struct Cricket {
    freq: f32,
    period: f32,
    next: f32,
    pulses: u32,
    phase: f32,
    amp: f32,
}

impl Crickets {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let count = 2 + (c * 6.0).round() as usize;
        let crickets = (0..count)
            .map(|_| Cricket {
                freq: own.range(3_900.0, 5_000.0),
                period: own.range(0.45, 0.9),
                next: own.range(0.0, 1.0),
                pulses: 3,
                phase: 0.0,
                amp: own.range(0.3, 1.0),
            })
            .collect();
        Self {
            n: own,
            sr,
            t: 0.0,
            crickets,
        }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        self.t += dt;
        let mut out = 0.0;
        for k in &mut self.crickets {
            if self.t >= k.next + k.period {
                k.next += k.period * self.n.range(0.9, 1.1);
                k.pulses = 3 + u32::from(self.n.unit() < 0.3);
            }
            // Pulses of 15 ms every 30 ms at the start of each chirp.
            let since = self.t - k.next;
            let pulse = (since / 0.03) as u32;
            if since >= 0.0 && pulse < k.pulses {
                let p = (since - pulse as f32 * 0.03) / 0.015;
                if p < 1.0 {
                    k.phase = (k.phase + k.freq * dt).fract();
                    out += (TAU * k.phase).sin() * (PI * p).sin() * k.amp;
                }
            }
        }
        out
    }
}

/// A campfire: a low breathing rumble, a faint hiss, and crackles and pops at random.
#[derive(Clone, Debug)]
pub struct Campfire {
    n: Noise,
    rumble: OnePole,
    rumble2: OnePole,
    hiss: OnePole,
    crack_hp: OnePole,
    breath: Wander,
    sr: f32,
    t: f32,
    rate: f32,
    next_crack: f32,
    burst_left: u32,
    env: f32,
    tick: u32,
    level: f32,
}

impl Campfire {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let breath = Wander::new(2.5, &mut own);
        Self {
            n: own,
            rumble: OnePole::new(160.0, sr),
            rumble2: OnePole::new(160.0, sr),
            hiss: OnePole::new(5_000.0, sr),
            crack_hp: OnePole::new(1_200.0, sr),
            breath,
            sr,
            t: 0.0,
            rate: 2.0 + 10.0 * c,
            next_crack: 0.0,
            burst_left: 0,
            env: 0.0,
            tick: 0,
            level: 0.5,
        }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        if self.tick == 0 {
            self.level = 0.5 + 0.5 * self.breath.step(CONTROL_EVERY as f32 * dt, &mut self.n);
        }
        self.tick = (self.tick + 1) % CONTROL_EVERY;
        self.t += dt;
        if self.t >= self.next_crack {
            if self.burst_left == 0 {
                self.burst_left = 1 + (self.n.unit() * 4.0) as u32;
            }
            self.burst_left -= 1;
            let gap = if self.burst_left > 0 {
                self.n.range(0.005, 0.04)
            } else {
                self.n.wait(1.0 / self.rate)
            };
            self.next_crack = self.t + gap;
            // Mostly small ticks, now and then a pop.
            self.env = self.n.unit().powi(3) * 1.8 + 0.1;
        }
        self.env *= 0.996;
        let rumble = self.rumble2.lowpass(self.rumble.lowpass(self.n.white())) * 6.0 * self.level;
        let hiss = self.hiss.highpass(self.n.white()) * 0.05;
        let crack = self.crack_hp.highpass(self.n.white() * self.env);
        rumble + hiss + crack
    }
}

/// Gulls far away: now and then a group of two to four falling "kee-ow" calls, softened by
/// distance.
#[derive(Clone, Debug)]
pub struct Gulls {
    n: Noise,
    sr: f32,
    t: f32,
    mean_gap: f32,
    next_group: f32,
    calls: Vec<(f32, f32, f32)>, // start, length, pitch factor
    phase: f32,
    far: OnePole,
}

impl Gulls {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        let mut own = Noise::new(n.next_u64());
        let mean_gap = 30.0 - 20.0 * c;
        let next_group = own.range(1.0, mean_gap);
        Self {
            n: own,
            sr,
            t: 0.0,
            mean_gap,
            next_group,
            calls: Vec::new(),
            phase: 0.0,
            far: OnePole::new(2_200.0, sr),
        }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        self.t += dt;
        if self.t >= self.next_group && self.calls.is_empty() {
            let count = 2 + (self.n.unit() * 3.0) as usize;
            let mut start = self.t;
            let pitch = self.n.range(0.85, 1.15);
            for _ in 0..count {
                let len = self.n.range(0.35, 0.6);
                self.calls
                    .push((start, len, pitch * self.n.range(0.96, 1.04)));
                start += len + self.n.range(0.15, 0.45);
            }
            self.next_group = start + self.n.wait(self.mean_gap);
        }
        let mut s = 0.0;
        if let Some(&(start, len, pitch)) = self.calls.first() {
            if self.t >= start + len {
                self.calls.remove(0);
            } else if self.t >= start {
                let p = (self.t - start) / len;
                // Rises briefly, then falls: kee-ow.
                let contour = if p < 0.2 {
                    1.0 + 0.15 * p / 0.2
                } else {
                    1.15 - 0.55 * (p - 0.2) / 0.8
                };
                let vibrato = 1.0 + 0.015 * (TAU * 22.0 * (self.t - start)).sin();
                let f = 1_250.0 * pitch * contour * vibrato;
                self.phase = (self.phase + f * dt).fract();
                let x = TAU * self.phase;
                let tone = x.sin() + 0.5 * (2.0 * x).sin() + 0.3 * (3.0 * x).sin();
                let env = (PI * p).sin().powf(0.7);
                s = tone * env;
            }
        }
        self.far.lowpass(s)
    }
}

/// A soft pad: a few sine partials of a calm open chord, each breathing at its own slow rate.
#[derive(Clone, Debug)]
pub struct Drone {
    sr: f32,
    partials: Vec<(f32, f32, f32, f32, f32)>, // freq, amp, phase, lfo rate, lfo phase
}

impl Drone {
    fn new(c: f32, n: &mut Noise, sr: f32) -> Self {
        // Root between A1 and E2; brightness lifts the upper partials.
        let root = 55.0 * 2f32.powf(n.range(0.0, 7.0) / 12.0);
        let partials = [
            (1.0, 1.0),
            (1.5, 0.6),
            (2.0, 0.5),
            (3.0, 0.25 + 0.3 * c),
            (4.0, 0.1 + 0.25 * c),
        ]
        .iter()
        .map(|&(ratio, amp)| {
            (
                root * ratio * n.range(0.997, 1.003),
                amp,
                n.unit(),
                n.range(0.02, 0.07),
                n.unit(),
            )
        })
        .collect();
        Self { sr, partials }
    }
    fn next(&mut self) -> f32 {
        let dt = 1.0 / self.sr;
        let mut out = 0.0;
        for (freq, amp, phase, rate, lfo) in &mut self.partials {
            *phase = (*phase + *freq * dt).fract();
            *lfo = (*lfo + *rate * dt).fract();
            let breathe = 0.55 + 0.45 * (TAU * *lfo).sin();
            out += (TAU * *phase).sin() * *amp * breathe;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sound::SAMPLE_RATE;
    use crate::sound::dsp::BandPass;

    const SR: f32 = SAMPLE_RATE as f32;

    fn take(kind: SoundKind, character: f32, seconds: f32) -> Vec<f32> {
        let mut v = Voice::new(kind, character, 42, SR);
        (0..(seconds * SR) as usize).map(|_| v.sample()).collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
    }

    /// RMS per window of `seconds`.
    fn envelope(x: &[f32], seconds: f32) -> Vec<f32> {
        x.chunks((seconds * SR) as usize).map(rms).collect()
    }

    fn band_share(x: &[f32], center: f32) -> f32 {
        let mut f = BandPass::new(center, 1.0, SR);
        let y: Vec<f32> = x.iter().map(|s| f.process(*s)).collect();
        rms(&y) / rms(x)
    }

    #[test]
    fn every_kind_makes_sound_and_stays_finite() {
        for kind in SoundKind::ALL {
            // Gulls call about every 20 s; give everything a minute.
            let x = take(kind, 0.8, 60.0);
            assert!(x.iter().all(|s| s.is_finite()), "{kind:?}");
            assert!(rms(&x) > 1e-3, "{kind:?} is silent");
        }
    }

    #[test]
    fn waves_are_broadband_with_slow_swells() {
        let x = take(SoundKind::Waves, 0.6, 60.0);
        for center in [200.0, 800.0, 2_500.0] {
            let share = band_share(&x, center);
            assert!(share > 0.1, "little energy near {center} Hz ({share})");
        }
        // One-second loudness rises and falls by a wide margin, a few times a minute.
        let env = envelope(&x, 1.0);
        let (lo, hi) = env
            .iter()
            .fold((f32::MAX, 0.0f32), |(lo, hi), e| (lo.min(*e), hi.max(*e)));
        assert!(hi / lo > 2.0, "swells too flat: {lo}..{hi}");
        let mean = env.iter().sum::<f32>() / env.len() as f32;
        let crossings = env
            .windows(2)
            .filter(|w| (w[0] - mean) * (w[1] - mean) < 0.0)
            .count();
        // 7–13 s swells: roughly 9–17 mean crossings a minute, never a fast flutter.
        assert!(
            (5..=25).contains(&crossings),
            "{crossings} swell crossings in a minute"
        );
    }

    #[test]
    fn birds_are_sparse_high_chirps() {
        let x = take(SoundKind::Birdsong, 0.5, 60.0);
        let env = envelope(&x, 0.05);
        let peak = env.iter().cloned().fold(0.0, f32::max);
        let active = env.iter().filter(|e| **e > peak * 0.05).count() as f32 / env.len() as f32;
        assert!(
            active > 0.02 && active < 0.3,
            "birds sing {:.0}% of the time",
            active * 100.0
        );
        // High: in the loud windows, the zero-crossing rate says 2 kHz and up.
        let win = (0.05 * SR) as usize;
        let mut pitches = Vec::new();
        for (i, e) in env.iter().enumerate() {
            if *e > peak * 0.3 {
                let w = &x[i * win..((i + 1) * win).min(x.len())];
                let zc = w.windows(2).filter(|p| p[0] * p[1] < 0.0).count() as f32;
                pitches.push(zc / 2.0 / 0.05);
            }
        }
        let median = {
            pitches.sort_by(f32::total_cmp);
            pitches[pitches.len() / 2]
        };
        assert!(median > 2_000.0, "birds around {median} Hz");
    }

    #[test]
    fn nothing_repeats_within_ten_minutes() {
        // Loudness contours of the first minute and of the tenth are unrelated.
        for kind in [
            SoundKind::Waves,
            SoundKind::Wind,
            SoundKind::Stream,
            SoundKind::Birdsong,
        ] {
            let x = take(kind, 0.5, 600.0);
            let env = envelope(&x, 0.25);
            let n = 240;
            let a = &env[..n];
            let best = (n..env.len() - n)
                .step_by(1)
                .map(|off| {
                    let b = &env[off..off + n];
                    a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum::<f32>() / n as f32
                })
                .fold(f32::MAX, f32::min);
            let scale = a.iter().sum::<f32>() / n as f32;
            assert!(
                best > scale * 0.05,
                "{kind:?} repeats its first minute (distance {best}, level {scale})"
            );
        }
    }
}
