//! The screen rig: one camera at the seated eye, with a headset's horizontal field of view.

use super::{Head, ViewpointSpec, eye_transform, vertical_fov};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_screen_head)
        .add_systems(Update, keep_fov_on_resize);
}

fn spawn_screen_head(
    mut commands: Commands,
    viewpoint: Res<ViewpointSpec>,
    windows: Query<&Window, With<PrimaryWindow>>,
) {
    let aspect = windows
        .single()
        .map(|w| w.width() / w.height().max(1.0))
        .unwrap_or(16.0 / 9.0);
    commands.spawn((
        Name::new("Head (screen camera)"),
        Head,
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov: vertical_fov(viewpoint.0.fov_deg, aspect),
            ..default()
        }),
        eye_transform(&viewpoint.0),
        IsDefaultUiCamera,
    ));
}

/// The horizontal field of view is what the spec promises; a resized window keeps it.
fn keep_fov_on_resize(
    viewpoint: Res<ViewpointSpec>,
    windows: Query<&Window, (With<PrimaryWindow>, Changed<Window>)>,
    mut heads: Query<&mut Projection, With<Head>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let aspect = window.width() / window.height().max(1.0);
    for mut projection in &mut heads {
        if let Projection::Perspective(p) = projection.as_mut() {
            p.fov = vertical_fov(viewpoint.0.fov_deg, aspect);
        }
    }
}
