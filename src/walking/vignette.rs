//! The comfort vignette: while the walker moves, the edges of sight dim softly, which
//! eases the mismatch between seen motion and a body at rest. Its strength is the walk's
//! `vignette` (the immersion level or `--vignette` may set it), scaled by the pace, so it
//! comes and goes with the same ease as the walking.

use super::{Walk, WalkSystems};
use crate::display::{Head, veil};
use bevy::asset::RenderAssetUsages;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_observer(fit_vignette)
        .add_systems(Update, dim_with_pace.after(WalkSystems));
}

#[derive(Component)]
struct Vignette(Handle<StandardMaterial>);

/// Distance of the ring in front of the eyes: inside the fade shell, beyond the near plane.
const DEPTH: f32 = 0.2;
/// Clear within this angle from the centre of view, fully dimmed beyond the second.
const CLEAR_DEG: f32 = 30.0;
const DIM_DEG: f32 = 50.0;

/// A flat ring facing the eyes: transparent inside, dim towards its outer edge.
fn ring() -> Mesh {
    let seg = 48;
    let radii = [
        DEPTH * CLEAR_DEG.to_radians().tan(),
        DEPTH * ((CLEAR_DEG + DIM_DEG) / 2.0).to_radians().tan(),
        DEPTH * DIM_DEG.to_radians().tan(),
        DEPTH * 80f32.to_radians().tan(),
    ];
    let alpha = [0.0, 0.45, 1.0, 1.0];
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    for k in 0..seg {
        let a = k as f32 / seg as f32 * std::f32::consts::TAU;
        for (r, al) in radii.iter().zip(alpha) {
            positions.push([r * a.cos(), r * a.sin(), -DEPTH]);
            colors.push([1.0, 1.0, 1.0, al]);
        }
    }
    let mut indices = Vec::new();
    let rings = radii.len() as u32;
    for k in 0..seg as u32 {
        let n = (k + 1) % seg as u32;
        for j in 0..rings - 1 {
            let (a, b, c, d) = (
                k * rings + j,
                k * rings + j + 1,
                n * rings + j,
                n * rings + j + 1,
            );
            indices.extend([a, c, b, b, c, d]);
        }
    }
    let normals = vec![[0.0, 0.0, 1.0]; positions.len()];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
    .with_inserted_indices(Indices::U32(indices))
}

fn fit_vignette(
    add: On<Add, Head>,
    walk: Option<Res<Walk>>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    if walk.is_none() {
        return;
    }
    // A deep, slightly warm grey: dim, never a black frame.
    let material = materials.add(veil(Color::srgba(0.05, 0.05, 0.045, 0.0)));
    commands.entity(add.entity).with_child((
        Name::new("Comfort vignette"),
        Vignette(material.clone()),
        Mesh3d(meshes.add(ring())),
        MeshMaterial3d(material),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

fn dim_with_pace(
    walk: Option<Res<Walk>>,
    rings: Query<&Vignette>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(walk) = walk else { return };
    let pace = (walk.walker.speed / walk.walker.cruise().max(0.1)).clamp(0.0, 1.0);
    let alpha = walk.vignette * pace;
    for ring in &rings {
        let current = materials.get(&ring.0).map(|m| m.base_color.alpha());
        if current.is_some_and(|a| (a - alpha).abs() > 0.002)
            && let Some(mut m) = materials.get_mut(&ring.0)
        {
            m.base_color.set_alpha(alpha);
        }
    }
}
