//! The virtual body: a small profile (height, build, colours) and a procedural gait whose
//! cadence and step length follow the walking speed. Feet are planted on the ground while
//! they carry the body and lifted clear of it while they swing; knees bend forward by
//! two-bone inverse kinematics; the hips ride as high as the legs reach.
//!
//! Proportions are fractions of standing height (Drillis and Contini's segment table).

use super::path::P2;
use crate::color::Rgb;
use serde::Deserialize;
use std::f32::consts::{PI, TAU};

/// What the patient's virtual body looks like. Logged with every session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BodyProfile {
    /// Standing height, metres (1.2–2.1).
    pub height_m: f32,
    /// Sex-typical proportions.
    pub build: Build,
    pub skin: Rgb,
    pub shirt: Rgb,
    pub trousers: Rgb,
    pub shoes: Rgb,
    pub legwear: Legwear,
}

impl Default for BodyProfile {
    fn default() -> Self {
        Self {
            height_m: 1.70,
            build: Build::Neutral,
            skin: Rgb([0xc6, 0x8e, 0x6c]),
            shirt: Rgb([0x8c, 0x9e, 0x7a]),
            trousers: Rgb([0x5a, 0x78, 0x9c]),
            shoes: Rgb([0x6e, 0x52, 0x3c]),
            legwear: Legwear::Trousers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Build {
    Female,
    Male,
    #[default]
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Legwear {
    #[default]
    Trousers,
    /// Bare shins below the knee.
    Shorts,
}

impl BodyProfile {
    /// Parses a profile file's text, naming the line and column of any problem.
    pub fn parse(file: &std::path::Path, src: &str) -> Result<BodyProfile, crate::SpecErrors> {
        let profile: BodyProfile =
            ron::from_str(src).map_err(|e| crate::error::ron_error(file, &e))?;
        let mut c = crate::check::Checker::new(file, src);
        let root = crate::locate::FieldPath::default();
        c.range(&root.field("height_m"), profile.height_m, 1.2..=2.1, " m");
        c.finish()?;
        Ok(profile)
    }

    /// Reads and parses a profile file.
    pub fn load(file: &std::path::Path) -> Result<BodyProfile, crate::SpecErrors> {
        Self::parse(file, &crate::error::read_spec(file)?)
    }

    /// The sizes that follow from the profile.
    pub fn dimensions(&self) -> Dimensions {
        let h = self.height_m;
        let (hip, shoulder, girth) = match self.build {
            Build::Female => (0.060, 0.118, 1.04),
            Build::Male => (0.052, 0.132, 1.0),
            Build::Neutral => (0.056, 0.125, 1.02),
        };
        Dimensions {
            height: h,
            eye_height: 0.936 * h,
            thigh: 0.245 * h,
            shin: 0.246 * h,
            ankle_height: 0.039 * h,
            foot_length: 0.152 * h,
            hip_half_width: hip * h,
            shoulder_half_width: shoulder * h,
            shoulder_height: 0.818 * h,
            upper_arm: 0.186 * h,
            forearm: 0.146 * h + 0.108 * h * 0.5,
            thigh_radius: 0.040 * h * girth,
            shin_radius: 0.028 * h * girth,
            // Eyes sit ahead of the hip joints' line.
            eyes_ahead: 0.05 * h,
        }
    }
}

/// Lengths of the body, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dimensions {
    pub height: f32,
    pub eye_height: f32,
    pub thigh: f32,
    pub shin: f32,
    pub ankle_height: f32,
    pub foot_length: f32,
    pub hip_half_width: f32,
    pub shoulder_half_width: f32,
    pub shoulder_height: f32,
    pub upper_arm: f32,
    /// Forearm and half the hand.
    pub forearm: f32,
    pub thigh_radius: f32,
    pub shin_radius: f32,
    pub eyes_ahead: f32,
}

/// Share of a gait cycle a foot spends on the ground.
const STANCE: f32 = 0.6;

/// How a body of these dimensions walks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gait {
    pub dims: Dimensions,
}

impl Gait {
    pub fn new(profile: &BodyProfile) -> Gait {
        Gait {
            dims: profile.dimensions(),
        }
    }

    fn leg(&self) -> f32 {
        self.dims.thigh + self.dims.shin
    }

    /// Steps a second at `speed` m/s: about 91 a minute at 0.8 m/s and 115 at 1.4 for a
    /// 0.84 m leg, slower for longer legs (pendulum scaling).
    pub fn cadence(&self, speed: f32) -> f32 {
        (1.0 + 0.65 * speed) * (0.84 / self.leg()).sqrt()
    }

    /// Length of one step at `speed`, metres.
    pub fn step_m(&self, speed: f32) -> f32 {
        speed.max(0.0) / self.cadence(speed)
    }

    /// Length of one gait cycle (two steps), metres.
    pub fn stride_m(&self, speed: f32) -> f32 {
        2.0 * self.step_m(speed)
    }

    /// The body's pose at gait `phase` (cycles) walking at `speed` along `heading` (unit
    /// direction), standing at ground point `at` [x, y, z] over ground `ground(x, z)`.
    pub fn pose(
        &self,
        phase: f64,
        speed: f32,
        at: [f32; 3],
        heading: P2,
        ground: &impl Fn(f32, f32) -> f32,
    ) -> Pose {
        let d = &self.dims;
        let fwd = heading.normalized();
        let right = fwd.right();
        let stride = self.stride_m(speed);
        // Feet lift higher as the pace rises; standing, they rest flat.
        let clearance = 0.07 * (speed / 0.6).min(1.0);
        let origin = P2::new(at[0], at[2]) - fwd * d.eyes_ahead;
        let mut feet = [FootPose::default(); 2];
        for (i, foot) in feet.iter_mut().enumerate() {
            let side = if i == 0 { -1.0 } else { 1.0 };
            let p = (phase as f32 + i as f32 * 0.5).rem_euclid(1.0);
            let reach = 0.5 * STANCE * stride;
            let (along, lift, swing) = if p < STANCE {
                (reach * (1.0 - 2.0 * p / STANCE), 0.0, false)
            } else {
                let q = (p - STANCE) / (1.0 - STANCE);
                (
                    -reach + 2.0 * reach * crate::smoothstep(q),
                    clearance * (PI * q).sin(),
                    true,
                )
            };
            // The ankle sits a quarter of the foot from the heel.
            let ankle_xz = origin + fwd * along + right * (side * d.hip_half_width);
            let heel_xz = ankle_xz - fwd * (0.25 * d.foot_length);
            let toe_xz = ankle_xz + fwd * (0.75 * d.foot_length);
            let heel = [heel_xz.x, ground(heel_xz.x, heel_xz.z) + lift, heel_xz.z];
            let toe = [toe_xz.x, ground(toe_xz.x, toe_xz.z) + lift, toe_xz.z];
            let sole_y = heel[1] + (toe[1] - heel[1]) * 0.25;
            *foot = FootPose {
                heel,
                toe,
                ankle: [ankle_xz.x, sole_y + d.ankle_height, ankle_xz.z],
                swing,
            };
        }
        // Hips as high as both legs reach (just short of straight), never above standing.
        let reach = 0.985 * self.leg();
        let standing = ground(origin.x, origin.z) + d.ankle_height + reach;
        let hip_y = feet.iter().enumerate().fold(standing, |y, (i, f)| {
            let side = if i == 0 { -1.0 } else { 1.0 };
            let hip_xz = origin + right * (side * d.hip_half_width);
            let h = (P2::new(f.ankle[0], f.ankle[2]) - hip_xz)
                .len()
                .min(reach * 0.95);
            y.min(f.ankle[1] + (reach * reach - h * h).sqrt())
        });
        let hips = [-1.0f32, 1.0].map(|side| {
            let p = origin + right * (side * d.hip_half_width);
            [p.x, hip_y, p.z]
        });
        let knees = [0, 1].map(|i| knee(hips[i], feet[i].ankle, d.thigh, d.shin, fwd));
        // Arms swing against the legs, a little more as the pace rises.
        let swing = 0.35 * (speed / 1.0).min(1.0);
        let shoulder_y = hip_y + (d.shoulder_height - d.thigh - d.shin - d.ankle_height);
        let arms = [-1.0f32, 1.0].map(|side| {
            let s = origin + right * (side * d.shoulder_half_width);
            let leg_phase = phase as f32 + if side < 0.0 { 0.5 } else { 0.0 };
            let angle = swing * (TAU * leg_phase).cos();
            let shoulder = [s.x, shoulder_y, s.z];
            let elbow = add(shoulder, arm(fwd, angle, d.upper_arm));
            let hand = add(elbow, arm(fwd, angle * 1.4 + 0.15, d.forearm));
            [shoulder, elbow, hand]
        });
        Pose {
            hips,
            pelvis: [origin.x, hip_y, origin.z],
            knees,
            feet,
            arms,
            heading: fwd,
        }
    }
}

fn add(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// A limb hanging down, swung forward by `angle` radians.
fn arm(fwd: P2, angle: f32, length: f32) -> [f32; 3] {
    [
        fwd.x * angle.sin() * length,
        -angle.cos() * length,
        fwd.z * angle.sin() * length,
    ]
}

/// The knee between `hip` and `ankle`, bent forward, for a thigh of length `a` and a shin of `b`.
fn knee(hip: [f32; 3], ankle: [f32; 3], a: f32, b: f32, fwd: P2) -> [f32; 3] {
    let v = [ankle[0] - hip[0], ankle[1] - hip[1], ankle[2] - hip[2]];
    let d = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
        .sqrt()
        .clamp(1e-4, (a + b - 1e-4).max(1e-4));
    let u = [v[0] / d, v[1] / d, v[2] / d];
    let f = [fwd.x, 0.0, fwd.z];
    let fu = f[0] * u[0] + f[1] * u[1] + f[2] * u[2];
    let n = [f[0] - fu * u[0], f[1] - fu * u[1], f[2] - fu * u[2]];
    let nl = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt().max(1e-6);
    let n = [n[0] / nl, n[1] / nl, n[2] / nl];
    let cos = ((a * a + d * d - b * b) / (2.0 * a * d)).clamp(-1.0, 1.0);
    let sin = (1.0 - cos * cos).sqrt();
    [
        hip[0] + a * (cos * u[0] + sin * n[0]),
        hip[1] + a * (cos * u[1] + sin * n[1]),
        hip[2] + a * (cos * u[2] + sin * n[2]),
    ]
}

/// One foot: sole points under heel and toe, the ankle, and whether it is swinging.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FootPose {
    pub heel: [f32; 3],
    pub toe: [f32; 3],
    pub ankle: [f32; 3],
    pub swing: bool,
}

/// Joint positions in the world, left first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub hips: [[f32; 3]; 2],
    pub pelvis: [f32; 3],
    pub knees: [[f32; 3]; 2],
    pub feet: [FootPose; 2],
    /// Shoulder, elbow, hand for each arm.
    pub arms: [[[f32; 3]; 3]; 2],
    pub heading: P2,
}
