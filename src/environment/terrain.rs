//! The ground: a faceted heightfield from the core's seeded height and colour functions.

use super::meshkit::{LowPoly, color};
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_terrain);
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
    let mirror = field.water().filter(|w| w.mirror > 0.0).map(|w| w.level_m);
    for i in 0..n {
        for j in 0..n {
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            // Alternate the diagonal so facets do not line up in stripes.
            let tris = if (i + j) % 2 == 0 {
                [[a, d, c], [a, c, b]]
            } else {
                [[a, d, b], [b, d, c]]
            };
            // Colour per corner: patches blend smoothly across cells (a colour per triangle
            // drew straight seams through the near grass); light still shows the facets.
            for tri in tris {
                let paint = tri.map(|p| color(field.color(p.x, p.z), 1.0));
                let top = tri.iter().map(|p| p.y).fold(f32::MIN, f32::max);
                match mirror {
                    Some(level) if top < level - 0.05 => {}
                    Some(_) => {
                        ground.triangle(tri, paint);
                        image.triangle(tri, paint);
                    }
                    None => ground.triangle(tri, paint),
                }
            }
        }
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
