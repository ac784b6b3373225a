//! The patient's virtual body: one skinned mesh (see [`super::figure`]) whose joints take
//! the core's pose every frame — walking over the real ground, seated in a wheelchair whose
//! rims the hands push, or seated in a seated place with the hands in the lap. Its arms
//! follow the real hands where a headset tracks them. The console's stroke cue brushes a
//! soft light down one limb, on record with its timing.

use super::figure::{self, JOINTS, PARENT};
use super::{Walk, WalkSystems};
use crate::ActiveScene;
use crate::display::{Rig, TrackedHands};
use crate::environment::Ground;
use crate::session::{Record, SessionCommand};
use bevy::camera::visibility::RenderLayers;
use bevy::camera::visibility::{DynamicSkinnedMeshBounds, NoFrustumCulling};
use bevy::math::Affine3A;
use bevy::mesh::skinning::{SkinnedMesh, SkinnedMeshInverseBindposes};
use bevy::prelude::*;
use respite_core::session::Who;
use respite_core::session::event::SessionEvent;
use respite_core::walk::body::{
    FOOTREST_M, Hands, RIM_OUTSIDE_M, RIM_RADIUS_M, Seat, WHEEL_RADIUS_M, WHEELCHAIR_SEAT_M,
};
use respite_core::walk::{Gait, LIMBS, P2, Pose, STROKE_S, Walking};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(crate::environment::BuildPlace(3), spawn_body)
        .add_systems(
            Update,
            (pose_body, start_stroke, move_stroke)
                .chain()
                .after(WalkSystems),
        )
        .add_systems(PostUpdate, sun_sees_shadow_only)
        .add_systems(
            Update,
            show_body_per_level.run_if(resource_changed::<super::WalkSettings>),
        );
}

/// The render layer of what casts a shadow but is seen by no camera: the upper body from
/// one's own eyes. The sun lights it (its layers include this one); no camera draws it.
pub const SHADOW_ONLY_LAYER: usize = 7;

/// The sun casts the shadow-only body's shadow too.
fn sun_sees_shadow_only(
    mut commands: Commands,
    suns: Query<
        (Entity, Option<&RenderLayers>),
        (With<DirectionalLight>, Changed<DirectionalLight>),
    >,
) {
    for (sun, layers) in &suns {
        let layers = layers.cloned().unwrap_or_default();
        if !layers.intersects(&RenderLayers::layer(SHADOW_ONLY_LAYER)) {
            commands.entity(sun).insert(layers.with(SHADOW_ONLY_LAYER));
        }
    }
}

/// The root entity the body hangs from.
#[derive(Component)]
pub struct Body {
    gait: Gait,
    joints: [Entity; JOINTS],
    /// How this body sits or walks.
    stance: Stance,
    /// The pose drawn this frame (the stroke light follows it).
    pose: Option<Pose>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stance {
    Walking,
    /// In a wheelchair that rolls along the walk.
    Wheelchair,
    /// Seated in a seated place, at the viewpoint; on a wheelchair if the profile says so.
    Seated {
        wheelchair: bool,
    },
}

/// A wheelchair's wheel, turned as the chair rolls.
#[derive(Component)]
struct Wheel;

/// The wheelchair's frame, placed under the seated body.
#[derive(Component)]
struct Chair;

/// The soft light of a stroke cue.
#[derive(Component)]
struct StrokeLight;

/// The stroke under way: which limb, and the scene time it began.
#[derive(Resource, Clone, Copy, Debug)]
struct Stroking {
    limb: usize,
    started: f32,
}

/// The level says whether the body is drawn; a change in the place shows or hides it.
fn show_body_per_level(
    settings: Res<super::WalkSettings>,
    mut bodies: Query<&mut Visibility, Or<(With<Body>, With<Chair>)>>,
) {
    for mut v in &mut bodies {
        v.set_if_neq(if settings.body {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn spawn_body(
    mut commands: Commands,
    walk: Option<Res<Walk>>,
    scene: Res<ActiveScene>,
    settings: Res<super::WalkSettings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut bindposes: ResMut<Assets<SkinnedMeshInverseBindposes>>,
) {
    let stance = match walk.as_ref().map(|w| w.def.walking) {
        Some(Walking::Film) => {
            info!("walking: a film walk: the place moves past with no body");
            return;
        }
        Some(Walking::Wheelchair) => Stance::Wheelchair,
        Some(_) => Stance::Walking,
        None if scene.def.walk.is_some() => return,
        None => Stance::Seated {
            wheelchair: settings.profile.seat == Seat::Wheelchair,
        },
    };
    if !settings.body {
        info!("walking: the immersion level draws no body (it is there, hidden)");
    }
    let p = &settings.profile;
    let gait = Gait::new(p);
    let rest = figure::rest_pose(&gait);
    let rest_frames = figure::frames(&rest, p.height_m);
    let figure = figure::build(p, &rest);
    let inverse = bindposes.add(SkinnedMeshInverseBindposes::from(
        rest_frames
            .iter()
            .map(|f| Mat4::from(f.inverse()))
            .collect::<Vec<_>>(),
    ));
    let visibility = if settings.body {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    let root = commands
        .spawn((Name::new("Body"), Transform::default(), visibility))
        .id();
    let mut joints = [Entity::PLACEHOLDER; JOINTS];
    for j in 0..JOINTS {
        let local = local_of(j, &rest_frames);
        let parent = PARENT[j].map_or(root, |p| joints[p]);
        joints[j] = commands
            .spawn((
                Name::new(format!("Body joint {j}")),
                Transform::from_matrix(Mat4::from(local)),
                ChildOf(parent),
            ))
            .id();
    }
    let material = materials.add(StandardMaterial {
        base_color: Color::WHITE,
        perceptual_roughness: 0.78,
        reflectance: 0.3,
        ..default()
    });
    // From one's own eyes the chest, shoulders and head are left out of the picture (on a
    // layer no camera draws) but still cast their shadow with the rest.
    let own_eyes = match walk.as_ref().map(|w| w.def.view) {
        Some(respite_core::walk::WalkView::ThirdPerson(..)) => false,
        _ => scene.def.viewpoint.side_m <= 0.0,
    };
    for (name, mut mesh, upper) in [
        ("Body mesh", figure.body, false),
        ("Body mesh (upper)", figure.upper, true),
    ] {
        let bounded = mesh.generate_skinned_mesh_bounds().is_ok();
        let mut skinned = commands.spawn((
            Name::new(name),
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(material.clone()),
            SkinnedMesh {
                inverse_bindposes: inverse.clone(),
                joints: joints.to_vec(),
            },
            Transform::default(),
            ChildOf(root),
        ));
        if bounded {
            skinned.insert(DynamicSkinnedMeshBounds);
        } else {
            skinned.insert(NoFrustumCulling);
        }
        if upper && own_eyes {
            skinned.insert(RenderLayers::layer(SHADOW_ONLY_LAYER));
        }
    }
    commands.entity(root).insert(Body {
        gait,
        joints,
        stance,
        pose: None,
    });
    if matches!(
        stance,
        Stance::Wheelchair | Stance::Seated { wheelchair: true }
    ) {
        spawn_wheelchair(
            &mut commands,
            &gait,
            visibility,
            &mut meshes,
            &mut materials,
        );
    }
    // The stroke cue's light, dark until the therapist cues a stroke.
    commands.spawn((
        Name::new("Stroke light"),
        StrokeLight,
        PointLight {
            color: Color::srgb(1.0, 0.93, 0.8),
            intensity: 0.0,
            range: 0.6,
            radius: 0.04,
            shadow_maps_enabled: false,
            ..default()
        },
        Mesh3d(meshes.add(crate::meshkit::ico(0.035, 2))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgba(1.0, 0.95, 0.85, 0.35),
            emissive: LinearRgba::rgb(2.0, 1.8, 1.4),
            alpha_mode: AlphaMode::Blend,
            unlit: true,
            ..default()
        })),
        Transform::default(),
        Visibility::Hidden,
    ));
    info!(
        "walk: body {:.2} m ({:?}, skin {}), {:?}, eyes at {:.2} m",
        p.height_m, p.build, p.skin.rgb, stance, gait.dims.eye_height
    );
}

/// Joint `j`'s transform within its parent, for world frames `frames`.
fn local_of(j: usize, frames: &[Affine3A; JOINTS]) -> Affine3A {
    match PARENT[j] {
        Some(p) => frames[p].inverse() * frames[j],
        None => frames[j],
    }
}

/// The wheelchair: two big wheels with push rims and spokes, small castors, a slung seat and
/// back, footrests, in steel and dark fabric. Built at the origin facing north; placed
/// under the body every frame.
fn spawn_wheelchair(
    commands: &mut Commands,
    gait: &Gait,
    visibility: Visibility,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
) {
    use std::f32::consts::FRAC_PI_2;
    let d = gait.dims;
    let steel = materials.add(StandardMaterial {
        base_color: Color::srgb(0.62, 0.64, 0.67),
        metallic: 0.8,
        perceptual_roughness: 0.35,
        ..default()
    });
    let tyre = materials.add(StandardMaterial {
        base_color: Color::srgb(0.09, 0.09, 0.1),
        perceptual_roughness: 0.9,
        ..default()
    });
    let fabric = materials.add(StandardMaterial {
        base_color: Color::srgb(0.14, 0.16, 0.2),
        perceptual_roughness: 0.95,
        ..default()
    });
    let half = d.hip_half_width + d.thigh_radius + 0.02;
    let rim_x = d.hip_half_width + d.thigh_radius + RIM_OUTSIDE_M;
    let seat = WHEELCHAIR_SEAT_M;
    let chair = commands
        .spawn((
            Name::new("Wheelchair"),
            Chair,
            Transform::default(),
            visibility,
        ))
        .id();
    // (parent: None for the frame, Some(side) for that side's wheel), mesh, material, place.
    let mut parts: Vec<(Option<usize>, Mesh, Handle<StandardMaterial>, Transform)> = vec![
        // Seat and back: slung fabric between the side rails.
        (
            None,
            Cuboid::new(2.0 * half, 0.03, 0.44).into(),
            fabric.clone(),
            Transform::from_xyz(0.0, seat - 0.015, -0.12),
        ),
        (
            None,
            Cuboid::new(2.0 * half, 0.38, 0.03).into(),
            fabric.clone(),
            Transform::from_xyz(0.0, seat + 0.24, 0.12).with_rotation(Quat::from_rotation_x(-0.12)),
        ),
    ];
    let rod = |len: f32| -> Mesh { Cylinder::new(0.012, len).into() };
    let knee_fwd = 0.08 * d.height + d.thigh * 0.9;
    for (k, side) in [-1.0f32, 1.0].into_iter().enumerate() {
        let x = side * (half + 0.01);
        parts.extend([
            // Side rail under the seat, the back post with its handle, the front post down
            // towards the footrest.
            (
                None,
                rod(0.5),
                steel.clone(),
                Transform::from_xyz(x, seat - 0.03, -0.13)
                    .with_rotation(Quat::from_rotation_x(FRAC_PI_2)),
            ),
            (
                None,
                rod(0.55),
                steel.clone(),
                Transform::from_xyz(x, seat + 0.2, 0.13)
                    .with_rotation(Quat::from_rotation_x(-0.12)),
            ),
            (
                None,
                rod(0.48),
                steel.clone(),
                Transform::from_xyz(x, seat - 0.22, -0.38)
                    .with_rotation(Quat::from_rotation_x(0.35)),
            ),
            // Footrest plate.
            (
                None,
                Cuboid::new(0.13, 0.012, 0.1).into(),
                steel.clone(),
                Transform::from_xyz(side * 0.08, FOOTREST_M, -(knee_fwd + 0.05).min(0.62)),
            ),
            // Castor below the front post.
            (
                None,
                Torus::new(0.05, 0.075).into(),
                tyre.clone(),
                Transform::from_xyz(x, 0.075, -0.46)
                    .with_rotation(Quat::from_rotation_z(FRAC_PI_2)),
            ),
        ]);
        // The big wheel: tyre, push rim a little outside it, hub and spokes.
        let upright = Quat::from_rotation_z(FRAC_PI_2);
        let inboard = -side * 0.025;
        parts.extend([
            (
                Some(k),
                Torus::new(WHEEL_RADIUS_M - 0.03, WHEEL_RADIUS_M).into(),
                tyre.clone(),
                Transform::from_xyz(inboard, 0.0, 0.0).with_rotation(upright),
            ),
            (
                Some(k),
                Torus::new(RIM_RADIUS_M - 0.009, RIM_RADIUS_M + 0.009).into(),
                steel.clone(),
                Transform::from_rotation(upright),
            ),
            (
                Some(k),
                Cylinder::new(0.03, 0.05).into(),
                steel.clone(),
                Transform::from_xyz(inboard, 0.0, 0.0).with_rotation(upright),
            ),
        ]);
        for n in 0..12 {
            let a = n as f32 / 12.0 * std::f32::consts::PI;
            parts.push((
                Some(k),
                Cylinder::new(0.0025, 2.0 * (WHEEL_RADIUS_M - 0.03)).into(),
                steel.clone(),
                Transform::from_xyz(inboard, 0.0, 0.0).with_rotation(Quat::from_rotation_x(a)),
            ));
        }
    }
    // Each wheel turns about its axle beside the hips.
    let wheels = [-1.0f32, 1.0].map(|side| {
        commands
            .spawn((
                Name::new("Wheelchair wheel"),
                Wheel,
                Transform::from_xyz(side * rim_x, WHEEL_RADIUS_M, 0.05),
                Visibility::Inherited,
                ChildOf(chair),
            ))
            .id()
    });
    for (on, mesh, material, t) in parts {
        commands.spawn((
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(material),
            t,
            ChildOf(on.map_or(chair, |k| wheels[k])),
        ));
    }
}

/// The pose this frame, and where a wheelchair stands and how far it has rolled.
struct Placed {
    pose: Pose,
    chair: Option<(Transform, f32)>,
}

fn placed(body: &Body, walk: Option<&Walk>, scene: &ActiveScene, ground: &Ground) -> Placed {
    let gait = &body.gait;
    let field = &ground.0;
    let seated_at = |at: [f32; 3], heading: P2, hands: Hands| {
        let fwd = heading.normalized();
        // The eyes over the ground point the rig stands on: the hips behind them.
        let (_, ahead) = gait.seated_eyes();
        let hip = P2::new(at[0], at[2]) - fwd * ahead;
        let pelvis = [
            hip.x,
            at[1] + WHEELCHAIR_SEAT_M + gait.hip_above_seat(),
            hip.z,
        ];
        gait.seated(pelvis, fwd, at[1] + FOOTREST_M, at[1], hands)
    };
    match (body.stance, walk) {
        (Stance::Walking, Some(walk)) => {
            let w = &walk.walker;
            let (at, heading) = w.ground(&walk.route);
            Placed {
                pose: walk
                    .gait
                    .pose(w.phase, w.speed, at, heading, &|x, z| field.height(x, z)),
                chair: None,
            }
        }
        (Stance::Wheelchair, Some(walk)) => {
            let w = &walk.walker;
            let (at, heading) = w.ground(&walk.route);
            // Each push is one step of the driver: half a gait cycle.
            let strength = (w.speed / w.cruise().max(0.1)).clamp(0.0, 1.0);
            let hands = Hands::Rims {
                phase: (w.phase * 2.0).fract() as f32,
                strength,
            };
            let pose = seated_at(at, heading, hands);
            Placed {
                chair: Some((chair_at(&pose, at[1]), w.odometer as f32)),
                pose,
            }
        }
        (Stance::Seated { wheelchair }, _) => {
            let v = &scene.def.viewpoint;
            let yaw = v.yaw_deg.to_radians();
            let heading = P2::new(yaw.sin(), -yaw.cos());
            let floor = field.height(0.0, 0.0);
            // The seated eyes at the viewpoint's height: the hips below and behind them.
            let (above, ahead) = gait.seated_eyes();
            let fwd = heading.normalized();
            let hip = P2::new(0.0, 0.0) - fwd * ahead;
            // The seated eyes are at the viewpoint's height (on a screen the camera's, in a
            // headset where the tracking origin was put).
            let eye_y = v.eye_height_m;
            let pelvis = [hip.x, eye_y - above + gait.hip_above_seat(), hip.z];
            let seat_y = pelvis[1] - gait.hip_above_seat();
            let feet = if wheelchair {
                seat_y - (WHEELCHAIR_SEAT_M - FOOTREST_M)
            } else {
                floor
            };
            let pose = gait.seated(pelvis, fwd, feet.max(floor), floor, Hands::Lap);
            let chair = wheelchair.then(|| (chair_at(&pose, seat_y - WHEELCHAIR_SEAT_M), 0.0));
            Placed { pose, chair }
        }
        _ => Placed {
            pose: figure::rest_pose(gait),
            chair: None,
        },
    }
}

/// The wheelchair under a seated pose: centred between the hips, facing the pose's way, its
/// wheels on the floor at `floor_y`.
fn chair_at(pose: &Pose, floor_y: f32) -> Transform {
    let mid = Vec3::from(pose.hips[0]).midpoint(Vec3::from(pose.hips[1]));
    let h = pose.heading;
    Transform::from_xyz(mid.x, floor_y, mid.z)
        .with_rotation(Quat::from_rotation_y((-h.x).atan2(-h.z)))
}

#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn pose_body(
    walk: Option<Res<Walk>>,
    scene: Res<ActiveScene>,
    ground: Res<Ground>,
    hands: Option<Res<TrackedHands>>,
    rigs: Query<&GlobalTransform, With<Rig>>,
    mut bodies: Query<&mut Body>,
    mut joints: Query<&mut Transform, (Without<Chair>, Without<Wheel>)>,
    mut chairs: Query<&mut Transform, (With<Chair>, Without<Wheel>)>,
    mut wheels: Query<&mut Transform, (With<Wheel>, Without<Chair>)>,
) {
    let rig = rigs.iter().next();
    for mut body in &mut bodies {
        let mut at = placed(&body, walk.as_deref(), &scene, &ground);
        // The arms follow the real hands where a headset tracks them (from one's own eyes:
        // seen from behind or the side, the rig is not at the body's eyes).
        let own_eyes = scene.def.viewpoint.behind_m <= 0.0 && scene.def.viewpoint.side_m <= 0.0;
        if let (Some(hands), Some(rig), true) = (hands.as_deref(), rig, own_eyes) {
            for i in 0..2 {
                if let Some(grip) = hands.grip[i] {
                    let world = rig.transform_point(grip);
                    at.pose.reach(i, world.to_array(), &body.gait.dims);
                }
            }
        }
        let frames = figure::frames(&at.pose, body.gait.dims.height);
        for j in 0..JOINTS {
            if let Ok(mut t) = joints.get_mut(body.joints[j]) {
                *t = Transform::from_matrix(Mat4::from(local_of(j, &frames)));
            }
        }
        if let Some((place, rolled)) = at.chair {
            for mut c in &mut chairs {
                *c = place;
            }
            for mut w in &mut wheels {
                // Rolling forward turns the wheel's top forward.
                w.rotation = Quat::from_rotation_x(-rolled / WHEEL_RADIUS_M);
            }
        }
        body.pose = Some(at.pose);
    }
}

/// A stroke cue from the console (or a script): the light starts down the limb, on record.
fn start_stroke(
    mut commands_in: MessageReader<SessionCommand>,
    mut commands: Commands,
    bodies: Query<(), With<Body>>,
    time: Res<Time<Virtual>>,
    under_way: Option<Res<Stroking>>,
    mut records: MessageWriter<Record>,
) {
    let mut under_way = under_way.map(|s| *s);
    for c in commands_in.read() {
        let SessionCommand::Stroke { limb, via } = c else {
            continue;
        };
        let Some(index) = LIMBS.iter().position(|l| l == limb) else {
            warn!("walking: no limb '{limb}' to stroke");
            continue;
        };
        if under_way.is_some() {
            // One stroke at a time: a light cut short and started again would flicker.
            info!("walking: a stroke is under way; '{limb}' waits for the next cue");
            continue;
        }
        if bodies.is_empty() {
            warn!("walking: no body drawn to stroke");
            continue;
        }
        let stroke = Stroking {
            limb: index,
            started: time.elapsed_secs(),
        };
        under_way = Some(stroke);
        commands.insert_resource(stroke);
        records.write(Record(SessionEvent::StrokeStart {
            limb: limb.clone(),
            seconds: STROKE_S,
            by: Who::Therapist,
            via: *via,
        }));
    }
}

/// The stroke's light glides from hip to ankle (or shoulder to hand) over [`STROKE_S`],
/// fading in and out over its first and last 0.4 s: never a flash.
fn move_stroke(
    mut commands: Commands,
    stroking: Option<Res<Stroking>>,
    bodies: Query<&Body>,
    time: Res<Time<Virtual>>,
    mut lights: Query<(&mut Transform, &mut PointLight, &mut Visibility), With<StrokeLight>>,
    mut records: MessageWriter<Record>,
) {
    let Some(stroke) = stroking else { return };
    let t = (time.elapsed_secs() - stroke.started) / STROKE_S;
    let Some(body) = bodies.iter().next() else {
        commands.remove_resource::<Stroking>();
        return;
    };
    if t >= 1.0 {
        for (_, mut light, mut v) in &mut lights {
            light.intensity = 0.0;
            *v = Visibility::Hidden;
        }
        commands.remove_resource::<Stroking>();
        records.write(Record(SessionEvent::StrokeEnd {
            limb: LIMBS[stroke.limb].into(),
        }));
        return;
    }
    // Along the limb as drawn this frame (arms following tracked hands included).
    let Some(pose) = &body.pose else { return };
    let point = Vec3::from(pose.along(stroke.limb, t));
    let fade_s = 0.4 / STROKE_S;
    let level = (t / fade_s).min((1.0 - t) / fade_s).clamp(0.0, 1.0);
    for (mut tr, mut light, mut v) in &mut lights {
        // Just above the limb's surface.
        tr.translation = point + Vec3::Y * (0.6 * body.gait.dims.thigh_radius);
        light.intensity = 4_000.0 * level * level * (3.0 - 2.0 * level);
        *v = Visibility::Inherited;
    }
}
