//! Gentle motion in the place: clouds drifting, butterflies looping over the clearing, birds
//! gliding far off. Paths come from the core (`respite_core::life`) as functions of scene
//! time, so a paused scene holds still and every run moves the same way.

use super::meshkit::{LowPoly, color, ico};
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::life::{
    BIRD_WING_M, BUTTERFLY_WING, BUTTERFLY_WING_M, Cloud, Flight, cloud_at, clouds, flights,
};
use respite_core::scene::{Clouds, FaunaKind};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, (spawn_clouds, spawn_fauna))
        .add_systems(Update, (drift_clouds, fly));
}

#[derive(Component)]
struct Puff(Cloud);

#[derive(Resource)]
struct CloudField(Clouds);

#[derive(Component)]
struct Animal(Flight);

/// A wing turns about the body's long axis; `side` is +1 for the left wing, −1 the right.
#[derive(Component)]
struct Wing {
    side: f32,
}

fn spawn_clouds(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(spec) = &scene.def.clouds else {
        return;
    };
    // Lit by the sun (bright tops, soft grey undersides) but outside the fog: they are far
    // beyond the fog's reach and must still read as clouds, not haze.
    let material = materials.add(StandardMaterial {
        base_color: color(spec.color, 1.0),
        perceptual_roughness: 1.0,
        fog_enabled: false,
        ..default()
    });
    // A few cumulus shapes one unit long: a big crown puff over a flat-bottomed row of
    // smaller ones, loosely scattered.
    let shapes: Vec<Handle<Mesh>> = (0..4u32)
        .map(|s| {
            let mut lp = LowPoly::default();
            let mut n = respite_core::sound::dsp::Noise::new(u64::from(s) + 91);
            lp.add(
                &ico(0.26, 1),
                Transform::from_xyz(n.range(-0.1, 0.1), 0.12, 0.0),
                Color::WHITE,
                0.03,
                s,
            );
            for k in 0..(5 + s) {
                let r = n.range(0.12, 0.2);
                let (x, z) = (n.range(-0.38, 0.38), n.range(-0.16, 0.16));
                // Flat undersides: every puff's bottom sits near the same height.
                lp.add(
                    &ico(r, 1),
                    Transform::from_xyz(x, r * 0.6, z),
                    Color::WHITE,
                    0.025,
                    s * 17 + k,
                );
            }
            meshes.add(lp.build())
        })
        .collect();
    for cloud in clouds(spec, scene.def.seed) {
        let (p, show) = cloud_at(spec, &cloud, 0.0);
        commands.spawn((
            Name::new("Cloud"),
            Mesh3d(shapes[(cloud.variant % 4) as usize].clone()),
            MeshMaterial3d(material.clone()),
            Transform::from_translation(Vec3::from(p))
                .with_rotation(Quat::from_rotation_y(cloud.variant as f32 * 0.001))
                .with_scale(Vec3::new(1.0, 0.6, 0.8) * cloud.size * show),
            NotShadowCaster,
            NotShadowReceiver,
            Puff(cloud),
        ));
    }
    commands.insert_resource(CloudField(spec.clone()));
}

fn drift_clouds(
    field: Option<Res<CloudField>>,
    time: Res<Time<Virtual>>,
    mut puffs: Query<(&Puff, &mut Transform)>,
) {
    let Some(field) = field else { return };
    let t = time.elapsed_secs();
    for (puff, mut transform) in &mut puffs {
        let (p, show) = cloud_at(&field.0, &puff.0, t);
        transform.translation = Vec3::from(p);
        transform.scale = Vec3::new(1.0, 0.6, 0.8) * puff.0.size * show;
    }
}

/// One wing, pivoting at the body: a broad fore-wing and a smaller hind-wing (butterfly) or
/// a long tapered wing (bird), reaching out along +X.
fn wing_mesh(kind: FaunaKind, paint: Color) -> Mesh {
    let mut lp = LowPoly::default();
    let tip = paint.mix(&Color::BLACK, 0.25);
    match kind {
        FaunaKind::Butterfly => {
            let l = BUTTERFLY_WING_M;
            for tri in BUTTERFLY_WING {
                let corner = |[x, z]: [f32; 2]| Vec3::new(x * l, 0.0, z * l);
                lp.triangle(tri.map(corner), [paint, tip, paint]);
            }
        }
        FaunaKind::Bird | FaunaKind::FishRings => {
            let l = BIRD_WING_M;
            lp.triangle(
                [
                    Vec3::new(0.0, 0.0, -0.12),
                    Vec3::new(l, 0.0, 0.05),
                    Vec3::new(0.0, 0.0, 0.1),
                ],
                [paint, tip, paint],
            );
        }
    }
    lp.build()
}

fn spawn_fauna(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    ground: Res<Ground>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    for (index, rule) in scene.def.fauna.iter().enumerate() {
        // Rising fish are rings on the water, drawn by the water block.
        if rule.kind == FaunaKind::FishRings {
            continue;
        }
        let wings: Vec<Handle<Mesh>> = rule
            .colors
            .iter()
            .map(|&c| meshes.add(wing_mesh(rule.kind, color(c, 1.0))))
            .collect();
        let body = meshes.add({
            let mut lp = LowPoly::default();
            let (len, thick, paint) = match rule.kind {
                FaunaKind::Butterfly => (0.03, 0.006, Color::srgb(0.12, 0.1, 0.08)),
                FaunaKind::Bird | FaunaKind::FishRings => (0.32, 0.07, color(rule.colors[0], 0.8)),
            };
            lp.add(
                &ico(1.0, 0),
                Transform::from_scale(Vec3::new(thick, thick, len)),
                paint,
                0.0,
                0,
            );
            lp.build()
        });
        for flight in flights(rule, scene.def.seed, index as u64) {
            let p = flight.position(0.0);
            let wing = wings[flight.color].clone();
            commands
                .spawn((
                    Name::new(format!("{:?}", rule.kind)),
                    Mesh3d(body.clone()),
                    MeshMaterial3d(shared.two_sided.clone()),
                    Transform::from_xyz(p[0], ground.0.height(p[0], p[2]) + p[1], p[2]),
                    NotShadowCaster,
                    Animal(flight),
                ))
                .with_children(|animal| {
                    for side in [1.0f32, -1.0] {
                        animal.spawn((
                            Mesh3d(wing.clone()),
                            MeshMaterial3d(shared.two_sided.clone()),
                            // The right wing is the left one mirrored across the body.
                            Transform::from_scale(Vec3::new(side, 1.0, 1.0)),
                            NotShadowCaster,
                            Wing { side },
                        ));
                    }
                });
        }
    }
}

fn fly(
    time: Res<Time<Virtual>>,
    ground: Res<Ground>,
    mut animals: Query<(&Animal, &mut Transform, &Children), Without<Wing>>,
    mut wings: Query<(&Wing, &mut Transform), Without<Animal>>,
) {
    let t = time.elapsed_secs();
    for (animal, mut transform, children) in &mut animals {
        let f = &animal.0;
        let p = f.position(t);
        transform.translation = Vec3::new(p[0], ground.0.height(p[0], p[2]) + p[1], p[2]);
        transform.rotation = Quat::from_rotation_y(-f.heading(t));
        let angle = f.wing_angle(t);
        for child in children.iter() {
            if let Ok((wing, mut wt)) = wings.get_mut(child) {
                // Both wings lift together: the mirrored right wing turns the other way.
                wt.rotation = Quat::from_rotation_z(wing.side * angle);
            }
        }
    }
}
