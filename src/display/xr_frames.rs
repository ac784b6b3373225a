//! The headset's frame loop, set up exactly as bevy_mod_openxr 0.6's `OxrRenderPlugin` does,
//! with one difference: an OpenXR call that fails ends the headset instead of panicking.
//!
//! When the runtime's process dies (a crash, a SteamVR restart; seen with Monado's service
//! killed mid-place), every call fails with `XR_ERROR_INSTANCE_LOST`. The crate's own systems
//! `expect` success in `wait_frame`, `begin_frame`, `insert_texture_views` (acquire),
//! `wait_image` and `release_image`, so whichever runs first after the loss panics, in the
//! main world or the render world. Here each of those calls marks the runtime gone and
//! returns; every later call into the runtime, in either world and in the same frame, is
//! skipped; and the main world then stops the crate's frame loop for good (session not
//! started, state unavailable: every other OpenXR system of the crate runs only under
//! those). `locate_views` and `end_frame` already tolerate failures and are the crate's own.

use bevy::prelude::*;
use bevy::render::extract_resource::ExtractResourcePlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::texture::ManualTextureViews;
use bevy::render::{Render, RenderApp};
use bevy_mod_openxr::init::should_run_frame_loop;
use bevy_mod_openxr::layer_builder::ProjectionLayer;
use bevy_mod_openxr::render::{
    OxrWaitFrameSystem, add_texture_view, clean_views, end_frame, init_views, locate_views,
    update_cameras, update_views, update_views_render_world,
};
use bevy_mod_openxr::resources::{
    OxrCurrentSessionConfig, OxrFrameState, OxrFrameStream, OxrFrameWaiter, OxrRenderLayers,
    OxrSessionStarted, OxrSwapchain, OxrSwapchainImages, OxrViews, Pipelined,
};
use bevy_mod_xr::camera::XrViewInit;
use bevy_mod_xr::session::{
    XrFirst, XrHandleEvents, XrPreDestroySession, XrRenderSystems, XrSessionCreated, XrState,
};
use std::sync::{Arc, Mutex};

/// Set once the runtime has failed a call: the first failure's words. Shared by the main
/// and the render world.
#[derive(Resource, Clone, Default)]
pub(super) struct RuntimeGone(Arc<Mutex<Option<String>>>);

impl RuntimeGone {
    fn lose(&self, call: &str, e: impl std::fmt::Display) {
        if let Ok(mut gone) = self.0.lock()
            && gone.is_none()
        {
            error!("display: the headset's runtime is lost ({call}: {e})");
            *gone = Some(format!("{call}: {e}"));
        }
    }

    pub(super) fn reason(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

fn runtime_here(gone: Res<RuntimeGone>) -> bool {
    gone.reason().is_none()
}

/// `OxrRenderPlugin` with calls that survive a runtime that has gone.
pub(super) struct FrameLoopPlugin;

impl Plugin for FrameLoopPlugin {
    fn build(&self, app: &mut App) {
        let gone = RuntimeGone::default();
        if app.is_plugin_added::<PipelinedRenderingPlugin>() {
            app.init_resource::<Pipelined>();
        }
        app.insert_resource(gone.clone())
            .add_plugins((
                ExtractResourcePlugin::<OxrFrameState>::default(),
                ExtractResourcePlugin::<OxrCurrentSessionConfig>::default(),
                ExtractResourcePlugin::<OxrSwapchainImages>::default(),
                ExtractResourcePlugin::<OxrViews>::default(),
            ))
            .add_systems(XrPreDestroySession, clean_views)
            .add_systems(XrFirst, stop_when_gone.before(XrHandleEvents::Poll))
            .add_systems(
                XrFirst,
                wait_frame
                    .run_if(should_run_frame_loop)
                    .run_if(runtime_here)
                    .in_set(OxrWaitFrameSystem)
                    .in_set(XrHandleEvents::FrameLoop),
            )
            .add_systems(
                XrFirst,
                (stop_when_gone, update_cameras.run_if(should_run_frame_loop))
                    .chain()
                    .after(OxrWaitFrameSystem)
                    .in_set(XrHandleEvents::FrameLoop),
            )
            .add_systems(XrSessionCreated, init_views::<true>.in_set(XrViewInit))
            .add_systems(
                PostUpdate,
                (locate_views, update_views)
                    .before(TransformSystems::Propagate)
                    .chain()
                    .run_if(should_run_frame_loop),
            )
            .init_resource::<OxrViews>();
        app.sub_app_mut(RenderApp)
            .insert_resource(gone)
            .add_systems(XrPreDestroySession, clean_views)
            .add_systems(
                Render,
                (
                    begin_frame,
                    acquire_image,
                    locate_views,
                    update_views_render_world,
                    wait_image,
                )
                    .chain()
                    .in_set(XrRenderSystems::PreRender)
                    .run_if(should_run_frame_loop)
                    .distributive_run_if(runtime_here),
            )
            .add_systems(
                Render,
                (release_image, end_frame)
                    .chain()
                    .run_if(should_run_frame_loop)
                    .distributive_run_if(runtime_here)
                    .in_set(XrRenderSystems::PostRender),
            )
            .insert_resource(OxrRenderLayers(vec![Box::new(ProjectionLayer)]));
    }
}

/// Once the runtime is gone, the crate's frame loop stops for good, before anything else of
/// the frame calls into it; `xr.rs` then carries the session on in the window.
fn stop_when_gone(
    gone: Res<RuntimeGone>,
    started: Option<ResMut<OxrSessionStarted>>,
    state: Option<ResMut<XrState>>,
    mut commands: Commands,
) {
    if gone.reason().is_none() {
        return;
    }
    if let Some(mut started) = started
        && started.0
    {
        started.0 = false;
    }
    if let Some(mut state) = state
        && *state != XrState::Unavailable
    {
        *state = XrState::Unavailable;
        // Frames are timed by the window from now on, not by the dead runtime's clock.
        commands.remove_resource::<OxrFrameState>();
    }
}

fn wait_frame(mut waiter: ResMut<OxrFrameWaiter>, gone: Res<RuntimeGone>, mut commands: Commands) {
    match waiter.0.wait() {
        Ok(frame) => commands.insert_resource(OxrFrameState(frame)),
        Err(e) => gone.lose("xrWaitFrame", e),
    }
}

fn begin_frame(mut stream: ResMut<OxrFrameStream>, gone: Res<RuntimeGone>) {
    if let Err(e) = stream.begin() {
        gone.lose("xrBeginFrame", e);
    }
}

/// # Safety (as the crate's `insert_texture_views`)
/// The image inserted here is not written to until [`wait_image`] has run.
fn acquire_image(
    images: Res<OxrSwapchainImages>,
    mut swapchain: ResMut<OxrSwapchain>,
    mut views: ResMut<ManualTextureViews>,
    config: Res<OxrCurrentSessionConfig>,
    frame: Res<OxrFrameState>,
    gone: Res<RuntimeGone>,
) {
    if !frame.should_render {
        return;
    }
    let index = match swapchain.acquire_image() {
        Ok(i) => i,
        Err(e) => return gone.lose("xrAcquireSwapchainImage", e),
    };
    let Some(image) = images.get(index as usize) else {
        return gone.lose("xrAcquireSwapchainImage", "an image index out of range");
    };
    for eye in 0..2 {
        add_texture_view(&mut views, image, &config, eye);
    }
}

fn wait_image(
    mut swapchain: ResMut<OxrSwapchain>,
    frame: Res<OxrFrameState>,
    gone: Res<RuntimeGone>,
) {
    if frame.should_render
        && let Err(e) = swapchain.wait_image(openxr::Duration::INFINITE)
    {
        gone.lose("xrWaitSwapchainImage", e);
    }
}

fn release_image(
    mut swapchain: ResMut<OxrSwapchain>,
    frame: Res<OxrFrameState>,
    gone: Res<RuntimeGone>,
) {
    if frame.should_render
        && let Err(e) = swapchain.release_image()
    {
        gone.lose("xrReleaseSwapchainImage", e);
    }
}
