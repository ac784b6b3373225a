//! Respite: calm, living places for pain distraction, in a headset or on a screen.
//!
//! `main` parses the command line and hands a [`RunOptions`] to [`build_app`]; everything
//! the App shows is built from the scene spec by the feature plugins below.

pub mod audio;
pub mod bench;
pub mod console;
pub mod display;
mod environment;
pub mod executors;
pub mod log;
pub(crate) mod meshkit;
pub mod pause;
pub mod place;
#[cfg(feature = "profile")]
pub mod profile;
pub mod screenshot;
pub mod session;
pub mod study;
pub mod walking;

use bevy::prelude::*;
use display::{DisplayChoice, DisplayError, DisplayReport, WindowSpec};
use respite_core::SceneDef;
use respite_core::session::ImmersionLevel;
use respite_core::session::event::SessionEvent;
use respite_core::session::script::Step;

/// The scene this run shows.
#[derive(Resource, Clone, Debug)]
pub struct ActiveScene {
    pub name: String,
    pub def: SceneDef,
}

/// What a run is for; the kinds exclude each other.
#[derive(Clone, Debug)]
pub enum Mode {
    /// A person in a place. With a record: where it goes (events, head pose, frame times)
    /// and what its `session.json` says.
    Session {
        record: Option<
            Box<(
                respite_core::research::data::SessionFiles,
                respite_core::research::data::Sidecar,
            )>,
        >,
    },
    /// One picture of the place, then exit (`respite screenshot`).
    Screenshot(screenshot::ScreenshotJob),
    /// Frames measured instead of shown to a person (`respite bench`), their head pose and
    /// timing written to `samples`; `bare`: Bevy's bare 3D scene (one light, one plane, one
    /// cube) instead of the scene, the bench's yardstick.
    Bench {
        job: bench::BenchJob,
        samples: respite_core::research::data::SessionFiles,
        bare: bool,
    },
}

impl Mode {
    fn bench(&self) -> Option<&bench::BenchJob> {
        match self {
            Mode::Bench { job, .. } => Some(job),
            _ => None,
        }
    }

    fn record(
        &self,
    ) -> Option<&(
        respite_core::research::data::SessionFiles,
        respite_core::research::data::Sidecar,
    )> {
        match self {
            Mode::Session { record } => record.as_deref(),
            _ => None,
        }
    }
}

/// Everything a run needs, decided before the App is built.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub scene_name: String,
    pub scene: SceneDef,
    pub display: DisplayChoice,
    /// The session's plan and shape (or straight into the place, for pictures and the bench).
    pub session: session::RunSettings,
    /// The immersion level, with any overrides applied (the scene is already fitted to it).
    pub level: ImmersionLevel,
    /// The participant's ID (letters and digits), for the record and the console.
    pub participant: Option<String>,
    /// Every scene and level a session may start or change to.
    pub choices: place::Choices,
    /// The command line this run came from (after the program name): a restart with other
    /// picks reuses it.
    pub launch_args: Vec<String>,
    /// A scripted patient and therapist (tests, demonstrations).
    pub autopilot: Option<Vec<Step>>,
    /// Scene time runs this many times faster than real time (tests, demonstrations); fades,
    /// gaze dwell and the emergency stop keep real time.
    pub time_scale: f32,
    pub window_size: (u32, u32),
    /// What the run is for: a session, a picture, or a measurement.
    pub mode: Mode,
    /// The soundscape's level for this room; `None` plays no sound (screenshots, silent scenes).
    pub sound: Option<audio::SoundPlan>,
    /// How a walking scene walks (its body, session number, pace).
    pub walk: walking::WalkSettings,
    /// Markers from other devices: standard input, a local UDP port.
    pub markers: session::markers::MarkerInputs,
    /// The patient's breath, heard through a microphone or from a recording (off by default).
    pub breath: session::breath::BreathInput,
    /// `--lsl`: the session's Lab Streaming Layer outlets (off by default).
    pub lsl: session::lsl::LslConfig,
    /// In a study or a program: a line saying which session this is, for the console.
    pub study: Option<String>,
    /// In a program: the session's modules, run in the place.
    pub course: Option<session::course::CourseRun>,
}

/// Builds the App for a run, or says why the demanded display cannot run.
pub fn build_app(opts: RunOptions) -> Result<(App, DisplayReport), DisplayError> {
    let mut app = App::new();
    // Read by the display's plugins as they are added.
    app.insert_resource(display::ViewSettings {
        stereo: opts.level.stereo,
        fov_deg: opts.level.fov_deg,
    });
    let window = WindowSpec {
        title: format!("Respite: {}", opts.scene_name),
        size: opts.window_size,
        vsync: opts.mode.bench().is_none(),
    };
    let report = match opts.mode.bench().and_then(|b| b.offscreen_eye) {
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
    .insert_resource(opts.session.clone());
    let samples = match &opts.mode {
        Mode::Bench { samples, .. } => Some(samples.clone()),
        _ => opts.mode.record().map(|r| r.0.clone()),
    };
    if let Some(folder) = samples {
        app.insert_resource(session::samples::SampleFolder(folder));
    }
    if let Some((files, sidecar)) = opts.mode.record().cloned() {
        app.insert_resource(session::record::RecordFolder(files))
            .insert_resource(session::record::SessionSidecar(sidecar));
    }
    if let Mode::Screenshot(job) = &opts.mode {
        // A picture is a function of the frame, not of the machine's speed: every frame
        // advances scene time by exactly 1/60 s. (Before the session's plugins: a breath
        // recording is then heard at the picture's clock.)
        app.insert_resource(job.clone()).insert_resource(
            bevy::time::TimeUpdateStrategy::ManualDuration(std::time::Duration::from_secs_f64(
                1.0 / 60.0,
            )),
        );
    }
    if let Some(course) = &opts.course {
        app.insert_resource(course.clone());
    }
    app.insert_resource(opts.markers.clone())
        .insert_resource(opts.lsl.clone())
        .insert_resource(opts.breath.clone());
    if let Some(steps) = opts.autopilot.clone() {
        app.insert_resource(session::autopilot::Autopilot::new(steps));
    }
    app.insert_resource(place::CurrentLevel(opts.level.clone()))
        .insert_resource(opts.choices.clone())
        .add_plugins((pause::plugin, session::plugin, audio::plugin));
    if !opts.session.show_only {
        app.insert_resource(console::ConsoleInfo {
            participant: opts.participant.clone(),
            level: opts.level.clone(),
            scenes: opts.choices.scenes.iter().map(|s| s.name.clone()).collect(),
            levels: opts.choices.levels.iter().map(|l| l.name.clone()).collect(),
            study: opts.study.clone(),
        })
        .insert_resource(session::LaunchArgs(opts.launch_args.clone()))
        .add_plugins(console::plugin);
        let plan = &opts.session.plan;
        let start = SessionEvent::SessionStart {
            participant: opts.participant.clone(),
            scene: opts.scene_name.clone(),
            minutes: plan.minutes,
            ratings: opts.session.ratings,
            rate_every_min: plan.rate_every_min,
            fms_every_min: plan.fms_every_min,
            fms_pause_at: plan.fms_pause_at,
            max_minutes: plan.max_minutes,
            time_scale: opts.time_scale,
        };
        let level = SessionEvent::immersion(&opts.level);
        let done = &opts.session.done;
        let resumed = done.resumed.then_some(SessionEvent::SessionResumed {
            answered_before: done.answered.len(),
            place_done: done.place,
        });
        // In a program: where this sitting stands in the course, after its start.
        let course = opts
            .course
            .as_ref()
            .map(|c| c.start_events.clone())
            .unwrap_or_default();
        app.add_systems(
            Startup,
            move |mut records: MessageWriter<session::Record>,
                  report: Option<Res<DisplayReport>>| {
                records.write(session::Record(start.clone()));
                records.write(session::Record(level.clone()));
                if let Some(r) = &resumed {
                    records.write(session::Record(r.clone()));
                }
                for e in &course {
                    records.write(session::Record(e.clone()));
                }
                if let Some(r) = report {
                    records.write(session::Record(SessionEvent::Display {
                        requested: r.requested.to_string(),
                        active: r.active,
                        runtime: r.runtime.clone(),
                        fallback: r.fallback_reason.clone().unwrap_or_default(),
                    }));
                }
            },
        );
    }
    if opts.time_scale != 1.0 {
        let scale = opts.time_scale;
        app.add_systems(Startup, move |mut time: ResMut<Time<Virtual>>| {
            time.set_relative_speed(scale);
        });
    }
    if matches!(opts.mode, Mode::Bench { bare: true, .. }) {
        app.add_plugins(bench::bare_scene);
    } else {
        app.insert_resource(environment::Interactivity(opts.level.interactive))
            .add_plugins((environment::plugin, place::plugin))
            .add_systems(Last, bench::log_budget);
        // Every place may walk: a session can change to a walking scene.
        app.insert_resource(opts.walk.clone())
            .add_plugins(walking::plugin);
    }
    if let Some(plan) = opts.sound {
        app.insert_resource(plan);
    }
    if let Mode::Bench { job, .. } = &opts.mode {
        if let Some(step) = job.frame_step_s {
            app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
                std::time::Duration::from_secs_f64(step),
            ));
        }
        app.insert_resource(job.clone()).add_plugins(bench::plugin);
    }
    if let Mode::Screenshot(_) = opts.mode {
        app.add_plugins(screenshot::plugin);
    }
    app.add_plugins(executors::ExecutorPlugin);
    Ok((app, report))
}
