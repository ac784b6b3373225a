//! Low-poly building: Bevy's primitive shapes placed, painted and gently deformed, merged
//! into one flat-shaded mesh with vertex colours. One mesh per tree variant, shared by every
//! tree of that variant, lets Bevy draw thousands with a handful of instanced draws.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology, VertexAttributeValues};
use bevy::prelude::*;
use respite_core::Rgb;

/// Converts a spec colour (sRGB) to a Bevy colour, scaled in brightness by `shade`.
pub fn color(rgb: Rgb, shade: f32) -> Color {
    let [r, g, b] = rgb.to_f32();
    Color::srgb(
        (r * shade).clamp(0.0, 1.0),
        (g * shade).clamp(0.0, 1.0),
        (b * shade).clamp(0.0, 1.0),
    )
}

/// A low-poly sphere. Icospheres fail only above 80 subdivisions; the UV sphere is there so
/// this can never panic.
pub fn ico(radius: f32, subdivisions: u32) -> Mesh {
    Sphere::new(radius)
        .mesh()
        .ico(subdivisions)
        .unwrap_or_else(|_| Sphere::new(radius).mesh().uv(12, 8))
}

/// Three numbers in −1..1 from a position and a seed: the same point always moves the same
/// way, so faces that share a corner stay joined after deformation.
fn wobble_at(p: Vec3, seed: u32) -> Vec3 {
    let q = (p * 1000.0).round().as_ivec3();
    let mut h = seed.wrapping_mul(0x9E37_79B9)
        ^ (q.x as u32).wrapping_mul(0x85EB_CA6B)
        ^ (q.y as u32).wrapping_mul(0xC2B2_AE35)
        ^ (q.z as u32).wrapping_mul(0x27D4_EB2F);
    let mut next = || {
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^= h >> 12;
        h = h.wrapping_mul(0x297A_2D39);
        h ^= h >> 15;
        (h & 0xFFFF) as f32 / 32767.5 - 1.0
    };
    Vec3::new(next(), next(), next())
}

/// A mesh from corner lists built by hand (particle quads, rings, curtains, the water
/// grid): every corner faces `normal`; `uvs` may be empty.
pub fn indexed(
    positions: Vec<[f32; 3]>,
    uvs: Vec<[f32; 2]>,
    colors: Vec<[f32; 4]>,
    indices: Vec<u32>,
    normal: [f32; 3],
) -> Mesh {
    let normals = vec![normal; positions.len()];
    let mut mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
    .with_inserted_indices(Indices::U32(indices));
    if !uvs.is_empty() {
        mesh.insert_attribute(Mesh::ATTRIBUTE_UV_0, uvs);
    }
    mesh
}

/// A growing list of coloured triangles.
#[derive(Default)]
pub struct LowPoly {
    positions: Vec<[f32; 3]>,
    colors: Vec<[f32; 4]>,
}

impl LowPoly {
    /// Adds `shape`'s triangles, deformed by up to `wobble` (in the shape's own units) and
    /// then moved by `transform`, all painted `paint`.
    pub fn add(
        &mut self,
        shape: &Mesh,
        transform: Transform,
        paint: Color,
        wobble: f32,
        seed: u32,
    ) {
        let Some(VertexAttributeValues::Float32x3(points)) =
            shape.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            return;
        };
        let order: Vec<usize> = match shape.indices() {
            Some(Indices::U16(i)) => i.iter().map(|&i| i as usize).collect(),
            Some(Indices::U32(i)) => i.iter().map(|&i| i as usize).collect(),
            None => (0..points.len()).collect(),
        };
        let linear = paint.to_linear().to_f32_array();
        for i in order {
            let Some(p) = points.get(i) else { continue };
            let local = Vec3::from(*p);
            let moved = local + wobble_at(local, seed) * wobble;
            self.positions.push(transform.transform_point(moved).into());
            self.colors.push(linear);
        }
    }

    /// Adds one triangle with a colour per corner (grass blades shade from root to tip).
    pub fn triangle(&mut self, corners: [Vec3; 3], paint: [Color; 3]) {
        for (p, c) in corners.iter().zip(paint) {
            self.positions.push((*p).into());
            self.colors.push(c.to_linear().to_f32_array());
        }
    }

    pub fn triangle_count(&self) -> usize {
        self.positions.len() / 3
    }

    /// The finished mesh upside down about the height `level`, each face keeping the normal
    /// it had: the copy seen in still water is lit as the shore it mirrors.
    pub fn build_mirrored(self, level: f32) -> Mesh {
        let mut mesh = self.build();
        if let Some(VertexAttributeValues::Float32x3(points)) =
            mesh.attribute_mut(Mesh::ATTRIBUTE_POSITION)
        {
            for p in points.iter_mut() {
                p[1] = 2.0 * level - p[1];
            }
        }
        mesh
    }

    /// The finished mesh: every triangle faceted (its own normal), the low-poly look.
    pub fn build(self) -> Mesh {
        let mut normals = Vec::with_capacity(self.positions.len());
        for tri in self.positions.chunks_exact(3) {
            let [a, b, c] = [Vec3::from(tri[0]), Vec3::from(tri[1]), Vec3::from(tri[2])];
            let n = (b - a).cross(c - a).normalize_or(Vec3::Y);
            normals.extend([n.to_array(); 3]);
        }
        Mesh::new(
            PrimitiveTopology::TriangleList,
            RenderAssetUsages::default(),
        )
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, self.positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, self.colors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wobble_keeps_shared_corners_joined() {
        let a = wobble_at(Vec3::new(0.1, 0.2, 0.3), 5);
        assert_eq!(a, wobble_at(Vec3::new(0.1, 0.2, 0.3), 5));
        assert_ne!(a, wobble_at(Vec3::new(0.1, 0.2, 0.3), 6));
        assert!(a.abs().max_element() <= 1.0);
    }

    #[test]
    fn merged_mesh_has_faceted_normals_and_colours() {
        let mut lp = LowPoly::default();
        lp.add(
            &Cuboid::new(1.0, 1.0, 1.0).mesh().build(),
            Transform::IDENTITY,
            Color::WHITE,
            0.0,
            1,
        );
        assert_eq!(lp.triangle_count(), 12);
        let mesh = lp.build();
        let Some(VertexAttributeValues::Float32x3(n)) = mesh.attribute(Mesh::ATTRIBUTE_NORMAL)
        else {
            panic!("no normals");
        };
        assert_eq!(n.len(), 36);
        // The first face of a cube points along one axis exactly.
        let first = Vec3::from(n[0]);
        assert!((first.abs().max_element() - 1.0).abs() < 1e-5, "{first:?}");
    }
}
