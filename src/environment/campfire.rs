//! A campfire: crossed logs in a ring of stones, low flames that lean and stretch (never
//! jump), a few embers rising, and the warm light it casts. The light breathes by a few
//! per cent, slowly: a fire's life without flicker.

use super::living::{Living, LivingMaterial, Mode};
use super::particles::{Look, quads};
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use crate::meshkit::{LowPoly, color, ico};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{ConeMeshBuilder, CylinderMeshBuilder};
use bevy::prelude::*;
use respite_core::Rgb;
use respite_core::particles::{Home, Motion};
use respite_core::scatter::{rule_rng, unit};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(2), spawn_campfire)
        .add_systems(Update, breathe);
}

/// The fire's light and its steady brightness, in lumens.
#[derive(Component)]
struct Firelight(f32);

fn spawn_campfire(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    ground: Res<Ground>,
    shared: Res<SharedMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<LivingMaterial>>,
) {
    let Some(fire) = &scene.def.campfire else {
        return;
    };
    let (x, z) = fire.position;
    let at = Vec3::new(x, ground.0.height(x, z), z);

    let mut wood = LowPoly::default();
    let bark = color(Rgb([0x5b, 0x40, 0x2c]), 1.0);
    for k in 0..4 {
        let a = k as f32 * std::f32::consts::FRAC_PI_2 + 0.3;
        wood.add(
            &CylinderMeshBuilder::new(0.07, 0.8, 6).build(),
            Transform::from_xyz(0.12 * a.cos(), 0.12, 0.12 * a.sin())
                .with_rotation(Quat::from_rotation_y(-a) * Quat::from_rotation_z(1.2)),
            bark,
            0.01,
            k,
        );
    }
    for k in 0..9 {
        let a = k as f32 / 9.0 * std::f32::consts::TAU;
        wood.add(
            &ico(0.13, 0),
            Transform::from_xyz(0.55 * a.cos(), 0.05, 0.55 * a.sin())
                .with_scale(Vec3::new(1.2, 0.7, 1.0)),
            color(Rgb([0x80, 0x7d, 0x78]), 0.9 + 0.05 * (k % 3) as f32),
            0.03,
            k + 10,
        );
    }
    commands.spawn((
        Name::new("Campfire"),
        Mesh3d(meshes.add(wood.build())),
        MeshMaterial3d(shared.solid.clone()),
        Transform::from_translation(at),
    ));

    // Flames: a few cones, bright at the core, one unit tall, leaning with the shader.
    let mut flames = LowPoly::default();
    let core = color(fire.flame_color, 1.0);
    for (k, (dx, dz, h, r)) in [
        (0.0, 0.0, 1.0, 0.2),
        (0.1, 0.05, 0.75, 0.14),
        (-0.08, 0.07, 0.7, 0.13),
        (0.02, -0.1, 0.8, 0.14),
    ]
    .into_iter()
    .enumerate()
    {
        flames.add(
            &ConeMeshBuilder::new(r, h, 6).build(),
            Transform::from_xyz(dx, h / 2.0, dz),
            if k == 0 {
                core.mix(&Color::srgb(1.0, 0.85, 0.5), 0.5)
            } else {
                core
            },
            0.02,
            k as u32,
        );
    }
    // Brighter than white: flames glow above everything lit around them.
    let flame_paint = StandardMaterial {
        base_color: Color::srgb(1.6, 1.6, 1.6),
        unlit: true,
        ..default()
    };
    commands.spawn((
        Name::new("Flames"),
        Mesh3d(meshes.add(flames.build())),
        MeshMaterial3d(materials.add(LivingMaterial {
            base: flame_paint,
            extension: Living::new(Mode::Flame),
        })),
        Transform::from_translation(at + Vec3::Y * 0.1).with_scale(Vec3::new(0.8, 0.9, 0.8)),
        NotShadowCaster,
        NotShadowReceiver,
    ));

    // Embers rising a metre or two and fading.
    let mut rng = rule_rng(scene.def.seed, 0x454d_4252);
    let embers: Vec<Home> = (0..40)
        .map(|_| {
            let a = unit(&mut rng) * std::f32::consts::TAU;
            let r = 0.25 * unit(&mut rng).sqrt();
            Home {
                pos: [r * a.cos(), 0.3, r * a.sin()],
                phase: unit(&mut rng),
                color: 0,
            }
        })
        .collect();
    let look = Look {
        motion: Motion::Rise,
        pulse: false,
        flutter: false,
        additive: true,
        opacity: 1.0,
        brightness: 2.5,
    };
    commands.spawn((
        Name::new("Embers"),
        Mesh3d(meshes.add(quads(&embers, &[Rgb([0xff, 0x9a, 0x40])]))),
        MeshMaterial3d(materials.add(look.material(0.45, (0.3, 2.2), 0.035))),
        Transform::from_translation(at),
        NotShadowCaster,
        NotShadowReceiver,
        bevy::camera::visibility::NoFrustumCulling,
    ));

    commands.spawn((
        Name::new("Firelight"),
        PointLight {
            color: color(fire.flame_color, 1.0).mix(&Color::WHITE, 0.2),
            intensity: fire.lumens,
            range: 30.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_translation(at + Vec3::Y * 0.6),
        Firelight(fire.lumens),
    ));
}

/// The firelight swells and settles by at most 4 %, over 1.5–2.5 s: alive, far below any
/// flash (WCAG counts a 10 % change as one). With the patient's breath heard (`--breath`),
/// it glows up as they breathe out, as embers do when blown on.
fn breathe(
    time: Res<Time>,
    patient: Option<Res<crate::session::breath::PatientBreath>>,
    mut lights: Query<(&mut PointLight, &Firelight)>,
) {
    let t = time.elapsed_secs();
    let out = patient.filter(|p| p.listening).map(|p| 1.0 - p.swell);
    for (mut light, fire) in &mut lights {
        light.intensity = fire.0 * out.map_or(firelight_gain(t), |o| breathing_gain(t, o));
    }
}

/// The firelight's brightness at `t` seconds, relative to its steady level.
fn firelight_gain(t: f32) -> f32 {
    1.0 + 0.025 * (t * 2.7).sin() + 0.015 * (t * 4.1 + 1.3).sin()
}

/// The firelight with the patient's breath: the flicker at 60 %, and up to 3 % brighter as
/// `out` (0 breathing in, 1 breathing out; it moves by a whole in no less than 1.5 s) rises.
fn breathing_gain(t: f32, out: f32) -> f32 {
    1.0 + 0.6 * (firelight_gain(t) - 1.0) + 0.03 * out.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::{breathing_gain, firelight_gain};

    /// Following the breath, the fire still never flashes: sampled at 240 Hz over ten
    /// minutes of breathing out and in as fast as the orb may follow (a whole in 1.5 s),
    /// within 6 % of its level and no swing of 10 % within a third of a second; breathing
    /// out brightens it by about 3 %.
    #[test]
    fn firelight_follows_the_breath_far_below_a_flash() {
        let mut out = 0.0f32;
        let mut g = Vec::new();
        for i in 0..240 * 600 {
            let t = i as f32 / 240.0;
            // Out for 1.5 s, in for 1.5 s: the fastest the eased breath moves.
            let target = if ((t / 1.5) as u32).is_multiple_of(2) {
                1.0
            } else {
                0.0
            };
            out += (target - out).clamp(-1.0 / 1.5 / 240.0, 1.0 / 1.5 / 240.0);
            g.push(breathing_gain(t, out));
        }
        assert!(g.iter().all(|k| (k - 1.0).abs() <= 0.06));
        let widest = widest_swing(&g);
        assert!(widest < 0.1, "a {widest} swing within a third of a second");
        let mean = |o: f32| {
            (0..2400)
                .map(|i| breathing_gain(i as f32 / 240.0, o))
                .sum::<f32>()
                / 2400.0
        };
        assert!((mean(1.0) - mean(0.0) - 0.03).abs() < 0.001);
    }

    /// The widest swing (highest over lowest, less 1) within any third of a second of a
    /// gain sampled at 240 Hz: a flash's half-period at 3 Hz.
    fn widest_swing(g: &[f32]) -> f32 {
        g.windows(80)
            .map(|w| {
                let (lo, hi) = w
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(a, b), &k| (a.min(k), b.max(k)));
                hi / lo - 1.0
            })
            .fold(0.0, f32::max)
    }

    #[test]
    fn firelight_breathes_far_below_a_flash() {
        // Sampled at 240 Hz over ten minutes: never more than 4 % from its level, and no
        // swing within a third of a second (a flash's half-period at 3 Hz) reaches the 10 %
        // change WCAG 2.3.1 counts.
        let g: Vec<f32> = (0..240 * 600)
            .map(|i| firelight_gain(i as f32 / 240.0))
            .collect();
        assert!(g.iter().all(|k| (k - 1.0).abs() <= 0.04));
        let widest = widest_swing(&g);
        assert!(widest < 0.1, "a {widest} swing within a third of a second");
        assert!(widest > 0.01, "the fire should still breathe ({widest})");
    }
}
