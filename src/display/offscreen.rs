//! A headset's work without a headset: two eye views at a headset's resolution rendered to
//! textures, with no window and no OpenXR. `respite bench --display offscreen-xr` uses it to
//! measure what the GPU would do in XR, on machines with no display at all.

use super::{Head, ViewpointSpec, head_in_rig, spawn_rig};
use bevy::app::ScheduleRunnerPlugin;
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use std::time::Duration;

/// Distance between the eyes, metres (an average adult's).
const IPD_M: f32 = 0.064;

/// Per-eye size of the views.
#[derive(Resource, Clone, Copy, Debug)]
pub struct EyeSize(pub u32, pub u32);

/// Bevy without a window: frames run back to back.
pub(super) fn plugins() -> bevy::app::PluginGroupBuilder {
    DefaultPlugins
        .build()
        .disable::<PipelinedRenderingPlugin>()
        .disable::<WinitPlugin>()
        .set(super::log_plugin())
        .set(WindowPlugin {
            primary_window: None,
            exit_condition: ExitCondition::DontExit,
            ..default()
        })
        .set(RenderPlugin {
            synchronous_pipeline_compilation: true,
            ..default()
        })
        .add(ScheduleRunnerPlugin::run_loop(Duration::ZERO))
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_eyes);
}

fn spawn_eyes(
    mut commands: Commands,
    viewpoint: Res<ViewpointSpec>,
    size: Res<EyeSize>,
    mut images: ResMut<Assets<Image>>,
) {
    let EyeSize(w, h) = *size;
    let rig = spawn_rig(&mut commands, &viewpoint.0);
    let head = commands
        .spawn((
            Name::new("Head (offscreen eyes)"),
            Head,
            head_in_rig(&viewpoint.0),
            ChildOf(rig),
        ))
        .id();
    for (name, side) in [("left", -1.0), ("right", 1.0)] {
        let mut image = Image::new_fill(
            Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            &[0, 0, 0, 255],
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::default(),
        );
        image.texture_descriptor.usage = TextureUsages::TEXTURE_BINDING
            | TextureUsages::COPY_DST
            | TextureUsages::COPY_SRC
            | TextureUsages::RENDER_ATTACHMENT;
        let target = images.add(image);
        commands.spawn((
            Name::new(format!("Eye ({name})")),
            Camera3d::default(),
            RenderTarget::Image(target.into()),
            Projection::Perspective(PerspectiveProjection {
                // A Quest-3-class eye: about 96° vertical.
                fov: 96f32.to_radians(),
                aspect_ratio: w as f32 / h as f32,
                ..default()
            }),
            Transform::from_xyz(side * IPD_M / 2.0, 0.0, 0.0),
            ChildOf(head),
        ));
    }
}
