//! Sky, sun, ambient light and distance fog. The sky is a dome of vertex colours (horizon to
//! zenith, warmer towards the sun) drawn unlit; the fog matches the horizon so hills fade into
//! the sky instead of ending at an edge.

use super::meshkit::{color, ico};
use crate::ActiveScene;
use bevy::light::{CascadeShadowConfigBuilder, NotShadowCaster, NotShadowReceiver};
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::prelude::*;
use respite_core::scene::Sky;

/// The tonemapper darkens unlit colours (display white lands near 0.8); the dome is authored
/// in display colours, so it is lifted by this much in linear light to land on them.
const SKY_GAIN: f32 = 1.5;

/// Inside the camera's far plane (1 000 m), beyond the terrain's edge.
const DOME_RADIUS: f32 = 900.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, (spawn_sky, spawn_sun))
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
                // Pale near the horizon, deepening overhead, as in a real sky.
                let up = dir.y.max(0.0).powf(0.8);
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

    if sky.sun_elevation_deg > -2.0 {
        // About 2° across: larger than the real sun, which reads as a pin-prick in a headset.
        commands.spawn((
            Name::new("Sun disc"),
            Mesh3d(meshes.add(ico(DOME_RADIUS * 0.017, 2))),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: color(sky.sun_color, 1.0).mix(&Color::WHITE, 0.6),
                unlit: true,
                fog_enabled: false,
                ..default()
            })),
            Transform::from_translation(sun * DOME_RADIUS * 0.95),
            NotShadowCaster,
            NotShadowReceiver,
        ));
    }
}

fn spawn_sun(mut commands: Commands, scene: Res<ActiveScene>) {
    let sky = &scene.def.sky;
    let sun = sun_direction(sky);
    commands.spawn((
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
    let sky = &scene.def.sky;
    commands.entity(add.entity).insert(DistanceFog {
        color: color(sky.fog.color, 1.0),
        directional_light_color: color(sky.sun_color, 1.0).with_alpha(0.35),
        directional_light_exponent: 24.0,
        falloff: FogFalloff::from_visibility_squared(sky.fog.visibility_m),
    });
}
