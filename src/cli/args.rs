//! The command line: every command's flags and their parsers, each value checked as it is read.

use super::*;

pub(crate) const BAD_INPUT: u8 = 2;
pub(crate) const DISPLAY_MISSING: u8 = 3;

#[derive(Parser)]
#[command(
    name = "respite",
    version,
    about = "Calm, living places for pain distraction, in a VR headset or on a screen.",
    long_about = "Calm, living places for pain distraction, in a VR headset or on a screen.\n\n\
                  With no command, `respite` runs the default scene with --display auto: the \
                  headset when one answers, else this screen with a notice."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// Folder of scene files [default: ./scenes, else the one shipped with the source]
    #[arg(long, global = true, env = "RESPITE_SCENES", value_name = "DIR")]
    pub(crate) scenes_dir: Option<PathBuf>,
    /// The immersion levels file [default: ./immersion.ron, else the one shipped with the source]
    #[arg(long, global = true, env = "RESPITE_LEVELS", value_name = "FILE.ron")]
    pub(crate) levels: Option<PathBuf>,
    /// Folder of questionnaire files (the SSQ, IPQ and FMS ship inside the program; a
    /// study's own, e.g. pcs.ron, are read from here) [default: ./questionnaires, else the
    /// one shipped with the source]
    #[arg(
        long,
        global = true,
        env = "RESPITE_QUESTIONNAIRES",
        value_name = "DIR"
    )]
    pub(crate) questionnaires_dir: Option<PathBuf>,
}

// Parsed once at start-up: the run's many flags make its variant large, at no cost.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Hear the breathing in a WAV recording (a headset's or lapel microphone): each breath
    /// in and out and the rate a minute, as a table; or write synthetic breathing to try it.
    Breathing(BreathingArgs),
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
pub(crate) struct PlanArgs {
    /// The protocol file (protocols/*.ron).
    pub(crate) protocol: PathBuf,
    /// How many participants (P01, P02, …), or their IDs separated by commas
    /// [default: the protocol's number]
    #[arg(long, value_name = "N|ID,ID,…")]
    pub(crate) participants: Option<String>,
    /// The seed [default: the protocol's]
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Write the plan here instead of to standard output.
    #[arg(long, value_name = "FILE.tsv")]
    pub(crate) out: Option<PathBuf>,
    /// Also draw the study's blinding masks (X1, X2, …) from OS randomness and write the
    /// key here, kept from the assessor; `report --blind --key FILE` reads it back. An
    /// existing key is never overwritten.
    #[arg(long, value_name = "FILE.tsv")]
    pub(crate) blind_key: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// The data folder (holding sub-*/ses-*/).
    pub(crate) data: PathBuf,
    /// Where the tables, report.md and the PNG plots go.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Mask conditions for a blinded assessor: masks from the study's key (--key), drawn
    /// and written there if it does not exist yet; every field that would tell the
    /// conditions apart is masked or left out.
    #[arg(long)]
    pub(crate) blind: bool,
    /// The study's blinding key [default: <out>-key.tsv, beside the report, not in it]
    #[arg(long, value_name = "FILE.tsv", requires = "blind")]
    pub(crate) key: Option<PathBuf>,
    /// Also write a BIDS dataset (participants.tsv, events, motion, answers) here.
    #[arg(long, value_name = "DIR")]
    pub(crate) bids: Option<PathBuf>,
    /// Hash every file of every session against its manifest, the per-frame recordings
    /// (motion, frames) included; without it they are found, not re-read (an unblinded
    /// --bids export, which copies them, hashes them too).
    #[arg(long)]
    pub(crate) verify: bool,
    /// The program a course's data came from, for the course report [default: the file of
    /// the name its sessions give, in programs/]
    #[arg(long, value_name = "FILE.ron")]
    pub(crate) program: Option<PathBuf>,
}

/// Where the bench draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BenchDisplay {
    /// A window at --size (needs a window system; under xvfb-run, Mesa's software renderer).
    Flat,
    /// Two headset-sized eye views (--eye-size each) rendered to textures, no window.
    OffscreenXr,
}

/// How scene time advances in the bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BenchClock {
    /// 1/90 s of scene time a frame, as in a headset at 90 Hz, however long the software
    /// renderer takes to draw it.
    Headset,
    /// The wall clock: each frame advances by the time it took (at most 0.25 s, Bevy's cap).
    Wall,
}

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// One scene to measure.
    #[arg(long, conflicts_with = "all", required_unless_present_any = ["all", "report"])]
    pub(crate) scene: Option<String>,
    /// Every scene in the scenes folder.
    #[arg(long)]
    pub(crate) all: bool,
    /// Time `respite report` over this data folder instead: --runs reports, each into a
    /// fresh folder, as the plain command writes them (no scene is drawn).
    #[arg(long, value_name = "DATA", conflicts_with_all = ["scene", "all"])]
    pub(crate) report: Option<PathBuf>,
    /// With --report: how many reports to time.
    #[arg(long, default_value_t = 5, requires = "report",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) runs: u32,
    /// With --report: hash every recording too, as `report --verify` does.
    #[arg(long, requires = "report")]
    pub(crate) verify: bool,
    #[command(flatten)]
    pub(crate) how: BenchHow,
    /// Also write the figures as TSV to this file.
    #[arg(long, value_name = "FILE.tsv")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Args, Clone)]
pub(crate) struct BenchHow {
    /// Frames to measure per scene, after the warm-up.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(10..=100_000))]
    pub(crate) frames: u32,
    /// Frames to run first, once every pipeline has compiled, unmeasured.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub(crate) warmup: u32,
    #[arg(long, value_enum, default_value_t = BenchDisplay::Flat)]
    pub(crate) display: BenchDisplay,
    /// Window size for `flat`, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    /// Size of each eye view for `offscreen-xr`, WIDTHxHEIGHT (a Quest 3's by default).
    #[arg(long, default_value = "2064x2208", value_parser = parse_size)]
    pub(crate) eye_size: (u32, u32),
    /// Preload the place behind the neutral before the switch to it (sessions do not yet):
    /// shows what a preload saves in the switch hitch, and what it costs afterwards.
    #[arg(long)]
    pub(crate) preload: bool,
    /// How scene time advances a frame: `headset` (1/90 s, a 90 Hz headset's frame) or
    /// `wall` (the time the frame took: under a software renderer, up to 0.25 s a frame).
    #[arg(long, value_enum, default_value_t = BenchClock::Headset)]
    pub(crate) clock: BenchClock,
}

#[derive(Args)]
pub(crate) struct BenchOneArgs {
    #[arg(long)]
    pub(crate) scene: String,
    #[command(flatten)]
    pub(crate) how: BenchHow,
    #[arg(long)]
    pub(crate) report: PathBuf,
    #[arg(long)]
    pub(crate) samples: PathBuf,
}

/// The room's noise: a number read on a sound level meter, or `measure`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ambient {
    Db(f32),
    Measure,
}

/// The room, for soundscapes that play a set number of dB above its noise.
#[derive(Args, Clone, Default)]
pub(crate) struct RoomArgs {
    /// The room's noise level, dB SPL (as read on a sound level meter), or `measure` to
    /// listen for 3 s with the default input device (needs --mic-db).
    #[arg(long, value_name = "DB_SPL|measure", value_parser = parse_ambient, requires = "headphones_db")]
    pub(crate) ambient_db: Option<Ambient>,
    /// The microphone's calibration for `--ambient-db measure`: the dB SPL that reads as
    /// 0 dBFS RMS on it.
    #[arg(long, value_name = "DB_SPL", value_parser = parse_headphones)]
    pub(crate) mic_db: Option<f32>,
    /// What the headphones play for a full-scale (0 dBFS RMS) signal, dB SPL: their calibration.
    #[arg(long, value_name = "DB_SPL", value_parser = parse_headphones, requires = "ambient_db")]
    pub(crate) headphones_db: Option<f32>,
    /// How loud the soundscape plays: `fixed` (the scene's level) or `above-ambient:DB` (DB
    /// above the room's noise, 0–20; needs --ambient-db and --headphones-db) [default: the
    /// scene's own level mode; under --protocol, the condition's]
    #[arg(long, value_name = "fixed|above-ambient:DB", value_parser = parse_sound_level)]
    pub(crate) sound_level: Option<respite_core::scene::LevelMode>,
}

/// Why the room's level could not be had: bad flags (exit 2) or no microphone (exit 3).
pub(crate) enum RoomError {
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
pub(crate) fn resolve_level(
    scene: &str,
    sound: &respite_core::scene::Soundscape,
    room: &RoomArgs,
) -> Result<ResolvedLevel, Fail> {
    resolve_level_in(scene, sound, room.sound_level, room_of(room)?)
}

/// The room as its flags say (measured, when asked, once per call).
pub(crate) fn room_of(room: &RoomArgs) -> Result<Option<Room>, Fail> {
    room.room().map_err(|e| match e {
        RoomError::Input(m) => Fail::input(m.to_string()),
        RoomError::Device(m) => Fail::missing(m.to_string()),
    })
}

/// A soundscape's level in a room already known.
pub(crate) fn resolve_level_in(
    scene: &str,
    sound: &respite_core::scene::Soundscape,
    mode: Option<respite_core::scene::LevelMode>,
    room: Option<Room>,
) -> Result<ResolvedLevel, Fail> {
    let mut sound = sound.clone();
    if let Some(mode) = mode {
        sound.level_mode = mode;
    }
    ResolvedLevel::resolve(&sound, room).map_err(|e| Fail::input(format!("scene '{scene}': {e}")))
}

#[derive(Args)]
pub(crate) struct SoundscapeArgs {
    /// Scene whose soundscape to render.
    #[arg(long)]
    pub(crate) scene: String,
    /// Length in seconds, including the 3 s fades in and out.
    #[arg(long, value_parser = parse_seconds)]
    pub(crate) seconds: f32,
    /// WAV file to write (16-bit stereo, 48 kHz).
    #[arg(long, value_name = "FILE.wav")]
    pub(crate) out: PathBuf,
    /// Seed for every random choice in the sound [default: the scene's seed].
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
}

#[derive(Args)]
pub(crate) struct BreathingArgs {
    /// The recording to listen to (16-bit PCM or 32-bit float WAV, any rate from 8 kHz,
    /// channels mixed to one).
    #[arg(long, value_name = "FILE.wav", required_unless_present = "synthesise")]
    pub(crate) wav: Option<PathBuf>,
    /// Write the table here too (TSV), whole or not at all.
    #[arg(long, value_name = "FILE.tsv")]
    pub(crate) out: Option<PathBuf>,
    /// Instead: write synthetic breathing to this WAV (16 kHz mono).
    #[arg(long, value_name = "FILE.wav", conflicts_with = "wav")]
    pub(crate) synthesise: Option<PathBuf>,
    /// Breaths a minute of the synthetic breathing.
    #[arg(long, default_value_t = 6.0, value_parser = parse_breath_rate, requires = "synthesise")]
    pub(crate) rate: f32,
    /// Its length.
    #[arg(long, default_value_t = 120.0, value_parser = parse_seconds, requires = "synthesise")]
    pub(crate) seconds: f32,
    /// A voice talking over it for 3 s of every 15.
    #[arg(long, requires = "synthesise")]
    pub(crate) speech: bool,
}

fn parse_breath_rate(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (2.0..=40.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}': give breaths a minute, 2 to 40")),
    }
}

#[derive(Args, Clone)]
pub(crate) struct RunArgs {
    /// Scene to show (a file name in the scenes folder, without .ron).
    #[arg(long, default_value = "forest_glade")]
    pub(crate) scene: String,
    /// Where to show it: the headset (xr), a window (flat), or the headset if one answers (auto).
    #[arg(long, value_enum, default_value_t = DisplayChoice::Auto, conflicts_with = "protocol")]
    pub(crate) display: DisplayChoice,
    /// Minutes in the place, between the baseline and the post rating.
    #[arg(long, default_value_t = 10.0, value_parser = parse_minutes)]
    pub(crate) minutes: f32,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    #[command(flatten)]
    pub(crate) level: LevelArgs,
    /// The participant's ID, letters and digits only (no names): it goes into the record,
    /// which is kept under data/sub-<ID>/ses-<n>/ (--data for another folder) unless
    /// --record says where.
    #[arg(long, value_name = "ID", value_parser = parse_participant)]
    pub(crate) participant: Option<String>,
    /// A pain rating every this many minutes in the place (0: none between baseline and post).
    #[arg(long, value_name = "MIN", default_value_t = 5.0, value_parser = parse_every)]
    pub(crate) rate_every: f32,
    /// A sickness check (FMS 0–20) every this many minutes [default: none].
    #[arg(long, value_name = "MIN", value_parser = parse_every)]
    pub(crate) fms_every: Option<f32>,
    /// An FMS answer at or above this pauses the session and asks the therapist.
    #[arg(long, value_name = "0-20", default_value_t = 10, value_parser = clap::value_parser!(u8).range(1..=20))]
    pub(crate) fms_limit: u8,
    /// The most the time in the place may last, pauses included [default: --minutes + 10].
    #[arg(long, value_name = "MIN", value_parser = parse_minutes)]
    pub(crate) max_minutes: Option<f32>,
    /// No ratings: calibrate, the place, the closing, done.
    #[arg(long)]
    pub(crate) no_ratings: bool,
    /// Drive the session from a script (tests and demonstrations).
    #[arg(long, value_name = "FILE.ron", hide = true)]
    pub(crate) autopilot: Option<PathBuf>,
    /// Run scene time this many times faster (tests and demonstrations).
    #[arg(long, default_value_t = 1.0, hide = true, value_parser = parse_time_scale)]
    pub(crate) time_scale: f32,
    #[command(flatten)]
    pub(crate) room: RoomArgs,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
    /// Keep this session's record here: events.tsv (every phase, rating, marker, walk mark,
    /// written and synced as it happens), motion.tsv (head pose), frames.tsv, session.json.
    #[arg(long, value_name = "DIR", conflicts_with = "protocol")]
    pub(crate) record: Option<PathBuf>,
    /// Run this participant's next session of a study protocol: its scene, display,
    /// immersion level, minutes, ratings and questionnaires come from the protocol and plan.
    #[arg(long, value_name = "FILE.ron", requires = "participant")]
    pub(crate) protocol: Option<PathBuf>,
    /// The plan to follow (from `respite plan`) [default: the protocol's own, from its seed]
    #[arg(long, value_name = "FILE.tsv", requires = "protocol")]
    pub(crate) plan: Option<PathBuf>,
    /// The data folder [default: data/<study> with --protocol, else data]
    #[arg(long, value_name = "DIR")]
    pub(crate) data: Option<PathBuf>,
    /// Continue an interrupted session from its last completed step.
    #[arg(long, requires = "protocol")]
    pub(crate) resume: bool,
    /// Run this participant's next due session of a treatment program (programs/*.ron):
    /// its scene, level, minutes, ratings and modules (lessons, breathing, time in the
    /// place) come from the program and the participant's record. A session interrupted
    /// today is continued; one interrupted on an earlier day is tried again.
    #[arg(long, value_name = "FILE.ron", requires = "participant", conflicts_with_all = ["protocol", "record"])]
    pub(crate) program: Option<PathBuf>,
    /// The day this program session counts for, YYYY-MM-DD [default: today, local time]
    #[arg(long, value_name = "YYYY-MM-DD", requires = "program", value_parser = parse_day)]
    pub(crate) date: Option<respite_core::course::Day>,
    /// Run the program's last session again (recorded as a repeat, never renumbered).
    #[arg(long, requires = "program")]
    pub(crate) repeat: bool,
    /// Take markers from other devices: `stdin` (one per line), `udp:PORT` (127.0.0.1
    /// only; port 0 picks a free one), or another instrument's Lab Streaming Layer outlet,
    /// `lsl:NAME` or `lsl:type=TYPE`; repeatable.
    #[arg(long, value_name = "stdin|udp:PORT|lsl:NAME", value_parser = parse_marker_input)]
    pub(crate) markers: Vec<MarkerInput>,
    /// Offer the session on the Lab Streaming Layer (the local network): every event as a
    /// marker, the head's pose each frame, and the ratings, for LabRecorder beside the lab's
    /// other instruments. Off unless given.
    #[arg(long)]
    pub(crate) lsl: bool,
    /// Hear the patient's breath: `mic` (the default input device) or `file:WAV` (a
    /// recording, played in as if heard live); the pacer's orb then follows it, and each
    /// breath and minute goes on record. Off unless given.
    #[arg(long, value_name = "mic|file:WAV", value_parser = parse_breath_input)]
    pub(crate) breath: Option<BreathArg>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BreathArg {
    Mic,
    File(PathBuf),
}

pub(crate) fn parse_breath_input(s: &str) -> Result<BreathArg, String> {
    match s {
        "mic" => Ok(BreathArg::Mic),
        _ => match s.strip_prefix("file:") {
            Some(f) if !f.is_empty() => Ok(BreathArg::File(PathBuf::from(f))),
            _ => Err(format!("'{s}': give mic or file:FILE.wav")),
        },
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum MarkerInput {
    Stdin,
    Udp(u16),
    Lsl(respite::session::lsl::LslQuery),
}

pub(crate) fn parse_marker_input(s: &str) -> Result<MarkerInput, String> {
    match s {
        "stdin" => Ok(MarkerInput::Stdin),
        _ if s.starts_with("lsl:") => {
            respite::session::lsl::LslQuery::parse(&s[4..]).map(MarkerInput::Lsl)
        }
        _ => s
            .strip_prefix("udp:")
            .and_then(|p| p.parse().ok())
            .map(MarkerInput::Udp)
            .ok_or_else(|| format!("'{s}': use stdin, udp:PORT or lsl:NAME")),
    }
}

/// Which immersion level, and any of its fields changed for this run.
#[derive(Args, Clone, Default)]
pub(crate) struct LevelArgs {
    /// Immersion level (see `respite levels`) [default: the levels file's default]
    #[arg(long, value_name = "LEVEL")]
    pub(crate) immersion: Option<String>,
    /// Change one field of the level for this run, KEY=VALUE (e.g. fov_deg=80, stereo=mono,
    /// motion=0.5, audio=plain, interactive=on, body=off, walk_vignette=0.3); repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) level_set: Vec<String>,
}

pub(crate) fn parse_day(s: &str) -> Result<respite_core::course::Day, String> {
    respite_core::course::Day::parse(s)
        .ok_or_else(|| format!("'{s}' is not a calendar day; write it YYYY-MM-DD"))
}

pub(crate) fn parse_participant(s: &str) -> Result<String, String> {
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
pub(crate) fn parse_every(s: &str) -> Result<f32, String> {
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

pub(crate) fn parse_time_scale(s: &str) -> Result<f32, String> {
    parse_in(s, 0.1, 100.0, "")
}

/// How a walking scene walks. Ignored, with a warning, by scenes without a path.
#[derive(Args, Clone, Default)]
pub(crate) struct WalkArgs {
    /// The patient's body profile (RON: height_m, build, skin, shirt, trousers, shoes,
    /// legwear) [default: 1.70 m, neutral build]
    #[arg(long, value_name = "FILE.ron")]
    pub(crate) body: Option<PathBuf>,
    /// Which session of a course this is: graded walking goals grow with it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) walk_session: u32,
    /// Walking pace in m/s, 0.3–1.4 [default: the scene's]
    #[arg(long, value_name = "M_S", value_parser = parse_speed)]
    pub(crate) speed: Option<f32>,
    /// Strength of the comfort vignette while walking, 0–1 [default: the scene's]
    #[arg(long, value_parser = parse_unit)]
    pub(crate) vignette: Option<f32>,
    /// See the walk from one's own eyes or from behind the walker [default: the scene's]
    #[arg(long, value_enum)]
    pub(crate) view: Option<ViewArg>,
    /// Tilt of the screen camera in degrees, −70–15; negative looks down [default: the scene's]
    #[arg(long, value_name = "DEG", allow_hyphen_values = true, value_parser = parse_pitch)]
    pub(crate) pitch: Option<f32>,
    /// How the walk is driven: passive (the path carries the patient), interactive (the
    /// patient's arm swings, keys or switch step), wheelchair (the same moves push the rims),
    /// film (the place passes with no body) [default: the scene's]
    #[arg(long, value_name = "MODE", value_parser = parse_walking)]
    pub(crate) walking: Option<respite_core::walk::Walking>,
    /// What drives an interactive or wheelchair walk: swings (arm swings; ← → keys or the
    /// two mouse buttons on a screen), switch (hold W, a mouse button or a trigger to walk),
    /// nod (a nod starts and stops the walk; W or a click on a screen) [default: the scene's]
    #[arg(long, value_name = "INPUT", value_parser = parse_input)]
    pub(crate) input: Option<respite_core::walk::Input>,
}

pub(crate) fn parse_walking(s: &str) -> Result<respite_core::walk::Walking, String> {
    use respite_core::walk::Walking;
    Walking::from_code(s).ok_or_else(|| {
        let known: Vec<&str> = Walking::ALL.iter().map(|w| w.code()).collect();
        format!("'{s}' is not a walking mode; one of {}", known.join(", "))
    })
}

pub(crate) fn parse_input(s: &str) -> Result<respite_core::walk::Input, String> {
    use respite_core::walk::Input;
    Input::from_code(s).ok_or_else(|| {
        let known: Vec<&str> = Input::ALL.iter().map(|w| w.code()).collect();
        format!("'{s}' is not a walking input; one of {}", known.join(", "))
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ViewArg {
    FirstPerson,
    ThirdPerson,
    /// From 3.2 m to the walker's right, at hip height (pictures of the gait).
    Side,
}

pub(crate) fn parse_speed(s: &str) -> Result<f32, String> {
    parse_in(s, 0.3, 1.4, "m/s")
}

pub(crate) fn parse_unit(s: &str) -> Result<f32, String> {
    parse_in(s, 0.0, 1.0, "")
}

pub(crate) fn parse_pitch(s: &str) -> Result<f32, String> {
    parse_in(s, -70.0, 15.0, "degrees")
}

#[derive(Args)]
pub(crate) struct ScreenshotArgs {
    /// Scene to picture.
    #[arg(long)]
    pub(crate) scene: String,
    /// PNG file to write.
    #[arg(long, value_name = "FILE.png")]
    pub(crate) out: PathBuf,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    /// Frames to render before capturing.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) frames: u32,
    /// Display to picture through; `auto` shows what a run without a headset shows.
    #[arg(long, value_enum, default_value_t = DisplayChoice::Flat)]
    pub(crate) display: DisplayChoice,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
    #[command(flatten)]
    pub(crate) level: LevelArgs,
    /// In a walking scene, picture the walk this many seconds under way.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_walk_at)]
    pub(crate) walk_at: f32,
    /// Picture the breathing pacer following this recording of a breath (`file:WAV`),
    /// heard frame by frame at the picture's own clock (1/60 s a frame).
    #[arg(long, value_name = "file:WAV", value_parser = parse_breath_file)]
    pub(crate) breath: Option<BreathArg>,
    /// With `--breath`: the recording this many seconds in at the first frame (heard up to
    /// there at once), so a picture of a late breath needs few frames.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_walk_at, requires = "breath")]
    pub(crate) breath_at: f32,
}

pub(crate) fn parse_breath_file(s: &str) -> Result<BreathArg, String> {
    match parse_breath_input(s)? {
        BreathArg::Mic => Err(format!("'{s}': a picture takes a recording, file:FILE.wav")),
        file => Ok(file),
    }
}

pub(crate) fn parse_walk_at(s: &str) -> Result<f32, String> {
    parse_in(s, 0.0, 7200.0, "seconds")
}

pub(crate) fn parse_minutes(s: &str) -> Result<f32, String> {
    match parse_in(s, 0.0, 120.0, "minutes")? {
        0.0 => Err("a run needs more than 0 minutes".into()),
        m => Ok(m),
    }
}

pub(crate) fn parse_in(s: &str, lo: f32, hi: f32, what: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside {lo} to {hi} {what}"))
    }
}

pub(crate) fn parse_ambient(s: &str) -> Result<Ambient, String> {
    if s == "measure" {
        Ok(Ambient::Measure)
    } else {
        parse_in(s, 20.0, 100.0, "dB SPL").map(Ambient::Db)
    }
}

pub(crate) fn parse_sound_level(s: &str) -> Result<respite_core::scene::LevelMode, String> {
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

pub(crate) fn parse_headphones(s: &str) -> Result<f32, String> {
    parse_in(s, 60.0, 140.0, "dB SPL")
}

pub(crate) fn parse_seconds(s: &str) -> Result<f32, String> {
    // At least the two 3 s fades.
    parse_in(s, 6.0, 3_600.0, "seconds")
}

pub(crate) fn parse_size(s: &str) -> Result<(u32, u32), String> {
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
pub(crate) fn scenes_dir(flag: Option<PathBuf>) -> PathBuf {
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
pub(crate) fn run_flags_with_other_command(matches: &clap::ArgMatches) -> Option<String> {
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
        "walking",
        "input",
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
