//! The comfort vignette: while the walker moves, the edges of sight dim softly, which
//! eases the mismatch between seen motion and a body at rest. Its strength is the walk's
//! `vignette` (the immersion level or `--vignette` may set it), scaled by the pace, so it
//! comes and goes with the same ease as the walking.

use super::{Walk, WalkSystems};
use crate::display::{Head, field_ring, veil};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
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

fn fit_vignette(
    add: On<Add, Head>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    // On every head: a place changed mid-session may be a walk. Clear when none walks.
    // A deep, slightly warm grey: dim, never a black frame.
    let material = materials.add(veil(Color::srgba(0.05, 0.05, 0.045, 0.0)));
    commands.entity(add.entity).with_child((
        Name::new("Comfort vignette"),
        Vignette(material.clone()),
        Mesh3d(meshes.add(field_ring(DEPTH, CLEAR_DEG, DIM_DEG))),
        MeshMaterial3d(material),
        NotShadowCaster,
        NotShadowReceiver,
        Visibility::Hidden,
    ));
}

fn dim_with_pace(
    walk: Option<Res<Walk>>,
    mut rings: Query<(&Vignette, &mut Visibility)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let alpha = walk.map_or(0.0, |walk| {
        let pace = (walk.walker.speed / walk.walker.cruise().max(0.1)).clamp(0.0, 1.0);
        walk.vignette * pace
    });
    for (ring, mut visibility) in &mut rings {
        // Nothing drawn while nothing dims (at rest, or no walk in this place).
        visibility.set_if_neq(if alpha > 0.002 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
        let current = materials.get(&ring.0).map(|m| m.base_color.alpha());
        if current.is_some_and(|a| (a - alpha).abs() > 0.002)
            && let Some(mut m) = materials.get_mut(&ring.0)
        {
            m.base_color.set_alpha(alpha);
        }
    }
}
