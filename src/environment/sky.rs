//! Sky, sun, ambient light and distance fog. The sky is a dome of vertex colours (horizon to
//! zenith, warmer towards the sun) drawn unlit; the fog matches the horizon so hills fade into
//! the sky instead of ending at an edge.

use super::living::{Living, LivingMaterial, Mode};
use crate::ActiveScene;
use crate::meshkit::{color, ico};
use bevy::light::{CascadeShadowConfigBuilder, NotShadowCaster, NotShadowReceiver};
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::prelude::*;
use respite_core::Rgb;
use respite_core::scatter::{rule_rng, unit};
use respite_core::scene::{Aurora, Night, Sky};

/// The tonemapper darkens unlit colours (display white lands near 0.8); the dome is authored
/// in display colours, so it is lifted by this much in linear light to land on them.
pub(super) const SKY_GAIN: f32 = 1.5;

/// Inside the camera's far plane (1 000 m), beyond the terrain's edge.
const DOME_RADIUS: f32 = 900.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(0), (spawn_sky, spawn_sun, refog_cameras))
        .add_observer(add_fog_to_cameras);
}

/// Unit vector towards the sun: azimuth 0 = north (−Z), 90 = east (+X).
pub fn sun_direction(sky: &Sky) -> Vec3 {
    let (az, el) = (
        sky.sun_azimuth_deg.to_radians(),
        sky.sun_elevation_deg.to_radians(),
    );
    Vec3::new(az.sin() * el.cos(), el.sin(), -az.cos() * el.cos()).normalize()
}

fn spawn_sky(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut living: ResMut<Assets<LivingMaterial>>,
) {
    let sky = &scene.def.sky;
    commands.insert_resource(ClearColor(color(sky.horizon, 1.0)));
    commands.insert_resource(GlobalAmbientLight {
        color: color(sky.ambient_color, 1.0),
        brightness: sky.ambient,
        ..default()
    });

    let sun = sun_direction(sky);
    let mut dome = Sphere::new(DOME_RADIUS).mesh().uv(48, 24);
    let colors: Vec<[f32; 4]> = match dome.attribute(Mesh::ATTRIBUTE_POSITION) {
        Some(bevy::mesh::VertexAttributeValues::Float32x3(points)) => points
            .iter()
            .map(|p| {
                let dir = Vec3::from(*p).normalize_or(Vec3::Y);
                // Pale near the horizon, deepening overhead, as in a real sky. Below the
                // horizon it mirrors the sky above: that is what still water shows.
                let dir = Vec3::new(dir.x, dir.y.abs(), dir.z);
                let up = dir.y.powf(0.8);
                let base = sky.horizon.lerp(sky.zenith, up);
                let glow = dir.dot(sun).max(0.0).powf(6.0) * 0.55;
                let c = color(base.lerp(sky.sun_color, glow), 1.0).to_linear();
                [c.red * SKY_GAIN, c.green * SKY_GAIN, c.blue * SKY_GAIN, 1.0]
            })
            .collect(),
        _ => Vec::new(),
    };
    dome.insert_attribute(Mesh::ATTRIBUTE_COLOR, colors);
    commands.spawn((
        Name::new("Sky dome"),
        Mesh3d(meshes.add(dome)),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            unlit: true,
            fog_enabled: false,
            cull_mode: None,
            ..default()
        })),
        NotShadowCaster,
        NotShadowReceiver,
    ));

    if let Some(night) = &sky.night {
        spawn_night(
            &mut commands,
            night,
            sun,
            scene.def.seed,
            &mut meshes,
            &mut materials,
            &mut living,
        );
    } else if sky.sun_elevation_deg > -2.0 {
        // About 2° across: larger than the real sun, which reads as a pin-prick in a headset.
        commands.spawn((
            Name::new("Sun disc"),
            Mesh3d(meshes.add(ico(DOME_RADIUS * 0.017, 2))),
            MeshMaterial3d(
                materials.add(StandardMaterial {
                    // Brighter than the sky around it, whatever the tonemapper does.
                    base_color: Color::from(
                        color(sky.sun_color, 1.0)
                            .mix(&Color::WHITE, 0.6)
                            .to_linear()
                            * SKY_GAIN
                            * 1.6,
                    ),
                    unlit: true,
                    fog_enabled: false,
                    ..default()
                }),
            ),
            Transform::from_translation(sun * DOME_RADIUS * 0.95),
            NotShadowCaster,
            NotShadowReceiver,
        ));
    }
}

/// The one sunlight. It outlives a change of place (the new place's sun takes it over): a
/// new light would make new shadow maps, a long frame on a slow renderer.
#[derive(Component)]
struct Sunlight;

fn spawn_sun(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    existing: Query<Entity, With<Sunlight>>,
) {
    let sky = &scene.def.sky;
    let sun = sun_direction(sky);
    let entity = match existing.iter().next() {
        Some(e) => e,
        None => commands.spawn(Sunlight).id(),
    };
    commands.entity(entity).insert((
        Name::new("Sunlight"),
        DirectionalLight {
            color: color(sky.sun_color, 1.0),
            illuminance: sky.sun_lux,
            shadow_maps_enabled: true,
            ..default()
        },
        // Two cascades over the near 80 m: crisp dappled shade close by, little cost far off.
        CascadeShadowConfigBuilder {
            num_cascades: 2,
            first_cascade_far_bound: 18.0,
            maximum_distance: 80.0,
            ..default()
        }
        .build(),
        Transform::from_translation(sun).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

/// Every 3D camera, whichever display made it (screen camera, headset eyes, mirror), sees
/// the scene through the same air.
fn add_fog_to_cameras(add: On<Add, Camera3d>, scene: Res<ActiveScene>, mut commands: Commands) {
    commands.entity(add.entity).insert(fog(&scene.def.sky));
}

/// The cameras there are take the place's air (a new place brings its own).
fn refog_cameras(
    scene: Res<ActiveScene>,
    cameras: Query<Entity, With<Camera3d>>,
    mut commands: Commands,
) {
    for camera in &cameras {
        commands.entity(camera).insert(fog(&scene.def.sky));
    }
}

fn fog(sky: &Sky) -> DistanceFog {
    DistanceFog {
        color: color(sky.fog.color, 1.0),
        directional_light_color: color(sky.sun_color, 1.0).with_alpha(0.35),
        directional_light_exponent: 24.0,
        falloff: FogFalloff::from_visibility_squared(sky.fog.visibility_m),
    }
}

/// Stars, the moon where the main light comes from, and the aurora if there is one.
fn spawn_night(
    commands: &mut Commands,
    night: &Night,
    moon: Vec3,
    seed: u64,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    living: &mut Assets<LivingMaterial>,
) {
    let unlit = |materials: &mut Assets<StandardMaterial>, c: Color| {
        materials.add(StandardMaterial {
            base_color: c,
            unlit: true,
            fog_enabled: false,
            cull_mode: None,
            ..default()
        })
    };
    // Stars: small triangles on the dome, steady (no twinkle: nothing flickers), fainter
    // towards the horizon where real air dims them.
    let mut rng = rule_rng(seed, 0x5354_4152);
    let mut stars = crate::meshkit::LowPoly::default();
    let tints = [
        Rgb([0xff, 0xff, 0xff]),
        Rgb([0xd8, 0xe4, 0xff]),
        Rgb([0xff, 0xf0, 0xd8]),
    ];
    for _ in 0..night.stars {
        let a = unit(&mut rng) * std::f32::consts::TAU;
        let y = unit(&mut rng).powf(0.8) * 0.98 + 0.02;
        let flat = (1.0 - y * y).sqrt();
        let dir = Vec3::new(flat * a.cos(), y, flat * a.sin());
        let bright = unit(&mut rng).powi(3);
        let size = DOME_RADIUS * (0.0012 + 0.0022 * bright);
        let shade = (0.35 + 0.9 * bright) * (0.35 + 0.65 * (y * 4.0).min(1.0));
        let centre = dir * DOME_RADIUS * 0.97;
        let side = dir.cross(Vec3::Y).normalize_or(Vec3::X) * size;
        let up = side.cross(dir).normalize_or(Vec3::Z) * size;
        let tint = tints[(unit(&mut rng) * 3.0) as usize % 3];
        let c = color(tint, 1.0).to_linear() * shade * SKY_GAIN;
        let c = Color::from(c);
        stars.triangle(
            [
                centre - side - up * 0.6,
                centre + side - up * 0.6,
                centre + up,
            ],
            [c; 3],
        );
        stars.triangle(
            [
                centre - side + up * 0.6,
                centre + up * 0.6 + side,
                centre - up,
            ],
            [c; 3],
        );
    }
    commands.spawn((
        Name::new(format!("Stars x{}", night.stars)),
        Mesh3d(meshes.add(stars.build())),
        MeshMaterial3d(unlit(materials, Color::WHITE)),
        NotShadowCaster,
        NotShadowReceiver,
    ));
    // The moon, about 2.5° across, with a faint halo.
    let moon_color = color(night.moon_color, 1.0);
    commands.spawn((
        Name::new("Moon"),
        Mesh3d(meshes.add(ico(DOME_RADIUS * 0.022, 3))),
        MeshMaterial3d(unlit(
            materials,
            Color::from(moon_color.mix(&Color::WHITE, 0.3).to_linear() * 1.6),
        )),
        Transform::from_translation(moon * DOME_RADIUS * 0.93),
        NotShadowCaster,
        NotShadowReceiver,
    ));
    if let Some(aurora) = &night.aurora {
        spawn_aurora(commands, aurora, meshes, living);
    }
}

/// Three curtains far off, between 90 and 280 m up, folding slowly (the shader).
fn spawn_aurora(
    commands: &mut Commands,
    aurora: &Aurora,
    meshes: &mut Assets<Mesh>,
    living: &mut Assets<LivingMaterial>,
) {
    let material = living.add(LivingMaterial {
        base: StandardMaterial {
            unlit: true,
            fog_enabled: false,
            alpha_mode: AlphaMode::Add,
            cull_mode: None,
            ..default()
        },
        extension: Living::new(Mode::Aurora),
    });
    let low = color(aurora.low, 1.0).to_linear() * aurora.brightness * 1.6;
    let high = color(aurora.high, 1.0).to_linear() * aurora.brightness * 1.6;
    for (k, (offset_deg, distance, width, foot, top)) in [
        (-18.0_f32, 560.0_f32, 520.0_f32, 110.0_f32, 300.0_f32),
        (12.0, 640.0, 600.0, 140.0, 330.0),
        (34.0, 520.0, 380.0, 95.0, 250.0),
    ]
    .into_iter()
    .enumerate()
    {
        let columns = 64;
        let mut positions = Vec::new();
        let mut uvs = Vec::new();
        let mut colors = Vec::new();
        let mut indices = Vec::new();
        for i in 0..=columns {
            let u = i as f32 / columns as f32;
            let x = (u - 0.5) * width;
            // Bend along the sky's curve, and wander a little.
            let z = x * x / (2.0 * distance) + 20.0 * (u * 7.0 + k as f32).sin();
            for (v, y, c) in [(0.0, foot, low), (1.0, top, high)] {
                positions.push([x, y, z]);
                uvs.push([u, v]);
                colors.push(c.to_f32_array());
            }
        }
        for i in 0..columns as u32 {
            let (a, b, c, d) = (2 * i, 2 * i + 1, 2 * i + 3, 2 * i + 2);
            indices.extend([a, b, c, a, c, d]);
        }
        let mesh = crate::meshkit::indexed(positions, uvs, colors, indices, [0.0, 0.0, 1.0]);
        let az = (aurora.toward_deg + offset_deg).to_radians();
        let out = Vec3::new(az.sin(), 0.0, -az.cos());
        commands.spawn((
            Name::new("Aurora"),
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(material.clone()),
            // Local +Z points back at the viewer; the curtain faces them.
            Transform::from_translation(out * distance).looking_to(out, Vec3::Y),
            NotShadowCaster,
            NotShadowReceiver,
            bevy::camera::visibility::NoFrustumCulling,
        ));
    }
}
