//! The attention task: a round of soft lights that glow up one at a time, somewhere in
//! front of the patient, to be counted; then the panel asks how many there were. Engaging
//! attention is how VR draws it away from pain; the answer, its error and how long it took
//! go to the record. Each round is seeded, so a study shows every participant the same.

use crate::scatter::{rule_rng, unit};

/// Seconds a round of lights lasts; the question follows [`ASK_AFTER_S`] later.
pub const ROUND_S: f32 = 45.0;
pub const ASK_AFTER_S: f32 = 3.0;
/// Seconds between one light's start and the next's, at least: one glow at a time.
pub const SPACING_S: f32 = 5.0;
/// How long one light takes to glow up, hold and fade.
pub const GLOW_S: f32 = 4.0;

/// One light of a round: when it starts (seconds into the round) and where, as a turn from
/// straight ahead (degrees, + to the right), a distance (m) and a height above the ground (m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Light {
    pub at_s: f32,
    pub yaw_deg: f32,
    pub distance_m: f32,
    pub height_m: f32,
}

/// Round `round` (1-based) of the task for a scene seeded `seed`: 3 to 7 lights.
pub fn round(seed: u64, round: u32) -> Vec<Light> {
    // Stream 3000+: apart from the scene's placement and sound streams.
    let mut rng = rule_rng(seed, 3_000 + u64::from(round));
    let n = 3 + (unit(&mut rng) * 5.0).min(4.999) as usize;
    let mut between = |lo: f32, hi: f32| lo + (hi - lo) * unit(&mut rng);
    // Start times: n slots of SPACING_S spread over the round with seeded slack.
    let slack = ROUND_S - GLOW_S - SPACING_S * (n as f32 - 1.0);
    let mut cuts: Vec<f32> = (0..n).map(|_| between(0.0, slack)).collect();
    cuts.sort_by(f32::total_cmp);
    cuts.into_iter()
        .enumerate()
        .map(|(i, c)| Light {
            at_s: c + i as f32 * SPACING_S,
            yaw_deg: between(-35.0, 35.0),
            distance_m: between(6.0, 12.0),
            height_m: between(0.6, 2.4),
        })
        .collect()
}

/// A light's glow 0–1, `t` seconds after it starts: up over 1.5 s, held 1 s, down over 1.5 s.
pub fn glow(t: f32) -> f32 {
    if !(0.0..=GLOW_S).contains(&t) {
        0.0
    } else if t < 1.5 {
        crate::smoothstep(t / 1.5)
    } else if t < 2.5 {
        1.0
    } else {
        1.0 - crate::smoothstep((t - 2.5) / 1.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_shows_three_to_seven_lights_one_at_a_time_within_its_time() {
        let mut counts = std::collections::BTreeSet::new();
        for r in 1..=40 {
            let lights = round(42, r);
            counts.insert(lights.len());
            assert!((3..=7).contains(&lights.len()));
            for w in lights.windows(2) {
                assert!(
                    w[1].at_s - w[0].at_s >= SPACING_S - 1e-3,
                    "round {r}: {w:?}"
                );
            }
            for l in &lights {
                assert!(l.at_s >= 0.0 && l.at_s + GLOW_S <= ROUND_S + 1e-3, "{l:?}");
                assert!(l.yaw_deg.abs() <= 35.0 && (6.0..12.0).contains(&l.distance_m));
            }
        }
        assert!(counts.len() >= 4, "counts vary between rounds: {counts:?}");
        assert_eq!(round(42, 3), round(42, 3), "seeded");
        assert_ne!(round(42, 3), round(43, 3));
    }

    #[test]
    fn a_light_glows_up_and_down_gently_never_flashing() {
        assert_eq!(glow(-0.1), 0.0);
        assert_eq!(glow(2.0), 1.0);
        assert_eq!(glow(GLOW_S + 0.1), 0.0);
        let dt = 1.0 / 90.0;
        let worst = (0..(GLOW_S / dt) as usize)
            .map(|i| (glow((i + 1) as f32 * dt) - glow(i as f32 * dt)).abs())
            .fold(0.0, f32::max);
        // Full swing takes 1.5 s: far below 3 flashes a second.
        assert!(worst < 0.02, "{worst}");
    }
}
