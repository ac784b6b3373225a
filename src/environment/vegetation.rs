//! Trees, bushes, rocks, flowers and grass from the spec's scatter rules. Each rule builds a
//! few shape variants per colour once (unit height); every placed item copies one of them,
//! placed and scaled, into the merged mesh of its piece of ground and its paint (rocks,
//! trees, grass, and their images in still water). Thousands of items are a few hundred
//! entities at most, so the main world's visibility and extraction have little to walk;
//! each corner keeps its plant's sway data, so the wind still moves every plant alone.
//!
//! Level of detail is chosen once, where each item is placed: the viewer only ever sits at
//! the seat or walks the path, so an item farther than [`DETAIL_M`] from all of those is
//! only ever seen small and gets a coarser variant of the same shape (same size, colours and
//! silhouette; a quarter to a half of the triangles; rocks, few and all facets, and
//! flowers, which grow by the seat, keep one shape). Nothing swaps while the patient
//! watches, so nothing pops, and no frame pays for choosing.

use super::{Ground, SharedMaterials, terrain};
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

/// Within [`DETAIL_M`] of the viewer the plants are merged by squares this many to the
/// ground's side (13 m on the forests' 420 m ground, 47 m on the lakes' 1 500 m) rather than
/// by its 8 pieces: what stands beside or behind the viewer is then culled with its square
/// (a whole 52 m piece around the glade's seat drew its grass behind the viewer too).
/// Farther out a piece is small in view and its plants coarse.
const NEAR_SQUARES: usize = 32;

/// The near square a point (x, z) is in (off the ground, or not a number, the nearest).
fn near_square(size_m: f32, x: f32, z: f32) -> usize {
    let at = |v: f32| {
        let c = ((v + size_m / 2.0) / size_m * NEAR_SQUARES as f32).floor();
        if c.is_finite() {
            (c.max(0.0) as usize).min(NEAR_SQUARES - 1)
        } else {
            0
        }
    };
    at(x) * NEAR_SQUARES + at(z)
}

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
    // Every plant and stone goes into the merged mesh of its piece of ground (near the
    // viewer, of its square) and its paint.
    let mut merged: Vec<[Merged; PAINTS]> = (0..terrain::PIECES + NEAR_SQUARES * NEAR_SQUARES)
        .map(|_| std::array::from_fn(|_| Merged::default()))
        .collect();
    for (index, rule) in def.vegetation.iter().enumerate() {
        // Rocks are few and their shape is all in their facets; flowers grow by the seat.
        let lod = !matches!(rule.kind, PlantKind::Rock | PlantKind::Flower);
        let seed = def.seed as u32 ^ index as u32;
        let variants_at = |detail| -> Vec<Vec<Shape>> {
            rule.colors
                .iter()
                .map(|&c| {
                    (0..SHAPES)
                        .map(|s| Shape::of(&unit_shape(rule, c, s, seed, detail)))
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
        let paint = match rule.kind {
            PlantKind::GrassTuft | PlantKind::Flower => Paint::Grass,
            PlantKind::Rock => Paint::Rock,
            _ => Paint::Tree,
        };
        let image_paint = match rule.kind {
            PlantKind::Rock => Some(Paint::RockImage),
            PlantKind::Conifer | PlantKind::Broadleaf | PlantKind::Bush => Some(Paint::TreeImage),
            _ => None,
        };
        // Sink each item a little so it sits in sloped ground rather than on it.
        let sink = match rule.kind {
            PlantKind::Rock => 0.25,
            PlantKind::Conifer | PlantKind::Broadleaf => 0.04,
            _ => 0.02,
        };
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
            let shape = &variants[p.color][(p.variant % SHAPES) as usize];
            let y = field.height(p.x, p.z) - sink * p.height;
            let place = Transform::from_xyz(p.x, y, p.z)
                .with_rotation(Quat::from_rotation_y(p.yaw))
                .with_scale(Vec3::splat(p.height));
            let group = if field.viewer_distance(p.x, p.z) <= DETAIL_M {
                terrain::PIECES + near_square(def.terrain.size_m, p.x, p.z)
            } else {
                terrain::piece_at(&def.terrain, p.x, p.z)
            };
            merged[group][paint as usize].add(shape, place, None, paint.sways());
            total += 1;
            if let (Some(image), Some(level)) = (image_paint, mirror_level)
                && mirror_view.sees_plant(place.translation, p.height)
            {
                merged[group][image as usize].add(shape, place, Some(level), image.sways());
                images += 1;
            }
        }
    }
    let parent = commands
        .spawn((
            Name::new("Plants and stones"),
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    let mut pieces = 0;
    for groups in merged {
        for (paint, group) in Paint::ALL.into_iter().zip(groups) {
            if group.is_empty() {
                continue;
            }
            let mut item = commands.spawn((
                Name::new(paint.name()),
                Mesh3d(meshes.add(group.build())),
                Transform::default(),
                ChildOf(parent),
            ));
            match paint {
                Paint::Rock => item.insert(MeshMaterial3d(shared.solid.clone())),
                Paint::Tree => item.insert(MeshMaterial3d(shared.swaying.clone())),
                Paint::Grass => item.insert(MeshMaterial3d(shared.swaying_two_sided.clone())),
                Paint::RockImage => item.insert(MeshMaterial3d(shared.mirrored.clone())),
                Paint::TreeImage => item.insert(MeshMaterial3d(shared.mirrored_swaying.clone())),
            };
            // Grass and flowers cast no shadow; an image under the water neither casts nor
            // takes one.
            match paint {
                Paint::Grass => {
                    item.insert(NotShadowCaster);
                }
                Paint::RockImage | Paint::TreeImage => {
                    item.insert((NotShadowCaster, NotShadowReceiver));
                }
                Paint::Rock | Paint::Tree => {}
            }
            pieces += 1;
        }
    }
    info!(
        "environment: {total} plants and stones placed, {coarse} of them coarse (beyond \
         {DETAIL_M} m), {images} mirrored in the water; merged into {pieces} meshes"
    );
}

/// How a merged mesh is painted: what it holds, its material, and its shadows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paint {
    /// Rocks: still, casting shadows.
    Rock,
    /// Trees and bushes: swaying, casting shadows.
    Tree,
    /// Grass and flowers: swaying further, from both sides, casting none.
    Grass,
    /// The rocks' image under mirror-calm water.
    RockImage,
    /// The trees' and bushes' image under mirror-calm water, swaying with them.
    TreeImage,
}

const PAINTS: usize = 5;

impl Paint {
    const ALL: [Paint; PAINTS] = [
        Paint::Rock,
        Paint::Tree,
        Paint::Grass,
        Paint::RockImage,
        Paint::TreeImage,
    ];

    fn sways(self) -> bool {
        !matches!(self, Paint::Rock | Paint::RockImage)
    }

    fn name(self) -> &'static str {
        match self {
            Paint::Rock => "Rocks",
            Paint::Tree => "Trees and bushes",
            Paint::Grass => "Grass and flowers",
            Paint::RockImage => "Rocks mirrored in the water",
            Paint::TreeImage => "Trees mirrored in the water",
        }
    }
}

/// A unit shape's corners (one metre tall, faceted, coloured), read once for every plant
/// that copies it.
struct Shape {
    positions: Vec<Vec3>,
    normals: Vec<Vec3>,
    colors: Vec<[f32; 4]>,
}

impl Shape {
    fn of(mesh: &Mesh) -> Self {
        use bevy::mesh::VertexAttributeValues as V;
        let vec3s = |id| match mesh.attribute(id) {
            Some(V::Float32x3(v)) => v.iter().map(|&p| Vec3::from(p)).collect(),
            _ => Vec::new(),
        };
        let positions: Vec<Vec3> = vec3s(Mesh::ATTRIBUTE_POSITION);
        let mut normals: Vec<Vec3> = vec3s(Mesh::ATTRIBUTE_NORMAL);
        normals.resize(positions.len(), Vec3::Y);
        let mut colors = match mesh.attribute(Mesh::ATTRIBUTE_COLOR) {
            Some(V::Float32x4(c)) => c.clone(),
            _ => Vec::new(),
        };
        colors.resize(positions.len(), [1.0; 4]);
        Self {
            positions,
            normals,
            colors,
        }
    }
}

/// Many plants in one mesh, in world space. Each corner of a swaying plant carries what the
/// sway shader read from the plant's own transform when every plant was its own entity:
/// the phase of its gusts (from where its root stands) and how far it leans (its height
/// above the root, squared, times the plant's height), as its UV (no plant is textured).
#[derive(Default)]
struct Merged {
    positions: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    colors: Vec<[f32; 4]>,
    sway: Vec<[f32; 2]>,
}

impl Merged {
    fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Adds `shape` placed by `place` (a yaw and a uniform scale), or its image upside down
    /// about the water's `mirror` level: its faces keep the normals they had, so the image
    /// is lit as the plant it mirrors, and their winding turns, which the mirrored
    /// materials' culling expects.
    fn add(&mut self, shape: &Shape, place: Transform, mirror: Option<f32>, sways: bool) {
        let root = place.translation;
        let tall = place.scale.y;
        let phase = sway_phase(root);
        for ((p, n), c) in shape
            .positions
            .iter()
            .zip(&shape.normals)
            .zip(&shape.colors)
        {
            let mut world = place.transform_point(*p);
            if let Some(level) = mirror {
                world.y = 2.0 * level - world.y;
            }
            self.positions.push(world.into());
            self.normals.push((place.rotation * *n).into());
            self.colors.push(*c);
            if sways {
                self.sway.push([phase, sway_weight(p.y, tall)]);
            }
        }
    }

    fn build(self) -> Mesh {
        let mut mesh = Mesh::new(
            bevy::mesh::PrimitiveTopology::TriangleList,
            bevy::asset::RenderAssetUsages::default(),
        )
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, self.positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, self.normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, self.colors);
        if !self.sway.is_empty() {
            mesh.insert_attribute(Mesh::ATTRIBUTE_UV_0, self.sway);
        }
        mesh
    }
}

/// The phase of a plant's gusts, from where its root stands (`living.wgsl`, sway).
fn sway_phase(root: Vec3) -> f32 {
    root.x * 0.13 + root.z * 0.17
}

/// How far a corner `local_y` up a unit plant `tall` metres high leans, per unit of the
/// wind's lean (`living.wgsl`, sway): none at the root, most at the top.
fn sway_weight(local_y: f32, tall: f32) -> f32 {
    let h = local_y.clamp(0.0, 1.2);
    h * h * tall
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

    /// A plant merged into its piece's mesh stands where its own entity stood, lit the
    /// same, and sways the same: the corners are the entity's transform applied, and the
    /// sway data are what the shader read from that transform (root, height). Its image in
    /// still water is the entity image's transform applied, lit as the plant.
    #[test]
    fn a_merged_plant_is_the_plant_its_entity_was() {
        let r = rule(PlantKind::Broadleaf);
        let shape = Shape::of(&unit_shape(&r, r.colors[0], 1, 7, Detail::Near));
        let place = Transform::from_xyz(12.5, 3.25, -40.0)
            .with_rotation(Quat::from_rotation_y(1.1))
            .with_scale(Vec3::splat(7.5));
        let mut m = Merged::default();
        m.add(&shape, place, None, true);
        let level = 1.5;
        m.add(&shape, place, Some(level), true);
        let n = shape.positions.len();
        assert!(n > 100);
        assert_eq!(m.positions.len(), 2 * n);
        assert_eq!(m.sway.len(), 2 * n);
        // How the image's entity was placed: upside down about the water's level.
        let mut image = place;
        image.translation.y = 2.0 * level - place.translation.y;
        image.scale.y = -place.scale.y;
        for i in 0..n {
            let local = shape.positions[i];
            let at = Vec3::from(m.positions[i]);
            assert!(
                at.distance(place.transform_point(local)) < 1e-4,
                "corner {i}"
            );
            let seen = Vec3::from(m.positions[n + i]);
            assert!(
                seen.distance(image.transform_point(local)) < 1e-4,
                "image {i}"
            );
            let lit = (place.rotation * shape.normals[i]).to_array();
            assert_eq!(m.normals[i], lit);
            assert_eq!(m.normals[n + i], lit, "the image is lit as the plant");
            // What living.wgsl read from the entity: root = translation, tall = |scale.y|.
            let phase = place.translation.x * 0.13 + place.translation.z * 0.17;
            let h = local.y.clamp(0.0, 1.2);
            for k in [i, n + i] {
                assert!((m.sway[k][0] - phase).abs() < 1e-5);
                assert!((m.sway[k][1] - h * h * 7.5).abs() < 1e-4);
            }
        }
        // The top leans, the root does not.
        let top = m.sway[..n].iter().map(|s| s[1]).fold(0.0, f32::max);
        assert!(top > 7.5 * 0.7, "{top}");
        assert!(m.sway[..n].iter().any(|s| s[1] < 1e-6));
        // Rocks carry no sway data: their mesh has no UV channel.
        let mut rocks = Merged::default();
        rocks.add(&shape, place, None, false);
        assert!(rocks.build().attribute(Mesh::ATTRIBUTE_UV_0).is_none());
    }

    /// Plants go into the piece of ground they stand on, as the terrain cuts it, or near the
    /// viewer into their square.
    #[test]
    fn plants_are_merged_by_the_grounds_pieces() {
        let spec = respite_core::scene::Terrain {
            size_m: 400.0,
            resolution: 100,
            hill_height_m: 0.0,
            hill_size_m: 50.0,
            rim_height_m: 0.0,
            flat_radius_m: 10.0,
            colors: vec![Rgb([0, 0, 0])],
            mountain_height_m: 0.0,
            snow_above_m: None,
        };
        assert_eq!(terrain::piece_at(&spec, -199.0, -199.0), 0);
        assert_eq!(terrain::piece_at(&spec, -199.0, 199.0), 7);
        assert_eq!(terrain::piece_at(&spec, 199.0, -199.0), 56);
        assert_eq!(terrain::piece_at(&spec, 0.1, 0.1), 36);
        assert_eq!(terrain::piece_at(&spec, -0.1, -0.1), 27);
        // Off the ground, or not a number: the nearest piece, never out of range.
        assert_eq!(terrain::piece_at(&spec, 900.0, 900.0), 63);
        assert_eq!(terrain::piece_at(&spec, f32::NAN, -900.0), 0);
        // Near the viewer, squares of 12.5 m on this ground.
        assert_eq!(near_square(400.0, -199.0, -199.0), 0);
        assert_eq!(near_square(400.0, -199.0, -186.0), 1);
        assert_eq!(near_square(400.0, 0.1, 0.1), 16 * 32 + 16);
        assert_eq!(near_square(400.0, -0.1, 0.1), 15 * 32 + 16);
        assert_eq!(near_square(400.0, 900.0, 900.0), 32 * 32 - 1);
        assert_eq!(near_square(400.0, f32::NAN, f32::NEG_INFINITY), 0);
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
