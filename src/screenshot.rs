//! `respite screenshot`: run the scene, let it settle, save one PNG and exit. The file is
//! written under a temporary name and renamed, so a reader never sees half a picture.

use crate::display::RenderReadiness;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::path::PathBuf;

/// Exit code when the picture could not be written.
pub const EXIT_WRITE_FAILED: u8 = 4;

#[derive(Resource, Clone, Debug)]
pub struct ScreenshotJob {
    pub out: PathBuf,
    /// Frames to render before capturing.
    pub frames: u32,
    /// In a walking scene, how many seconds the walk is under way when it starts.
    pub walk_at: f32,
    /// With a breath recording: how far into it the first frame is, in seconds.
    pub breath_at: f32,
}

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Update, capture_when_settled);
}

/// Captures once `frames` frames have passed and nothing is still compiling.
fn capture_when_settled(
    mut commands: Commands,
    job: Res<ScreenshotJob>,
    readiness: Res<RenderReadiness>,
    mut frames: Local<u32>,
    mut taken: Local<bool>,
) {
    *frames += 1;
    if *taken || *frames < job.frames || !readiness.is_settled() {
        return;
    }
    *taken = true;
    let out = job.out.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| match save_png(
            &captured.image,
            &out,
        ) {
            Ok(()) => {
                info!("screenshot: saved {}", out.display());
                exit.write(AppExit::Success);
            }
            Err(e) => {
                error!("screenshot: cannot write {}: {e}", out.display());
                exit.write(AppExit::from_code(EXIT_WRITE_FAILED));
            }
        },
    );
}

pub(crate) fn save_png(image: &Image, out: &std::path::Path) -> Result<(), String> {
    let rgb = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("unexpected image format: {e}"))?
        .to_rgb8();
    let tmp = out.with_extension("png.partial");
    rgb.save_with_format(&tmp, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, out).map_err(|e| e.to_string())
}
