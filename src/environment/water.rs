//! The water: a surface mesh over the carved ground, moved by the living shader (slow
//! swells, foam at the shore, the sky in its surface), the upside-down shore beneath
//! mirror-calm water, and rings where fish rise.

use super::Ground;
use super::living::{Living, LivingMaterial, Mode, linear, toward};
use crate::ActiveScene;
use crate::meshkit::{color, indexed};
use bevy::camera::visibility::NoFrustumCulling;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::life::{RING_M, RING_S, rises};
use respite_core::scene::{FaunaKind, Water, WaterShape};
use respite_core::terrain::HeightField;
use respite_core::water::{Patch, reflection_may_show};

/// How far the sea reaches: inside the sky dome, where the fog has long hidden it.
const SEA_REACH_M: f32 = 860.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(2), (spawn_water, spawn_rises));
}

fn spawn_water(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    ground: Res<Ground>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<LivingMaterial>>,
) {
    let Some(water) = &scene.def.water else {
        return;
    };
    let sky = &scene.def.sky;
    let mesh = surface(water, &ground.0, scene.def.terrain.size_m / 2.0);
    let mut living = Living::new(Mode::Water);
    let dir = toward(water.wave_toward_deg);
    living.params.a = Vec4::new(water.wave_height_m, water.wave_length_m, dir.x, dir.y);
    living.params.b = Vec4::new(water.mirror, if water.foam { 1.0 } else { 0.0 }, 0.0, 0.0);
    living.params.shallow = linear(color(water.shallow, 1.0));
    living.params.deep = linear(color(water.deep, 1.0));
    // The sky as the tonemapper shows it (see the sky dome's gain).
    living.params.horizon = linear(color(sky.horizon, 1.0)) * super::sky::SKY_GAIN;
    living.params.zenith = linear(color(sky.zenith, 1.0)) * super::sky::SKY_GAIN;
    let material = materials.add(LivingMaterial {
        base: StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.12,
            reflectance: 0.3,
            alpha_mode: if water.mirror > 0.0 {
                AlphaMode::Blend
            } else {
                AlphaMode::Opaque
            },
            ..default()
        },
        extension: living,
    });
    commands.spawn((
        Name::new("Water"),
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(material),
        NotShadowCaster,
        // Swells lift it a little above its resting box.
        NoFrustumCulling,
    ));
}

/// The surface: a grid over the water's extent, cells kept where any corner is under water.
/// Each vertex carries the water's depth there in its colour's alpha (the shader fades the
/// swells and lays foam by it). The sea's grid is fine near the seat and coarse far off.
fn surface(water: &Water, field: &HeightField, half_terrain: f32) -> Mesh {
    let sea = matches!(water.shape, WaterShape::Ocean { .. });
    let (x0, z0, x1, z1) =
        respite_core::water::extent(water, if sea { SEA_REACH_M } else { half_terrain });
    let cells = 200usize;
    // Cubic spacing for the sea (about 1.6 m cells near the seat, 30 m at the horizon);
    // even spacing for a lake or a stream.
    let coord = |lo: f32, hi: f32, i: usize| -> f32 {
        let u = i as f32 / cells as f32;
        if sea {
            let v = u * 2.0 - 1.0;
            (v * v * v + v) * SEA_REACH_M * 0.5
        } else {
            lo + (hi - lo) * u
        }
    };
    let depth_at = |x: f32, z: f32| -> f32 {
        if x.abs() > half_terrain || z.abs() > half_terrain {
            water.depth_m
        } else {
            (water.level_m - field.height(x, z)).max(0.0)
        }
    };
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    let mut wet = Vec::new();
    for j in 0..=cells {
        for i in 0..=cells {
            let (x, z) = (coord(x0, x1, i), coord(z0, z1, j));
            let d = depth_at(x, z);
            positions.push([x, water.level_m, z]);
            colors.push([1.0, 1.0, 1.0, d]);
            wet.push(d > 0.0);
        }
    }
    let at = |i: usize, j: usize| (j * (cells + 1) + i) as u32;
    let mut indices = Vec::new();
    for j in 0..cells {
        for i in 0..cells {
            let corners = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
            if corners.iter().any(|&c| wet[c as usize]) {
                let [a, b, c, d] = corners;
                indices.extend([a, d, c, a, c, b]);
            }
        }
    }
    indexed(positions, Vec::new(), colors, indices, [0.0, 1.0, 0.0])
}

/// How far past the shore a reflection may fall and still be drawn, metres: half the
/// spacing of the places on the path looked from, a seated patient's head moving, and a
/// little more.
const MIRROR_MARGIN_M: f32 = PATH_STEP_M / 2.0 + 1.0;

/// The places on a walking path the mirror is worked out from, metres apart.
const PATH_STEP_M: f32 = 8.0;

/// The eyes' height above the ground, metres: from a low seated patient to a tall walker
/// seen from behind and above.
const EYE_HEIGHTS_M: (f32, f32) = (0.7, 2.8);

/// What of the land mirror-calm water can show: worked out from where the viewer can be,
/// on the ground ([x, y, z]) — the seat and, in a walk, every few metres of the path.
pub(super) struct MirrorView<'a> {
    water: Option<&'a Water>,
    stands: Vec<[f32; 3]>,
}

impl<'a> MirrorView<'a> {
    pub fn new(field: &'a HeightField) -> Self {
        let mut stands = vec![[0.0, field.height(0.0, 0.0), 0.0]];
        if let Some(route) = field.route() {
            let steps = (route.length() / PATH_STEP_M).ceil() as usize;
            stands.extend((0..=steps).map(|k| route.ground_at(k as f32 * PATH_STEP_M)));
        }
        Self {
            water: field.water().filter(|w| w.mirror > 0.0),
            stands,
        }
    }

    /// The surface's height, when the water is mirror-calm.
    pub fn level(&self) -> Option<f32> {
        self.water.map(|w| w.level_m)
    }

    /// Whether any of `patch`'s image can be seen in the water from anywhere the viewer
    /// can be (never, without mirror-calm water).
    pub fn sees(&self, patch: Patch) -> bool {
        self.water.is_some_and(|w| {
            self.stands.iter().any(|&[x, y, z]| {
                let eyes = (y + EYE_HEIGHTS_M.0, y + EYE_HEIGHTS_M.1);
                reflection_may_show(w, [x, z], eyes, patch, MIRROR_MARGIN_M)
            })
        })
    }

    /// Whether a plant standing at `place` (its foot), `height` tall and at most 1.2 times
    /// as wide (a bush), can show in the water.
    pub fn sees_plant(&self, place: Vec3, height: f32) -> bool {
        let r = 0.6 * height;
        self.sees(Patch {
            lo: [place.x - r, place.z - r],
            hi: [place.x + r, place.z + r],
            y: (place.y, place.y + height),
        })
    }
}

fn spawn_rises(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<LivingMaterial>>,
) {
    let Some(water) = &scene.def.water else {
        return;
    };
    for (index, rule) in scene.def.fauna.iter().enumerate() {
        if rule.kind != FaunaKind::FishRings {
            continue;
        }
        let spots = rises(rule, water, scene.def.seed, index as u64);
        if spots.is_empty() {
            continue;
        }
        // Three rings per rise, all rises in one mesh: one draw.
        let mut positions = Vec::new();
        let mut uvs = Vec::new();
        let mut colors = Vec::new();
        let mut indices = Vec::new();
        let segments = 28;
        for spot in &spots {
            for (inner, outer) in [(0.86, 1.0), (0.55, 0.66), (0.28, 0.36)] {
                let first = positions.len() as u32;
                for k in 0..=segments {
                    let a = k as f32 / segments as f32 * std::f32::consts::TAU;
                    for (r, edge) in [(inner, 0.0), (outer, 1.0)] {
                        positions.push([spot.x, water.level_m + 0.02, spot.z]);
                        uvs.push([a.cos() * r, a.sin() * r]);
                        colors.push([spot.period, spot.phase, edge, 1.0]);
                    }
                }
                for k in 0..segments as u32 {
                    let (a, b, c, d) = (
                        first + 2 * k,
                        first + 2 * k + 1,
                        first + 2 * k + 3,
                        first + 2 * k + 2,
                    );
                    indices.extend([a, b, c, a, c, d]);
                }
            }
        }
        let mesh = indexed(positions, uvs, colors, indices, [0.0, 1.0, 0.0]);
        let mut living = Living::new(Mode::Ripple);
        living.params.b = Vec4::new(RING_S, RING_M, 0.0, 0.0);
        commands.spawn((
            Name::new(format!("Fish rising x{}", spots.len())),
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(materials.add(LivingMaterial {
                base: StandardMaterial {
                    unlit: true,
                    alpha_mode: AlphaMode::Blend,
                    cull_mode: None,
                    ..default()
                },
                extension: living,
            })),
            NotShadowCaster,
            NotShadowReceiver,
            NoFrustumCulling,
        ));
    }
}
