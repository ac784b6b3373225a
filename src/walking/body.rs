//! The patient's virtual body: legs, feet, hips, torso and arms (and a head, seen only from
//! behind), posed every frame by the core's gait over the real ground. Coloured from the
//! body profile.

use super::{Walk, WalkSystems};
use crate::environment::Ground;
use crate::meshkit::color;
use bevy::prelude::*;
use respite_core::walk::{Legwear, Pose, WalkView};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(crate::environment::BuildPlace(3), spawn_body)
        .add_systems(Update, pose_body.after(WalkSystems))
        .add_systems(
            Update,
            show_body_per_level.run_if(resource_changed::<super::WalkSettings>),
        );
}

/// Which piece of the body an entity is.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Thigh(usize),
    Shin(usize),
    Foot(usize),
    Pelvis,
    Torso,
    UpperArm(usize),
    Forearm(usize),
    Head,
}

/// The level says whether the body is drawn; a change in the place shows or hides it.
fn show_body_per_level(
    settings: Res<super::WalkSettings>,
    mut bodies: Query<&mut Visibility, With<Body>>,
) {
    for mut v in &mut bodies {
        v.set_if_neq(if settings.body {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
}

/// The root entity the body parts hang from.
#[derive(Component)]
pub struct Body;

fn spawn_body(
    mut commands: Commands,
    walk: Option<Res<Walk>>,
    settings: Res<super::WalkSettings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(walk) = walk else { return };
    if !settings.body {
        info!("walking: the immersion level draws no body (it is there, hidden)");
    }
    let p = &settings.profile;
    let d = walk.gait.dims;
    let mut paint = |rgb, roughness| {
        materials.add(StandardMaterial {
            base_color: color(rgb, 1.0),
            perceptual_roughness: roughness,
            reflectance: 0.3,
            ..default()
        })
    };
    let skin = paint(p.skin.rgb, 0.6);
    let shirt = paint(p.shirt, 0.85);
    let trousers = paint(p.trousers, 0.9);
    let shoes = paint(p.shoes, 0.5);
    let shin_paint = match p.legwear {
        Legwear::Trousers => trousers.clone(),
        Legwear::Shorts | Legwear::Skirt | Legwear::Dress => skin.clone(),
    };
    // Capsules as long as the bone: their rounded ends overlap at the joints.
    let mut limb = |radius: f32, length: f32| {
        meshes.add(
            Capsule3d::new(radius, length)
                .mesh()
                .rings(2)
                .latitudes(8)
                .longitudes(12)
                .build(),
        )
    };
    let thigh = limb(d.thigh_radius, d.thigh);
    let shin = limb(d.shin_radius, d.shin);
    let upper_arm = limb(d.shin_radius * 1.05, d.upper_arm);
    let forearm = limb(d.shin_radius * 0.8, d.forearm);
    let pelvis = limb(d.thigh_radius * 0.95, 2.0 * d.hip_half_width);
    let torso_len = d.shoulder_height - d.thigh - d.shin - d.ankle_height - 0.06 * p.height_m;
    let torso = limb(d.shoulder_half_width * 0.8, torso_len);
    // A shoe: a capsule lying along the foot, flattened.
    let shoe_radius = 0.028 * p.height_m;
    let shoe = meshes.add(
        Mesh::from(Capsule3d::new(shoe_radius, d.foot_length - shoe_radius))
            .rotated_by(Quat::from_rotation_x(std::f32::consts::FRAC_PI_2))
            .scaled_by(Vec3::new(1.15, 0.75, 1.0)),
    );
    let head = meshes.add(crate::meshkit::ico(0.065 * p.height_m, 3));
    let body = commands
        .spawn((
            Name::new("Body"),
            Body,
            Transform::default(),
            if settings.body {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            },
        ))
        .id();
    let mut part = |part: Part, mesh: &Handle<Mesh>, material: &Handle<StandardMaterial>| {
        commands.spawn((
            part,
            Mesh3d(mesh.clone()),
            MeshMaterial3d(material.clone()),
            Transform::default(),
            ChildOf(body),
        ));
    };
    for i in 0..2 {
        part(Part::Thigh(i), &thigh, &trousers);
        part(Part::Shin(i), &shin, &shin_paint);
        part(Part::Foot(i), &shoe, &shoes);
    }
    // From one's own eyes, looking down, the legs are what matters (the walking
    // illusion's own framing); hips, torso, shoulders and head would sit between the eyes
    // and the legs, so the whole figure shows only from behind.
    if let WalkView::ThirdPerson(..) = walk.def.view {
        part(Part::Pelvis, &pelvis, &trousers);
        for i in 0..2 {
            part(Part::UpperArm(i), &upper_arm, &shirt);
            part(Part::Forearm(i), &forearm, &skin);
        }
        part(Part::Torso, &torso, &shirt);
        part(Part::Head, &head, &skin);
    }
    info!(
        "walk: body {:.2} m ({:?}), legs {:.2} m, eyes at {:.2} m",
        p.height_m,
        p.build,
        d.thigh + d.shin,
        d.eye_height
    );
}

fn v(p: [f32; 3]) -> Vec3 {
    Vec3::from(p)
}

/// A capsule standing along Y, moved to run from `a` to `b`.
fn bone(a: Vec3, b: Vec3) -> Transform {
    let dir = (b - a).normalize_or(Vec3::Y);
    Transform::from_translation((a + b) / 2.0).with_rotation(Quat::from_rotation_arc(Vec3::Y, dir))
}

/// Where each part goes for a pose of a body `height` metres tall.
pub fn place(part: Part, pose: &Pose, height: f32) -> Transform {
    let fwd = Vec3::new(pose.heading.x, 0.0, pose.heading.z);
    match part {
        Part::Thigh(i) => bone(v(pose.hips[i]), v(pose.knees[i])),
        Part::Shin(i) => bone(v(pose.knees[i]), v(pose.feet[i].ankle)),
        Part::Foot(i) => {
            let f = &pose.feet[i];
            let (heel, toe) = (v(f.heel), v(f.toe));
            // Sole on the ground: the shoe's centre sits a flattened radius above it.
            let centre = (heel + toe) / 2.0 + Vec3::Y * (0.021 * height);
            Transform::from_translation(centre).looking_to((toe - heel).normalize_or(fwd), Vec3::Y)
        }
        Part::Pelvis => bone(v(pose.hips[0]), v(pose.hips[1])),
        Part::Torso => {
            let base = v(pose.pelvis);
            let top = v(pose.arms[0][0]).midpoint(v(pose.arms[1][0]));
            let mut t = bone(base + Vec3::Y * 0.05, top - Vec3::Y * 0.02);
            // Flatter front to back than side to side.
            t.rotation = Quat::from_rotation_y(fwd.x.atan2(fwd.z));
            t.scale = Vec3::new(1.0, 1.0, 0.62);
            t
        }
        Part::UpperArm(i) => bone(v(pose.arms[i][0]), v(pose.arms[i][1])),
        Part::Forearm(i) => bone(v(pose.arms[i][1]), v(pose.arms[i][2])),
        Part::Head => {
            let shoulders = v(pose.arms[0][0]).midpoint(v(pose.arms[1][0]));
            Transform::from_translation(shoulders + Vec3::Y * (0.11 * height) + fwd * 0.02)
        }
    }
}

fn pose_body(
    walk: Option<Res<Walk>>,
    ground: Res<Ground>,
    mut parts: Query<(&Part, &mut Transform)>,
) {
    let Some(walk) = walk else { return };
    let w = &walk.walker;
    let (at, heading) = w.ground(&walk.route);
    let field = &ground.0;
    let pose = walk
        .gait
        .pose(w.phase, w.speed, at, heading, &|x, z| field.height(x, z));
    let height = walk.gait.dims.height;
    for (part, mut t) in &mut parts {
        *t = place(*part, &pose, height);
    }
}
