//! The `respite` command: parses the command line, then either builds and runs the App or
//! runs a core command, one module per kind of command.

pub(crate) mod args;
pub(crate) mod bench;
pub(crate) mod program;
pub(crate) mod research;
pub(crate) mod run;
pub(crate) mod scenes;

pub(crate) use args::*;
pub(crate) use bench::*;
pub(crate) use research::*;
pub(crate) use run::*;
pub(crate) use scenes::*;

/// Why a command could not do its work: what to tell the user, and the exit code that says
/// so. Every failure of the command line is one; [`Fail::report`] is the one place that
/// prints it.
#[derive(Debug)]
pub(crate) struct Fail {
    code: u8,
    message: String,
}

impl Fail {
    /// Bad input (a flag, a file): exit 2.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self {
            code: BAD_INPUT,
            message: message.into(),
        }
    }

    /// A device the run demands is missing (headset, window system, microphone): exit 3.
    pub(crate) fn missing(message: impl Into<String>) -> Self {
        Self {
            code: DISPLAY_MISSING,
            message: message.into(),
        }
    }

    /// Anything else that went wrong: exit 1.
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }

    /// What went wrong, in words.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Says why on standard error and gives the exit code.
    pub(crate) fn report(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

use bevy::app::AppExit;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use respite::audio::SoundPlan;
use respite::display::DisplayChoice;
use respite::screenshot::ScreenshotJob;
use respite::session::RunSettings;
use respite::session::record::{RECORD_FAILED, RecordHealth};
use respite::walking::WalkSettings;
use respite::{RunOptions, build_app};
use respite_core::research::Protocol;
use respite_core::research::data::{SessionFiles, Sidecar};
use respite_core::session::{AudioStage, ImmersionLevel, ImmersionLevels, SessionPlan};
use respite_core::sound::mixer::render;
use respite_core::sound::{Mixer, Pose, ResolvedLevel, Room, SAMPLE_RATE, rms_dbfs, wav};
use respite_core::walk::{BodyProfile, WalkView};
use respite_core::{Catalog, SceneDef};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn main() -> ExitCode {
    let _ = respite::bench::PROCESS_START.set(std::time::Instant::now());
    // Session data is health data: every file and folder Respite makes is its owner's only.
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let matches = Cli::command().get_matches();
    if let Some(e) = run_flags_with_other_command(&matches) {
        return Fail::input(e.to_string()).report();
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let dir = scenes_dir(cli.scenes_dir);
    let levels = levels_file(cli.levels);
    let dir = (dir.as_path(), levels.as_path());
    // Sessions ask a study's questionnaires, plans check them, reports score them.
    if matches!(
        cli.command,
        None | Some(
            Command::Run(_) | Command::Plan(_) | Command::Report(_) | Command::Check { .. }
        )
    ) && let Err(e) = load_questionnaires(&questionnaires_dir(cli.questionnaires_dir))
    {
        let code = Fail::input(e).report();
        respite::log::flush(std::time::Duration::from_secs(2));
        return code;
    }
    let code = command(dir, cli.command, cli.run);
    // The log's last lines are written before the process goes (if standard error takes
    // them within two seconds).
    respite::log::flush(std::time::Duration::from_secs(2));
    code
}

pub(crate) fn command(
    dir: (&Path, &Path),
    command: Option<Command>,
    run_args: RunArgs,
) -> ExitCode {
    match command {
        None => run(dir, run_args, None),
        Some(Command::Run(args)) => run(dir, args, None),
        Some(Command::Levels) => list_levels(dir.1),
        Some(Command::Scenes) => list_scenes(dir.0),
        Some(Command::Check { files }) => check(dir, files),
        Some(Command::Soundscape(s)) => render_soundscape(dir.0, s),
        Some(Command::Breathing(b)) => scenes::breathing(b),
        Some(Command::Bench(b)) => bench(dir.0, b),
        Some(Command::BenchOne(b)) => bench_one(dir, b),
        Some(Command::Plan(p)) => plan(dir, p),
        Some(Command::Report(r)) => report(dir, r),
        Some(Command::Screenshot(s)) => run(
            dir,
            RunArgs {
                scene: s.scene,
                display: s.display,
                minutes: 10.0,
                size: s.size,
                level: s.level,
                participant: None,
                rate_every: 0.0,
                fms_every: None,
                fms_limit: 10,
                max_minutes: None,
                no_ratings: true,
                autopilot: None,
                time_scale: 1.0,
                room: RoomArgs::default(),
                walk: s.walk,
                record: None,
                protocol: None,
                plan: None,
                data: None,
                resume: false,
                program: None,
                date: None,
                repeat: false,
                markers: Vec::new(),
                lsl: false,
                breath: s.breath,
            },
            Some(ScreenshotJob {
                out: s.out,
                frames: s.frames,
                walk_at: s.walk_at,
                breath_at: s.breath_at,
            }),
        ),
    }
}

/// `--questionnaires-dir`, else `./questionnaires`, else the folder shipped beside the
/// source.
pub(crate) fn questionnaires_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        let here = PathBuf::from("questionnaires");
        if here.is_dir() {
            here
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires")
        }
    })
}

/// Reads every questionnaire file in `dir` and makes it known to sessions and reports
/// (the shipped SSQ, IPQ and FMS files are the built-in ones; a changed copy under their
/// code is refused, so a score never silently changes meaning).
pub(crate) fn load_questionnaires(dir: &Path) -> Result<(), String> {
    use respite_core::research::questionnaire::{self, Questionnaire};
    let specs = questionnaire::load_dir(dir).map_err(|e| e.to_string())?;
    for spec in specs {
        let code = spec.code.clone();
        Questionnaire::register(spec).map_err(|e| {
            format!(
                "{}: questionnaire '{code}': {e}",
                dir.join(format!("{code}.ron")).display()
            )
        })?;
    }
    Ok(())
}

/// `--levels`, else `./immersion.ron`, else the file shipped beside the source.
pub(crate) fn levels_file(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        let here = PathBuf::from("immersion.ron");
        if here.is_file() {
            here
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("immersion.ron")
        }
    })
}
