//! The patient's body as one smooth skinned mesh: rounded tubes for the legs, arms, torso
//! and neck, an ellipsoid head with hair, shoes with soles, mitten hands, and a skirt or
//! dress where the profile has one, all coloured per vertex from the body profile. Sixteen
//! joints (pelvis, chest, neck, head, and thigh, shin, foot, upper arm, forearm and hand on
//! each side) bend it: vertices near a joint blend its two bones, so knees, hips, ankles and
//! elbows bend smoothly. The mesh is built in the standing rest pose; every frame the joints
//! take the frames of the core's pose.

use bevy::asset::RenderAssetUsages;
use bevy::math::Affine3A;
use bevy::mesh::{Indices, PrimitiveTopology, VertexAttributeValues};
use bevy::prelude::*;
use respite_core::walk::body::Sleeves;
use respite_core::walk::{BodyProfile, Build, Gait, Legwear, P2, Pose};

pub const JOINTS: usize = 16;
pub const PELVIS: usize = 0;
pub const CHEST: usize = 1;
pub const NECK: usize = 2;
pub const HEAD: usize = 3;
pub const THIGH: [usize; 2] = [4, 5];
pub const SHIN: [usize; 2] = [6, 7];
pub const FOOT: [usize; 2] = [8, 9];
pub const UPPER_ARM: [usize; 2] = [10, 11];
pub const FOREARM: [usize; 2] = [12, 13];
pub const HAND: [usize; 2] = [14, 15];
/// Each joint's parent in the hierarchy (the pelvis hangs from the body's root).
pub const PARENT: [Option<usize>; JOINTS] = [
    None,
    Some(PELVIS),
    Some(CHEST),
    Some(NECK),
    Some(PELVIS),
    Some(PELVIS),
    Some(4),
    Some(5),
    Some(6),
    Some(7),
    Some(CHEST),
    Some(CHEST),
    Some(10),
    Some(11),
    Some(12),
    Some(13),
];

/// Vertices around each ring of a tube.
const AROUND: usize = 16;

fn v(p: [f32; 3]) -> Vec3 {
    Vec3::from(p)
}

/// The standing pose the mesh is built in: at the origin, facing north (−Z).
pub fn rest_pose(gait: &Gait) -> Pose {
    gait.pose(0.0, 0.0, [0.0; 3], P2::new(0.0, -1.0), &|_, _| 0.0)
}

/// Where the neck meets the shoulders, and the way up the head.
fn neck_of(pose: &Pose) -> (Vec3, Vec3) {
    let base = v(pose.arms[0][0]).midpoint(v(pose.arms[1][0]));
    let spine = (base - v(pose.pelvis)).normalize_or(Vec3::Y);
    // The head sits upright over the shoulders, leaning with the trunk by half.
    (base, (Vec3::Y + spine).normalize())
}

/// A joint's frame: origin at `at`, +Y along `along`, +X as near the body's right as that
/// allows.
fn frame(at: Vec3, along: Vec3, right: Vec3, fwd: Vec3) -> Affine3A {
    let y = along.normalize_or(Vec3::Y);
    let mut x = right - y * right.dot(y);
    if x.length_squared() < 1e-6 {
        x = y.cross(fwd);
    }
    let x = x.normalize_or(Vec3::X);
    let z = x.cross(y);
    Affine3A::from_mat3_translation(Mat3::from_cols(x, y, z), at)
}

/// Every joint's frame in the world for `pose`.
pub fn frames(pose: &Pose, height: f32) -> [Affine3A; JOINTS] {
    let fwd = Vec3::new(pose.heading.x, 0.0, pose.heading.z).normalize_or(Vec3::NEG_Z);
    let r = pose.heading.right();
    let right = Vec3::new(r.x, 0.0, r.z).normalize_or(Vec3::X);
    let pelvis = v(pose.pelvis);
    let (neck, up) = neck_of(pose);
    let spine = neck - pelvis;
    let mut f = [Affine3A::IDENTITY; JOINTS];
    f[PELVIS] = frame(pelvis, spine, right, fwd);
    f[CHEST] = frame(pelvis + spine * 0.45, spine, right, fwd);
    f[NECK] = frame(neck, up, right, fwd);
    f[HEAD] = frame(neck + up * (0.06 * height), up, right, fwd);
    for i in 0..2 {
        let (hip, knee) = (v(pose.hips[i]), v(pose.knees[i]));
        let foot = &pose.feet[i];
        let ankle = v(foot.ankle);
        f[THIGH[i]] = frame(hip, knee - hip, right, fwd);
        f[SHIN[i]] = frame(knee, ankle - knee, right, fwd);
        f[FOOT[i]] = frame(ankle, v(foot.toe) - v(foot.heel), right, fwd);
        let [shoulder, elbow, hand] = pose.arms[i].map(v);
        f[UPPER_ARM[i]] = frame(shoulder, elbow - shoulder, right, fwd);
        f[FOREARM[i]] = frame(elbow, hand - elbow, right, fwd);
        f[HAND[i]] = frame(hand, hand - elbow, right, fwd);
    }
    f
}

/// Linear colour of a profile colour.
fn lin(rgb: respite_core::Rgb, shade: f32) -> [f32; 4] {
    crate::meshkit::color(rgb, shade).to_linear().to_f32_array()
}

/// One ring of a tube: `d` metres along its chain, half-widths `rx` (towards the body's
/// right) and `rz` (the other way round the tube), and its colour.
#[derive(Clone, Copy)]
struct Station {
    d: f32,
    rx: f32,
    rz: f32,
    color: [f32; 4],
}

fn st(d: f32, rx: f32, rz: f32, color: [f32; 4]) -> Station {
    Station { d, rx, rz, color }
}

/// Skin weights: up to four joints and their weights (summing to 1).
type Weights = ([u16; 4], [f32; 4]);

fn only(j: usize) -> Weights {
    ([j as u16, 0, 0, 0], [1.0, 0.0, 0.0, 0.0])
}

fn blend(a: usize, b: usize, w: f32) -> Weights {
    let w = w.clamp(0.0, 1.0);
    ([a as u16, b as u16, 0, 0], [1.0 - w, w, 0.0, 0.0])
}

#[derive(Default)]
struct Builder {
    pos: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    col: Vec<[f32; 4]>,
    joints: Vec<[u16; 4]>,
    weights: Vec<[f32; 4]>,
    idx: Vec<u32>,
}

/// A chain of points (the bones a tube runs along).
struct Chain {
    pts: Vec<Vec3>,
    /// Length up to each point.
    at: Vec<f32>,
}

impl Chain {
    fn new(pts: &[Vec3]) -> Chain {
        let mut at = vec![0.0];
        for w in pts.windows(2) {
            at.push(at.last().copied().unwrap_or(0.0) + w[0].distance(w[1]));
        }
        Chain {
            pts: pts.to_vec(),
            at,
        }
    }

    fn dir(&self, seg: usize) -> Vec3 {
        (self.pts[seg + 1] - self.pts[seg]).normalize_or(Vec3::NEG_Y)
    }

    /// The point `d` metres along (straight on beyond either end), and the way along there,
    /// turned smoothly round the inner points.
    fn at(&self, d: f32) -> (Vec3, Vec3) {
        let n = self.pts.len() - 1;
        let seg = (0..n).find(|&s| d <= self.at[s + 1]).unwrap_or(n - 1);
        let p = self.pts[seg] + self.dir(seg) * (d - self.at[seg]);
        let mut t = self.dir(seg);
        const ROUND: f32 = 0.05;
        if seg > 0 && d - self.at[seg] < ROUND {
            let k = 0.5 + 0.5 * (d - self.at[seg]) / ROUND;
            t = self.dir(seg - 1).lerp(t, k);
        }
        if seg + 1 < n && self.at[seg + 1] - d < ROUND {
            let k = 0.5 + 0.5 * (self.at[seg + 1] - d) / ROUND;
            t = self.dir(seg + 1).lerp(t, k);
        }
        (p, t.normalize_or(Vec3::NEG_Y))
    }

    fn len(&self) -> f32 {
        self.at.last().copied().unwrap_or(0.0)
    }
}

impl Builder {
    /// A tube through `stations` along `chain`; `skin(d, side)` weights a vertex `d` metres
    /// along at `side` (−1 left … 1 right of the tube), `paint(station, cos, sin)` may
    /// recolour it by where round the ring it is.
    fn tube(
        &mut self,
        chain: &Chain,
        right: Vec3,
        stations: &[Station],
        skin: &dyn Fn(f32, f32) -> Weights,
        paint: &dyn Fn(&Station, f32, f32) -> [f32; 4],
    ) {
        let first = self.pos.len() as u32;
        for (i, s) in stations.iter().enumerate() {
            let (c, t) = chain.at(s.d);
            let x = (right - t * right.dot(t)).normalize_or(Vec3::X);
            let f = t.cross(x);
            // How fast the tube narrows here (from the stations either side, skipping
            // colour seams at one place): the normals lean along the tube by as much, so
            // rounded ends shade as domes.
            let before = stations[..i]
                .iter()
                .rev()
                .find(|o| o.d < s.d - 1e-4)
                .unwrap_or(s);
            let after = stations[i + 1..]
                .iter()
                .find(|o| o.d > s.d + 1e-4)
                .unwrap_or(s);
            let span = after.d - before.d;
            let (sx, sz) = if span > 1e-4 {
                ((after.rx - before.rx) / span, (after.rz - before.rz) / span)
            } else {
                (0.0, 0.0)
            };
            for k in 0..AROUND {
                let a = k as f32 / AROUND as f32 * std::f32::consts::TAU;
                let (sin, cos) = a.sin_cos();
                self.pos
                    .push((c + x * (s.rx * cos) + f * (s.rz * sin)).to_array());
                let radial = x * (cos / s.rx.max(1e-4)) + f * (sin / s.rz.max(1e-4));
                let radial = radial.normalize_or(x);
                let slope = sx * cos * cos + sz * sin * sin;
                self.normals
                    .push((radial - t * slope).normalize_or(radial).to_array());
                self.col.push(paint(s, cos, sin));
                let (j, w) = skin(s.d, cos);
                self.joints.push(j);
                self.weights.push(w);
            }
        }
        let n = AROUND as u32;
        for i in 0..stations.len().saturating_sub(1) as u32 {
            for k in 0..n {
                let a = first + i * n + k;
                let b = first + i * n + (k + 1) % n;
                let c = a + n;
                let d = b + n;
                self.idx.extend([a, b, c, b, d, c]);
            }
        }
    }

    fn mesh(self) -> Mesh {
        Mesh::new(
            PrimitiveTopology::TriangleList,
            RenderAssetUsages::default(),
        )
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, self.pos)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, self.normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, self.col)
        .with_inserted_attribute(
            Mesh::ATTRIBUTE_JOINT_INDEX,
            VertexAttributeValues::Uint16x4(self.joints),
        )
        .with_inserted_attribute(Mesh::ATTRIBUTE_JOINT_WEIGHT, self.weights)
        .with_inserted_indices(Indices::U32(self.idx))
    }
}

/// A rounded end: radii shrink as a quarter circle over `len` metres past `d`.
fn dome(d: f32, len: f32, rx: f32, rz: f32, color: [f32; 4], out: &mut Vec<Station>) {
    for k in 1..=4 {
        let u = k as f32 / 4.0;
        let r = (1.0 - u * u).max(0.0).sqrt().max(0.04);
        out.push(st(d + len * u, rx * r, rz * r, color));
    }
}

/// A rounded start: stations before `first`, shrinking as a quarter circle over `len` metres.
fn dome_before(first: Station, len: f32) -> Vec<Station> {
    (1..=4)
        .rev()
        .map(|k| {
            let u = k as f32 / 4.0;
            let r = (1.0 - u * u).max(0.0).sqrt().max(0.04);
            st(first.d - len * u, first.rx * r, first.rz * r, first.color)
        })
        .collect()
}

/// Blend weight towards the next bone for a point `d` metres along, near a joint at `at`.
fn toward(d: f32, at: f32, half: f32) -> f32 {
    (0.5 + 0.5 * (d - at) / half).clamp(0.0, 1.0)
}

/// The body in two meshes on the same joints: the limbs (legs, shoes, arms, hands, a skirt),
/// and the torso, neck and head — which from one's own eyes would stand between the eyes and
/// the legs, so a first-person view draws them only in the shadow.
pub struct Figure {
    pub body: Mesh,
    pub upper: Mesh,
}

/// The body of `profile` in its rest pose, skinned to the sixteen joints.
pub fn build(profile: &BodyProfile, rest: &Pose) -> Figure {
    let g = Gait::new(profile);
    let d = g.dims;
    let h = d.height;
    let skin = lin(profile.skin.rgb, 1.0);
    let shirt = lin(profile.shirt, 1.0);
    let bottoms = lin(profile.trousers, 1.0);
    let shoes = lin(profile.shoes, 1.0);
    // Soles light under dark shoes, darker under light ones.
    let [r, g, bl] = profile.shoes.to_f32();
    let sole = if 0.2126 * r + 0.7152 * g + 0.0722 * bl < 0.4 {
        lin(respite_core::Rgb([0xd8, 0xd2, 0xc6]), 1.0)
    } else {
        lin(profile.shoes, 0.5)
    };
    let hair = lin(profile.hair, 1.0);
    let dress = profile.legwear == Legwear::Dress;
    let (right, fwd) = (Vec3::X, Vec3::NEG_Z);
    let plain = |s: &Station, _: f32, _: f32| s.color;
    let mut b = Builder::default();
    let mut top = Builder::default();

    // Legs: from inside the hips through the knee to inside the shoe.
    let (tr, sr) = (d.thigh_radius, d.shin_radius);
    for i in 0..2 {
        let chain = Chain::new(&[v(rest.hips[i]), v(rest.knees[i]), v(rest.feet[i].ankle)]);
        let (l, total) = (d.thigh, chain.len());
        let cloth = |at: f32| match profile.legwear {
            Legwear::Trousers => bottoms,
            Legwear::Shorts if at < 0.55 * l => bottoms,
            _ => skin,
        };
        let top = st(-0.07 * h, 0.8 * tr, 0.85 * tr, cloth(0.0));
        let mut s = dome_before(top, 0.6 * tr);
        s.push(top);
        for (at, rx, rz) in [
            (-0.03 * h, 0.97 * tr, tr),
            (0.0, tr, tr),
            (0.3 * l, 0.93 * tr, 0.95 * tr),
            (0.55 * l, 0.82 * tr, 0.86 * tr),
            (0.8 * l, 0.68 * tr, 0.72 * tr),
            (l, 0.6 * tr, 0.64 * tr),
            (l + 0.12 * (total - l), 0.62 * tr, 0.66 * tr),
            (l + 0.3 * (total - l), 0.98 * sr, 1.08 * sr),
            (l + 0.6 * (total - l), 0.78 * sr, 0.8 * sr),
            (l + 0.88 * (total - l), 0.56 * sr, 0.58 * sr),
            (total + 0.01 * h, 0.52 * sr, 0.55 * sr),
        ] {
            if profile.legwear == Legwear::Shorts && (at - 0.55 * l).abs() < 0.16 * l {
                // The shorts' hem: a little wider than the leg, then the bare knee.
                if at < 0.55 * l {
                    s.push(st(at, rx, rz, cloth(at)));
                    s.push(st(0.55 * l, 0.9 * tr, 0.93 * tr, bottoms));
                    s.push(st(0.55 * l, 0.84 * tr, 0.87 * tr, skin));
                    continue;
                }
            }
            let flare = if profile.legwear == Legwear::Trousers && at > total - 0.02 {
                1.25
            } else {
                1.0
            };
            s.push(st(at, rx * flare, rz * flare, cloth(at)));
        }
        let weights = move |at: f32, _side: f32| {
            if at < 0.04 * h {
                blend(PELVIS, THIGH[i], toward(at, 0.0, 0.04 * h))
            } else if at < l + 0.5 * (total - l) {
                blend(THIGH[i], SHIN[i], toward(at, l, 0.05 * h / 1.7))
            } else {
                only(SHIN[i])
            }
        };
        b.tube(&chain, right, &s, &weights, &plain);
    }

    // Shoes: heel to toe, flat soles in the shoe's colour darkened.
    for (f, foot) in rest.feet.iter().zip(FOOT) {
        let (heel, toe) = (v(f.heel), v(f.toe));
        let len = heel.distance(toe);
        let along = (toe - heel).normalize_or(fwd);
        let (w, hh) = (0.033 * h, 0.031 * h);
        let chain = Chain::new(&[
            heel + Vec3::Y * (0.9 * hh) - along * 0.01,
            heel + along * (0.6 * len) + Vec3::Y * (0.72 * hh),
            toe + Vec3::Y * (0.45 * hh),
        ]);
        let mut s = vec![st(-0.025 * h, 0.3 * w, 0.35 * hh, shoes)];
        s.push(st(-0.015 * h, 0.62 * w, 0.75 * hh, shoes));
        for (at, rx, rz) in [
            (0.0, 0.76 * w, 0.92 * hh),
            (0.3 * len, 0.88 * w, hh),
            (0.6 * len, w, 0.78 * hh),
            (0.85 * len, 0.92 * w, 0.56 * hh),
        ] {
            s.push(st(at, rx, rz, shoes));
        }
        dome(0.85 * len, 0.2 * len, 0.92 * w, 0.56 * hh, shoes, &mut s);
        // The tube runs forward: round it, "sin" points down (−Y) along the sole.
        let soled = move |s: &Station, _cos: f32, sin: f32| if sin > 0.72 { sole } else { s.color };
        b.tube(&chain, right, &s, &move |_, _| only(foot), &soled);
    }

    // Torso: from below the hips to the neck, hips to waist to chest to shoulders.
    let (neck, _) = neck_of(rest);
    let pelvis = v(rest.pelvis);
    let low = pelvis - Vec3::Y * (0.05 * h);
    let chain = Chain::new(&[low, pelvis + (neck - pelvis) * 0.45, neck]);
    let t = chain.len();
    let waist_at = chain.at[1];
    let hw = d.hip_half_width + 0.9 * tr;
    let sw = d.shoulder_half_width;
    let (waist, chest, shoulders) = match profile.build {
        Build::Female => (0.8 * hw, 0.86 * sw, 0.9 * sw),
        Build::Male => (0.9 * hw, 0.97 * sw, sw),
        Build::Neutral => (0.85 * hw, 0.92 * sw, 0.95 * sw),
    };
    let below = if dress { shirt } else { bottoms };
    let belt = 0.3 * t;
    let mut s = vec![st(-0.03 * h, 0.35 * hw, 0.3 * hw, below)];
    s.push(st(-0.015 * h, 0.75 * hw, 0.5 * hw, below));
    for (at, rx, rz) in [
        (0.0, 0.92 * hw, 0.058 * h),
        (0.12 * t, hw, 0.062 * h),
        (belt, waist, 0.058 * h),
    ] {
        s.push(st(at, rx, rz, below));
    }
    s.push(st(belt, waist * 1.01, 0.059 * h, shirt));
    // The lower body's torso ends just above the belt, capped (the upper body's starts
    // inside it, so from behind they are one).
    let mid = 0.5 * (waist + chest);
    let at_top = 0.42 * t;
    let lerp = |a: f32, b: f32| a + (b - a) * ((at_top - belt) / (0.55 * t - belt));
    let mut lower = s.clone();
    lower.extend([
        st(at_top, lerp(waist, mid), lerp(0.058 * h, 0.058 * h), shirt),
        st(
            at_top + 0.025 * t,
            0.6 * lerp(waist, mid),
            0.6 * 0.058 * h,
            shirt,
        ),
        st(
            at_top + 0.04 * t,
            0.08 * lerp(waist, mid),
            0.08 * 0.058 * h,
            shirt,
        ),
    ]);
    top.tube(
        &chain,
        right,
        &lower,
        &|at, _| blend(PELVIS, CHEST, toward(at, waist_at, 0.08 * h)),
        &plain,
    );
    let start = 0.38 * t;
    let inside = |a: f32, b: f32| 0.97 * (a + (b - a) * ((start - belt) / (0.55 * t - belt)));
    let mut s = vec![st(
        start,
        inside(waist, mid),
        inside(0.058 * h, 0.058 * h),
        shirt,
    )];
    for (at, rx, rz) in [
        (0.55 * t, mid, 0.058 * h),
        (0.72 * t, chest, 0.06 * h),
        (0.86 * t, shoulders, 0.058 * h),
        (0.94 * t, 0.72 * shoulders, 0.045 * h),
        (0.99 * t, 0.3 * shoulders, 0.032 * h),
        (t + 0.005 * h, 0.17 * shoulders, 0.026 * h),
    ] {
        s.push(st(at, rx, rz, shirt));
    }
    top.tube(
        &chain,
        right,
        &s,
        &|at, _| blend(PELVIS, CHEST, toward(at, waist_at, 0.08 * h)),
        &plain,
    );

    // Skirt or dress: a soft cone from the waist, swaying a little with each thigh.
    if matches!(profile.legwear, Legwear::Skirt | Legwear::Dress) {
        let cloth = if dress { shirt } else { bottoms };
        let top = pelvis + Vec3::Y * (0.04 * h);
        let long = if dress {
            0.04 * h + d.thigh + 0.45 * d.shin
        } else {
            0.04 * h + 0.82 * d.thigh
        };
        let chain = Chain::new(&[top, top - Vec3::Y * long]);
        let s: Vec<Station> = (0..=6)
            .map(|k| {
                let u = k as f32 / 6.0;
                let flare = 1.0 + 0.45 * u.powf(0.8);
                st(u * long, hw * flare, 0.066 * h * flare * 1.15, cloth)
            })
            .collect();
        let weights = move |at: f32, side: f32| {
            let k = 0.65 * (at / long).clamp(0.0, 1.0);
            let own = 0.5 + 0.5 * side.clamp(-1.0, 1.0);
            (
                [PELVIS as u16, THIGH[1] as u16, THIGH[0] as u16, 0],
                [1.0 - k, k * own, k * (1.0 - own), 0.0],
            )
        };
        b.tube(&chain, right, &s, &weights, &plain);
    }

    // Arms: shoulder, elbow, wrist; sleeves short (to mid upper arm) or long (to the wrist).
    let ua = 0.0295 * h;
    for i in 0..2 {
        let [shoulder, elbow, hand] = rest.arms[i].map(v);
        let forearm_dir = (hand - elbow).normalize_or(Vec3::NEG_Y);
        let wrist = hand - forearm_dir * (0.05 * h);
        let chain = Chain::new(&[shoulder, elbow, wrist]);
        let (u, total) = (chain.at[1], chain.len());
        let sleeve_end = match profile.sleeves {
            Sleeves::Short => 0.45 * u,
            Sleeves::Long => total - 0.01 * h,
        };
        let top = st(-0.03 * h, 0.85 * ua, 0.9 * ua, shirt);
        let mut s = dome_before(top, 0.8 * ua);
        s.push(top);
        let mut stations = vec![
            (0.0, ua, ua),
            (0.3 * u, 0.95 * ua, 0.95 * ua),
            (0.8 * u, 0.74 * ua, 0.76 * ua),
            (u, 0.66 * ua, 0.7 * ua),
            (u + 0.3 * (total - u), 0.74 * ua, 0.7 * ua),
            (total, 0.48 * ua, 0.56 * ua),
            (total + 0.012 * h, 0.45 * ua, 0.52 * ua),
        ];
        stations.retain(|st| (st.0 - sleeve_end).abs() > 0.005);
        for (at, rx, rz) in stations {
            if at > sleeve_end && s.last().is_some_and(|l| l.d < sleeve_end) {
                let (_, rx0, rz0) = (
                    0.0,
                    s.last().map_or(ua, |l| l.rx),
                    s.last().map_or(ua, |l| l.rz),
                );
                s.push(st(sleeve_end, rx0 * 1.12, rz0 * 1.12, shirt));
                s.push(st(sleeve_end, rx0 * 0.9, rz0 * 0.9, skin));
            }
            s.push(st(at, rx, rz, if at <= sleeve_end { shirt } else { skin }));
        }
        let weights = move |at: f32, _| {
            if at < 0.03 * h {
                blend(CHEST, UPPER_ARM[i], toward(at, 0.0, 0.03 * h))
            } else {
                blend(UPPER_ARM[i], FOREARM[i], toward(at, u, 0.04 * h))
            }
        };
        b.tube(&chain, right, &s, &weights, &plain);
        // The hand: a mitten, flat across the palm, from the wrist to the fingertips.
        let chain = Chain::new(&[wrist, hand + forearm_dir * (0.05 * h)]);
        let l = chain.len();
        let mut s = vec![st(-0.004 * h, 0.008 * h, 0.012 * h, skin)];
        for (at, rx, rz) in [
            (0.0, 0.011 * h, 0.017 * h),
            (0.3 * l, 0.0105 * h, 0.025 * h),
            (0.55 * l, 0.009 * h, 0.024 * h),
            (0.78 * l, 0.0075 * h, 0.021 * h),
        ] {
            s.push(st(at, rx, rz, skin));
        }
        dome(0.78 * l, 0.22 * l, 0.0075 * h, 0.021 * h, skin, &mut s);
        let hj = HAND[i];
        b.tube(&chain, right, &s, &move |_, _| only(hj), &plain);
    }

    // Neck and head, with hair over the crown and the back of the head.
    let (neck, up) = neck_of(rest);
    let nr = match profile.build {
        Build::Female => 0.027 * h,
        _ => 0.031 * h,
    };
    let chain = Chain::new(&[neck - up * (0.03 * h), neck + up * (0.075 * h)]);
    let s = [
        st(0.0, nr, nr, skin),
        st(0.05 * h, nr * 0.95, nr * 0.95, skin),
        st(chain.len(), nr * 0.9, nr * 0.9, skin),
    ];
    top.tube(
        &chain,
        right,
        &s,
        &|at, _| blend(NECK, HEAD, toward(at, 0.09 * h, 0.02 * h)),
        &plain,
    );
    let (hx, hy, hz) = (0.058 * h, 0.071 * h, 0.066 * h);
    // A little forward over the shoulders: the eyes (the view) sit inside it.
    let centre = neck + up * (0.1 * h) + fwd * (0.028 * h);
    let chain = Chain::new(&[centre - up * hy, centre + up * hy]);
    let rows = 12;
    let s: Vec<Station> = (0..=rows)
        .map(|k| {
            let u = k as f32 / rows as f32;
            let r = (1.0 - (2.0 * u - 1.0).powi(2)).max(0.0).sqrt().max(0.05);
            st(2.0 * hy * u, hx * r, hz * r, skin)
        })
        .collect();
    // Round the head upwards, "sin" points forward (the face).
    let haired = move |s: &Station, _cos: f32, sin: f32| {
        let u = s.d / (2.0 * hy);
        if u > 0.66 || (sin < -0.15 && u > 0.28) || (sin < 0.4 && u > 0.55) {
            hair
        } else {
            s.color
        }
    };
    top.tube(&chain, right, &s, &|_, _| only(HEAD), &haired);
    Figure {
        body: b.mesh(),
        upper: top.mesh(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mesh_is_skinned_to_real_joints_with_weights_that_sum_to_one() {
        for legwear in [
            Legwear::Trousers,
            Legwear::Shorts,
            Legwear::Skirt,
            Legwear::Dress,
        ] {
            let profile = BodyProfile {
                legwear,
                ..BodyProfile::default()
            };
            let rest = rest_pose(&Gait::new(&profile));
            let figure = build(&profile, &rest);
            let mut mesh = figure.body;
            mesh.merge(&figure.upper).expect("same attributes");
            let Some(VertexAttributeValues::Uint16x4(joints)) =
                mesh.attribute(Mesh::ATTRIBUTE_JOINT_INDEX)
            else {
                panic!("no joints")
            };
            let Some(VertexAttributeValues::Float32x4(weights)) =
                mesh.attribute(Mesh::ATTRIBUTE_JOINT_WEIGHT)
            else {
                panic!("no weights")
            };
            assert!(
                joints.len() > 1500,
                "{legwear:?}: {} vertices",
                joints.len()
            );
            for (j, w) in joints.iter().zip(weights) {
                assert!(j.iter().all(|&j| (j as usize) < JOINTS));
                assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{w:?}");
            }
            // Every joint moves some of the body.
            for joint in 0..JOINTS {
                assert!(
                    joints
                        .iter()
                        .zip(weights)
                        .any(|(j, w)| (0..4).any(|k| j[k] as usize == joint && w[k] > 0.5)),
                    "{legwear:?}: joint {joint} carries nothing"
                );
            }
        }
    }

    #[test]
    fn in_the_rest_pose_every_joint_frame_is_a_rotation_and_the_feet_are_on_the_ground() {
        let profile = BodyProfile::default();
        let rest = rest_pose(&Gait::new(&profile));
        for f in frames(&rest, profile.height_m) {
            let m = f.matrix3;
            assert!((m.determinant() - 1.0).abs() < 1e-4);
        }
        let figure = build(&profile, &rest);
        let mut mesh = figure.body;
        mesh.merge(&figure.upper).expect("same attributes");
        let Some(VertexAttributeValues::Float32x3(pos)) = mesh.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            panic!("no positions")
        };
        let lowest = pos.iter().map(|p| p[1]).fold(f32::MAX, f32::min);
        let highest = pos.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        // Soles within 2 cm of the ground; the crown near the profile's height.
        assert!(lowest.abs() < 0.02, "lowest {lowest}");
        assert!(
            (highest - profile.height_m).abs() < 0.06,
            "highest {highest}"
        );
    }
}
