//! The walk in the world: the trodden path (a ribbon over the levelled ground, its edges
//! blending into the ground's own colour), the landmarks along it, and the goal's progress
//! shown as lanterns on low posts that light softly as the walker passes them: progress in
//! the place, never a number on the screen.

use super::{Walk, WalkSystems};
use crate::environment::{Ground, SharedMaterials};
use crate::meshkit::{LowPoly, color, ico};
use bevy::light::NotShadowCaster;
use bevy::mesh::{ConeMeshBuilder, CylinderMeshBuilder};
use bevy::prelude::*;
use respite_core::Rgb;
use respite_core::walk::{LandmarkKind, P2, Walker};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        crate::environment::BuildPlace(3),
        (spawn_path, spawn_landmarks, spawn_progress_posts),
    )
    .add_systems(Update, light_passed_posts.after(WalkSystems));
}

/// Spacing of the ribbon's cross-sections, metres.
const RIBBON_STEP: f32 = 0.5;
/// How far the path's edge blends into the ground each side, metres.
const EDGE: f32 = 0.35;

fn spawn_path(
    mut commands: Commands,
    walk: Option<Res<Walk>>,
    ground: Res<Ground>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let Some(walk) = walk else { return };
    let field = &ground.0;
    let spline = &walk.route.spline;
    let half = walk.def.width_m / 2.0;
    let n = (spline.length() / RIBBON_STEP).ceil() as usize;
    let step = spline.length() / n as f32;
    let worn = walk.def.path_color;
    // Each cross-section: outer-left, left, right, outer-right.
    let section = |k: usize| -> [(Vec3, Color); 4] {
        let s = k as f32 * step;
        let c = spline.at(s);
        let r = spline.direction(s).right();
        let at = |off: f32, lift: f32| {
            let p = c + r * off;
            Vec3::new(p.x, field.height(p.x, p.z) + lift, p.z)
        };
        // A little seeded variety along the path, so it reads as trodden earth.
        let shade = 0.94 + 0.06 * ((s * 0.73).sin() * (s * 0.31).cos());
        let edge = |off: f32| {
            let p = c + r * off;
            let g = field.color(p.x, p.z);
            color(g, 1.0)
        };
        [
            (at(-half - EDGE, 0.01), edge(-half - EDGE)),
            (at(-half, 0.025), color(worn, shade)),
            (at(half, 0.025), color(worn, shade * 0.98)),
            (at(half + EDGE, 0.01), edge(half + EDGE)),
        ]
    };
    let mut ribbon = LowPoly::default();
    let mut prev = section(0);
    for k in 1..=n {
        let next = section(if spline.closed() && k == n { 0 } else { k });
        for j in 0..3 {
            let (a, b, c, d) = (prev[j], prev[j + 1], next[j], next[j + 1]);
            // Counter-clockwise seen from above: faces up.
            ribbon.triangle([a.0, b.0, c.0], [a.1, b.1, c.1]);
            ribbon.triangle([b.0, d.0, c.0], [b.1, d.1, c.1]);
        }
        prev = next;
    }
    commands.spawn((
        Name::new("Walking path"),
        Mesh3d(meshes.add(ribbon.build())),
        MeshMaterial3d(shared.solid.clone()),
        NotShadowCaster,
    ));
}

/// Where a landmark stands: `at_m` along the path, `side_m` to its right.
fn landmark_spot(walk: &Walk, at_m: f32, side_m: f32) -> (P2, P2) {
    let c = walk.route.spline.at(at_m);
    let dir = walk.route.spline.direction(at_m);
    (c + dir.right() * side_m, dir)
}

fn spawn_landmarks(
    mut commands: Commands,
    walk: Option<Res<Walk>>,
    ground: Res<Ground>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(walk) = walk else { return };
    let field = &ground.0;
    for (i, l) in walk.def.landmarks.iter().enumerate() {
        let (p, dir) = landmark_spot(&walk, l.at_m, l.side_m);
        let y = match field.water() {
            // Standing in the water, a landmark rises from the surface on its rocks.
            Some(w) if !field.dry(p.x, p.z) => field.height(p.x, p.z).max(w.level_m - 1.0),
            _ => field.height(p.x, p.z),
        };
        // Facing the path: a bench invites the walker, a waterfall falls towards them.
        let toward = if l.side_m >= 0.0 {
            dir.right() * -1.0
        } else {
            dir.right()
        };
        let turn = Quat::from_rotation_y(-toward.heading());
        let place = Transform::from_xyz(p.x, y, p.z).with_rotation(turn);
        let mut lp = LowPoly::default();
        let mut glow = None;
        match l.kind {
            LandmarkKind::Bench => bench(&mut lp),
            LandmarkKind::Signpost => signpost(&mut lp),
            LandmarkKind::Lighthouse => glow = Some(lighthouse(&mut lp)),
            LandmarkKind::Waterfall => {
                waterfall(&mut lp, &mut commands, &mut meshes, &mut materials, place);
            }
        }
        let entity = commands
            .spawn((
                Name::new(format!("Landmark {i}: {}", l.name)),
                Mesh3d(meshes.add(lp.build())),
                MeshMaterial3d(shared.solid.clone()),
                place,
            ))
            .id();
        if let Some(lamp) = glow {
            // The lantern room glows steadily: a lighthouse that never flashes.
            let light = materials.add(StandardMaterial {
                base_color: Color::srgb(1.0, 0.93, 0.75),
                emissive: LinearRgba::rgb(6.0, 5.0, 3.2),
                ..default()
            });
            commands.spawn((
                Mesh3d(meshes.add(ico(0.9, 2))),
                MeshMaterial3d(light),
                Transform::from_translation(lamp),
                NotShadowCaster,
                ChildOf(entity),
            ));
        }
    }
}

const WOOD: Rgb = Rgb([0x8a, 0x64, 0x42]);
const DARK_WOOD: Rgb = Rgb([0x5e, 0x44, 0x30]);
const STONE: Rgb = Rgb([0x86, 0x82, 0x7a]);

fn cuboid(lp: &mut LowPoly, size: Vec3, at: Vec3, paint: Rgb, shade: f32) {
    lp.add(
        &Cuboid::from_size(size).mesh().build(),
        Transform::from_translation(at),
        color(paint, shade),
        0.0,
        0,
    );
}

/// A park bench, 1.6 m long, its seat towards local −Z.
fn bench(lp: &mut LowPoly) {
    for (k, z) in [-0.16f32, 0.0, 0.16].into_iter().enumerate() {
        cuboid(
            lp,
            Vec3::new(1.6, 0.04, 0.13),
            Vec3::new(0.0, 0.45, z),
            WOOD,
            0.95 + 0.04 * k as f32,
        );
    }
    for (k, y) in [0.62f32, 0.78].into_iter().enumerate() {
        cuboid(
            lp,
            Vec3::new(1.6, 0.12, 0.04),
            Vec3::new(0.0, y, 0.25),
            WOOD,
            0.9 + 0.05 * k as f32,
        );
    }
    for x in [-0.7f32, 0.7] {
        cuboid(
            lp,
            Vec3::new(0.07, 0.45, 0.45),
            Vec3::new(x, 0.22, 0.0),
            DARK_WOOD,
            1.0,
        );
        cuboid(
            lp,
            Vec3::new(0.07, 0.9, 0.07),
            Vec3::new(x, 0.45, 0.25),
            DARK_WOOD,
            1.0,
        );
    }
}

/// A wooden signpost with two arms.
fn signpost(lp: &mut LowPoly) {
    cuboid(
        lp,
        Vec3::new(0.12, 2.1, 0.12),
        Vec3::new(0.0, 1.05, 0.0),
        DARK_WOOD,
        1.0,
    );
    let arm = Cuboid::from_size(Vec3::new(0.9, 0.18, 0.04)).mesh().build();
    for (k, (y, turn)) in [(1.8f32, 0.5f32), (1.5, -0.9)].into_iter().enumerate() {
        let rot = Quat::from_rotation_y(turn);
        lp.add(
            &arm,
            Transform::from_translation(Vec3::new(0.0, y, 0.0) + rot * Vec3::new(0.35, 0.0, 0.0))
                .with_rotation(rot),
            color(WOOD, 1.05 - 0.08 * k as f32),
            0.0,
            0,
        );
    }
}

/// A white and red tower on a rock base; returns where its lantern glows.
fn lighthouse(lp: &mut LowPoly) -> Vec3 {
    for k in 0..9 {
        let a = k as f32 / 9.0 * std::f32::consts::TAU;
        lp.add(
            &ico(2.4, 1),
            Transform::from_xyz(4.0 * a.cos(), 0.4, 4.0 * a.sin())
                .with_scale(Vec3::new(1.2, 0.8, 1.1)),
            color(STONE, 0.85 + 0.05 * (k % 3) as f32),
            0.35,
            k,
        );
    }
    cuboid(
        lp,
        Vec3::new(7.0, 2.4, 7.0),
        Vec3::new(0.0, 1.0, 0.0),
        STONE,
        0.8,
    );
    let bands = [Rgb([0xf4, 0xf1, 0xea]), Rgb([0xb8, 0x3a, 0x32])];
    let (bottom, top, height) = (2.3f32, 1.5f32, 16.0f32);
    let n = 6;
    for k in 0..n {
        let y0 = 2.2 + height * k as f32 / n as f32;
        let r0 = bottom + (top - bottom) * k as f32 / n as f32;
        let r1 = bottom + (top - bottom) * (k + 1) as f32 / n as f32;
        let seg = height / n as f32;
        lp.add(
            &ConicalFrustum {
                radius_top: r1,
                radius_bottom: r0,
                height: seg,
            }
            .mesh()
            .resolution(14)
            .build(),
            Transform::from_xyz(0.0, y0 + seg / 2.0, 0.0),
            color(bands[k % 2], 1.0),
            0.0,
            0,
        );
    }
    let deck = 2.2 + height;
    lp.add(
        &CylinderMeshBuilder::new(2.0, 0.3, 14).build(),
        Transform::from_xyz(0.0, deck + 0.15, 0.0),
        color(Rgb([0x3a, 0x3a, 0x3c]), 1.0),
        0.0,
        0,
    );
    lp.add(
        &ConeMeshBuilder::new(1.5, 1.6, 14).build(),
        Transform::from_xyz(0.0, deck + 2.9, 0.0),
        color(Rgb([0xb8, 0x3a, 0x32]), 0.9),
        0.0,
        0,
    );
    Vec3::new(0.0, deck + 1.2, 0.0)
}

/// A cascade over a rock face into a small pool; its falling water is a pale sheet.
fn waterfall(
    lp: &mut LowPoly,
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    place: Transform,
) {
    for k in 0..14 {
        let a = k as f32 / 14.0;
        let x = (a - 0.5) * 16.0;
        let h = 9.0 - 5.0 * (2.0 * a - 1.0).abs() + (k % 3) as f32;
        lp.add(
            &ico(3.2, 1),
            Transform::from_xyz(x, h * 0.5, 6.0 + (k % 2) as f32).with_scale(Vec3::new(
                1.0,
                h / 4.0,
                1.0,
            )),
            color(STONE, 0.75 + 0.06 * (k % 4) as f32),
            0.4,
            k,
        );
    }
    // The pool at the foot.
    lp.add(
        &CylinderMeshBuilder::new(3.6, 0.1, 16).build(),
        Transform::from_xyz(0.0, 0.04, 2.4),
        color(Rgb([0x4f, 0x7f, 0x86]), 1.0),
        0.0,
        0,
    );
    let water = materials.add(StandardMaterial {
        base_color: Color::srgba(0.86, 0.93, 0.96, 0.82),
        emissive: LinearRgba::rgb(0.25, 0.3, 0.33),
        alpha_mode: AlphaMode::Blend,
        perceptual_roughness: 0.3,
        cull_mode: None,
        double_sided: true,
        ..default()
    });
    commands.spawn((
        Name::new("Falling water"),
        Mesh3d(meshes.add(Plane3d::new(Vec3::Z, Vec2::new(1.1, 5.0)).mesh().build())),
        MeshMaterial3d(water),
        place * Transform::from_xyz(0.0, 5.0, 4.2).with_rotation(Quat::from_rotation_x(-0.12)),
        NotShadowCaster,
    ));
}

/// A lantern post marking progress towards the goal: it lights once passed.
#[derive(Component)]
struct ProgressPost {
    odometer: f64,
    material: Handle<StandardMaterial>,
    lit: f32,
}

/// How far the walk will have gone at each progress post: tenths of a distance goal, or
/// every minute of a timed walk (found by walking it ahead of time: the walk is
/// deterministic).
fn post_odometers(walk: &Walk, settings: &super::WalkSettings) -> Vec<f64> {
    if let Some(goal) = walk.walker.goal_distance() {
        return (1..10).map(|k| goal * k as f64 / 10.0).collect();
    }
    let mut ghost: Walker = Walker::new(&walk.def, &walk.route, walk.gait, settings.session);
    let mut out = Vec::new();
    let dt = 0.05;
    while !ghost.finished() && ghost.time < 7_200.0 {
        ghost.step(dt, &walk.route);
        if ghost.time >= (out.len() + 1) as f32 * 60.0 {
            out.push(ghost.odometer);
        }
    }
    out
}

fn spawn_progress_posts(
    mut commands: Commands,
    walk: Option<Res<Walk>>,
    settings: Res<super::WalkSettings>,
    ground: Res<Ground>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(walk) = walk else { return };
    let field = &ground.0;
    let post = {
        let mut lp = LowPoly::default();
        cuboid(
            &mut lp,
            Vec3::new(0.09, 0.8, 0.09),
            Vec3::new(0.0, 0.4, 0.0),
            DARK_WOOD,
            1.0,
        );
        cuboid(
            &mut lp,
            Vec3::new(0.2, 0.03, 0.2),
            Vec3::new(0.0, 0.81, 0.0),
            DARK_WOOD,
            0.8,
        );
        meshes.add(lp.build())
    };
    let lantern = meshes.add(ico(0.075, 1));
    let half = walk.def.width_m / 2.0 + 0.5;
    for (k, odometer) in post_odometers(&walk, &settings).into_iter().enumerate() {
        let (s, _) = walk.route.place(odometer);
        // Alternate sides on a loop walked more than once, so posts do not stack.
        let side = if ((odometer / walk.route.length() as f64) as usize).is_multiple_of(2) {
            half
        } else {
            -half
        };
        let (p, _) = landmark_spot(&walk, s, side);
        let y = field.height(p.x, p.z);
        let material = materials.add(StandardMaterial {
            base_color: Color::srgb(0.95, 0.88, 0.7),
            emissive: LinearRgba::rgb(0.05, 0.04, 0.02),
            ..default()
        });
        commands
            .spawn((
                Name::new(format!("Progress post {k}")),
                Mesh3d(post.clone()),
                MeshMaterial3d(shared.solid.clone()),
                Transform::from_xyz(p.x, y, p.z),
            ))
            .with_child((
                ProgressPost {
                    odometer,
                    material: material.clone(),
                    lit: 0.0,
                },
                Mesh3d(lantern.clone()),
                MeshMaterial3d(material),
                Transform::from_xyz(0.0, 0.92, 0.0),
                NotShadowCaster,
            ));
    }
}

/// Seconds a passed lantern takes to come fully alight: a glow, never a flash.
const LIGHT_UP_S: f32 = 2.5;

fn light_passed_posts(
    walk: Option<Res<Walk>>,
    time: Res<Time<Virtual>>,
    mut posts: Query<&mut ProgressPost>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(walk) = walk else { return };
    for mut post in &mut posts {
        let target = if walk.walker.odometer >= post.odometer {
            1.0
        } else {
            0.0
        };
        if post.lit == target {
            continue;
        }
        let step = time.delta_secs() / LIGHT_UP_S;
        post.lit = if target > post.lit {
            (post.lit + step).min(1.0)
        } else {
            target
        };
        if let Some(mut m) = materials.get_mut(&post.material) {
            let g = respite_core::smoothstep(post.lit);
            m.emissive = LinearRgba::rgb(0.05 + 3.0 * g, 0.04 + 2.2 * g, 0.02 + 1.0 * g);
        }
    }
}
