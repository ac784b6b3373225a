//! Drifting particles: pollen in the light, fireflies, falling leaves, snow, mist, and the
//! fire's embers. Each field is one mesh of small quads (one per particle, placed at its
//! seeded home) drawn in one call; the living shader moves them, so the main thread does
//! nothing per frame.

use super::living::{Living, LivingMaterial, Mode};
use crate::ActiveScene;
use crate::meshkit::{color, indexed};
use bevy::camera::visibility::NoFrustumCulling;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::Rgb;
use respite_core::particles::{Home, Motion, homes};
use respite_core::scene::ParticleKind;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(super::MOTION_BLOCK), spawn_particles);
}

fn spawn_particles(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<LivingMaterial>>,
) {
    for (index, spec) in scene.def.particles.iter().enumerate() {
        let field = homes(spec, scene.def.seed, index as u64);
        let (opacity, brightness) = match spec.kind {
            ParticleKind::Mist => (0.09, 1.0),
            ParticleKind::Snow => (0.85, 1.0),
            ParticleKind::Pollen => (0.7, 1.2),
            ParticleKind::Fireflies => (1.0, 3.0),
            ParticleKind::Leaves => (1.0, 0.8),
        };
        let look = Look {
            motion: Motion::of(spec.kind),
            pulse: spec.kind == ParticleKind::Fireflies,
            flutter: spec.kind == ParticleKind::Leaves,
            additive: spec.kind == ParticleKind::Fireflies,
            opacity,
            brightness,
        };
        commands.spawn((
            Name::new(format!("{:?} x{}", spec.kind, spec.count)),
            Mesh3d(meshes.add(quads(&field, &spec.colors))),
            MeshMaterial3d(materials.add(look.material(
                spec.speed_m_s,
                spec.height_m,
                spec.size_m,
            ))),
            Transform::default(),
            NotShadowCaster,
            NotShadowReceiver,
            NoFrustumCulling,
        ));
    }
}

/// How a particle field is drawn.
pub(super) struct Look {
    pub motion: Motion,
    pub pulse: bool,
    pub flutter: bool,
    pub additive: bool,
    pub opacity: f32,
    pub brightness: f32,
}

impl Look {
    pub fn material(&self, speed: f32, (lo, hi): (f32, f32), size: f32) -> LivingMaterial {
        let mut living = Living::new(Mode::Particles);
        living.params.motion = self.motion as u32;
        living.params.pulse = u32::from(self.pulse);
        living.params.flutter = u32::from(self.flutter);
        living.params.a = Vec4::new(speed, lo, hi, size);
        living.params.b = Vec4::new(self.opacity, self.brightness, 0.0, 0.0);
        LivingMaterial {
            base: StandardMaterial {
                unlit: true,
                alpha_mode: if self.additive {
                    AlphaMode::Add
                } else {
                    AlphaMode::Blend
                },
                cull_mode: None,
                ..default()
            },
            extension: living,
        }
    }
}

/// One quad per particle: every corner at the particle's home, the UV saying which corner,
/// the colour's alpha holding the particle's own phase.
pub(super) fn quads(field: &[Home], colors: &[Rgb]) -> Mesh {
    let mut positions = Vec::with_capacity(field.len() * 4);
    let mut uvs = Vec::with_capacity(field.len() * 4);
    let mut paint = Vec::with_capacity(field.len() * 4);
    let mut indices = Vec::with_capacity(field.len() * 6);
    for (n, h) in field.iter().enumerate() {
        let c = color(colors[h.color], 1.0).to_linear();
        for corner in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
            positions.push(h.pos);
            uvs.push(corner);
            paint.push([c.red, c.green, c.blue, h.phase]);
        }
        let b = (n * 4) as u32;
        indices.extend([b, b + 1, b + 2, b, b + 2, b + 3]);
    }
    indexed(positions, uvs, paint, indices, [0.0, 1.0, 0.0])
}
