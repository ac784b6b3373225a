//! Respite: calm, living places for pain distraction, in a headset or on a screen.
//!
//! `main` parses the command line and hands a [`RunOptions`] to [`build_app`]; everything
//! the App shows is built from the scene spec by the feature plugins below.

pub mod audio;
pub mod bench;
pub mod display;
mod environment;
pub mod screenshot;
pub mod session;
pub mod walking;

use bevy::prelude::*;
use display::{DisplayChoice, DisplayError, DisplayReport, WindowSpec};
use respite_core::SceneDef;
use std::time::Duration;

/// The scene this run shows.
#[derive(Resource, Clone, Debug)]
pub struct ActiveScene {
    pub name: String,
    pub def: SceneDef,
}

/// Everything a run needs, decided before the App is built.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub scene_name: String,
    pub scene: SceneDef,
    pub display: DisplayChoice,
    /// Minutes in the place before the closing fade; `None` runs until the window closes.
    pub minutes: Option<f32>,
    pub window_size: (u32, u32),
    pub screenshot: Option<screenshot::ScreenshotJob>,
    /// Measure frames instead of showing them to a person (`respite bench`).
    pub bench: Option<bench::BenchJob>,
    /// Write head pose and frame samples into this folder, as a session does.
    pub samples: Option<std::path::PathBuf>,
    /// Bevy's bare 3D scene (one light, one plane, one cube) instead of the scene: the
    /// bench's yardstick.
    pub bare: bool,
    /// The soundscape's level for this room; `None` plays no sound (screenshots, silent scenes).
    pub sound: Option<audio::SoundPlan>,
    /// How a walking scene walks (its body, session number, pace).
    pub walk: walking::WalkSettings,
    /// Where the session's record goes (events, head pose, frame times).
    pub record: Option<std::path::PathBuf>,
}

/// Builds the App for a run, or says why the demanded display cannot run.
pub fn build_app(opts: RunOptions) -> Result<(App, DisplayReport), DisplayError> {
    let mut app = App::new();
    let window = WindowSpec {
        title: format!("Respite: {}", opts.scene_name),
        size: opts.window_size,
        vsync: opts.bench.is_none(),
    };
    let report = match opts.bench.as_ref().and_then(|b| b.offscreen_eye) {
        Some(eye) => {
            display::add_offscreen(&mut app, &opts.scene.viewpoint, eye);
            DisplayReport::offscreen()
        }
        None => display::add_display(&mut app, opts.display, &window, &opts.scene.viewpoint)?,
    };
    app.insert_resource(ActiveScene {
        name: opts.scene_name.clone(),
        def: opts.scene,
    })
    .insert_resource(session::RunSettings {
        limit: opts.minutes.map(|m| Duration::from_secs_f32(m * 60.0)),
        fade_in: opts.screenshot.is_none() && opts.bench.is_none(),
    });
    if let Some(folder) = opts.samples.clone().or(opts.record.clone()) {
        app.insert_resource(session::samples::SampleFolder(folder));
    }
    if let Some(folder) = opts.record.clone() {
        app.insert_resource(session::record::RecordFolder(folder));
    }
    app.add_plugins((session::plugin, audio::plugin));
    if opts.bare {
        app.add_plugins(bench::bare_scene);
    } else {
        app.add_plugins(environment::plugin)
            .add_systems(Last, bench::log_budget);
        if app.world().resource::<ActiveScene>().def.walk.is_some() {
            app.insert_resource(opts.walk.clone())
                .add_plugins(walking::plugin);
        }
    }
    if let Some(plan) = opts.sound {
        app.insert_resource(plan);
    }
    if let Some(job) = opts.bench {
        app.insert_resource(job).add_plugins(bench::plugin);
    }
    if let Some(job) = opts.screenshot {
        // A picture is a function of the frame, not of the machine's speed: every frame
        // advances scene time by exactly 1/60 s.
        app.insert_resource(job)
            .insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
                Duration::from_secs_f64(1.0 / 60.0),
            ))
            .add_plugins(screenshot::plugin);
    }
    Ok((app, report))
}
