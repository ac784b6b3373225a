//! The ground: a faceted heightfield from the core's seeded height and colour functions.

use super::water::MirrorView;
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use crate::meshkit::{LowPoly, color};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::water::Patch;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(0), spawn_terrain);
}

/// The ground is cut into this many pieces a side: a few dozen draws, each culled alone.
const CHUNKS: usize = 8;

/// How many pieces the ground is cut into; the far plants are merged by the same pieces.
pub(super) const PIECES: usize = CHUNKS * CHUNKS;

/// The piece of ground a point (x, z) stands on, as [`spawn_terrain`] cuts it: the piece
/// whose cells hold it (a point off the ground, or not a number, the nearest piece).
pub(super) fn piece_at(spec: &respite_core::scene::Terrain, x: f32, z: f32) -> usize {
    let n = spec.resolution.max(1) as usize;
    let size = spec.size_m;
    let cell = |v: f32| {
        let c = ((v + size / 2.0) / size * n as f32).floor();
        if c.is_finite() {
            (c.max(0.0) as usize).min(n - 1)
        } else {
            0
        }
    };
    (cell(x) * CHUNKS / n) * CHUNKS + cell(z) * CHUNKS / n
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
    // In square pieces, so each view and each shadow cascade draws only the pieces it
    // sees: the near cascade, 18 m across, no longer redraws a kilometre of ground.
    let pieces = PIECES;
    let piece = |i: usize, j: usize| (i * CHUNKS / n) * CHUNKS + j * CHUNKS / n;
    let mut ground: Vec<LowPoly> = (0..pieces).map(|_| LowPoly::default()).collect();
    let mut image: Vec<LowPoly> = (0..pieces).map(|_| LowPoly::default()).collect();
    // Under mirror-calm water the bed is not drawn: the upside-down shore shows there.
    // Only ground whose image can fall on the water, seen from the seat or the path, is
    // mirrored: most of the land is behind or beside the viewer, or too low and far.
    let view = MirrorView::new(field);
    let mirror = view.level();
    let mirrored = |corners: [Vec3; 4]| {
        let (lo, hi) = (corners[0], corners[2]);
        let (y_lo, y_hi) = corners
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
        let patch = Patch {
            lo: [lo.x, lo.z],
            hi: [hi.x, hi.z],
            y: (y_lo, y_hi),
        };
        view.sees(patch)
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
            let in_image = mirrored([a, b, c, d]);
            let (ground, image) = (&mut ground[piece(i, j)], &mut image[piece(i, j)]);
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
    let count = |lp: &[LowPoly]| lp.iter().map(LowPoly::triangle_count).sum::<usize>();
    info!(
        "terrain: {} triangles in {pieces} pieces, {} of them mirrored in the water",
        count(&ground),
        count(&image)
    );
    let parent = commands
        .spawn((
            Name::new("Terrain"),
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    for lp in ground.into_iter().filter(|lp| lp.triangle_count() > 0) {
        commands.spawn((
            Name::new("Terrain piece"),
            Mesh3d(meshes.add(lp.build())),
            MeshMaterial3d(shared.solid.clone()),
            ChildOf(parent),
        ));
    }
    let Some(level) = mirror else { return };
    for lp in image.into_iter().filter(|lp| lp.triangle_count() > 0) {
        commands.spawn((
            Name::new("Terrain mirrored in the water"),
            Mesh3d(meshes.add(lp.build_mirrored(level))),
            MeshMaterial3d(shared.mirrored.clone()),
            NotShadowCaster,
            NotShadowReceiver,
            ChildOf(parent),
        ));
    }
}
