//! The screen rig: one camera at the seated eye, with a headset's horizontal field of view.

use super::{Head, Pointer, PointerKind, ViewpointSpec, head_in_rig, spawn_rig, vertical_fov};
use bevy::prelude::*;
use bevy::transform::TransformSystems;
use bevy::window::PrimaryWindow;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_screen_head)
        .add_systems(Update, (keep_fov_on_resize, tilt_with_keys))
        .add_systems(
            PostUpdate,
            point_with_the_mouse.after(TransformSystems::Propagate),
        );
}

/// On a screen the patient points with the mouse: the ray from the eye through the cursor
/// (none while the cursor is outside the window).
fn point_with_the_mouse(
    windows: Query<&Window, With<PrimaryWindow>>,
    heads: Query<(&Camera, &GlobalTransform), With<Head>>,
    mut pointer: ResMut<Pointer>,
) {
    pointer.kind = PointerKind::Mouse;
    pointer.ray = match (windows.single(), heads.single()) {
        (Ok(window), Ok((camera, at))) => window
            .cursor_position()
            .and_then(|c| camera.viewport_to_world(at, c).ok()),
        _ => None,
    };
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
    let rig = spawn_rig(&mut commands, &viewpoint.0);
    commands.spawn((
        Name::new("Head (screen camera)"),
        Head,
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov: vertical_fov(viewpoint.0.fov_deg, aspect),
            ..default()
        }),
        head_in_rig(&viewpoint.0),
        IsDefaultUiCamera,
        ChildOf(rig),
    ));
}

/// The horizontal field of view is what the spec promises; a resized window keeps it.
fn keep_fov_on_resize(
    viewpoint: Res<ViewpointSpec>,
    windows: Query<Ref<Window>, With<PrimaryWindow>>,
    mut heads: Query<&mut Projection, With<Head>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    // A resized window, or a field of view easing to a new level's.
    if !window.is_changed() && !viewpoint.is_changed() {
        return;
    }
    let aspect = window.width() / window.height().max(1.0);
    for mut projection in &mut heads {
        if let Projection::Perspective(p) = projection.as_mut() {
            p.fov = vertical_fov(viewpoint.0.fov_deg, aspect);
        }
    }
}

/// Page Up and Page Down tilt the screen camera 5° at a time (−70° to 15°): on a screen this
/// is how the patient looks down at their walking legs or up at the view. Eased over half a
/// second, never a jump.
fn tilt_with_keys(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time<Real>>,
    mut target: Local<Option<f32>>,
    mut heads: Query<&mut Transform, With<Head>>,
) {
    let Ok(mut head) = heads.single_mut() else {
        return;
    };
    let (_, current, _) = head.rotation.to_euler(EulerRot::YXZ);
    let goal = target.get_or_insert(current);
    if keys.just_pressed(KeyCode::PageUp) {
        *goal = (*goal + 5f32.to_radians()).min(15f32.to_radians());
    }
    if keys.just_pressed(KeyCode::PageDown) {
        *goal = (*goal - 5f32.to_radians()).max(-70f32.to_radians());
    }
    let step = (*goal - current) * (time.delta_secs() / 0.5).min(1.0);
    if step.abs() > 1e-5 {
        head.rotation = Quat::from_rotation_x(current + step);
    }
}
