//! Gentle motion in the place: clouds drifting, butterflies looping over the clearing, birds
//! gliding far off. Paths come from the core (`respite_core::life`) as functions of scene
//! time, so a paused scene holds still and every run moves the same way.

use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use crate::meshkit::{LowPoly, color, ico};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::life::{
    BIRD_WING_M, BUTTERFLY_WING, BUTTERFLY_WING_M, Cloud, Flight, Visit, cloud_at, clouds, flights,
};
use respite_core::scene::{Clouds, FaunaKind};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Interactivity>()
        .init_resource::<GazeSpot>()
        .add_systems(super::BuildPlace(3), (spawn_clouds, spawn_visitor))
        .add_systems(super::BuildPlace(super::MOTION_BLOCK), spawn_fauna)
        .add_systems(Update, (drift_clouds, fly))
        .add_systems(
            Update,
            rest_the_visitor.run_if(|i: Res<Interactivity>| i.is_changed() && !i.0),
        )
        .add_systems(
            Update,
            (watch_the_gaze, fly_the_visitor)
                .chain()
                .run_if(|i: Res<Interactivity>| i.0),
        );
}

/// Life reacts to the gaze (the immersion level's `interactive`).
#[derive(Resource, Default, Clone, Copy, Debug)]
pub struct Interactivity(pub bool);

/// Where the gaze rests on the ground, and for how long.
#[derive(Resource, Default)]
struct GazeSpot {
    spot: Option<Vec3>,
    held_s: f32,
    /// Seconds before another visit may begin.
    cooldown_s: f32,
}

/// The butterfly that comes to where the patient looks, and its visit under way.
#[derive(Component)]
struct Visitor {
    visit: Option<(Visit, f32)>,
}

/// Seconds of looking at one spot of ground that call the visitor.
const CALL_S: f32 = 2.0;
/// The spot counts as the same while the gaze stays within this of it, metres.
const SPOT_M: f32 = 0.8;
/// Spots nearer or farther than this (horizontally) are not visited, metres.
const VISIT_RANGE_M: std::ops::Range<f32> = 2.0..10.0;

fn spawn_visitor(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    // Always there, hidden until the gaze calls it: a level may turn the gaze on in the
    // place.
    // The place's own butterflies' colours, or a soft orange.
    let colors = scene
        .def
        .fauna
        .iter()
        .find(|f| f.kind == FaunaKind::Butterfly)
        .map_or_else(
            || vec![respite_core::Rgb([242, 153, 51])],
            |f| f.colors.clone(),
        );
    let (body, wings) = animal_meshes(FaunaKind::Butterfly, &colors[..1], &mut meshes);
    commands
        .spawn((
            Name::new("Visiting butterfly"),
            Mesh3d(body),
            MeshMaterial3d(shared.two_sided.clone()),
            Transform::default(),
            Visibility::Hidden,
            NotShadowCaster,
            Visitor { visit: None },
        ))
        .with_children(|b| {
            for side in [1.0f32, -1.0] {
                b.spawn((
                    Mesh3d(wings[0].clone()),
                    MeshMaterial3d(shared.two_sided.clone()),
                    Transform::from_scale(Vec3::new(side, 1.0, 1.0)),
                    NotShadowCaster,
                    Wing { side },
                ));
            }
        });
}

/// The gaze no longer calls it (a calmer level): the visitor leaves the picture at once
/// (it is small and far: never a jump in view) and waits.
fn rest_the_visitor(mut visitors: Query<(&mut Visitor, &mut Visibility)>) {
    for (mut v, mut vis) in &mut visitors {
        v.visit = None;
        *vis = Visibility::Hidden;
    }
}

/// Where a ray first meets the ground, marching in 0.2 m steps up to 15 m.
fn ground_hit(ground: &Ground, ray: Ray3d) -> Option<Vec3> {
    let mut last = ray.origin;
    for i in 1..=75 {
        let p = ray.get_point(i as f32 * 0.2);
        if p.y <= ground.0.height(p.x, p.z) {
            // Halve the last step a few times for a spot within a centimetre or so.
            let (mut a, mut b) = (last, p);
            for _ in 0..5 {
                let m = (a + b) / 2.0;
                if m.y <= ground.0.height(m.x, m.z) {
                    b = m;
                } else {
                    a = m;
                }
            }
            return Some(Vec3::new(b.x, ground.0.height(b.x, b.z), b.z));
        }
        last = p;
    }
    None
}

/// A look that rests on one spot of dry ground for two seconds calls the butterfly there.
fn watch_the_gaze(
    pointer: Res<crate::display::Pointer>,
    ground: Res<Ground>,
    heads: Query<&GlobalTransform, With<crate::display::Head>>,
    time: Res<Time<Virtual>>,
    mut gaze: ResMut<GazeSpot>,
    mut visitors: Query<(&mut Visitor, &mut Visibility)>,
    mut records: MessageWriter<crate::session::Record>,
) {
    let dt = time.delta_secs();
    gaze.cooldown_s = (gaze.cooldown_s - dt).max(0.0);
    let Ok((mut visitor, mut vis)) = visitors.single_mut() else {
        return;
    };
    if visitor.visit.is_some() {
        return;
    }
    let (Some(ray), Ok(head)) = (pointer.ray, heads.single()) else {
        gaze.spot = None;
        return;
    };
    let eye = head.translation();
    let hit = ground_hit(&ground, ray).filter(|p| {
        VISIT_RANGE_M.contains(&Vec2::new(p.x - eye.x, p.z - eye.z).length())
            && ground.0.dry(p.x, p.z)
    });
    match (hit, gaze.spot) {
        (Some(p), Some(s)) if p.distance(s) < SPOT_M => gaze.held_s += dt,
        (Some(p), _) => {
            gaze.spot = Some(p);
            gaze.held_s = 0.0;
        }
        (None, _) => {
            gaze.spot = None;
            gaze.held_s = 0.0;
        }
    }
    if let Some(spot) = gaze.spot
        && gaze.held_s >= CALL_S
        && gaze.cooldown_s <= 0.0
    {
        visitor.visit = Some((
            Visit::new(spot.to_array(), [eye.x, eye.z]),
            time.elapsed_secs(),
        ));
        *vis = Visibility::Inherited;
        gaze.held_s = 0.0;
        records.write(crate::session::Record(
            respite_core::session::event::SessionEvent::GazeVisit {
                x: spot.x,
                z: spot.z,
                distance_m: Vec2::new(spot.x - eye.x, spot.z - eye.z).length(),
            },
        ));
    }
}

fn fly_the_visitor(
    time: Res<Time<Virtual>>,
    mut gaze: ResMut<GazeSpot>,
    mut visitors: Query<(&mut Visitor, &mut Transform, &mut Visibility, &Children), Without<Wing>>,
    mut wings: Query<(&Wing, &mut Transform), Without<Visitor>>,
) {
    let Ok((mut visitor, mut transform, mut vis, children)) = visitors.single_mut() else {
        return;
    };
    let Some((visit, start)) = visitor.visit.clone() else {
        return;
    };
    let t = time.elapsed_secs() - start;
    if visit.done(t) {
        visitor.visit = None;
        *vis = Visibility::Hidden;
        gaze.cooldown_s = 5.0;
        return;
    }
    transform.translation = Vec3::from(visit.position(t));
    transform.rotation = Quat::from_rotation_y(-visit.heading(t));
    let angle = visit.wing_angle(t);
    for child in children.iter() {
        if let Ok((wing, mut wt)) = wings.get_mut(child) {
            wt.rotation = Quat::from_rotation_z(wing.side * angle);
        }
    }
}

#[derive(Component)]
struct Puff(Cloud);

#[derive(Resource)]
pub(super) struct CloudField(Clouds);

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

/// One body and a wing per colour for a kind of animal.
fn animal_meshes(
    kind: FaunaKind,
    colors: &[respite_core::Rgb],
    meshes: &mut Assets<Mesh>,
) -> (Handle<Mesh>, Vec<Handle<Mesh>>) {
    let wings = colors
        .iter()
        .map(|&c| meshes.add(wing_mesh(kind, color(c, 1.0))))
        .collect();
    let body = meshes.add({
        let mut lp = LowPoly::default();
        let (len, thick, paint) = match kind {
            FaunaKind::Butterfly => (0.03, 0.006, Color::srgb(0.12, 0.1, 0.08)),
            FaunaKind::Bird | FaunaKind::FishRings => (0.32, 0.07, color(colors[0], 0.8)),
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
    (body, wings)
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
        let (body, wings) = animal_meshes(rule.kind, &rule.colors, &mut meshes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use respite_core::SceneDef;
    use respite_core::terrain::HeightField;

    #[test]
    fn a_look_at_the_ground_finds_the_spot_it_rests_on() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/forest_glade.ron");
        let scene = SceneDef::load(&file).unwrap();
        let ground = Ground(HeightField::for_scene(&scene));
        for (x, z) in [(0.0f32, -5.0f32), (3.0, -4.0), (-6.0, -2.0)] {
            let target = Vec3::new(x, ground.0.height(x, z), z);
            let eye = Vec3::new(0.0, ground.0.height(0.0, 0.0) + 1.2, 0.0);
            let ray = Ray3d::new(eye, Dir3::new(target - eye).unwrap());
            let hit = ground_hit(&ground, ray).expect("a hit");
            assert!(hit.distance(target) < 0.1, "{hit} vs {target}");
        }
        // Looking at the sky finds nothing.
        let up = Ray3d::new(
            Vec3::new(0.0, 1.2, 0.0),
            Dir3::new(Vec3::new(0.0, 0.3, -1.0)).unwrap(),
        );
        assert!(ground_hit(&ground, up).is_none());
    }
}
