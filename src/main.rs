//! The `respite` command: parses the command line, then either builds and runs the App or
//! runs a core command. Exit codes: 0 done, 2 bad input, 3 a demanded device (headset,
//! window system, microphone) is missing, 4 a screenshot could not be written.

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

const BAD_INPUT: u8 = 2;
const DISPLAY_MISSING: u8 = 3;

#[derive(Parser)]
#[command(
    name = "respite",
    version,
    about = "Calm, living places for pain distraction, in a VR headset or on a screen.",
    long_about = "Calm, living places for pain distraction, in a VR headset or on a screen.\n\n\
                  With no command, `respite` runs the default scene with --display auto: the \
                  headset when one answers, else this screen with a notice."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
    /// Folder of scene files [default: ./scenes, else the one shipped with the source]
    #[arg(long, global = true, env = "RESPITE_SCENES", value_name = "DIR")]
    scenes_dir: Option<PathBuf>,
    /// The immersion levels file [default: ./immersion.ron, else the one shipped with the source]
    #[arg(long, global = true, env = "RESPITE_LEVELS", value_name = "FILE.ron")]
    levels: Option<PathBuf>,
    /// Folder of questionnaire files (the SSQ, IPQ and FMS ship inside the program; a
    /// study's own, e.g. pcs.ron, are read from here) [default: ./questionnaires, else the
    /// one shipped with the source]
    #[arg(
        long,
        global = true,
        env = "RESPITE_QUESTIONNAIRES",
        value_name = "DIR"
    )]
    questionnaires_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Open a scene in the headset or a window (the default command).
    Run(RunArgs),
    /// List the scenes with their one-line descriptions.
    Scenes,
    /// Validate scene files (every file in the scenes folder when none are given).
    Check {
        /// Scene files to check.
        files: Vec<PathBuf>,
    },
    /// List the immersion levels and their parameters.
    Levels,
    /// Open a scene in a window, let it settle, save one PNG and exit.
    Screenshot(ScreenshotArgs),
    /// Render a scene's soundscape, as heard from the seat, to a WAV file.
    Soundscape(SoundscapeArgs),
    /// Measure frame times, triangles and draw batches of scenes next to Bevy's bare 3D scene.
    Bench(BenchArgs),
    /// Deal a study protocol's condition orders to participants (counterbalanced, the same
    /// bytes for a seed on any machine).
    Plan(PlanArgs),
    /// Read a data folder's sessions: tables with their data dictionary and REDCap files, the
    /// protocol's contrasts and the cross-over analysis, the pain time course, plots, the
    /// analysis scripts, and optionally a BIDS export and a blinded version.
    Report(ReportArgs),
    /// One scene's measurement, run by `bench` in a process of its own.
    #[command(hide = true)]
    BenchOne(BenchOneArgs),
}

#[derive(Args)]
struct PlanArgs {
    /// The protocol file (protocols/*.ron).
    protocol: PathBuf,
    /// How many participants (P01, P02, …), or their IDs separated by commas
    /// [default: the protocol's number]
    #[arg(long, value_name = "N|ID,ID,…")]
    participants: Option<String>,
    /// The seed [default: the protocol's]
    #[arg(long)]
    seed: Option<u64>,
    /// Write the plan here instead of to standard output.
    #[arg(long, value_name = "FILE.tsv")]
    out: Option<PathBuf>,
    /// Also draw the study's blinding masks (X1, X2, …) from OS randomness and write the
    /// key here, kept from the assessor; `report --blind --key FILE` reads it back. An
    /// existing key is never overwritten.
    #[arg(long, value_name = "FILE.tsv")]
    blind_key: Option<PathBuf>,
}

#[derive(Args)]
struct ReportArgs {
    /// The data folder (holding sub-*/ses-*/).
    data: PathBuf,
    /// Where the tables, report.md and the PNG plots go.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Mask conditions for a blinded assessor: masks from the study's key (--key), drawn
    /// and written there if it does not exist yet; every field that would tell the
    /// conditions apart is masked or left out.
    #[arg(long)]
    blind: bool,
    /// The study's blinding key [default: <out>-key.tsv, beside the report, not in it]
    #[arg(long, value_name = "FILE.tsv", requires = "blind")]
    key: Option<PathBuf>,
    /// Also write a BIDS dataset (participants.tsv, events, motion, answers) here.
    #[arg(long, value_name = "DIR")]
    bids: Option<PathBuf>,
}

/// Where the bench draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BenchDisplay {
    /// A window at --size (needs a window system; under xvfb-run, Mesa's software renderer).
    Flat,
    /// Two headset-sized eye views (--eye-size each) rendered to textures, no window.
    OffscreenXr,
}

#[derive(Args)]
struct BenchArgs {
    /// One scene to measure.
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    scene: Option<String>,
    /// Every scene in the scenes folder.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    how: BenchHow,
    /// Also write the figures as TSV to this file.
    #[arg(long, value_name = "FILE.tsv")]
    out: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct BenchHow {
    /// Frames to measure per scene, after the warm-up.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(10..=100_000))]
    frames: u32,
    /// Frames to run first, once every pipeline has compiled, unmeasured.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    warmup: u32,
    #[arg(long, value_enum, default_value_t = BenchDisplay::Flat)]
    display: BenchDisplay,
    /// Window size for `flat`, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    /// Size of each eye view for `offscreen-xr`, WIDTHxHEIGHT (a Quest 3's by default).
    #[arg(long, default_value = "2064x2208", value_parser = parse_size)]
    eye_size: (u32, u32),
    /// Preload the place behind the neutral before the switch to it (sessions do not yet):
    /// shows what a preload saves in the switch hitch, and what it costs afterwards.
    #[arg(long)]
    preload: bool,
}

#[derive(Args)]
struct BenchOneArgs {
    #[arg(long)]
    scene: String,
    #[command(flatten)]
    how: BenchHow,
    #[arg(long)]
    report: PathBuf,
    #[arg(long)]
    samples: PathBuf,
}

/// The room's noise: a number read on a sound level meter, or `measure`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ambient {
    Db(f32),
    Measure,
}

/// The room, for soundscapes that play a set number of dB above its noise.
#[derive(Args, Clone, Default)]
struct RoomArgs {
    /// The room's noise level, dB SPL (as read on a sound level meter), or `measure` to
    /// listen for 3 s with the default input device (needs --mic-db).
    #[arg(long, value_name = "DB_SPL|measure", value_parser = parse_ambient, requires = "headphones_db")]
    ambient_db: Option<Ambient>,
    /// The microphone's calibration for `--ambient-db measure`: the dB SPL that reads as
    /// 0 dBFS RMS on it.
    #[arg(long, value_name = "DB_SPL", value_parser = parse_headphones)]
    mic_db: Option<f32>,
    /// What the headphones play for a full-scale (0 dBFS RMS) signal, dB SPL: their calibration.
    #[arg(long, value_name = "DB_SPL", value_parser = parse_headphones, requires = "ambient_db")]
    headphones_db: Option<f32>,
    /// How loud the soundscape plays: `fixed` (the scene's level) or `above-ambient:DB` (DB
    /// above the room's noise, 0–20; needs --ambient-db and --headphones-db) [default: the
    /// scene's own level mode; under --protocol, the condition's]
    #[arg(long, value_name = "fixed|above-ambient:DB", value_parser = parse_sound_level)]
    sound_level: Option<respite_core::scene::LevelMode>,
}

/// Why the room's level could not be had: bad flags (exit 2) or no microphone (exit 3).
enum RoomError {
    Input(String),
    Device(String),
}

impl RoomArgs {
    /// The room as given, measuring it first when asked to.
    fn room(&self) -> Result<Option<Room>, RoomError> {
        let (Some(ambient), Some(headphones)) = (self.ambient_db, self.headphones_db) else {
            return Ok(None);
        };
        let ambient_db_spl = match ambient {
            Ambient::Db(db) => db,
            Ambient::Measure => {
                let mic = self.mic_db.ok_or_else(|| {
                    RoomError::Input(
                        "--ambient-db measure needs --mic-db (the microphone's calibration)".into(),
                    )
                })?;
                eprintln!(
                    "measuring the room's noise for {} s; please keep quiet…",
                    respite::audio::room::MEASURE_S
                );
                let db = respite::audio::room::measure_ambient(mic).map_err(|e| {
                    RoomError::Device(format!("--ambient-db measure: {e}; enter the room's level instead, e.g. --ambient-db 45"))
                })?;
                eprintln!("the room measures {db:.1} dB SPL");
                db
            }
        };
        Ok(Some(Room {
            ambient_db_spl,
            headphones_db_spl: headphones,
        }))
    }
}

/// Resolves the soundscape's level for this room, or prints why not and gives the exit code.
fn resolve_level(
    scene: &str,
    sound: &respite_core::scene::Soundscape,
    room: &RoomArgs,
) -> Result<ResolvedLevel, ExitCode> {
    let room_args_mode = room.sound_level;
    let room = room.room().map_err(|e| match e {
        RoomError::Input(m) => {
            eprintln!("error: {m}");
            ExitCode::from(BAD_INPUT)
        }
        RoomError::Device(m) => {
            eprintln!("error: {m}");
            ExitCode::from(DISPLAY_MISSING)
        }
    })?;
    let mut sound = sound.clone();
    if let Some(mode) = room_args_mode {
        sound.level_mode = mode;
    }
    ResolvedLevel::resolve(&sound, room).map_err(|e| {
        eprintln!("error: scene '{scene}': {e}");
        ExitCode::from(BAD_INPUT)
    })
}

#[derive(Args)]
struct SoundscapeArgs {
    /// Scene whose soundscape to render.
    #[arg(long)]
    scene: String,
    /// Length in seconds, including the 3 s fades in and out.
    #[arg(long, value_parser = parse_seconds)]
    seconds: f32,
    /// WAV file to write (16-bit stereo, 48 kHz).
    #[arg(long, value_name = "FILE.wav")]
    out: PathBuf,
    /// Seed for every random choice in the sound [default: the scene's seed].
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    room: RoomArgs,
}

#[derive(Args, Clone)]
struct RunArgs {
    /// Scene to show (a file name in the scenes folder, without .ron).
    #[arg(long, default_value = "forest_glade")]
    scene: String,
    /// Where to show it: the headset (xr), a window (flat), or the headset if one answers (auto).
    #[arg(long, value_enum, default_value_t = DisplayChoice::Auto, conflicts_with = "protocol")]
    display: DisplayChoice,
    /// Minutes in the place, between the baseline and the post rating.
    #[arg(long, default_value_t = 10.0, value_parser = parse_minutes)]
    minutes: f32,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    #[command(flatten)]
    level: LevelArgs,
    /// The participant's ID, letters and digits only (no names): it goes into the record,
    /// which is kept under data/sub-<ID>/ses-<n>/ (--data for another folder) unless
    /// --record says where.
    #[arg(long, value_name = "ID", value_parser = parse_participant)]
    participant: Option<String>,
    /// A pain rating every this many minutes in the place (0: none between baseline and post).
    #[arg(long, value_name = "MIN", default_value_t = 5.0, value_parser = parse_every)]
    rate_every: f32,
    /// A sickness check (FMS 0–20) every this many minutes [default: none].
    #[arg(long, value_name = "MIN", value_parser = parse_every)]
    fms_every: Option<f32>,
    /// An FMS answer at or above this pauses the session and asks the therapist.
    #[arg(long, value_name = "0-20", default_value_t = 10, value_parser = clap::value_parser!(u8).range(1..=20))]
    fms_limit: u8,
    /// The most the time in the place may last, pauses included [default: --minutes + 10].
    #[arg(long, value_name = "MIN", value_parser = parse_minutes)]
    max_minutes: Option<f32>,
    /// No ratings: calibrate, the place, the closing, done.
    #[arg(long)]
    no_ratings: bool,
    /// Drive the session from a script (tests and demonstrations).
    #[arg(long, value_name = "FILE.ron", hide = true)]
    autopilot: Option<PathBuf>,
    /// Run scene time this many times faster (tests and demonstrations).
    #[arg(long, default_value_t = 1.0, hide = true, value_parser = parse_time_scale)]
    time_scale: f32,
    #[command(flatten)]
    room: RoomArgs,
    #[command(flatten)]
    walk: WalkArgs,
    /// Keep this session's record here: events.tsv (every phase, rating, marker, walk mark,
    /// written and synced as it happens), motion.tsv (head pose), frames.tsv, session.json.
    #[arg(long, value_name = "DIR", conflicts_with = "protocol")]
    record: Option<PathBuf>,
    /// Run this participant's next session of a study protocol: its scene, display,
    /// immersion level, minutes, ratings and questionnaires come from the protocol and plan.
    #[arg(long, value_name = "FILE.ron", requires = "participant")]
    protocol: Option<PathBuf>,
    /// The plan to follow (from `respite plan`) [default: the protocol's own, from its seed]
    #[arg(long, value_name = "FILE.tsv", requires = "protocol")]
    plan: Option<PathBuf>,
    /// The data folder [default: data/<study> with --protocol, else data]
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Continue an interrupted session from its last completed step.
    #[arg(long, requires = "protocol")]
    resume: bool,
    /// Take markers from other devices: `stdin` (one per line) or `udp:PORT` (127.0.0.1
    /// only; port 0 picks a free one); repeatable.
    #[arg(long, value_name = "stdin|udp:PORT", value_parser = parse_marker_input)]
    markers: Vec<MarkerInput>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum MarkerInput {
    Stdin,
    Udp(u16),
}

fn parse_marker_input(s: &str) -> Result<MarkerInput, String> {
    match s {
        "stdin" => Ok(MarkerInput::Stdin),
        _ => s
            .strip_prefix("udp:")
            .and_then(|p| p.parse().ok())
            .map(MarkerInput::Udp)
            .ok_or_else(|| format!("'{s}': use stdin or udp:PORT")),
    }
}

/// Which immersion level, and any of its fields changed for this run.
#[derive(Args, Clone, Default)]
struct LevelArgs {
    /// Immersion level (see `respite levels`) [default: the levels file's default]
    #[arg(long, value_name = "LEVEL")]
    immersion: Option<String>,
    /// Change one field of the level for this run, KEY=VALUE (e.g. fov_deg=80, stereo=mono,
    /// motion=0.5, audio=plain, interactive=on, body=off, walk_vignette=0.3); repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    level_set: Vec<String>,
}

fn parse_participant(s: &str) -> Result<String, String> {
    if respite_core::research::protocol::is_participant_id(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not an ID: use 1 to 32 letters and digits only, with at least one \
             digit (P01, 1042; no names, spaces or dashes)"
        ))
    }
}

/// An interval between questions: 0 for none, else the range a protocol file may give.
fn parse_every(s: &str) -> Result<f32, String> {
    let range = respite_core::session::EVERY_MIN;
    let m = parse_in(s, 0.0, *range.end(), "minutes")?;
    if m == 0.0 || range.contains(&m) {
        Ok(m)
    } else {
        Err(format!(
            "{m} minutes: use 0 (none) or {} to {} minutes",
            range.start(),
            range.end()
        ))
    }
}

fn parse_time_scale(s: &str) -> Result<f32, String> {
    parse_in(s, 0.1, 100.0, "")
}

/// How a walking scene walks. Ignored, with a warning, by scenes without a path.
#[derive(Args, Clone, Default)]
struct WalkArgs {
    /// The patient's body profile (RON: height_m, build, skin, shirt, trousers, shoes,
    /// legwear) [default: 1.70 m, neutral build]
    #[arg(long, value_name = "FILE.ron")]
    body: Option<PathBuf>,
    /// Which session of a course this is: graded walking goals grow with it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    walk_session: u32,
    /// Walking pace in m/s, 0.3–1.4 [default: the scene's]
    #[arg(long, value_name = "M_S", value_parser = parse_speed)]
    speed: Option<f32>,
    /// Strength of the comfort vignette while walking, 0–1 [default: the scene's]
    #[arg(long, value_parser = parse_unit)]
    vignette: Option<f32>,
    /// See the walk from one's own eyes or from behind the walker [default: the scene's]
    #[arg(long, value_enum)]
    view: Option<ViewArg>,
    /// Tilt of the screen camera in degrees, −70–15; negative looks down [default: the scene's]
    #[arg(long, value_name = "DEG", allow_hyphen_values = true, value_parser = parse_pitch)]
    pitch: Option<f32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ViewArg {
    FirstPerson,
    ThirdPerson,
}

fn parse_speed(s: &str) -> Result<f32, String> {
    parse_in(s, 0.3, 1.4, "m/s")
}

fn parse_unit(s: &str) -> Result<f32, String> {
    parse_in(s, 0.0, 1.0, "")
}

fn parse_pitch(s: &str) -> Result<f32, String> {
    parse_in(s, -70.0, 15.0, "degrees")
}

#[derive(Args)]
struct ScreenshotArgs {
    /// Scene to picture.
    #[arg(long)]
    scene: String,
    /// PNG file to write.
    #[arg(long, value_name = "FILE.png")]
    out: PathBuf,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    /// Frames to render before capturing.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    frames: u32,
    /// Display to picture through; `auto` shows what a run without a headset shows.
    #[arg(long, value_enum, default_value_t = DisplayChoice::Flat)]
    display: DisplayChoice,
    #[command(flatten)]
    walk: WalkArgs,
    #[command(flatten)]
    level: LevelArgs,
    /// In a walking scene, picture the walk this many seconds under way.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_walk_at)]
    walk_at: f32,
}

fn parse_walk_at(s: &str) -> Result<f32, String> {
    parse_in(s, 0.0, 7200.0, "seconds")
}

fn parse_minutes(s: &str) -> Result<f32, String> {
    match parse_in(s, 0.0, 120.0, "minutes")? {
        0.0 => Err("a run needs more than 0 minutes".into()),
        m => Ok(m),
    }
}

fn parse_in(s: &str, lo: f32, hi: f32, what: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside {lo} to {hi} {what}"))
    }
}

fn parse_ambient(s: &str) -> Result<Ambient, String> {
    if s == "measure" {
        Ok(Ambient::Measure)
    } else {
        parse_in(s, 20.0, 100.0, "dB SPL").map(Ambient::Db)
    }
}

fn parse_sound_level(s: &str) -> Result<respite_core::scene::LevelMode, String> {
    use respite_core::scene::LevelMode;
    match s {
        "fixed" => Ok(LevelMode::Fixed),
        _ => match s.strip_prefix("above-ambient:") {
            Some(db) => Ok(LevelMode::AboveAmbient {
                db: parse_in(db, 0.0, 20.0, "dB")?,
            }),
            None => Err(format!(
                "'{s}': use fixed or above-ambient:DB (e.g. above-ambient:5)"
            )),
        },
    }
}

fn parse_headphones(s: &str) -> Result<f32, String> {
    parse_in(s, 60.0, 140.0, "dB SPL")
}

fn parse_seconds(s: &str) -> Result<f32, String> {
    // At least the two 3 s fades.
    parse_in(s, 6.0, 3_600.0, "seconds")
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("'{s}' is not WIDTHxHEIGHT, like 1280x720");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if (160..=7680).contains(&w) && (120..=4320).contains(&h) {
        Ok((w, h))
    } else {
        Err(format!("{w}x{h} is outside 160x120 to 7680x4320"))
    }
}

/// `--scenes-dir`, else `./scenes`, else the folder shipped beside the source.
fn scenes_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        let here = PathBuf::from("scenes");
        if here.is_dir() {
            here
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")
        }
    })
}

/// Flags of `run` given before another command would be silently ignored: refuse them.
fn run_flags_with_other_command(matches: &clap::ArgMatches) -> Option<String> {
    matches.subcommand_name().filter(|name| *name != "run")?;
    [
        "scene",
        "display",
        "protocol",
        "plan",
        "data",
        "resume",
        "markers",
        "minutes",
        "size",
        "ambient_db",
        "headphones_db",
        "sound_level",
        "body",
        "walk_session",
        "speed",
        "vignette",
        "view",
        "pitch",
        "record",
        "immersion",
        "level_set",
        "participant",
        "rate_every",
        "fms_every",
        "fms_limit",
        "max_minutes",
        "no_ratings",
        "autopilot",
        "time_scale",
    ]
    .into_iter()
    .find(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
    .map(|id| {
        format!(
            "--{} goes with `run` (or no command), not with `{}`",
            id.replace('_', "-"),
            matches.subcommand_name().unwrap_or("")
        )
    })
}

fn main() -> ExitCode {
    let _ = respite::bench::PROCESS_START.set(std::time::Instant::now());
    // Session data is health data: every file and folder Respite makes is its owner's only.
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let matches = Cli::command().get_matches();
    if let Some(e) = run_flags_with_other_command(&matches) {
        eprintln!("error: {e}");
        return ExitCode::from(BAD_INPUT);
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
        eprintln!("error: {e}");
        respite::log::flush(std::time::Duration::from_secs(2));
        return ExitCode::from(BAD_INPUT);
    }
    let code = command(dir, cli.command, cli.run);
    // The log's last lines are written before the process goes (if standard error takes
    // them within two seconds).
    respite::log::flush(std::time::Duration::from_secs(2));
    code
}

fn command(dir: (&Path, &Path), command: Option<Command>, run_args: RunArgs) -> ExitCode {
    match command {
        None => run(dir, run_args, None),
        Some(Command::Run(args)) => run(dir, args, None),
        Some(Command::Levels) => list_levels(dir.1),
        Some(Command::Scenes) => list_scenes(dir.0),
        Some(Command::Check { files }) => check(dir.0, files),
        Some(Command::Soundscape(s)) => render_soundscape(dir.0, s),
        Some(Command::Bench(b)) => bench(dir.0, b),
        Some(Command::BenchOne(b)) => bench_one(dir, b),
        Some(Command::Plan(p)) => plan(dir, p),
        Some(Command::Report(r)) => report(r),
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
                markers: Vec::new(),
            },
            Some(ScreenshotJob {
                out: s.out,
                frames: s.frames,
                walk_at: s.walk_at,
            }),
        ),
    }
}

/// `--questionnaires-dir`, else `./questionnaires`, else the folder shipped beside the
/// source.
fn questionnaires_dir(flag: Option<PathBuf>) -> PathBuf {
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
fn load_questionnaires(dir: &Path) -> Result<(), String> {
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
fn levels_file(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        let here = PathBuf::from("immersion.ron");
        if here.is_file() {
            here
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("immersion.ron")
        }
    })
}

/// The immersion level asked for, with its overrides, or the exit code after saying why not.
/// The level the flags (or, with `from`, a protocol's condition) ask for; an error names
/// where the choice came from.
fn resolve_immersion(
    file: &Path,
    args: &LevelArgs,
    from: Option<&str>,
) -> Result<ImmersionLevel, ExitCode> {
    let levels = ImmersionLevels::load(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(BAD_INPUT)
    })?;
    let mut level = levels.get(args.immersion.as_deref()).map_err(|e| {
        match from {
            Some(f) => eprintln!("error: {f}: immersion: {e}"),
            None => eprintln!("error: --immersion: {e}"),
        }
        ExitCode::from(BAD_INPUT)
    })?;
    for o in &args.level_set {
        level.set(o).map_err(|e| {
            match from {
                Some(f) => eprintln!("error: {f}: level_set \"{o}\": {e}"),
                None => eprintln!("error: --level-set {o}: {e}"),
            }
            ExitCode::from(BAD_INPUT)
        })?;
    }
    Ok(level)
}

fn list_levels(file: &Path) -> ExitCode {
    let levels = match ImmersionLevels::load(file) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let mut tsv = String::from(
        "level\tfov_deg\tstereo\tmotion\taudio\tinteractive\tbody\twalk_vignette\tdescription\n",
    );
    for l in &levels.levels {
        tsv += &format!(
            "{}{}\t{}\t{:?}\t{}\t{:?}\t{}\t{}\t{}\t{}\n",
            l.name,
            if l.name == levels.default { "*" } else { "" },
            l.fov_deg,
            l.stereo,
            l.motion,
            l.audio,
            l.interactive,
            l.body,
            l.walk_vignette,
            l.description
        );
    }
    print_table(&tsv);
    println!("* the default; change a field for one run with --level-set KEY=VALUE");
    ExitCode::SUCCESS
}

/// Every scene's and level's name.
fn names(dir: &Path, levels: &Path) -> (Vec<String>, Vec<String>) {
    (
        open_catalog(dir)
            .map(|c| c.entries.into_iter().map(|e| e.name).collect())
            .unwrap_or_default(),
        ImmersionLevels::load(levels)
            .map(|l| l.levels.into_iter().map(|l| l.name).collect())
            .unwrap_or_default(),
    )
}

fn load_protocol(dir: &Path, levels: &Path, file: &Path) -> Result<Protocol, ExitCode> {
    let (scenes, levels) = names(dir, levels);
    Protocol::load(file, &scenes, &levels).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(BAD_INPUT)
    })
}

fn plan((dir, levels): (&Path, &Path), args: PlanArgs) -> ExitCode {
    let protocol = match load_protocol(dir, levels, &args.protocol) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let ids = match args.participants.as_deref().map_or(
        Ok(Protocol::numbered(protocol.participants)),
        respite::study::participants,
    ) {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let plan = match protocol.plan(&ids, args.seed.unwrap_or(protocol.seed)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: --participants: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    eprintln!("plan: {}", plan.dealt.note);
    // The key is checked before the plan is written and written after it: a plan that
    // could not be written leaves no key behind to block the next try.
    if let Some(key) = &args.blind_key {
        if key.exists() {
            eprintln!(
                "error: --blind-key {}: a key is there already; the masks are drawn once per study",
                key.display()
            );
            return ExitCode::from(BAD_INPUT);
        }
        if args.out.as_deref() == Some(key.as_path()) {
            eprintln!(
                "error: --blind-key {}: the same file as --out",
                key.display()
            );
            return ExitCode::from(BAD_INPUT);
        }
    }
    match &args.out {
        None => print!("{}", plan.tsv()),
        Some(out) => {
            if let Err(e) = respite_core::research::data::write_atomic(out, &plan.tsv()) {
                eprintln!("error: --out {}: {e}", out.display());
                return ExitCode::from(BAD_INPUT);
            }
            eprintln!("plan: written to {}", out.display());
        }
    }
    if let Some(key) = &args.blind_key {
        let names: Vec<String> = protocol.conditions.iter().map(|c| c.name.clone()).collect();
        if let Err(e) = respite_core::research::output::write_key(&names, key) {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
        eprintln!(
            "plan: blinding key written to {} (keep it from the assessor)",
            key.display()
        );
    }
    ExitCode::SUCCESS
}

fn report(args: ReportArgs) -> ExitCode {
    let key = args.key.clone().unwrap_or_else(|| {
        let mut name = args.out.file_name().unwrap_or_default().to_os_string();
        name.push("-key.tsv");
        args.out.with_file_name(name)
    });
    let blind = args.blind.then_some(key.as_path());
    match respite_core::research::output::write_report(
        &args.data,
        &args.out,
        blind,
        args.bids.as_deref(),
    ) {
        Ok(out) => {
            for n in &out.notes {
                eprintln!("report: {n}");
            }
            eprintln!("report: {}", out.summary);
            for f in out.files {
                eprintln!("report: wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Makes `dir` and proves a file can be written and removed there.
/// Whether a folder could be made and written at `dir`: a probe file in the nearest folder
/// that exists. Nothing is made at `dir` itself: the record makes it with its first event.
fn writable(dir: &Path) -> std::io::Result<()> {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    if !at.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a folder",
            at.display()
        )));
    }
    let probe = at.join(format!(".respite-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(probe)
}

/// The hex SHA-256 of a file, or "n/a".
fn file_sha(path: &Path) -> String {
    std::fs::read(path).map_or("n/a".into(), |b| {
        respite_core::research::data::sha256_hex(&b)
    })
}

/// `key=value key=value` as a map.
fn pairs(text: &str) -> std::collections::BTreeMap<String, String> {
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn open_catalog(dir: &Path) -> Result<Catalog, ExitCode> {
    Catalog::open(dir).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(BAD_INPUT)
    })
}

/// The scene called `name` from the scenes folder, or the exit code after saying why not
/// (an unknown name lists the valid ones).
fn load_scene(dir: &Path, name: &str) -> Result<SceneDef, ExitCode> {
    let catalog = open_catalog(dir)?;
    catalog.get(name).cloned().map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(BAD_INPUT)
    })
}

/// The walk settings for this run, with the scene's viewpoint fitted to the body (its eye
/// height, and behind the walker for a third-person view), or the exit code after saying
/// what is wrong with the body file.
fn resolve_walk(
    scene_name: &str,
    scene: &mut SceneDef,
    args: &WalkArgs,
    start_at_s: f32,
) -> Result<WalkSettings, ExitCode> {
    let profile = match &args.body {
        None => BodyProfile::default(),
        Some(file) => match BodyProfile::load(file) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return Err(ExitCode::from(BAD_INPUT));
            }
        },
    };
    if let Some(pitch) = args.pitch {
        scene.viewpoint.pitch_deg = pitch;
    }
    let Some(walk) = scene.walk.as_mut() else {
        if args.body.is_some() || args.speed.is_some() || args.view.is_some() {
            eprintln!("warning: '{scene_name}' has no path to walk; walking flags are ignored");
        }
        return Ok(WalkSettings::default());
    };
    match args.view {
        Some(ViewArg::FirstPerson) => walk.view = WalkView::FirstPerson,
        Some(ViewArg::ThirdPerson) if walk.view == WalkView::FirstPerson => {
            walk.view = WalkView::ThirdPerson(3.5, 0.6);
        }
        _ => {}
    }
    let eye = profile.dimensions().eye_height;
    let (behind, above) = match walk.view {
        WalkView::FirstPerson => (0.0, 0.0),
        WalkView::ThirdPerson(behind, above) => (behind, above),
    };
    scene.viewpoint.eye_height_m = eye + above;
    scene.viewpoint.behind_m = behind;
    Ok(WalkSettings {
        profile,
        session: args.walk_session,
        speed: args.speed,
        vignette: args.vignette,
        start_at_s,
        body: true,
    })
}

fn run(
    (dir, levels): (&Path, &Path),
    args: RunArgs,
    screenshot: Option<ScreenshotJob>,
) -> ExitCode {
    let mut args = args;
    let mut study = None;
    let mut study_line = None;
    if let Some(file) = args.protocol.clone() {
        let protocol = match load_protocol(dir, levels, &file) {
            Ok(p) => p,
            Err(code) => return code,
        };
        let ids = Protocol::numbered(protocol.participants);
        let plan = match &args.plan {
            None => protocol.plan(&ids, protocol.seed),
            Some(p) => respite_core::research::Plan::load_tsv(&protocol, p, protocol.seed)
                .map_err(|e| format!("--plan: {e}")),
        };
        let plan = match plan {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let data = args
            .data
            .clone()
            .unwrap_or_else(|| Path::new("data").join(&protocol.study));
        let participant = args.participant.clone().unwrap_or_default();
        let due = match respite::study::due(&protocol, &plan, &data, &participant, args.resume) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let c = &due.condition;
        args.scene = c.scene.clone();
        args.display = match c.display {
            respite_core::research::protocol::Display::Headset => DisplayChoice::Xr,
            respite_core::research::protocol::Display::Screen => DisplayChoice::Flat,
        };
        args.level.immersion = c.immersion.clone();
        args.level.level_set = c.level_set.clone();
        if c.sound_level.is_some() {
            args.room.sound_level = c.sound_level;
        }
        args.minutes = c.minutes;
        args.rate_every = protocol.ratings.every_min;
        args.fms_every = protocol.questionnaires.fms_every_min;
        args.no_ratings = !protocol.ratings.baseline
            && !protocol.ratings.post
            && protocol.ratings.every_min <= 0.0;
        let line = format!(
            "Study {}: {participant} session {} of {} (sequence {}): {}: {} on the {} for {} min{}",
            protocol.study,
            due.period,
            due.periods,
            due.sequence,
            c.name,
            c.scene,
            c.display.code(),
            c.minutes,
            if due.resume.is_some() {
                ", resuming"
            } else {
                ""
            }
        );
        eprintln!("{line}");
        study_line = Some(line);
        study = Some((protocol, file, due));
    }
    let mut scene = match load_scene(dir, &args.scene) {
        Ok(def) => def,
        Err(code) => return code,
    };
    let level_from = study
        .as_ref()
        .map(|(_, f, due)| format!("{}: condition '{}'", f.display(), due.condition.name));
    let level = match resolve_immersion(levels, &args.level, level_from.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    level.shape_scene(&mut scene);
    let start_at = screenshot.as_ref().map_or(0.0, |j| j.walk_at);
    let mut walk = match resolve_walk(&args.scene, &mut scene, &args.walk, start_at) {
        Ok(w) => w,
        Err(code) => return code,
    };
    walk.body = level.body;
    let autopilot = match &args.autopilot {
        None => None,
        Some(file) => match respite_core::session::script::load(file) {
            Ok(steps) => Some(steps),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        },
    };
    let session = if screenshot.is_some() {
        RunSettings::show_only()
    } else {
        RunSettings {
            plan: SessionPlan {
                minutes: args.minutes,
                rate_every_min: Some(args.rate_every).filter(|m| *m > 0.0),
                fms_every_min: args.fms_every.filter(|m| *m > 0.0),
                fms_pause_at: args.fms_limit,
                max_minutes: args.max_minutes.unwrap_or(args.minutes + 10.0),
            },
            ratings: !args.no_ratings,
            show_only: false,
            questions: respite::session::questions::Questions {
                ssq: study.as_ref().is_some_and(|s| s.0.questionnaires.ssq),
                ipq: study.as_ref().is_some_and(|s| s.0.questionnaires.ipq),
                no_baseline: study.as_ref().is_some_and(|s| !s.0.ratings.baseline),
                no_post: study.as_ref().is_some_and(|s| !s.0.ratings.post),
                before: extra_questionnaires(study.as_ref().map(|s| &s.0.questionnaires.before)),
                after: extra_questionnaires(study.as_ref().map(|s| &s.0.questionnaires.after)),
            },
            washout: study.as_ref().and_then(|s| s.2.washout),
            followup: study.as_ref().and_then(|s| s.0.followup),
            done: study
                .as_ref()
                .and_then(|s| s.2.resume.clone())
                .unwrap_or_default(),
        }
    };
    if session.plan.max_minutes < session.plan.minutes {
        eprintln!(
            "error: --max-minutes {} is shorter than --minutes {}",
            session.plan.max_minutes, session.plan.minutes
        );
        return ExitCode::from(BAD_INPUT);
    }
    let files = match (&study, &args.record, &args.participant) {
        _ if screenshot.is_some() => None,
        (Some((_, _, due)), _, _) => Some(due.files.clone()),
        (None, Some(dir), _) => Some(SessionFiles::plain(dir)),
        (None, None, Some(id)) => {
            let data = args.data.clone().unwrap_or_else(|| PathBuf::from("data"));
            let n = respite_core::research::data::next_session(&data, id);
            Some(SessionFiles::bids(&data, id, n, "respite"))
        }
        (None, None, None) => None,
    };
    // A plain folder holds one session: a second run there would merge two records.
    if let (None, Some(dir)) = (&study, &args.record)
        && dir.join("events.tsv").exists()
    {
        eprintln!(
            "error: --record {}: the folder already holds a session's record; choose another",
            dir.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    // A folder that cannot take the record stops the run before anything is shown.
    if let Some(f) = &files
        && let Err(e) = writable(&f.dir)
    {
        eprintln!(
            "error: {}: cannot write the session's record there: {e}",
            f.dir.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    let record = files.map(|files| {
        let scene_file = dir.join(format!("{}.ron", args.scene));
        let (protocol, protocol_file, due) = match &study {
            Some((p, f, d)) => (Some(p), Some(f), Some(d)),
            None => (None, None, None),
        };
        let sidecar = Sidecar {
            app: "respite".into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("RESPITE_GIT_REVISION").into(),
            participant: args.participant.clone().unwrap_or_default(),
            session: due.map_or_else(
                || {
                    files
                        .dir
                        .file_name()
                        .and_then(|n| n.to_str()?.strip_prefix("ses-")?.parse().ok())
                        .unwrap_or(1)
                },
                |d| d.period,
            ),
            task: protocol.map_or("respite".into(), |p| p.task.clone()),
            study: protocol.map(|p| p.study.clone()),
            // File names only: a full path can hold a user's name.
            protocol_file: protocol_file.map(|f| file_name(f)),
            protocol_sha256: protocol_file.map(|f| file_sha(f)),
            condition: due.map(|d| d.condition.name.clone()),
            conditions: protocol.map_or_else(Vec::new, |p| {
                p.conditions.iter().map(|c| c.name.clone()).collect()
            }),
            contrasts: protocol.map_or_else(Vec::new, |p| p.contrast_pairs()),
            followup: protocol.and_then(|p| p.followup),
            period: due.map(|d| d.period),
            sequence: due.map(|d| d.sequence.clone()),
            scene: args.scene.clone(),
            scene_sha256: file_sha(&scene_file),
            scene_file: file_name(&scene_file),
            display: match args.display {
                DisplayChoice::Flat => "screen".into(),
                DisplayChoice::Xr => "headset".into(),
                DisplayChoice::Auto => "auto".into(),
            },
            display_parameters: [
                ("requested".to_string(), args.display.to_string()),
                (
                    "window".to_string(),
                    format!("{}x{}", args.size.0, args.size.1),
                ),
                ("fov_deg".to_string(), level.fov_deg.to_string()),
                (
                    "runtime".to_string(),
                    "see the display event: the OpenXR runtime and headset that answered".into(),
                ),
            ]
            .into(),
            immersion: pairs(&level.to_string()),
            audio: [
                (
                    "room_ambient_db".to_string(),
                    format!("{:?}", args.room.ambient_db),
                ),
                (
                    "headphones_db".to_string(),
                    format!("{:?}", args.room.headphones_db),
                ),
                (
                    "level_mode".to_string(),
                    args.room
                        .sound_level
                        .or(scene.soundscape.as_ref().map(|s| s.level_mode))
                        .map_or("none".to_string(), |m| {
                            respite_core::research::data::sound_level_code(m)
                        }),
                ),
            ]
            .into(),
            seed: scene.seed,
            minutes: args.minutes,
            scoring_version: respite_core::research::scoring::SCORING_VERSION.into(),
            started_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        (files, sidecar)
    });
    if let Some(job) = &screenshot
        && let Some(parent) = job.out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        eprintln!(
            "error: --out {}: folder {} does not exist",
            job.out.display(),
            parent.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    if let Err(e) = window_system_present() {
        eprintln!("error: {e}");
        return ExitCode::from(DISPLAY_MISSING);
    }
    // Pictures need no sound; a run plays the scene's soundscape at the level for this room.
    let sound = match (&scene.soundscape, &screenshot) {
        (Some(sound), None) => match resolve_level(&args.scene, sound, &args.room) {
            Ok(resolved) => Some(SoundPlan {
                level: resolved,
                seed: scene.seed,
                plain: level.audio == AudioStage::Plain,
            }),
            Err(code) => return code,
        },
        _ => None,
    };
    let opts = RunOptions {
        scene_name: args.scene,
        scene,
        display: args.display,
        session,
        level,
        participant: args.participant,
        choices: names(dir, levels),
        launch_args: std::env::args().skip(1).collect(),
        autopilot,
        time_scale: args.time_scale,
        window_size: args.size,
        screenshot,
        bench: None,
        samples: None,
        bare: false,
        sound,
        walk,
        record: record.clone(),
        study: study_line,
        markers: respite::session::markers::MarkerInputs {
            stdin: args.markers.contains(&MarkerInput::Stdin),
            udp: args.markers.iter().find_map(|m| match m {
                MarkerInput::Udp(p) => Some(*p),
                MarkerInput::Stdin => None,
            }),
        },
    };
    let code = run_app(opts);
    if let Some((files, _)) = record {
        close_session(&files, code);
    }
    code
}

/// A protocol's extra questionnaires by code (each checked when the protocol was read).
fn extra_questionnaires(
    codes: Option<&Vec<String>>,
) -> Vec<respite_core::research::questionnaire::Questionnaire> {
    codes
        .into_iter()
        .flatten()
        .filter_map(|c| respite_core::research::questionnaire::Questionnaire::find(c))
        .collect()
}

/// A file's name without its folders.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A session whose end is on record is closed with its SHA-256 manifest (the samples'
/// writer has finished: the App is gone). One that ended without a `session_end` (a
/// restart, a display that failed) or whose record could not be written in full stays open.
fn close_session(files: &SessionFiles, code: ExitCode) {
    if code == ExitCode::from(RECORD_FAILED) {
        respite::log::say(format!(
            "error: the record in {} is incomplete: not closed",
            files.dir.display()
        ));
        return;
    }
    let ended = std::fs::read_to_string(files.file("events.tsv")).is_ok_and(|t| {
        respite_core::research::data::read_events(&t)
            .is_ok_and(|e| e.iter().any(|e| e.trial_type == "session_end"))
    });
    if ended {
        match respite_core::research::data::write_manifest(&files.dir) {
            Ok(()) => respite::log::say(format!("record: closed {}", files.manifest().display())),
            Err(e) => respite::log::say(format!(
                "error: cannot write {}: {e}",
                files.manifest().display()
            )),
        }
    }
}

fn run_app(opts: RunOptions) -> ExitCode {
    match build_app(opts) {
        Ok((mut app, _report)) => {
            let health = app.world().get_resource::<RecordHealth>().cloned();
            let code = match app.run() {
                AppExit::Success => ExitCode::SUCCESS,
                AppExit::Error(code) => ExitCode::from(code.get()),
            };
            // The App is gone, its writers joined: the record is as complete as it will be.
            match health.and_then(|h| h.failed()) {
                Some(why) => {
                    respite::log::say(format!("error: the session's record is incomplete: {why}"));
                    ExitCode::from(RECORD_FAILED)
                }
                None => code,
            }
        }
        Err(e) => {
            // After the display's own warnings, which explain it.
            respite::log::say(format!("error: {e}"));
            ExitCode::from(DISPLAY_MISSING)
        }
    }
}

/// Every display needs a desktop window (the headset's mirror lives there too); without a
/// window system winit would panic, so say what is missing instead.
fn window_system_present() -> Result<(), String> {
    // Built for X11 only (Wayland desktops provide it through XWayland).
    let display = std::env::var("DISPLAY").unwrap_or_default();
    if display.trim().is_empty() {
        return Err(
            "no window system: DISPLAY is not set. Run from a desktop session, or under \
                    xvfb-run for pictures without a screen"
                .into(),
        );
    }
    // The connection winit would make, tried first: a stale DISPLAY (a closed X server, an
    // old ssh session) is a missing display, not a crash.
    let xlib = x11_dl::xlib::Xlib::open()
        .map_err(|e| format!("no window system: cannot load Xlib (libX11): {e}"))?;
    // A busy X server can refuse a connection for a moment (its queue of new clients full):
    // a few tries over about a second before the display counts as missing.
    let mut connection = std::ptr::null_mut();
    for attempt in 0..6 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(50 << attempt.min(4)));
        }
        // SAFETY: XOpenDisplay with a null name reads DISPLAY; a non-null result is closed
        // below.
        connection = unsafe { (xlib.XOpenDisplay)(std::ptr::null()) };
        if !connection.is_null() {
            break;
        }
    }
    if connection.is_null() {
        return Err(format!(
            "no window system: cannot open the X display DISPLAY={display} (no X server \
             answers there, or it refused us). Run from a desktop session, or under xvfb-run"
        ));
    }
    // SAFETY: the display was opened above and is not used after this.
    unsafe { (xlib.XCloseDisplay)(connection) };
    Ok(())
}

fn render_soundscape(dir: &Path, args: SoundscapeArgs) -> ExitCode {
    let scene = match load_scene(dir, &args.scene) {
        Ok(def) => def,
        Err(code) => return code,
    };
    let Some(sound) = &scene.soundscape else {
        eprintln!("error: scene '{}' has no soundscape", args.scene);
        return ExitCode::from(BAD_INPUT);
    };
    let level = match resolve_level(&args.scene, sound, &args.room) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let seed = args.seed.unwrap_or(scene.seed);
    let v = &scene.viewpoint;
    let mut mixer = Mixer::new(
        sound,
        level.dbfs,
        seed,
        Pose::seated(v.eye_height_m, v.yaw_deg),
    );
    let samples = render(&mut mixer, args.seconds);
    if let Err(e) = wav::write_stereo(&args.out, SAMPLE_RATE, &samples) {
        eprintln!("error: --out {}: {e}", args.out.display());
        return ExitCode::from(BAD_INPUT);
    }
    let peak = samples.iter().fold(0.0f32, |p, s| p.max(s.abs()));
    println!(
        "{}: {} s of '{}' (seed {seed}), {}; whole file {:.1} dBFS RMS, peak {:.1} dBFS",
        args.out.display(),
        args.seconds,
        args.scene,
        level.describe(),
        rms_dbfs(&samples),
        20.0 * peak.max(1e-9).log10()
    );
    ExitCode::SUCCESS
}

fn list_scenes(dir: &Path) -> ExitCode {
    let catalog = match open_catalog(dir) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let width = catalog
        .entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for entry in &catalog.entries {
        match &entry.def {
            Ok(def) => println!("{:width$}  {}", entry.name, def.description),
            Err(e) => eprintln!(
                "{:width$}  (cannot be used: {} problem(s); see `respite check`)\n{e}",
                entry.name,
                e.0.len()
            ),
        }
    }
    if catalog.entries.is_empty() {
        eprintln!("no scene files (*.ron) in {}", dir.display());
        return ExitCode::from(BAD_INPUT);
    }
    ExitCode::SUCCESS
}

fn check(dir: &Path, files: Vec<PathBuf>) -> ExitCode {
    let files = if files.is_empty() {
        match open_catalog(dir) {
            Ok(c) => c.entries.into_iter().map(|e| e.path).collect(),
            Err(code) => return code,
        }
    } else {
        files
    };
    if files.is_empty() {
        eprintln!("no scene files (*.ron) in {}", dir.display());
        return ExitCode::from(BAD_INPUT);
    }
    let mut failed = 0;
    for file in &files {
        match SceneDef::load(file) {
            Ok(_) => println!("ok      {}", file.display()),
            Err(e) => {
                failed += 1;
                println!("FAILED  {}", file.display());
                eprintln!("{e}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} scene file(s) failed", files.len());
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// `respite bench`: each scene (and Bevy's bare scene first) in a child process, then one
/// table with every scene's figures as ratios to the bare scene's.
fn bench(dir: &Path, args: BenchArgs) -> ExitCode {
    let names: Vec<String> = if args.all {
        match open_catalog(dir) {
            Ok(c) => c.entries.into_iter().map(|e| e.name).collect(),
            Err(code) => return code,
        }
    } else {
        let name = args.scene.clone().unwrap_or_default();
        if let Err(code) = load_scene(dir, &name) {
            return code;
        }
        vec![name]
    };
    if args.how.display == BenchDisplay::Flat
        && let Err(e) = window_system_present()
    {
        eprintln!("error: --display flat: {e}");
        return ExitCode::from(DISPLAY_MISSING);
    }
    if let Some(out) = &args.out
        && let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        eprintln!(
            "error: --out {}: folder {} does not exist",
            out.display(),
            parent.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find this program to run the measurements: {e}");
            return ExitCode::FAILURE;
        }
    };
    let work = std::env::temp_dir().join(format!("respite-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&work) {
        eprintln!("error: {}: {e}", work.display());
        return ExitCode::FAILURE;
    }
    let how = &args.how;
    let mut rows = Vec::new();
    for name in std::iter::once(respite::bench::BARE.to_string()).chain(names) {
        eprintln!("bench: {name} …");
        let report = work.join(format!("{name}.tsv"));
        let log = work.join(format!("{name}.log"));
        let status = std::fs::File::create(&log).and_then(|log_file| {
            std::process::Command::new(&exe)
                .arg("--scenes-dir")
                .arg(dir)
                .args(["bench-one", "--scene", &name])
                .args([
                    "--frames",
                    &how.frames.to_string(),
                    "--warmup",
                    &how.warmup.to_string(),
                ])
                .args([
                    "--display",
                    match how.display {
                        BenchDisplay::Flat => "flat",
                        BenchDisplay::OffscreenXr => "offscreen-xr",
                    },
                ])
                .args(["--size", &format!("{}x{}", how.size.0, how.size.1)])
                .args([
                    "--eye-size",
                    &format!("{}x{}", how.eye_size.0, how.eye_size.1),
                ])
                .args(how.preload.then_some("--preload"))
                .arg("--report")
                .arg(&report)
                .arg("--samples")
                .arg(work.join(format!("{name}-samples")))
                .stdout(log_file.try_clone()?)
                .stderr(log_file)
                .status()
        });
        match status.map_err(|e| e.to_string()).and_then(|s| {
            if s.success() {
                respite::bench::Row::read(&name, &report)
            } else {
                Err(format!("exited with {s}; its log is {}", log.display()))
            }
        }) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("error: bench of '{name}' failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let table = respite::bench::tsv(&rows);
    print_table(&table);
    println!(
        "display: {}; {} frames after {} warm-up frames; ratios are to the bare scene in this run",
        match how.display {
            BenchDisplay::Flat => format!("flat window {}x{}", how.size.0, how.size.1),
            BenchDisplay::OffscreenXr =>
                format!("offscreen eyes 2 x {}x{}", how.eye_size.0, how.eye_size.1),
        },
        how.frames,
        how.warmup
    );
    println!(
        "switch: neutral -> place, as when a session's place fades in ({}); switch_x_frame = the longest frame from the switch until nothing compiles / frame p50",
        if how.preload {
            "--preload: the place drawn behind the neutral first, which sessions do not do"
        } else {
            "not preloaded, as in a session"
        }
    );
    if let Some(out) = &args.out {
        let tmp = out.with_extension("tsv.partial");
        if let Err(e) = std::fs::write(&tmp, &table).and_then(|_| std::fs::rename(&tmp, out)) {
            eprintln!("error: --out {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    ExitCode::SUCCESS
}

/// The TSV as aligned columns.
fn print_table(tsv: &str) {
    let rows: Vec<Vec<&str>> = tsv.lines().map(|l| l.split('\t').collect()).collect();
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        println!("{}", line.join("  "));
    }
}

fn bench_one((dir, levels): (&Path, &Path), args: BenchOneArgs) -> ExitCode {
    let bare = args.scene == respite::bench::BARE;
    let scene = if bare {
        match SceneDef::parse(Path::new("bare"), respite::bench::BARE_SPEC) {
            Ok(def) => def,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        }
    } else {
        match load_scene(dir, &args.scene) {
            Ok(def) => def,
            Err(code) => return code,
        }
    };
    let mut scene = scene;
    let level = match resolve_immersion(levels, &LevelArgs::default(), None) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if !bare {
        level.shape_scene(&mut scene);
    }
    let walk = match resolve_walk(&args.scene, &mut scene, &WalkArgs::default(), 0.0) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let how = args.how;
    let offscreen = how.display == BenchDisplay::OffscreenXr;
    if !offscreen && let Err(e) = window_system_present() {
        eprintln!("error: {e}");
        return ExitCode::from(DISPLAY_MISSING);
    }
    run_app(RunOptions {
        scene_name: args.scene,
        scene,
        display: DisplayChoice::Flat,
        session: RunSettings::show_only(),
        level,
        participant: None,
        choices: (Vec::new(), Vec::new()),
        launch_args: Vec::new(),
        autopilot: None,
        time_scale: 1.0,
        window_size: how.size,
        screenshot: None,
        bench: Some(respite::bench::BenchJob {
            frames: how.frames,
            warmup: how.warmup,
            report: args.report,
            offscreen_eye: offscreen.then_some(how.eye_size),
            preload: how.preload,
        }),
        samples: Some(SessionFiles::plain(&args.samples)),
        bare,
        sound: None,
        walk,
        record: None,
        markers: Default::default(),
        study: None,
    })
}
