//! Trees, bushes, rocks, flowers and grass from the spec's scatter rules. Each rule builds a
//! few shape variants per colour once (unit height), and every placed item reuses one of
//! them, scaled: thousands of items, a handful of meshes, instanced draws.
//!
//! Level of detail is chosen once, where each item is placed: the viewer only ever sits at
//! the seat or walks the path, so an item farther than [`DETAIL_M`] from all of those is
//! only ever seen small and gets a coarser variant of the same shape (same size, colours and
//! silhouette; a quarter to a half of the triangles; rocks, few and all facets, and
//! flowers, which grow by the seat, keep one shape). Nothing swaps while the patient
//! watches, so nothing pops, and no frame pays for choosing.

use super::living::LivingMaterial;
use super::{Ground, SharedMaterials};
use crate::ActiveScene;
use crate::meshkit::{LowPoly, color, ico};
use bevy::camera::primitives::MeshAabb;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{ConeMeshBuilder, CylinderMeshBuilder};
use bevy::prelude::*;
use respite_core::Rgb;
use respite_core::scatter::scatter;
use respite_core::scene::{PlantKind, Scatter};

/// Shape variants per colour: enough that neighbours differ, few enough to batch well.
const SHAPES: u32 = 3;

/// Beyond this distance from the seat and the path (metres), items get the coarse variant.
/// A 10 m tree there spans under a tenth of the view; its facets are a few pixels each.
const DETAIL_M: f32 = 40.0;

/// How finely a shape is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Detail {
    Near,
    Far,
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::BuildPlace(1), spawn_vegetation);
}

fn spawn_vegetation(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    shared: Res<SharedMaterials>,
    ground: Res<Ground>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let def = &scene.def;
    let field = &ground.0;
    let mut total = 0;
    let mut coarse = 0;
    let mut images = 0;
    let mirror_view = super::water::MirrorView::new(field);
    let mirror_level = mirror_view.level();
    for (index, rule) in def.vegetation.iter().enumerate() {
        // Rocks are few and their shape is all in their facets; flowers grow by the seat.
        let lod = !matches!(rule.kind, PlantKind::Rock | PlantKind::Flower);
        let seed = def.seed as u32 ^ index as u32;
        let mut variants_at = |detail| -> Vec<Vec<Handle<Mesh>>> {
            rule.colors
                .iter()
                .map(|&c| {
                    (0..SHAPES)
                        .map(|s| meshes.add(unit_shape(rule, c, s, seed, detail)))
                        .collect()
                })
                .collect()
        };
        let near = variants_at(Detail::Near);
        let far = if lod {
            variants_at(Detail::Far)
        } else {
            Vec::new()
        };
        let material = match rule.kind {
            PlantKind::GrassTuft | PlantKind::Flower => {
                Paint::Living(shared.swaying_two_sided.clone())
            }
            PlantKind::Rock => Paint::Still(shared.solid.clone()),
            _ => Paint::Living(shared.swaying.clone()),
        };
        let mirrored = match rule.kind {
            PlantKind::Rock => Some(Paint::Still(shared.mirrored.clone())),
            PlantKind::Conifer | PlantKind::Broadleaf | PlantKind::Bush => {
                Some(Paint::Living(shared.mirrored_swaying.clone()))
            }
            _ => None,
        };
        let casts_shadow = !matches!(rule.kind, PlantKind::GrassTuft | PlantKind::Flower);
        // Sink each item a little so it sits in sloped ground rather than on it.
        let sink = match rule.kind {
            PlantKind::Rock => 0.25,
            PlantKind::Conifer | PlantKind::Broadleaf => 0.04,
            _ => 0.02,
        };
        let parent = commands
            .spawn((
                Name::new(format!("{:?} x{}", rule.kind, rule.count)),
                Transform::default(),
                Visibility::default(),
            ))
            .id();
        // Off a walking path: trees keep well back, grass grows to its edge.
        let path_margin = match rule.kind {
            PlantKind::Conifer | PlantKind::Broadleaf => 2.0,
            PlantKind::Bush => 1.0,
            PlantKind::Rock => 0.6,
            _ => 0.05,
        };
        for p in scatter(rule, def.seed, index as u64) {
            if !field.dry(p.x, p.z) || !field.clear_of_path(p.x, p.z, path_margin) {
                continue;
            }
            let variants = if lod && field.viewer_distance(p.x, p.z) > DETAIL_M {
                coarse += 1;
                &far
            } else {
                &near
            };
            let mesh = variants[p.color][(p.variant % SHAPES) as usize].clone();
            let y = field.height(p.x, p.z) - sink * p.height;
            let place = Transform::from_xyz(p.x, y, p.z)
                .with_rotation(Quat::from_rotation_y(p.yaw))
                .with_scale(Vec3::splat(p.height));
            let mut item = commands.spawn((Mesh3d(mesh.clone()), place, ChildOf(parent)));
            material.insert(&mut item);
            if !casts_shadow {
                item.insert(NotShadowCaster);
            }
            total += 1;
            if let (Some(paint), Some(level)) = (&mirrored, mirror_level)
                && mirror_view.sees_plant(place.translation, p.height)
            {
                let mut image = commands.spawn((
                    Mesh3d(mesh),
                    super::water::mirror(place, level),
                    ChildOf(parent),
                    NotShadowCaster,
                    NotShadowReceiver,
                ));
                paint.insert(&mut image);
                images += 1;
            }
        }
    }
    info!(
        "environment: {total} plants and stones placed, {coarse} of them coarse (beyond \
         {DETAIL_M} m), {images} mirrored in the water"
    );
}

/// A plant's material: still (rocks) or swaying in the wind.
enum Paint {
    Still(Handle<StandardMaterial>),
    Living(Handle<LivingMaterial>),
}

impl Paint {
    fn insert(&self, entity: &mut EntityCommands) {
        match self {
            Paint::Still(h) => entity.insert(MeshMaterial3d(h.clone())),
            Paint::Living(h) => entity.insert(MeshMaterial3d(h.clone())),
        };
    }
}

/// One item one metre tall, of `rule`'s kind, painted `main`; `shape` picks a variant.
/// `Far` builds the same shape with fewer sides, tiers and subdivisions.
fn unit_shape(rule: &Scatter, main: Rgb, shape: u32, seed: u32, detail: Detail) -> Mesh {
    let mut lp = LowPoly::default();
    let s = shape as f32;
    let far = detail == Detail::Far;
    // Sides of trunks; round clumps as a plain icosahedron (20 faces, not 80), stretched to
    // span the same box as the sphere it stands for.
    let sides = if far { 4 } else { 6 };
    let clump = |radius: f32| {
        if !far {
            return ico(radius, 1);
        }
        let coarse = ico(radius, 0);
        let span = coarse
            .compute_aabb()
            .map_or(Vec3::splat(radius), |b| b.half_extents.into());
        coarse.scaled_by(Vec3::splat(radius) / span)
    };
    let seed = seed.wrapping_mul(31).wrapping_add(shape);
    let trunk = color(rule.trunk_color, 1.0);
    match rule.kind {
        PlantKind::Conifer => {
            lp.add(
                &CylinderMeshBuilder::new(0.035, 0.3, sides).build(),
                Transform::from_xyz(0.0, 0.15, 0.0),
                trunk,
                0.0,
                seed,
            );
            // Far off: fewer, taller tiers over the same height, so the outline holds.
            let tiers = if far { 3 } else { 4 + shape % 2 };
            let stretch = if far { 1.25 } else { 1.0 };
            for t in 0..tiers {
                let f = t as f32 / tiers as f32;
                let radius = (0.30 + 0.03 * s) * (1.0 - 0.72 * f);
                let height = (0.36 - 0.08 * f) * stretch;
                let base = 0.16 + f * 0.72;
                lp.add(
                    &ConeMeshBuilder::new(radius, height, if far { 5 } else { 7 }).build(),
                    Transform::from_xyz(0.0, base + height / 2.0, 0.0)
                        .with_rotation(Quat::from_rotation_y(t as f32 * 0.9)),
                    color(main, 0.82 + 0.3 * f),
                    0.02,
                    seed + t,
                );
            }
        }
        PlantKind::Broadleaf => {
            lp.add(
                &CylinderMeshBuilder::new(0.03, 0.62, sides).build(),
                Transform::from_xyz(0.0, 0.31, 0.0),
                trunk,
                0.0,
                seed,
            );
            let clumps = 4 + shape;
            for k in 0..clumps {
                let a = k as f32 / clumps as f32 * std::f32::consts::TAU + s;
                let r = if k == 0 { 0.0 } else { 0.13 };
                let center = Vec3::new(
                    r * a.cos(),
                    0.66 + 0.09 * ((k * 7 + shape) % 3) as f32,
                    r * a.sin(),
                );
                lp.add(
                    &clump(0.2 - 0.015 * (k % 3) as f32),
                    Transform::from_translation(center).with_scale(Vec3::new(1.0, 0.85, 1.0)),
                    color(main, 0.88 + 0.07 * (k % 3) as f32),
                    0.035,
                    seed + k,
                );
            }
        }
        PlantKind::Bush => {
            for k in 0..3 {
                let a = k as f32 * 2.1 + s;
                lp.add(
                    &clump(0.42),
                    Transform::from_xyz(0.22 * a.cos(), 0.42 + 0.08 * k as f32, 0.22 * a.sin())
                        .with_scale(Vec3::new(1.0, 0.8, 1.0)),
                    color(main, 0.9 + 0.06 * k as f32),
                    0.06,
                    seed + k,
                );
            }
        }
        PlantKind::Rock => {
            lp.add(
                &clump(0.5),
                Transform::from_xyz(0.0, 0.4, 0.0).with_scale(Vec3::new(1.3 + 0.2 * s, 0.8, 1.0)),
                color(main, 1.0),
                0.12,
                seed,
            );
        }
        PlantKind::Flower => {
            lp.add(
                &CylinderMeshBuilder::new(0.012, 0.82, 4).build(),
                Transform::from_xyz(0.0, 0.41, 0.0)
                    .with_rotation(Quat::from_rotation_z(0.05 * (s - 1.0))),
                trunk,
                0.0,
                seed,
            );
            lp.add(
                &ico(0.2, 0),
                Transform::from_xyz(0.04 * (s - 1.0), 0.84, 0.0)
                    .with_scale(Vec3::new(1.0, 0.5, 1.0)),
                color(main, 1.0),
                0.02,
                seed,
            );
        }
        PlantKind::GrassTuft => {
            // Far off a tuft is a few pixels: fewer, broader blades give it the same tone.
            let blades = if far {
                3 + shape as usize % 2
            } else {
                7 + shape as usize
            };
            for k in 0..blades {
                let a = k as f32 / blades as f32 * std::f32::consts::TAU + s * 0.7;
                let lean = 0.18 + 0.1 * ((k * 5 + shape as usize) % 3) as f32;
                let tall = 0.75 + 0.25 * ((k * 3 + shape as usize) % 4) as f32 / 3.0;
                let (dx, dz) = (a.cos(), a.sin());
                let side = Vec3::new(-dz, 0.0, dx) * if far { 0.09 } else { 0.045 };
                let root = Vec3::new(dx * 0.05, 0.0, dz * 0.05);
                let tip = Vec3::new(dx * lean, tall, dz * lean);
                lp.triangle(
                    [root - side, root + side, tip],
                    [color(main, 0.72), color(main, 0.72), color(main, 1.2)],
                );
            }
        }
    }
    lp.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: PlantKind) -> Scatter {
        Scatter {
            kind,
            count: 1,
            inner_radius_m: 0.0,
            outer_radius_m: 1.0,
            height_m: (1.0, 1.0),
            spacing_m: 0.0,
            colors: vec![Rgb([60, 120, 50])],
            trunk_color: Rgb([90, 67, 48]),
        }
    }

    fn triangles(mesh: &Mesh) -> usize {
        mesh.indices().map_or(mesh.count_vertices(), |i| i.len()) / 3
    }

    /// Far-off items cost a fraction of the triangles yet keep their size: a coarse tree
    /// seen from the seat is as tall and as wide as the fine one it stands for.
    #[test]
    fn coarse_variants_keep_the_size_with_far_fewer_triangles() {
        use PlantKind::*;
        for kind in [Conifer, Broadleaf, Bush, GrassTuft] {
            for shape in 0..SHAPES {
                let r = rule(kind);
                let near = unit_shape(&r, r.colors[0], shape, 7, Detail::Near);
                let far = unit_shape(&r, r.colors[0], shape, 7, Detail::Far);
                let (tn, tf) = (triangles(&near), triangles(&far));
                assert!(
                    tf as f32 <= tn as f32 * 0.6,
                    "{kind:?} {shape}: {tf} coarse against {tn} fine triangles"
                );
                let (bn, bf) = (near.compute_aabb().unwrap(), far.compute_aabb().unwrap());
                let (sn, sf) = (bn.half_extents * 2.0, bf.half_extents * 2.0);
                // A far tuft is a few pixels: its height and tone count, not its spread.
                let spans: &[_] = if kind == GrassTuft {
                    &[("height", sn.y, sf.y)]
                } else {
                    &[
                        ("width", sn.x, sf.x),
                        ("depth", sn.z, sf.z),
                        ("height", sn.y, sf.y),
                    ]
                };
                for &(axis, a, b) in spans {
                    assert!(
                        (b / a - 1.0).abs() < 0.2,
                        "{kind:?} {shape}: {axis} {b:.2} coarse against {a:.2} fine"
                    );
                }
            }
        }
    }
}
