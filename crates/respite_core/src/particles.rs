//! How drifting particles move. The graphics card moves them (`living.wgsl` in the app holds
//! the same formulas, term for term); these Rust twins place them and let the tests check
//! the comfort rules: nothing comes within 1 m of the head, nothing glows faster than a
//! slow pulse.

use crate::scatter::{rule_rng, unit};
use crate::scene::{ParticleKind, Particles};
use std::f32::consts::TAU;

/// How a particle moves; the number is what the shader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motion {
    Fall = 0,
    Wander = 1,
    Veil = 2,
    Rise = 3,
}

impl Motion {
    pub fn of(kind: ParticleKind) -> Motion {
        match kind {
            ParticleKind::Snow | ParticleKind::Leaves => Motion::Fall,
            ParticleKind::Pollen | ParticleKind::Fireflies => Motion::Wander,
            ParticleKind::Mist => Motion::Veil,
        }
    }

    /// How far a particle strays sideways from its home, metres.
    pub fn sway(self) -> f32 {
        match self {
            Motion::Fall => 0.35,
            Motion::Wander => 0.45,
            Motion::Veil => 3.0,
            Motion::Rise => 0.15,
        }
    }
}

/// Where one particle starts from, and its own offset in time (0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Home {
    pub pos: [f32; 3],
    pub phase: f32,
    pub color: usize,
}

/// Seeded homes for a particle field: on a ring around the seat, no nearer than the inner
/// radius plus how far they stray, so they never drift within 1 m of the head.
pub fn homes(spec: &Particles, seed: u64, stream: u64) -> Vec<Home> {
    let mut rng = rule_rng(seed, 0x5041_5254 ^ stream);
    let reach = Motion::of(spec.kind).sway() + spec.size_m / 2.0;
    let inner = spec.inner_radius_m.max(1.0 + reach);
    let outer = spec.outer_radius_m.max(inner + 0.1);
    (0..spec.count)
        .map(|_| {
            // Even over the ring's area, not bunched at its centre.
            let r = (inner * inner + unit(&mut rng) * (outer * outer - inner * inner)).sqrt();
            let a = unit(&mut rng) * TAU;
            let y = spec.height_m.0 + unit(&mut rng) * (spec.height_m.1 - spec.height_m.0);
            Home {
                pos: [r * a.cos(), y, r * a.sin()],
                phase: unit(&mut rng),
                color: (unit(&mut rng) * spec.colors.len() as f32) as usize % spec.colors.len(),
            }
        })
        .collect()
}

fn fract(x: f32) -> f32 {
    x - x.floor()
}

/// Position at time `t` seconds of a particle from `home`, for a field whose particles move
/// at `speed` m/s between heights `lo` and `hi`.
pub fn position(motion: Motion, home: &Home, t: f32, speed: f32, lo: f32, hi: f32) -> [f32; 3] {
    let [hx, hy, hz] = home.pos;
    let p = home.phase;
    let sway = motion.sway();
    let span = (hi - lo).max(0.1);
    match motion {
        Motion::Fall => {
            let f = fract(p + (hi - hy) / span + t * speed / span);
            [
                hx + sway * (t * 0.7 + p * 40.0).sin(),
                hi - f * span,
                hz + sway * (t * 0.6 + p * 31.0).cos(),
            ]
        }
        Motion::Wander => {
            let w = 0.2 + speed;
            [
                hx + sway * (t * w * 0.9 + p * 50.0).sin(),
                hy + sway * 0.5 * (t * w * 0.7 + p * 20.0).sin(),
                hz + sway * (t * w * 1.1 + p * 70.0).cos(),
            ]
        }
        Motion::Veil => [
            hx + sway * (t * 0.04 * (1.0 + speed) + p * 10.0).sin(),
            hy,
            hz + sway * (t * 0.03 * (1.0 + speed) + p * 17.0).cos(),
        ],
        Motion::Rise => {
            let f = fract(p + t * speed / span);
            [
                hx + sway * (t * 1.3 + p * 40.0).sin(),
                lo + f * span,
                hz + sway * (t * 1.1 + p * 23.0).cos(),
            ]
        }
    }
}

/// Brightness 0–1 of a particle at time `t`: fireflies pulse, each on its own 4–8 s rhythm
/// (at most a quarter of a pulse per second); everything else fades only at the ends of its
/// fall or rise, so nothing pops into being.
pub fn glow(
    kind: Option<ParticleKind>,
    motion: Motion,
    home: &Home,
    t: f32,
    speed: f32,
    lo: f32,
    hi: f32,
) -> f32 {
    let p = home.phase;
    if kind == Some(ParticleKind::Fireflies) {
        let period = 4.0 + 4.0 * fract(p * 7.31);
        let s = (TAU * (t / period + p)).sin().max(0.0);
        return s * s;
    }
    let span = (hi - lo).max(0.1);
    match motion {
        Motion::Fall | Motion::Rise => {
            let [_, y, _] = position(motion, home, t, speed, lo, hi);
            let f = (y - lo) / span;
            crate::smoothstep_between(0.0, 0.1, f) * crate::smoothstep_between(1.0, 0.85, f)
        }
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rgb;

    fn field(kind: ParticleKind, inner: f32) -> Particles {
        Particles {
            kind,
            count: 400,
            inner_radius_m: inner,
            outer_radius_m: inner + 20.0,
            height_m: (0.0, 6.0),
            size_m: 0.05,
            speed_m_s: 0.6,
            colors: vec![Rgb([255, 255, 255]), Rgb([200, 200, 255])],
        }
    }

    #[test]
    fn nothing_drifts_within_a_metre_of_the_head() {
        let head = [0.0, 1.2, 0.0];
        for kind in [
            ParticleKind::Snow,
            ParticleKind::Leaves,
            ParticleKind::Pollen,
            ParticleKind::Fireflies,
            ParticleKind::Mist,
        ] {
            let spec = field(kind, 1.5);
            let m = Motion::of(kind);
            let mut nearest = f32::MAX;
            for h in homes(&spec, 9, 0) {
                for step in 0..600 {
                    let [x, y, z] = position(m, &h, step as f32 * 1.01, 0.6, 0.0, 6.0);
                    let d = ((x - head[0]).powi(2) + (y - head[1]).powi(2) + (z - head[2]).powi(2))
                        .sqrt()
                        - spec.size_m / 2.0;
                    nearest = nearest.min(d);
                }
            }
            assert!(nearest >= 1.0, "{kind:?} came {nearest:.2} m from the head");
        }
    }

    #[test]
    fn fireflies_pulse_slowly_never_flash() {
        let spec = field(ParticleKind::Fireflies, 3.0);
        for h in homes(&spec, 4, 1).iter().take(50) {
            // Count rises through half brightness over 60 s sampled at 120 Hz.
            let mut rises = 0;
            let mut prev = 0.0;
            for i in 0..7200 {
                let g = glow(
                    Some(ParticleKind::Fireflies),
                    Motion::Wander,
                    h,
                    i as f32 / 120.0,
                    0.6,
                    0.0,
                    6.0,
                );
                if prev < 0.5 && g >= 0.5 {
                    rises += 1;
                }
                prev = g;
            }
            assert!((7..=16).contains(&rises), "{rises} pulses a minute");
        }
    }

    #[test]
    fn falling_snow_wraps_unseen() {
        let spec = field(ParticleKind::Snow, 2.0);
        let h = homes(&spec, 4, 1)[0];
        // At the instant of wrapping (top and bottom) a flake is invisible.
        for i in 0..20_000 {
            let t = i as f32 * 0.01;
            let [_, y, _] = position(Motion::Fall, &h, t, 0.6, 0.0, 6.0);
            if !(0.05..=5.95).contains(&y) {
                let g = glow(Some(ParticleKind::Snow), Motion::Fall, &h, t, 0.6, 0.0, 6.0);
                assert!(g < 0.05, "visible ({g}) at y {y}");
            }
        }
    }

    #[test]
    fn same_seed_same_field() {
        let spec = field(ParticleKind::Pollen, 2.0);
        assert_eq!(homes(&spec, 1, 2), homes(&spec, 1, 2));
        assert_ne!(homes(&spec, 1, 2), homes(&spec, 2, 2));
    }
}
