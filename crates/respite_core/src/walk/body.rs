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
    /// A skin tone of the palette, `1`–`6` (Fitzpatrick types I–VI), or any `"#rrggbb"`.
    pub skin: Skin,
    pub hair: Rgb,
    pub shirt: Rgb,
    /// Trousers, shorts or skirt (a dress is the shirt's colour).
    pub trousers: Rgb,
    pub shoes: Rgb,
    pub legwear: Legwear,
    pub sleeves: Sleeves,
    /// What the patient sits on in a seated place (and in a wheelchair walk, always the
    /// wheelchair).
    pub seat: Seat,
}

impl Default for BodyProfile {
    fn default() -> Self {
        Self {
            height_m: 1.70,
            build: Build::Neutral,
            skin: Skin::tone(3),
            hair: Rgb([0x3b, 0x2a, 0x20]),
            shirt: Rgb([0x8c, 0x9e, 0x7a]),
            trousers: Rgb([0x5a, 0x78, 0x9c]),
            shoes: Rgb([0x2f, 0x35, 0x40]),
            legwear: Legwear::Trousers,
            sleeves: Sleeves::Short,
            seat: Seat::Chair,
        }
    }
}

/// The skin palette, Fitzpatrick types I to VI: lightest to darkest, sRGB.
pub const SKIN_TONES: [Rgb; 6] = [
    Rgb([0xf3, 0xd4, 0xc0]),
    Rgb([0xe6, 0xb8, 0x98]),
    Rgb([0xcc, 0x98, 0x74]),
    Rgb([0xa8, 0x74, 0x50]),
    Rgb([0x7a, 0x4e, 0x32]),
    Rgb([0x48, 0x2e, 0x20]),
];

/// A skin colour: one of the palette's six tones, or a colour of one's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skin {
    pub rgb: Rgb,
    /// The palette's tone (1–6), when it is one.
    pub tone: Option<u8>,
}

impl Skin {
    /// Palette tone `n` (1–6; out-of-range values are held to it).
    pub fn tone(n: u8) -> Skin {
        let n = n.clamp(1, 6);
        Skin {
            rgb: SKIN_TONES[usize::from(n) - 1],
            tone: Some(n),
        }
    }
}

impl<'de> Deserialize<'de> for Skin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Skin;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a skin tone 1–6 (Fitzpatrick I–VI) or a colour like \"#a87450\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Skin, E> {
                match n {
                    1..=6 => Ok(Skin::tone(n as u8)),
                    _ => Err(E::custom(format!(
                        "skin tone {n} is not one of the palette's 1–6 (Fitzpatrick I–VI)"
                    ))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Skin, E> {
                self.visit_u64(u64::try_from(n).unwrap_or(0))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Skin, E> {
                Err(E::custom(format!(
                    "skin tone {n} is not one of the palette's 1–6 (Fitzpatrick I–VI)"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Skin, E> {
                Rgb::parse(s)
                    .map(|rgb| Skin { rgb, tone: None })
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
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
    /// Bare legs below the knee.
    Shorts,
    /// A skirt to just above the knee, bare legs below.
    Skirt,
    /// A dress of the shirt's colour to just above the knee.
    Dress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Sleeves {
    /// To the elbow: the forearms bare.
    #[default]
    Short,
    /// To the wrist.
    Long,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Seat {
    /// A plain chair.
    #[default]
    Chair,
    Wheelchair,
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
            // Eyes sit ahead of the hip joints' line, far enough that looking down they
            // see past the chest to the legs.
            eyes_ahead: 0.11 * h,
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
    bend(hip, ankle, a, b, [fwd.x, 0.0, fwd.z])
}

/// The middle joint of a two-bone limb from `root` to `end` (an upper bone of length `a`,
/// a lower of `b`), bent towards `toward`. An end out of reach leaves the limb straight.
pub fn bend(root: [f32; 3], end: [f32; 3], a: f32, b: f32, toward: [f32; 3]) -> [f32; 3] {
    let v = sub(end, root);
    let d = len(v).clamp(1e-4, (a + b - 1e-4).max(1e-4));
    let u = scale(v, 1.0 / len(v).max(1e-6));
    let fu = dot(toward, u);
    let mut n = sub(toward, scale(u, fu));
    if len(n) < 1e-6 {
        // Bending straight along the limb: any side will do; up, or else forward.
        n = if u[1].abs() < 0.9 {
            sub([0.0, 1.0, 0.0], scale(u, u[1]))
        } else {
            sub([0.0, 0.0, 1.0], scale(u, u[2]))
        };
    }
    let n = scale(n, 1.0 / len(n).max(1e-6));
    let cos = ((a * a + d * d - b * b) / (2.0 * a * d)).clamp(-1.0, 1.0);
    let sin = (1.0 - cos * cos).sqrt();
    add(root, scale(add(scale(u, cos), scale(n, sin)), a))
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn scale(a: [f32; 3], k: f32) -> [f32; 3] {
    [a[0] * k, a[1] * k, a[2] * k]
}
fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn len(a: [f32; 3]) -> f32 {
    dot(a, a).sqrt()
}
fn flat(p: P2, y: f32) -> [f32; 3] {
    [p.x, y, p.z]
}

/// Height of a plain chair's seat and of a wheelchair's, metres; a wheelchair's wheels'
/// radius, its rims' and how far beside the hips they run.
pub const CHAIR_SEAT_M: f32 = 0.45;
pub const WHEELCHAIR_SEAT_M: f32 = 0.50;
pub const WHEEL_RADIUS_M: f32 = 0.30;
pub const RIM_RADIUS_M: f32 = 0.27;
pub const RIM_OUTSIDE_M: f32 = 0.10;
/// A wheelchair's footrest above the floor, metres.
pub const FOOTREST_M: f32 = 0.12;

/// Where the seated body's hands are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hands {
    /// Resting on the thighs.
    Lap,
    /// On a wheelchair's rims, pushing at this point of a push cycle (0–1; the push is the
    /// first 45 %, the hands come back over the rims in the rest) with this strength (0:
    /// holding the rims still, 1: a full push).
    Rims { phase: f32, strength: f32 },
}

impl Gait {
    /// Height of the hip joints above the seat, metres.
    pub fn hip_above_seat(&self) -> f32 {
        0.055 * self.dims.height
    }

    /// How far the eyes sit above the seat, and ahead of the hips, when seated upright.
    pub fn seated_eyes(&self) -> (f32, f32) {
        let d = &self.dims;
        let trunk = d.eye_height - d.thigh - d.shin - d.ankle_height;
        (self.hip_above_seat() + trunk, 0.08 * d.height)
    }

    /// The body seated, the hips' midpoint at `pelvis` [x, y, z] facing `heading`, the feet
    /// resting at height `feet_y` (the floor or a footrest), the hands as `hands`. A
    /// wheelchair's rims are beside the hips ([`RIM_OUTSIDE_M`]) round wheels whose axles
    /// stand `axle` (height) above the floor at `floor_y`.
    pub fn seated(
        &self,
        pelvis: [f32; 3],
        heading: P2,
        feet_y: f32,
        floor_y: f32,
        hands: Hands,
    ) -> Pose {
        let d = &self.dims;
        let fwd = heading.normalized();
        let right = fwd.right();
        let f3 = [fwd.x, 0.0, fwd.z];
        let r3 = [right.x, 0.0, right.z];
        let up = [0.0, 1.0, 0.0];
        let centre = P2::new(pelvis[0], pelvis[2]);
        let hips =
            [-1.0f32, 1.0].map(|side| flat(centre + right * (side * d.hip_half_width), pelvis[1]));
        // The shin leans 8° forward; the thigh slopes as far as the feet need to rest on
        // their support (or, on a high seat, hangs them just above it).
        let lean = 8f32.to_radians();
        let ankle_y = feet_y + d.ankle_height;
        let drop = pelvis[1] - ankle_y - d.shin * lean.cos();
        let slope = (drop / d.thigh).clamp(-0.45, 0.6).asin();
        let mut knees = [[0.0; 3]; 2];
        let mut feet = [FootPose::default(); 2];
        for i in 0..2 {
            let k = add(
                hips[i],
                add(
                    scale(f3, d.thigh * slope.cos()),
                    scale(up, -d.thigh * slope.sin()),
                ),
            );
            let ankle = add(
                k,
                add(
                    scale(f3, d.shin * lean.sin()),
                    scale(up, -d.shin * lean.cos()),
                ),
            );
            let ankle = [ankle[0], ankle[1].max(ankle_y), ankle[2]];
            let sole = ankle[1] - d.ankle_height;
            knees[i] = bend(hips[i], ankle, d.thigh, d.shin, add(f3, scale(up, 0.6)));
            let a2 = P2::new(ankle[0], ankle[2]);
            feet[i] = FootPose {
                heel: flat(a2 - fwd * (0.25 * d.foot_length), sole),
                toe: flat(a2 + fwd * (0.75 * d.foot_length), sole),
                ankle,
                swing: false,
            };
        }
        // Upright, a little back against the seat.
        let trunk = d.shoulder_height - d.thigh - d.shin - d.ankle_height;
        let neck = add(pelvis, add(scale(up, trunk), scale(f3, -0.02 * d.height)));
        let reach = d.upper_arm + d.forearm;
        let arms = [0usize, 1].map(|i| {
            let side = if i == 0 { -1.0 } else { 1.0 };
            let shoulder = add(neck, scale(r3, side * d.shoulder_half_width));
            let (hand, toward) = match hands {
                Hands::Lap => {
                    // On the thigh, two thirds of the way to the knee, a little inside.
                    let on = add(hips[i], scale(sub(knees[i], hips[i]), 0.62));
                    (
                        add(
                            on,
                            add(scale(up, d.thigh_radius + 0.02), scale(r3, -side * 0.03)),
                        ),
                        add(scale(f3, -1.0), scale(r3, side * 0.5)),
                    )
                }
                Hands::Rims { phase, strength } => {
                    let axle = add(
                        flat(
                            centre
                                + right
                                    * (side * (d.hip_half_width + d.thigh_radius + RIM_OUTSIDE_M))
                                - fwd * 0.05,
                            floor_y + WHEEL_RADIUS_M,
                        ),
                        [0.0; 3],
                    );
                    // Round the rim from 40° behind its top to 50° ahead while pushing;
                    // back over it, a hand's width out, while recovering.
                    let p = phase.rem_euclid(1.0);
                    let s = strength.clamp(0.0, 1.0);
                    let (angle, out) = if p < 0.45 {
                        let q = crate::smoothstep(p / 0.45);
                        (-0.70 + 1.57 * q, 0.0)
                    } else {
                        let q = crate::smoothstep((p - 0.45) / 0.55);
                        (0.87 - 1.57 * q, 0.06 * (PI * q).sin())
                    };
                    let angle = angle * s;
                    let at = add(
                        axle,
                        add(
                            scale(f3, RIM_RADIUS_M * angle.sin()),
                            scale(up, RIM_RADIUS_M * angle.cos()),
                        ),
                    );
                    (
                        add(at, scale(r3, side * out)),
                        add(scale(f3, -1.0), scale(r3, side * 0.8)),
                    )
                }
            };
            // A hand out of reach is held at arm's length towards it.
            let to = sub(hand, shoulder);
            let hand = if len(to) > reach * 0.98 {
                add(shoulder, scale(to, reach * 0.98 / len(to)))
            } else {
                hand
            };
            let elbow = bend(shoulder, hand, d.upper_arm, d.forearm, toward);
            [shoulder, elbow, hand]
        });
        Pose {
            hips,
            pelvis,
            knees,
            feet,
            arms,
            heading: fwd,
        }
    }
}

impl Pose {
    /// Puts arm `i`'s hand at `hand` (a tracked hand or controller), the elbow bent down
    /// and out; a hand beyond reach is held at arm's length towards it.
    pub fn reach(&mut self, i: usize, hand: [f32; 3], dims: &Dimensions) {
        if !hand.iter().all(|c| c.is_finite()) {
            return;
        }
        let side = if i == 0 { -1.0 } else { 1.0 };
        let right = self.heading.right();
        let shoulder = self.arms[i][0];
        let reach = dims.upper_arm + dims.forearm;
        let to = sub(hand, shoulder);
        let hand = if len(to) > reach * 0.98 {
            add(shoulder, scale(to, reach * 0.98 / len(to)))
        } else {
            hand
        };
        let toward = [right.x * side * 0.6, -1.0, right.z * side * 0.6];
        let elbow = bend(shoulder, hand, dims.upper_arm, dims.forearm, toward);
        self.arms[i] = [shoulder, elbow, hand];
    }
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

/// The limbs a visuo-tactile stroke may brush along (the console's cue, the record's word).
pub const LIMBS: [&str; 4] = ["left_leg", "right_leg", "left_arm", "right_arm"];

/// How long one stroke takes to brush from the hip (or shoulder) to the ankle (or hand),
/// seconds: slow enough for the therapist's hand to follow it on the real limb.
pub const STROKE_S: f32 = 3.0;

impl Pose {
    /// A point `t` (0–1) of the way down limb `limb` (an index into [`LIMBS`]): from the hip
    /// through the knee to the ankle, or from the shoulder through the elbow to the hand,
    /// by length.
    pub fn along(&self, limb: usize, t: f32) -> [f32; 3] {
        let (a, b, c) = match limb {
            0 | 1 => (self.hips[limb], self.knees[limb], self.feet[limb].ankle),
            _ => {
                let arm = self.arms[(limb - 2).min(1)];
                (arm[0], arm[1], arm[2])
            }
        };
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (ab, bc) = (len(sub(b, a)), len(sub(c, b)));
        let at = t * (ab + bc);
        if ab + bc <= 0.0 {
            return a;
        }
        if at <= ab {
            add(a, scale(sub(b, a), at / ab.max(1e-6)))
        } else {
            add(b, scale(sub(c, b), (at - ab) / bc.max(1e-6)))
        }
    }
}
