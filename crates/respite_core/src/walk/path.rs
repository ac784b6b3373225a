//! The path a walk follows: a centripetal Catmull-Rom spline through the file's control
//! points (centripetal, so it never loops or cusps between uneven points), measured by arc
//! length, and the smooth ground profile along it that the terrain is levelled to.
//!
//! Written here rather than taken from a crate: it is forty lines, and the walk needs arc
//! length, a loop/open switch and a C¹ height profile, which the spline crates leave to
//! their users anyway.

use crate::smoothstep;

/// A point or direction on the ground plane: x east, z south (Bevy's axes; north is −z).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct P2 {
    pub x: f32,
    pub z: f32,
}

impl P2 {
    pub const fn new(x: f32, z: f32) -> Self {
        Self { x, z }
    }
    pub fn len(self) -> f32 {
        (self.x * self.x + self.z * self.z).sqrt()
    }
    pub fn dot(self, o: P2) -> f32 {
        self.x * o.x + self.z * o.z
    }
    pub fn normalized(self) -> P2 {
        let l = self.len().max(1e-9);
        P2::new(self.x / l, self.z / l)
    }
    /// The direction a quarter turn clockwise seen from above: right of `self`.
    pub fn right(self) -> P2 {
        P2::new(-self.z, self.x)
    }
    /// Compass heading of this direction: 0 = north (−z), 90 = east (+x), radians.
    pub fn heading(self) -> f32 {
        self.x.atan2(-self.z)
    }
    /// The unit direction of a compass heading (radians).
    pub fn from_heading(h: f32) -> P2 {
        P2::new(h.sin(), -h.cos())
    }
}

impl std::ops::Add for P2 {
    type Output = P2;
    fn add(self, o: P2) -> P2 {
        P2::new(self.x + o.x, self.z + o.z)
    }
}
impl std::ops::Sub for P2 {
    type Output = P2;
    fn sub(self, o: P2) -> P2 {
        P2::new(self.x - o.x, self.z - o.z)
    }
}
impl std::ops::Mul<f32> for P2 {
    type Output = P2;
    fn mul(self, k: f32) -> P2 {
        P2::new(self.x * k, self.z * k)
    }
}

/// Samples per spline segment in the arc-length table.
const TABLE_PER_SEGMENT: usize = 64;
/// How far from the origin a control point is taken to be at most, metres. A scene's
/// validation keeps points far nearer (within its terrain); this only bounds a curve made
/// from values that were never validated, so its length and its sampling stay finite.
const POINT_LIMIT: f32 = 100_000.0;
/// The most samples any walk along the curve takes (turns, polylines, profiles).
const MAX_SAMPLES: usize = 200_000;

/// A smooth curve through control points, addressed by distance along it.
#[derive(Debug, Clone)]
pub struct Spline {
    points: Vec<P2>,
    closed: bool,
    /// (distance along the curve, segment + fraction), increasing in both.
    table: Vec<(f32, f32)>,
}

impl Spline {
    /// A curve through `points` (at least 2; a closed one needs 3) that returns to its
    /// start when `closed`. Never panics: a point that is NaN or infinite counts as the
    /// origin, one beyond 100 km is pulled in to it, and fewer than two points make a curve
    /// of no length at the first (or the origin).
    pub fn new(points: &[P2], closed: bool) -> Spline {
        let sane = |v: f32| {
            if v.is_finite() {
                v.clamp(-POINT_LIMIT, POINT_LIMIT)
            } else {
                0.0
            }
        };
        let mut points: Vec<P2> = points
            .iter()
            .map(|p| P2::new(sane(p.x), sane(p.z)))
            .collect();
        while points.len() < 2 {
            points.push(points.first().copied().unwrap_or_default());
        }
        let mut spline = Spline {
            points,
            closed,
            table: Vec::new(),
        };
        let segments = spline.segments();
        let mut s = 0.0;
        let mut last = spline.eval(0.0);
        spline.table.push((0.0, 0.0));
        for k in 1..=segments * TABLE_PER_SEGMENT {
            let u = k as f32 / TABLE_PER_SEGMENT as f32;
            let p = spline.eval(u);
            s += (p - last).len();
            last = p;
            spline.table.push((s, u));
        }
        spline
    }

    fn segments(&self) -> usize {
        if self.closed {
            self.points.len()
        } else {
            self.points.len() - 1
        }
    }

    /// Whether the curve returns to its start.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Length along the curve, metres.
    pub fn length(&self) -> f32 {
        self.table.last().map_or(0.0, |t| t.0)
    }

    fn point(&self, i: isize) -> P2 {
        let n = self.points.len() as isize;
        if self.closed {
            self.points[i.rem_euclid(n) as usize]
        } else if i < 0 {
            // Mirror the first point through the second end: the curve leaves straight.
            self.points[0] * 2.0 - self.points[1]
        } else if i >= n {
            self.points[(n - 1) as usize] * 2.0 - self.points[(n - 2) as usize]
        } else {
            self.points[i as usize]
        }
    }

    /// The curve at parameter `u` (segment index + fraction), centripetal Catmull-Rom
    /// (Barry and Goldman's pyramid, knot spacing = √distance).
    fn eval(&self, u: f32) -> P2 {
        let max = self.segments() as f32;
        let u = u.clamp(0.0, max);
        let seg = (u.floor() as usize).min(self.segments() - 1);
        let f = u - seg as f32;
        let i = seg as isize;
        let (p0, p1, p2, p3) = (
            self.point(i - 1),
            self.point(i),
            self.point(i + 1),
            self.point(i + 2),
        );
        let knot = |a: P2, b: P2| (b - a).len().sqrt().max(1e-4);
        let t0 = 0.0;
        let t1 = t0 + knot(p0, p1);
        let t2 = t1 + knot(p1, p2);
        let t3 = t2 + knot(p2, p3);
        let t = t1 + (t2 - t1) * f;
        let lerp = |a: P2, b: P2, ta: f32, tb: f32| {
            a * ((tb - t) / (tb - ta)) + b * ((t - ta) / (tb - ta))
        };
        let a1 = lerp(p0, p1, t0, t1);
        let a2 = lerp(p1, p2, t1, t2);
        let a3 = lerp(p2, p3, t2, t3);
        let b1 = lerp(a1, a2, t0, t2);
        let b2 = lerp(a2, a3, t1, t3);
        lerp(b1, b2, t1, t2)
    }

    fn param_at(&self, s: f32) -> f32 {
        let s = s.clamp(0.0, self.length());
        let i = self.table.partition_point(|e| e.0 < s).max(1);
        let (s0, u0) = self.table[i - 1];
        let (s1, u1) = self.table[i.min(self.table.len() - 1)];
        if s1 <= s0 {
            return u1;
        }
        u0 + (u1 - u0) * (s - s0) / (s1 - s0)
    }

    /// The control point nearest in the curve's own terms to the place `s` metres along:
    /// where to point a person at a problem found there.
    pub fn control_point_near(&self, s: f32) -> usize {
        let u = self.param_at(self.wrap(s)).round() as usize;
        if self.closed {
            u % self.points.len()
        } else {
            u.min(self.points.len() - 1)
        }
    }

    /// The point `s` metres along the curve (wrapped on a closed curve, clamped on an open one).
    pub fn at(&self, s: f32) -> P2 {
        self.eval(self.param_at(self.wrap(s)))
    }

    fn wrap(&self, s: f32) -> f32 {
        let length = self.length();
        if !s.is_finite() || length <= 0.0 {
            0.0
        } else if self.closed {
            s.rem_euclid(length)
        } else {
            s.clamp(0.0, length)
        }
    }

    /// The unit direction of travel at `s`.
    pub fn direction(&self, s: f32) -> P2 {
        let e = 0.05;
        let (a, b) = if self.closed {
            (s - e, s + e)
        } else if self.length() > 2.0 * e {
            let s = s.clamp(e, self.length() - e);
            (s - e, s + e)
        } else {
            (0.0, self.length())
        };
        (self.at(b) - self.at(a)).normalized()
    }

    /// Tightest turn anywhere on the curve: (radius in metres, distance along where it is).
    pub fn tightest_turn(&self) -> (f32, f32) {
        let step = (self.length() / MAX_SAMPLES as f32).max(0.5);
        let n = (self.length() / step) as usize;
        let mut best = (f32::INFINITY, 0.0);
        // Heading change over ±1 m: radius = arc / angle.
        let h = 1.0;
        for k in 0..=n {
            let s = k as f32 * step;
            if !self.closed && (s < h || s > self.length() - h) {
                continue;
            }
            let a = self.direction(s - h);
            let b = self.direction(s + h);
            let turn = a.dot(b).clamp(-1.0, 1.0).acos();
            let radius = if turn > 1e-6 {
                2.0 * h / turn
            } else {
                f32::INFINITY
            };
            if radius < best.0 {
                best = (radius, s);
            }
        }
        best
    }

    /// Nearest point of the curve to `p` among samples `step` metres apart: (distance along,
    /// distance away). Used where exactness below a centimetre does not matter.
    pub fn polyline(&self, step: f32) -> Polyline {
        let step = if step > 0.0 { step } else { 1.0 };
        let n = ((self.length() / step).ceil().max(1.0) as usize).min(MAX_SAMPLES);
        let pts = (0..=n)
            .map(|k| {
                let s = self.length() * k as f32 / n as f32;
                (s, self.at(s))
            })
            .collect();
        Polyline { pts }
    }
}

/// The curve as short straight pieces, for nearest-point questions.
#[derive(Debug, Clone)]
pub struct Polyline {
    pts: Vec<(f32, P2)>,
}

impl Polyline {
    /// (distance along the curve, distance from it) of the nearest point to `p`.
    pub fn nearest(&self, p: P2) -> (f32, f32) {
        let mut best = (0.0, f32::INFINITY);
        for w in self.pts.windows(2) {
            let ((s0, a), (s1, b)) = (w[0], w[1]);
            let ab = b - a;
            let t = ((p - a).dot(ab) / ab.dot(ab).max(1e-9)).clamp(0.0, 1.0);
            let d = (p - (a + ab * t)).len();
            if d < best.1 {
                best = (s0 + (s1 - s0) * t, d);
            }
        }
        best
    }

    /// The bounding box of the curve: (min, max).
    pub fn bounds(&self) -> (P2, P2) {
        self.pts.iter().fold(
            (P2::new(f32::MAX, f32::MAX), P2::new(f32::MIN, f32::MIN)),
            |(lo, hi), (_, p)| {
                (
                    P2::new(lo.x.min(p.x), lo.z.min(p.z)),
                    P2::new(hi.x.max(p.x), hi.z.max(p.z)),
                )
            },
        )
    }
}

/// Spacing of the height profile's samples, metres.
const PROFILE_STEP: f32 = 2.0;

/// The walking surface's height along the path: the ground beneath it, smoothed over
/// about ±17 m so a walker rises and sinks gently, with continuous slope (C¹) everywhere.
#[derive(Debug, Clone)]
pub struct Profile {
    heights: Vec<f32>,
    closed: bool,
    length: f32,
}

impl Profile {
    pub fn new(spline: &Spline, ground: impl Fn(f32, f32) -> f32) -> Profile {
        let length = spline.length();
        let n = ((length / PROFILE_STEP).ceil().max(2.0) as usize).min(MAX_SAMPLES);
        let step = length / n as f32;
        let count = if spline.closed() { n } else { n + 1 };
        let mut heights: Vec<f32> = (0..count)
            .map(|k| {
                let p = spline.at(k as f32 * step);
                ground(p.x, p.z)
            })
            .collect();
        // Three passes of a ±8-sample box filter ≈ a Gaussian of σ ≈ 17 m.
        let half = 8isize;
        for _ in 0..3 {
            let src = heights.clone();
            let len = src.len() as isize;
            for (i, h) in heights.iter_mut().enumerate() {
                let mut sum = 0.0;
                for j in -half..=half {
                    let k = i as isize + j;
                    let k = if spline.closed() {
                        k.rem_euclid(len)
                    } else {
                        k.clamp(0, len - 1)
                    };
                    sum += src[k as usize];
                }
                *h = sum / (2 * half + 1) as f32;
            }
        }
        Profile {
            heights,
            closed: spline.closed(),
            length,
        }
    }

    fn sample(&self, i: isize) -> f32 {
        let n = self.heights.len() as isize;
        let k = if self.closed {
            i.rem_euclid(n)
        } else {
            i.clamp(0, n - 1)
        };
        self.heights[k as usize]
    }

    /// Height of the walking surface `s` metres along the path.
    pub fn height(&self, s: f32) -> f32 {
        let s = if !s.is_finite() || self.length <= 0.0 {
            0.0
        } else if self.closed {
            s.rem_euclid(self.length)
        } else {
            s.clamp(0.0, self.length)
        };
        let step = self.length
            / if self.closed {
                self.heights.len() as f32
            } else {
                (self.heights.len() - 1) as f32
            };
        let u = s / step;
        let i = u.floor() as isize;
        let t = u - i as f32;
        // Uniform Catmull-Rom through the samples: continuous slope, no corners to feel.
        let (p0, p1, p2, p3) = (
            self.sample(i - 1),
            self.sample(i),
            self.sample(i + 1),
            self.sample(i + 2),
        );
        let t2 = t * t;
        let t3 = t2 * t;
        0.5 * (2.0 * p1
            + (p2 - p0) * t
            + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t2
            + (3.0 * p1 - p0 - 3.0 * p2 + p3) * t3)
    }
}

/// How much of the path's level to give the ground at distance `d` from its centre line:
/// 1 across the path and a shoulder each side, easing to 0 over `blend` metres.
pub fn corridor_weight(d: f32, core: f32, blend: f32) -> f32 {
    1.0 - smoothstep((d - core) / blend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<P2> {
        vec![
            P2::new(0.0, 0.0),
            P2::new(40.0, 0.0),
            P2::new(40.0, -40.0),
            P2::new(0.0, -40.0),
        ]
    }

    #[test]
    fn the_curve_passes_through_every_control_point() {
        for closed in [false, true] {
            let s = Spline::new(&square(), closed);
            for p in square() {
                let (_, d) = s.polyline(0.25).nearest(p);
                assert!(d < 0.05, "{p:?} missed by {d} m (closed {closed})");
            }
        }
    }

    #[test]
    fn arc_length_is_uniform_and_a_loop_closes() {
        let s = Spline::new(&square(), true);
        // Round a 40 m square: longer than its inscribed circle, swinging a little wide.
        assert!(s.length() > 125.0 && s.length() < 175.0, "{}", s.length());
        let n = 400;
        let step = s.length() / n as f32;
        for k in 0..n {
            let d = (s.at((k + 1) as f32 * step) - s.at(k as f32 * step)).len();
            assert!((d - step).abs() < 0.01 * step, "step {k}: {d} vs {step}");
        }
        assert!((s.at(s.length()) - s.at(0.0)).len() < 1e-3);
        assert!((s.direction(0.0).dot(s.direction(s.length() - 0.01))) > 0.999);
    }

    #[test]
    fn a_curve_from_unchecked_values_never_panics_and_stays_finite() {
        let nan = f32::NAN;
        let cases: [&[P2]; 6] = [
            &[],
            &[P2::new(3.0, 4.0)],
            &[P2::new(nan, 0.0), P2::new(40.0, f32::INFINITY)],
            &[P2::new(1.0, 1.0), P2::new(1.0, 1.0), P2::new(1.0, 1.0)],
            &[
                P2::new(f32::MAX, 0.0),
                P2::new(-f32::MAX, 0.0),
                P2::new(0.0, 1e30),
            ],
            &[P2::new(0.0, 0.0), P2::new(0.05, 0.0)],
        ];
        for points in cases {
            for closed in [false, true] {
                let s = Spline::new(points, closed);
                assert!(s.length().is_finite(), "{points:?}");
                for d in [nan, f32::INFINITY, -1.0, 0.0, 0.01, 1e9] {
                    let p = s.at(d);
                    assert!(
                        p.x.is_finite() && p.z.is_finite(),
                        "{points:?} at {d}: {p:?}"
                    );
                    let _ = s.direction(d);
                }
                let _ = s.tightest_turn();
                let _ = s.polyline(0.0).nearest(P2::new(nan, 1.0));
                let profile = Profile::new(&s, |x, _| x * 0.01);
                let _ = profile.height(nan);
            }
        }
    }

    #[test]
    fn the_profile_is_smooth_and_follows_the_ground() {
        let s = Spline::new(&[P2::new(0.0, 0.0), P2::new(200.0, 0.0)], false);
        // Ground rising 5 % with a 0.5 m bump every 10 m.
        let p = Profile::new(&s, |x, _| {
            0.05 * x + 0.5 * (x / 10.0 * std::f32::consts::TAU).sin()
        });
        let h = |x: f32| p.height(x);
        assert!((h(100.0) - 5.0).abs() < 0.2, "{}", h(100.0));
        // Curvature small everywhere: the bumps are smoothed away.
        for k in 20..1800 {
            let x = k as f32 * 0.1;
            let c = (h(x + 0.1) - 2.0 * h(x) + h(x - 0.1)) / 0.01;
            assert!(c.abs() < 0.02, "h'' {c} at {x}");
        }
    }
}
