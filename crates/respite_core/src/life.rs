//! Where clouds and animals are at any moment: pure functions of the spec, the seed and the
//! scene time, so a paused scene is still, a replay is identical, and the comfort rules can
//! be checked over a whole session without a window.
//!
//! Comfort by construction: every path keeps its distance from the viewer (a butterfly's
//! loops are narrower than the gap between its ring and the head), speeds stay near the
//! spec's, and nothing changes brightness: wings turn, colours never change.

use crate::scatter::{rule_rng, unit};
use crate::scene::{Clouds, Fauna, FaunaKind};
use crate::smoothstep;
use std::f32::consts::TAU;

/// Wing length of a butterfly, metres: a large one (16 cm across), so it reads in a
/// headset; also what keeps its wingbeat harmless (see tests).
pub const BUTTERFLY_WING_M: f32 = 0.08;
/// One butterfly wing's outline, in wing lengths from the body (x out, z back): a broad
/// fore-wing and a smaller hind-wing, as triangles.
pub const BUTTERFLY_WING: [[[f32; 2]; 3]; 2] = [
    [[0.0, 0.0], [1.0, -0.9], [0.9, 0.1]],
    [[0.0, 0.0], [0.75, 0.25], [0.35, 0.7]],
];
/// Wing length of a gliding bird, metres.
pub const BIRD_WING_M: f32 = 0.6;

/// One animal's seeded path.
#[derive(Debug, Clone, PartialEq)]
pub struct Flight {
    pub kind: FaunaKind,
    /// Index into the rule's colours.
    pub color: usize,
    center: [f32; 2],
    /// Loop size (butterfly) or circle radius (bird), metres.
    reach: f32,
    rates: [f32; 5],
    phases: [f32; 5],
    height: f32,
    bob: f32,
    wingbeat_hz: f32,
}

/// The animals of one fauna rule; `stream` keeps rules apart.
pub fn flights(rule: &Fauna, seed: u64, stream: u64) -> Vec<Flight> {
    if rule.kind == FaunaKind::FishRings {
        return Vec::new();
    }
    let mut rng = rule_rng(seed, 2_000 + stream);
    let (inner, outer) = (rule.inner_radius_m, rule.outer_radius_m);
    let (hlo, hhi) = rule.height_m;
    (0..rule.count)
        .map(|_| {
            let mut u = || unit(&mut rng);
            let reach = match rule.kind {
                // Loops of up to 3 m, never wider than a third of the ring.
                FaunaKind::Butterfly => ((outer - inner) / 3.0).clamp(0.3, 3.0),
                FaunaKind::Bird | FaunaKind::FishRings => ((outer - inner) / 4.0).clamp(5.0, 80.0),
            };
            let wingbeat_hz = match rule.kind {
                FaunaKind::Butterfly => 5.0 + 4.0 * u(),
                FaunaKind::Bird | FaunaKind::FishRings => 2.5 + u(),
            };
            let r = inner + reach + (outer - inner - 2.0 * reach).max(0.0) * u().sqrt();
            let a = u() * TAU;
            let base = rule.speed_m_s / reach;
            let rates = match rule.kind {
                FaunaKind::Butterfly => [
                    base * (0.6 + 0.3 * u()),
                    base * (1.3 + 0.6 * u()),
                    base * (0.6 + 0.3 * u()),
                    base * (1.3 + 0.6 * u()),
                    0.4 + 0.6 * u(),
                ],
                // Gliding: one steady circle, either way round.
                FaunaKind::Bird | FaunaKind::FishRings => {
                    let dir = if u() < 0.5 { -1.0 } else { 1.0 };
                    [dir * base, 0.0, 0.0, 0.0, 0.05 + 0.05 * u()]
                }
            };
            let phases = [u() * TAU, u() * TAU, u() * TAU, u() * TAU, u() * TAU];
            Flight {
                kind: rule.kind,
                color: (u() * rule.colors.len() as f32) as usize % rule.colors.len().max(1),
                center: [r * a.cos(), r * a.sin()],
                reach,
                rates,
                phases,
                height: hlo + (hhi - hlo) * u(),
                bob: match rule.kind {
                    FaunaKind::Butterfly => 0.25,
                    FaunaKind::Bird | FaunaKind::FishRings => 3.0,
                },
                wingbeat_hz,
            }
        })
        .collect()
}

impl Flight {
    /// Position at scene time `t` seconds: x and z in metres from the viewer, y above the
    /// ground beneath.
    pub fn position(&self, t: f32) -> [f32; 3] {
        let s = |k: usize| (self.rates[k] * t + self.phases[k]).sin();
        let c = |k: usize| (self.rates[k] * t + self.phases[k]).cos();
        let (dx, dz) = match self.kind {
            // Two incommensurate loops per axis: a path that never quite repeats. Each axis
            // stays within reach/√2, so the loop never leaves a circle of `reach`.
            FaunaKind::Butterfly => (
                self.reach * std::f32::consts::FRAC_1_SQRT_2 * (0.6 * s(0) + 0.4 * s(1)),
                self.reach * std::f32::consts::FRAC_1_SQRT_2 * (0.6 * c(2) + 0.4 * s(3)),
            ),
            FaunaKind::Bird | FaunaKind::FishRings => (self.reach * c(0), self.reach * s(0)),
        };
        [
            self.center[0] + dx,
            self.height + self.bob * s(4),
            self.center[1] + dz,
        ]
    }

    /// Direction of travel at `t`, radians about the vertical (0 faces −Z).
    pub fn heading(&self, t: f32) -> f32 {
        let a = self.position(t);
        let b = self.position(t + 0.05);
        (b[0] - a[0]).atan2(-(b[2] - a[2]))
    }

    /// Wing angle at `t`, radians: beating for butterflies, mostly still for gliding birds
    /// with a few slow beats now and then.
    pub fn wing_angle(&self, t: f32) -> f32 {
        let beat = (TAU * self.wingbeat_hz * t + self.phases[0]).sin();
        match self.kind {
            // Wings held in a V and beating through it, so they show from the side too.
            FaunaKind::Butterfly => 0.6 + 0.55 * beat,
            FaunaKind::Bird | FaunaKind::FishRings => {
                // A short bout of beats about every 12 s.
                let bout = (TAU * t / 12.0 + self.phases[1]).sin().max(0.0).powi(8);
                0.08 + 0.45 * bout * beat
            }
        }
    }
}

/// A spot on the water where a fish rises now and then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rise {
    pub x: f32,
    pub z: f32,
    /// Seconds between rises at this spot (6–14).
    pub period: f32,
    /// Offset of the first rise, 0–1 of a period.
    pub phase: f32,
}

/// How long one set of rings spreads before it has faded, seconds.
pub const RING_S: f32 = 4.0;
/// How wide the rings spread, metres.
pub const RING_M: f32 = 1.4;

/// Where fish rise for a `FishRings` rule: on open water only (at least 1.5 m from the
/// shore), within the rule's ring around the seat.
pub fn rises(rule: &Fauna, water: &crate::scene::Water, seed: u64, stream: u64) -> Vec<Rise> {
    let mut rng = rule_rng(seed, 3_000 + stream);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < rule.count as usize && tries < rule.count * 200 {
        tries += 1;
        let r = rule.inner_radius_m
            + (rule.outer_radius_m - rule.inner_radius_m) * unit(&mut rng).sqrt();
        let a = unit(&mut rng) * TAU;
        let (x, z) = (r * a.cos(), r * a.sin());
        let (period, phase) = (6.0 + 8.0 * unit(&mut rng), unit(&mut rng));
        if crate::water::reach(water, x, z) >= 1.5 + RING_M {
            out.push(Rise {
                x,
                z,
                period,
                phase,
            });
        }
    }
    out
}

/// One cloud's size and place in its drifting field.
#[derive(Debug, Clone, PartialEq)]
pub struct Cloud {
    /// Position along the drift, metres (wraps within ±spread).
    along: f32,
    /// Position across the drift, metres.
    across: f32,
    /// Length, metres.
    pub size: f32,
    /// A free seeded number for shape variety.
    pub variant: u32,
}

/// The clouds of a scene.
pub fn clouds(spec: &Clouds, seed: u64) -> Vec<Cloud> {
    let mut rng = rule_rng(seed, 3_000);
    let (lo, hi) = spec.size_m;
    (0..spec.count)
        .map(|_| Cloud {
            along: (unit(&mut rng) * 2.0 - 1.0) * spec.spread_m,
            across: (unit(&mut rng) * 2.0 - 1.0) * spec.spread_m,
            size: lo + (hi - lo) * unit(&mut rng),
            variant: rand::Rng::next_u32(&mut rng),
        })
        .collect()
}

/// Where a cloud is at `t`, and how much of it shows (0–1): clouds grow in at the upwind
/// edge of the field and shrink away at the downwind edge, never popping.
pub fn cloud_at(spec: &Clouds, cloud: &Cloud, t: f32) -> ([f32; 3], f32) {
    let span = 2.0 * spec.spread_m;
    let along = (cloud.along + spec.drift_m_s * t + spec.spread_m).rem_euclid(span) - spec.spread_m;
    let edge = 0.15 * span;
    let ramp = |d: f32| smoothstep(d / edge);
    let show = ramp(along + spec.spread_m).min(ramp(spec.spread_m - along));
    let dir = spec.drift_toward_deg.to_radians();
    let (fwd, side) = ([dir.sin(), -dir.cos()], [dir.cos(), dir.sin()]);
    (
        [
            fwd[0] * along + side[0] * cloud.across,
            spec.altitude_m,
            fwd[1] * along + side[1] * cloud.across,
        ],
        show,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::color::Rgb;

    fn rule(kind: FaunaKind, inner: f32, outer: f32, speed: f32) -> Fauna {
        Fauna {
            kind,
            count: 40,
            inner_radius_m: inner,
            outer_radius_m: outer,
            height_m: (0.4, 1.6),
            speed_m_s: speed,
            colors: vec![Rgb([250, 200, 60]), Rgb([240, 240, 250])],
        }
    }

    const HEAD: [f32; 3] = [0.0, 1.2, 0.0];

    fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn nothing_comes_within_a_metre_of_the_head_in_a_twenty_minute_session() {
        for kind in [FaunaKind::Butterfly, FaunaKind::Bird] {
            // The tightest ring the spec allows.
            let r = rule(kind, 1.5, 6.0, 1.5);
            for f in flights(&r, 9, 0) {
                let closest = (0..20 * 60 * 20)
                    .map(|i| dist(f.position(i as f32 * 0.05), HEAD))
                    .fold(f32::MAX, f32::min);
                assert!(closest >= 1.0, "{kind:?} came {closest:.2} m from the head");
            }
        }
    }

    #[test]
    fn speeds_stay_near_the_spec_and_never_dart() {
        for (kind, speed) in [(FaunaKind::Butterfly, 1.0), (FaunaKind::Bird, 8.0)] {
            let r = rule(kind, 8.0, 120.0, speed);
            for f in flights(&r, 4, 1) {
                let dt = 0.02;
                let fastest = (0..3_000)
                    .map(|i| {
                        let t = i as f32 * dt;
                        let (a, b) = (f.position(t), f.position(t + dt));
                        let horizontal = ((b[0] - a[0]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
                        horizontal / dt
                    })
                    .fold(0.0, f32::max);
                assert!(
                    fastest <= speed * 2.0,
                    "{kind:?} reached {fastest:.2} m/s (spec {speed})"
                );
            }
        }
    }

    #[test]
    fn wingbeats_are_too_small_to_count_as_flashes() {
        // WCAG 2.3.1 counts flashes over a combined area of a quarter of any 10° field
        // (π·5²/4 ≈ 19.6 square degrees). Both wings, face on, at the closest a butterfly
        // may come (1.5 m from the viewer), stay under it; the wings turn, their colours
        // never change.
        let tri = |t: &[[f32; 2]; 3]| {
            0.5 * ((t[1][0] - t[0][0]) * (t[2][1] - t[0][1])
                - (t[2][0] - t[0][0]) * (t[1][1] - t[0][1]))
                .abs()
        };
        let area_m2 = 2.0 * BUTTERFLY_WING.iter().map(tri).sum::<f32>() * BUTTERFLY_WING_M.powi(2);
        let square_degrees = area_m2 / 1.5f32.powi(2) * (180.0 / std::f32::consts::PI).powi(2);
        let limit = std::f32::consts::PI * 25.0 / 4.0;
        assert!(
            square_degrees < limit,
            "{square_degrees:.1} sq° against {limit:.1}"
        );
        let f = &flights(&rule(FaunaKind::Butterfly, 3.0, 10.0, 1.0), 1, 0)[0];
        assert!((5.0..=9.0).contains(&f.wingbeat_hz));
        // Birds glide: most of the time their wings barely move.
        let b = &flights(&rule(FaunaKind::Bird, 60.0, 200.0, 8.0), 1, 0)[0];
        let still = (0..1200)
            .filter(|i| (b.wing_angle(*i as f32 * 0.05) - 0.08).abs() < 0.05)
            .count();
        assert!(still > 700, "birds flap {} of 1200 samples", 1200 - still);
    }

    #[test]
    fn paths_are_seeded_and_stay_in_their_ring() {
        let r = rule(FaunaKind::Butterfly, 5.0, 20.0, 1.0);
        assert_eq!(flights(&r, 3, 0), flights(&r, 3, 0));
        assert_ne!(flights(&r, 3, 0), flights(&r, 4, 0));
        for f in flights(&r, 3, 0) {
            for i in 0..2_000 {
                let p = f.position(i as f32 * 0.3);
                let horizontal = (p[0] * p[0] + p[2] * p[2]).sqrt();
                assert!((5.0..=20.0).contains(&horizontal), "{horizontal}");
            }
        }
    }

    #[test]
    fn clouds_drift_slowly_and_grow_in_rather_than_pop() {
        let spec = Clouds {
            count: 30,
            altitude_m: 220.0,
            spread_m: 700.0,
            drift_m_s: 3.0,
            drift_toward_deg: 70.0,
            size_m: (60.0, 160.0),
            color: Rgb([255, 255, 255]),
        };
        for c in clouds(&spec, 5) {
            let mut last: Option<([f32; 3], f32)> = None;
            for i in 0..(20 * 60 * 10) {
                let (p, show) = cloud_at(&spec, &c, i as f32 * 0.1);
                assert!((0.0..=1.0).contains(&show));
                if let Some((q, was)) = last {
                    // Between frames 0.1 s apart: either a small drift, or the wrap, which
                    // happens only while the cloud is fully hidden.
                    let moved = dist(p, q);
                    if moved > 1.0 {
                        assert!(
                            show < 0.01 && was < 0.01,
                            "cloud jumped {moved} m while visible"
                        );
                    }
                    assert!(
                        (show - was).abs() < 0.01,
                        "cloud visibility jumped {was} → {show}"
                    );
                }
                last = Some((p, show));
            }
        }
    }
}

/// A butterfly that comes to land where the patient looks (immersion levels with
/// interactive life): it arrives on a gentle arc from the side, rests with its wings slowly
/// opening and closing, then drifts away. Every part starts and ends at rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    from: [f32; 3],
    to: [f32; 3],
    away: [f32; 3],
    /// Seconds to arrive (and to leave), and to rest.
    pub travel_s: f32,
    pub rest_s: f32,
}

impl Visit {
    /// A visit to `spot` (a point on the ground) seen from `viewer` (x, z).
    pub fn new(spot: [f32; 3], viewer: [f32; 2]) -> Visit {
        let (dx, dz) = (spot[0] - viewer[0], spot[2] - viewer[1]);
        let d = (dx * dx + dz * dz).sqrt().max(1e-3);
        let (ox, oz) = (dx / d, dz / d);
        // In from beyond the spot and to one side; away to the other side.
        let from = [
            spot[0] + ox * 3.0 + oz * 3.0,
            spot[1] + 2.0,
            spot[2] + oz * 3.0 - ox * 3.0,
        ];
        let away = [
            spot[0] + ox * 2.0 - oz * 4.0,
            spot[1] + 3.0,
            spot[2] + oz * 2.0 + ox * 4.0,
        ];
        Visit {
            from,
            to: [spot[0], spot[1] + 0.03, spot[2]],
            away,
            travel_s: 5.0,
            rest_s: 7.0,
        }
    }

    fn arc(a: [f32; 3], b: [f32; 3], s: f32) -> [f32; 3] {
        // A quadratic curve whose middle rises 0.8 m above the straight line.
        let e = crate::smoothstep(s);
        let lift = 0.8 * 4.0 * e * (1.0 - e);
        [
            a[0] + (b[0] - a[0]) * e,
            a[1] + (b[1] - a[1]) * e + lift,
            a[2] + (b[2] - a[2]) * e,
        ]
    }

    /// Where it is `t` seconds into the visit.
    pub fn position(&self, t: f32) -> [f32; 3] {
        let (tr, rest) = (self.travel_s, self.rest_s);
        if t < tr {
            Self::arc(self.from, self.to, t / tr)
        } else if t < tr + rest {
            self.to
        } else {
            Self::arc(self.to, self.away, (t - tr - rest) / tr)
        }
    }

    /// Direction of travel, radians about the vertical (0 faces −Z); at rest, the arrival's.
    pub fn heading(&self, t: f32) -> f32 {
        let (a, b) = if t < self.travel_s + self.rest_s {
            (self.from, self.to)
        } else {
            (self.to, self.away)
        };
        (b[0] - a[0]).atan2(-(b[2] - a[2]))
    }

    /// Wings beating in flight; at rest opening and closing once every four seconds.
    pub fn wing_angle(&self, t: f32) -> f32 {
        if self.landed(t) {
            0.9 + 0.5 * (TAU * t / 4.0).sin()
        } else {
            0.6 + 0.55 * (TAU * 6.0 * t).sin()
        }
    }

    pub fn landed(&self, t: f32) -> bool {
        t >= self.travel_s && t < self.travel_s + self.rest_s
    }

    pub fn done(&self, t: f32) -> bool {
        t >= 2.0 * self.travel_s + self.rest_s
    }
}

#[cfg(test)]
mod visit_tests {
    use super::*;

    #[test]
    fn a_visitor_arrives_gently_lands_on_the_spot_and_leaves() {
        let spot = [3.0, 0.2, -4.0];
        let v = Visit::new(spot, [0.0, 0.0]);
        let dt = 1.0 / 90.0;
        let mut top_speed = 0.0f32;
        let mut t = 0.0;
        while !v.done(t) {
            let (a, b) = (v.position(t), v.position(t + dt));
            let speed =
                ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt() / dt;
            top_speed = top_speed.max(speed);
            // Never nearer the viewer's head than 1.5 m.
            let p = v.position(t);
            assert!(
                (p[0].powi(2) + (p[1] - 1.2).powi(2) + p[2].powi(2)).sqrt() > 1.5,
                "{p:?}"
            );
            t += dt;
        }
        assert!(
            top_speed < 2.5,
            "a butterfly's pace, not a dart: {top_speed} m/s"
        );
        let at = v.position(v.travel_s + 1.0);
        assert!((at[0] - spot[0]).abs() < 1e-4 && (at[2] - spot[2]).abs() < 1e-4);
        assert!(v.landed(v.travel_s + 1.0) && !v.landed(1.0));
        // Arrival ends at rest: the last step before landing is tiny.
        let (a, b) = (v.position(v.travel_s - dt), v.position(v.travel_s));
        assert!((a[0] - b[0]).abs() + (a[2] - b[2]).abs() < 1e-3);
    }
}
