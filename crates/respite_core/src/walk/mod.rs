//! Virtual walking: the walk block of a scene file (a path, a pace, landmarks, a mode), the
//! route and walker that move the viewer along it within comfort limits, and the body whose
//! legs walk beneath the viewer. Everything here is plain values and manual time steps, so
//! whole walks are simulated in tests without a window.

pub mod body;
pub mod drive;
pub mod path;
pub mod walker;

use crate::check::Checker;
use crate::color::Rgb;
use crate::locate::FieldPath;
use serde::Deserialize;

pub use body::{BodyProfile, Build, Gait, LIMBS, Legwear, Pose, STROKE_S};
pub use drive::{Cue, Driver, Input, Side, Taken, Walking};
pub use path::{P2, Polyline, Profile, Spline};
pub use walker::{Route, WalkEvent, WalkLog, Walker};

/// Largest acceleration the viewer ever feels, along or across the path, m/s².
pub const MAX_ACCEL: f32 = 0.5;
/// What speed ramps are planned for: with the most a curve may add across the path
/// ([`MAX_TURN_ACCEL`]), the two together stay under [`MAX_ACCEL`].
pub const PLANNED_ACCEL: f32 = 0.3;
/// The most a curve may push sideways at the walk's speed (v²/r), m/s².
pub const MAX_TURN_ACCEL: f32 = 0.35;
/// Shortest start or stop, seconds.
pub const MIN_EASE_S: f32 = 2.0;
/// The most control points a path may have.
pub const MAX_POINTS: usize = 200;
/// The longest path, metres: the longest goal a walk may set.
pub const MAX_LENGTH_M: f32 = 20_000.0;
/// The most landmarks a walk may have.
pub const MAX_LANDMARKS: usize = 50;
/// Allowed walking speeds, m/s.
pub const SPEEDS: std::ops::RangeInclusive<f32> = 0.3..=1.4;

/// A walk along a path through the scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkDef {
    pub path: PathDef,
    /// Walking pace, m/s (0.3–1.4; default 0.8, an unhurried stroll).
    #[serde(default = "default_speed")]
    pub speed_m_s: f32,
    /// Width of the trodden path, metres (0.8–4; default 1.6).
    #[serde(default = "default_width")]
    pub width_m: f32,
    /// Colour of the trodden path.
    pub path_color: Rgb,
    /// Things to walk to: a bench, a lighthouse, a waterfall.
    #[serde(default)]
    pub landmarks: Vec<Landmark>,
    /// How the view turns with the path.
    #[serde(default)]
    pub turning: Turning,
    /// A gentle rise and fall of the view with each step. Off by default: bobbing is the
    /// commonest cause of sickness in walking scenes.
    #[serde(default)]
    pub head_bob: bool,
    /// Darkening at the edges of sight while moving, 0–1 (default 0.35). The immersion
    /// level or `--vignette` may override it.
    #[serde(default = "default_vignette")]
    pub vignette: f32,
    /// From the patient's own eyes (default), or behind the walker.
    #[serde(default)]
    pub view: WalkView,
    pub mode: WalkMode,
    /// How the walk is driven: `Passive` (default), `Interactive`, `Wheelchair` or `Film`.
    /// `--walking` may override it.
    #[serde(default)]
    pub walking: Walking,
    /// What drives an interactive or wheelchair walk: `Swings` (default), `Switch` or `Nod`.
    #[serde(default)]
    pub input: Input,
}

fn default_speed() -> f32 {
    0.8
}
fn default_width() -> f32 {
    1.6
}
fn default_vignette() -> f32 {
    0.35
}

/// The path's shape: control points on the ground (x east, z south, metres) joined by a
/// smooth curve, walked round and round or out and back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathDef {
    pub points: Vec<(f32, f32)>,
    pub kind: PathKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PathKind {
    /// The last point joins the first; the walk goes round.
    Loop,
    /// The walk eases to a stop at the far end, turns slowly and walks back.
    ThereAndBack,
}

/// Something along the way, `at_m` metres from the path's start, `side_m` to its right
/// (negative: left).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Landmark {
    pub kind: LandmarkKind,
    pub name: String,
    pub at_m: f32,
    #[serde(default = "default_side")]
    pub side_m: f32,
}

fn default_side() -> f32 {
    2.2
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum LandmarkKind {
    Bench,
    Lighthouse,
    Waterfall,
    Signpost,
}

/// Whether the view turns with the path.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Turning {
    /// Turn towards the path ahead, never faster than this many degrees a second (3–20).
    Follow(f32),
    /// Never turn the view; the patient turns their head.
    Fixed,
}

impl Default for Turning {
    fn default() -> Self {
        Turning::Follow(12.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub enum WalkView {
    /// The patient's own eyes: looking down shows their own legs.
    #[default]
    FirstPerson,
    /// Behind and above the walker, seeing the avatar walk ahead (Soler 2010's set-up):
    /// metres behind, metres above the eyes.
    ThirdPerson(f32, f32),
}

/// What the walk is for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum WalkMode {
    /// Walk for this many minutes, with a soft chime and a logged marker every `mark_s`
    /// seconds (default 60), then ease to a stop.
    TimeMarked {
        minutes: f32,
        #[serde(default = "default_mark")]
        mark_s: f32,
    },
    /// Walk to a goal and stop there; the goal grows from session to session.
    GoalDirected(Goal),
}

fn default_mark() -> f32 {
    60.0
}

/// A goal for session n (1, 2, …): `first + grow × (n − 1)`, never beyond `most`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Goal {
    /// Landmarks to reach, counted along the path (1 = the first one).
    Landmarks { first: u32, grow: u32, most: u32 },
    /// Metres to walk.
    Distance { first: f32, grow: f32, most: f32 },
    /// Minutes to walk.
    Minutes { first: f32, grow: f32, most: f32 },
}

impl Goal {
    /// This goal for the given session number (1-based).
    pub fn for_session(&self, session: u32) -> Goal {
        let n = session.max(1) - 1;
        // Saturating: a goal that would overflow is at its most anyway.
        match *self {
            Goal::Landmarks { first, grow, most } => Goal::Landmarks {
                first: first.saturating_add(grow.saturating_mul(n)).min(most),
                grow,
                most,
            },
            Goal::Distance { first, grow, most } => Goal::Distance {
                first: (first + grow * n as f32).min(most),
                grow,
                most,
            },
            Goal::Minutes { first, grow, most } => Goal::Minutes {
                first: (first + grow * n as f32).min(most),
                grow,
                most,
            },
        }
    }
}

impl WalkDef {
    /// The path as a curve.
    pub fn spline(&self) -> Spline {
        let points: Vec<P2> = self
            .path
            .points
            .iter()
            .map(|&(x, z)| P2::new(x, z))
            .collect();
        Spline::new(&points, self.path.kind == PathKind::Loop)
    }

    /// Checks ranges, and that the path turns gently enough for its speed. Every point
    /// lies within `half` metres of the seat, east-west and north-south (half the terrain).
    pub(crate) fn validate(&self, c: &mut Checker, w: &FieldPath, half: f32) {
        c.range(&w.field("speed_m_s"), self.speed_m_s, SPEEDS, " m/s");
        c.range(&w.field("width_m"), self.width_m, 0.8..=4.0, " m");
        c.range(&w.field("vignette"), self.vignette, 0.0..=1.0, "");
        let p = w.field("path");
        let min_points = match self.path.kind {
            PathKind::Loop => 3,
            PathKind::ThereAndBack => 2,
        };
        c.count(
            &p.field("points"),
            self.path.points.len(),
            min_points..=MAX_POINTS,
            "points",
        );
        for (i, &point) in self.path.points.iter().enumerate().take(MAX_POINTS) {
            c.ground_point(&p.field("points").index(i), point, half);
        }
        c.count(
            &w.field("landmarks"),
            self.landmarks.len(),
            0..=MAX_LANDMARKS,
            "landmarks",
        );
        if let Turning::Follow(rate) = self.turning {
            c.range(&w.field("turning"), rate, 3.0..=20.0, "°/s");
        }
        if let WalkView::ThirdPerson(behind, above) = self.view {
            c.range(&w.field("view").index(0), behind, 1.5..=8.0, " m");
            c.range(&w.field("view").index(1), above, 0.0..=3.0, " m");
        }
        let m = w.field("mode");
        match &self.mode {
            WalkMode::TimeMarked { minutes, mark_s } => {
                c.range(&m.field("minutes"), *minutes, 0.5..=120.0, " min");
                c.range(&m.field("mark_s"), *mark_s, 10.0..=600.0, " s");
            }
            WalkMode::GoalDirected(goal) => {
                let g = m.index(0);
                match *goal {
                    Goal::Landmarks { first, grow, most } => {
                        let n = self.landmarks.len();
                        if first < 1 || most < first || most as usize > n {
                            c.fail(
                                &g,
                                format!(
                                    "needs 1 ≤ first ≤ most ≤ {n} (the landmarks in this file), \
                                     found first {first}, most {most}"
                                ),
                            );
                        }
                        c.count(
                            &g.field("grow"),
                            grow as usize,
                            0..=n,
                            "landmarks more a session",
                        );
                    }
                    Goal::Distance { first, grow, most } => {
                        c.range(&g.field("first"), first, 10.0..=20_000.0, " m");
                        c.range(&g.field("grow"), grow, 0.0..=5_000.0, " m");
                        c.range(&g.field("most"), most, 10.0..=20_000.0, " m");
                        if first.is_finite() && most < first {
                            c.fail(
                                &g.field("most"),
                                format!("must not be less than first ({first}), found {most}"),
                            );
                        }
                    }
                    Goal::Minutes { first, grow, most } => {
                        c.range(&g.field("first"), first, 0.5..=120.0, " min");
                        c.range(&g.field("grow"), grow, 0.0..=60.0, " min");
                        c.range(&g.field("most"), most, 0.5..=120.0, " min");
                        if first.is_finite() && most < first {
                            c.fail(
                                &g.field("most"),
                                format!("must not be less than first ({first}), found {most}"),
                            );
                        }
                    }
                }
            }
        }
        // The curve is only measured through points that are all there and all in range.
        let on_ground = |&(x, z): &(f32, f32)| x.abs() <= half && z.abs() <= half;
        if !(min_points..=MAX_POINTS).contains(&self.path.points.len())
            || !self.path.points.iter().all(on_ground)
        {
            return;
        }
        let spline = self.spline();
        let length = spline.length();
        if length < 20.0 {
            c.fail(
                &p.field("points"),
                format!("the path is only {length:.1} m long; it needs 20 m or more"),
            );
            return;
        }
        if length > MAX_LENGTH_M {
            c.fail(
                &p.field("points"),
                format!("the path is {length:.0} m long; at most {MAX_LENGTH_M} m"),
            );
            return;
        }
        for (i, l) in self.landmarks.iter().enumerate() {
            let lp = w.field("landmarks").index(i);
            c.range(
                &lp.field("at_m"),
                l.at_m,
                0.0..=length,
                " m (the path's length)",
            );
            c.range(&lp.field("side_m"), l.side_m, -60.0..=60.0, " m");
            if l.name.trim().is_empty() || l.name.len() > 60 {
                c.fail(&lp.field("name"), "must be 1 to 60 characters".into());
            }
        }
        // Across the path the viewer feels v²/r; the view also needs v/r ≤ the turn rate.
        let v = self.speed_m_s.clamp(*SPEEDS.start(), *SPEEDS.end());
        let mut need = v * v / MAX_TURN_ACCEL;
        if let Turning::Follow(rate) = self.turning {
            need = need.max(v / rate.clamp(3.0, 20.0).to_radians() * 1.25);
        }
        let (radius, at) = spline.tightest_turn();
        if radius < need {
            c.fail(
                &p.field("points").index(spline.control_point_near(at)),
                format!(
                    "the path turns too tightly {at:.0} m along (radius {radius:.1} m); at \
                     {v} m/s it needs {need:.1} m or more: spread the points out or walk slower"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests;
