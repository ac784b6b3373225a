//! The ground: a faceted heightfield from the core's seeded height and colour functions.

use super::meshkit::{LowPoly, color};
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::terrain::HeightField;
use respite_core::water::{Patch, reflection_may_show};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_terrain);
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

/// Where the viewer can be, on the ground ([x, y, z]): the seat and, in a walk, every few
/// metres of the path.
fn viewer_stands(field: &HeightField) -> Vec<[f32; 3]> {
    let mut stands = vec![[0.0, field.height(0.0, 0.0), 0.0]];
    if let Some(route) = field.route() {
        let steps = (route.length() / PATH_STEP_M).ceil() as usize;
        stands.extend((0..=steps).map(|k| route.ground_at(k as f32 * PATH_STEP_M)));
    }
    stands
}

fn spawn_terrain(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    shared: Res<SharedMaterials>,
    ground: Res<Ground>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let spec = &scene.def.terrain;
    let field = &ground.0;
    let n = spec.resolution as usize;
    let half = spec.size_m / 2.0;
    let step = spec.size_m / n as f32;
    let at = |i: usize, j: usize| {
        let (x, z) = (-half + i as f32 * step, -half + j as f32 * step);
        Vec3::new(x, field.height(x, z), z)
    };
    let mut ground = LowPoly::default();
    let mut image = LowPoly::default();
    // Under mirror-calm water the bed is not drawn: the upside-down shore shows there.
    let water = field.water().filter(|w| w.mirror > 0.0);
    let mirror = water.map(|w| w.level_m);
    // Only ground whose image can fall on the water, seen from the seat or the path, is
    // mirrored: most of the land is behind or beside the viewer, or too low and far.
    let stands = viewer_stands(field);
    let mirrored = |(i, j): (usize, usize)| {
        let Some(w) = water else { return false };
        let corners = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
        let (lo, hi) = (corners[0], corners[2]);
        let (y_lo, y_hi) = corners
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
        let patch = Patch {
            lo: [lo.x, lo.z],
            hi: [hi.x, hi.z],
            y: (y_lo, y_hi),
        };
        stands.iter().any(|&[x, y, z]| {
            let eyes = (y + EYE_HEIGHTS_M.0, y + EYE_HEIGHTS_M.1);
            reflection_may_show(w, [x, z], eyes, patch, MIRROR_MARGIN_M)
        })
    };
    for i in 0..n {
        for j in 0..n {
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            // Alternate the diagonal so facets do not line up in stripes.
            let tris = if (i + j) % 2 == 0 {
                [[a, d, c], [a, c, b]]
            } else {
                [[a, d, b], [b, d, c]]
            };
            let in_image = mirror.is_some() && mirrored((i, j));
            // Colour per corner: patches blend smoothly across cells (a colour per triangle
            // drew straight seams through the near grass); light still shows the facets.
            for tri in tris {
                let paint = tri.map(|p| color(field.color(p.x, p.z), 1.0));
                let top = tri.iter().map(|p| p.y).fold(f32::MIN, f32::max);
                match mirror {
                    Some(level) if top < level - 0.05 => {}
                    Some(_) => {
                        ground.triangle(tri, paint);
                        if in_image {
                            image.triangle(tri, paint);
                        }
                    }
                    None => ground.triangle(tri, paint),
                }
            }
        }
    }
    if mirror.is_some() {
        info!(
            "terrain: {} triangles, {} of them mirrored in the water",
            ground.triangle_count(),
            image.triangle_count()
        );
    }
    commands.spawn((
        Name::new("Terrain"),
        Mesh3d(meshes.add(ground.build())),
        MeshMaterial3d(shared.solid.clone()),
    ));
    if let Some(level) = mirror {
        commands.spawn((
            Name::new("Terrain mirrored in the water"),
            Mesh3d(meshes.add(image.build_mirrored(level))),
            MeshMaterial3d(shared.mirrored.clone()),
            NotShadowCaster,
            NotShadowReceiver,
        ));
    }
}
