//! Everything a session puts on record, as one typed enum. [`SessionEvent::name`] and
//! [`SessionEvent::detail`] are the only writer of the events table's `trial_type` and
//! `detail` cells, and [`SessionEvent::parse`] the only reader (resume and the report go
//! through it), so what is written can always be read back: a test round-trips every kind.
//!
//! A detail is `key=value` pairs separated by spaces; text that may hold spaces is quoted
//! (`label="reports nausea"`, a `"` inside turned into `'`). Each key is the field's name
//! here, and every enum's value is its code, written out by hand, never its variant's name:
//! renaming a variant cannot change the data.

use super::rating::{Rating, Scale, Timepoint, Via, Who};
use super::{AudioStage, ImmersionLevel, PauseReason, Stereo};
use crate::walk::body::{Build, Legwear, Seat, Sleeves};
use crate::walk::drive::{Input, Side, Walking};
use crate::walk::walker::{WalkEvent, WalkLog};
use crate::walk::{PathKind, WalkView};
use std::fmt::Write as _;

/// The session's steps as the record names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Calibrate,
    Baseline,
    Immersion,
    Closing,
    Post,
    Done,
}

/// How the time in the place came to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// The planned minutes were up.
    Planned,
    /// The therapist ended it early.
    Ended,
    /// The session's maximum length was reached.
    TimeLimit,
    /// The emergency stop.
    Emergency,
    /// Before the place, the therapist started again with another scene or level (a new
    /// process keeps its own record).
    Restart,
}

/// How a therapist's command came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandVia {
    Keys,
    Console,
    /// A scripted run (tests, demonstrations).
    Autopilot,
    /// A step of the study's protocol.
    Protocol,
}

/// What a display reported about itself, by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveDisplay {
    Xr,
    Flat,
    Offscreen,
}

/// Defines `code()` and `from_code()` for an enum of plain variants, with each code
/// written out.
macro_rules! codes {
    ($t:ty { $($v:ident => $c:literal),* $(,)? }) => {
        impl $t {
            /// The name in records, pinned by a test.
            pub fn code(self) -> &'static str {
                match self { $(Self::$v => $c),* }
            }
            /// The value a record names, if it names one.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($c => Some(Self::$v),)* _ => None }
            }
            /// Every value, for tests and pickers.
            pub const ALL: &'static [Self] = &[$(Self::$v),*];
        }
        impl Value for $t {
            fn put(&self, _: Fmt) -> Option<String> {
                Some(self.code().to_string())
            }
            fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
                let s = need(s)?;
                Self::from_code(s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    format!("'{s}' is not one of {}", known.join(", "))
                })
            }
        }
    };
}

codes!(Phase {
    Calibrate => "Calibrate",
    Baseline => "Baseline",
    Immersion => "Immersion",
    Closing => "Closing",
    Post => "Post",
    Done => "Done",
});
codes!(Closing {
    Planned => "Planned",
    Ended => "Ended",
    TimeLimit => "TimeLimit",
    Emergency => "Emergency",
    Restart => "Restart",
});
codes!(CommandVia {
    Keys => "keys",
    Console => "console",
    Autopilot => "autopilot",
    Protocol => "protocol",
});
codes!(ActiveDisplay {
    Xr => "Xr",
    Flat => "Flat",
    Offscreen => "Offscreen",
});
codes!(PauseReason {
    Therapist => "therapist",
    SicknessCheck => "sickness_check",
    Headset => "headset",
    RuntimeLost => "runtime_lost",
    Switching => "switching",
});
codes!(Who {
    Patient => "patient",
    Therapist => "therapist",
});
codes!(Via {
    Gaze => "gaze",
    Keys => "keys",
    Mouse => "mouse",
    Controller => "controller",
    Console => "console",
    Timer => "timer",
    Head => "head",
});
codes!(Stereo {
    Stereo => "stereo",
    Mono => "mono",
});
codes!(AudioStage {
    Spatial => "spatial",
    Plain => "plain",
});
codes!(Build {
    Female => "Female",
    Male => "Male",
    Neutral => "Neutral",
});
codes!(Legwear {
    Trousers => "Trousers",
    Shorts => "Shorts",
    Skirt => "Skirt",
    Dress => "Dress",
});
codes!(Sleeves {
    Short => "Short",
    Long => "Long",
});
codes!(Seat {
    Chair => "Chair",
    Wheelchair => "Wheelchair",
});
codes!(Walking {
    Passive => "passive",
    Interactive => "interactive",
    Wheelchair => "wheelchair",
    Film => "film",
});
codes!(Input {
    Swings => "swings",
    Switch => "switch",
    Nod => "nod",
});
codes!(Side {
    Left => "left",
    Right => "right",
});
codes!(PathKind {
    Loop => "Loop",
    ThereAndBack => "ThereAndBack",
});

/// How a field is written: `n/a` when absent (else the key is left out), to so many
/// decimals, as one unquoted word (else text is quoted).
#[derive(Debug, Clone, Copy, Default)]
pub struct Fmt {
    na: bool,
    dp: Option<usize>,
    word: bool,
}

/// A value that can stand in a detail.
pub trait Value: Sized {
    /// The text after `key=`; `None` leaves the key out.
    fn put(&self, f: Fmt) -> Option<String>;
    /// From the text after `key=` (`None`: the key is not there).
    fn take(s: Option<&str>, f: Fmt) -> Result<Self, String>;
    /// Whether the value stands as pairs of its own, without a key.
    fn spread() -> bool {
        false
    }
    /// From the whole detail: the value of `key`, unless the value stands as pairs of its own.
    fn take_from(detail: &str, key: &str, f: Fmt) -> Result<Self, String> {
        Self::take(field(detail, key), f)
    }
}

fn need(s: Option<&str>) -> Result<&str, String> {
    s.ok_or_else(|| "missing".to_string())
}

macro_rules! number {
    ($finite:expr; $($t:ty),*) => {$(
        impl Value for $t {
            fn put(&self, f: Fmt) -> Option<String> {
                Some(match f.dp {
                    Some(dp) => format!("{:.*}", dp, self),
                    None => self.to_string(),
                })
            }
            fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
                let s = need(s)?;
                let v: $t = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
                let finite: fn(&$t) -> bool = $finite;
                if !finite(&v) {
                    return Err(format!("'{s}' is not a finite number"));
                }
                Ok(v)
            }
        }
    )*};
}
number!(|v| v.is_finite(); f32, f64);
number!(|_| true; u8, u16, u32, u64, usize, i64);

impl Value for bool {
    fn put(&self, _: Fmt) -> Option<String> {
        Some(self.to_string())
    }
    fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
        match need(s)? {
            "true" => Ok(true),
            "false" => Ok(false),
            s => Err(format!("'{s}' is not true or false")),
        }
    }
}

/// Text fit for a detail: no quotes inside a quoted value, no tabs or line breaks.
fn clean(s: &str) -> String {
    s.replace('"', "'").replace(['\t', '\n', '\r'], " ")
}

impl Value for String {
    fn put(&self, f: Fmt) -> Option<String> {
        Some(if f.word {
            let w = clean(self).replace(' ', "_");
            if w.is_empty() { "n/a".into() } else { w }
        } else {
            format!("\"{}\"", clean(self))
        })
    }
    fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
        Ok(need(s)?.to_string())
    }
}

impl<T: Value> Value for Option<T> {
    fn put(&self, f: Fmt) -> Option<String> {
        match self {
            Some(v) => v.put(f),
            None if f.na => Some("n/a".into()),
            None => None,
        }
    }
    fn take(s: Option<&str>, f: Fmt) -> Result<Self, String> {
        match s {
            None | Some("n/a") => Ok(None),
            Some(_) => T::take(s, f).map(Some),
        }
    }
}

impl Value for Timepoint {
    fn put(&self, _: Fmt) -> Option<String> {
        Some(self.to_string())
    }
    fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
        let s = need(s)?;
        Timepoint::parse(s).ok_or_else(|| format!("'{s}' is not a timepoint"))
    }
}

impl Value for crate::color::Rgb {
    fn put(&self, _: Fmt) -> Option<String> {
        Some(self.to_string())
    }
    fn take(s: Option<&str>, _: Fmt) -> Result<Self, String> {
        crate::color::Rgb::parse(need(s)?)
    }
}

/// Pause reasons still holding, `a,b`; the key is left out when none does.
impl Value for Vec<PauseReason> {
    fn put(&self, _: Fmt) -> Option<String> {
        (!self.is_empty()).then(|| self.iter().map(|r| r.code()).collect::<Vec<_>>().join(","))
    }
    fn take(s: Option<&str>, f: Fmt) -> Result<Self, String> {
        match s {
            None | Some("") => Ok(Vec::new()),
            Some(s) => s
                .split(',')
                .map(|r| PauseReason::take(Some(r), f))
                .collect(),
        }
    }
}

/// Scores by name, `total=12.34 nausea=9.54`, in the questionnaire's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores(pub Vec<(String, f64)>);

#[doc(hidden)]
#[macro_export]
macro_rules! __event_fmt {
    () => {
        $crate::session::event::Fmt::plain()
    };
    (na) => {
        $crate::session::event::Fmt::plain().na()
    };
    (word) => {
        $crate::session::event::Fmt::plain().word()
    };
    (na word) => {
        $crate::session::event::Fmt::plain().na().word()
    };
    ($dp:literal) => {
        $crate::session::event::Fmt::plain().dp($dp)
    };
    (na $dp:literal) => {
        $crate::session::event::Fmt::plain().na().dp($dp)
    };
}

impl Fmt {
    pub const fn plain() -> Self {
        Fmt {
            na: false,
            dp: None,
            word: false,
        }
    }
    pub const fn na(self) -> Self {
        Fmt { na: true, ..self }
    }
    pub const fn word(self) -> Self {
        Fmt { word: true, ..self }
    }
    pub const fn dp(self, dp: usize) -> Self {
        Fmt {
            dp: Some(dp),
            ..self
        }
    }
}

/// Writes `key=value` pairs.
#[derive(Default)]
struct Out(String);

impl Out {
    fn put<T: Value>(&mut self, key: &str, v: &T, f: Fmt) {
        if let Some(text) = v.put(f) {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            if T::spread() {
                self.0.push_str(&text);
            } else {
                let _ = write!(self.0, "{key}={text}");
            }
        }
    }
}

/// The value of `key` in a `key=value key2="quoted value"` detail.
pub fn field<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = detail;
    while let Some(at) = rest.find('=') {
        let key_start = rest[..at].rfind(' ').map_or(0, |i| i + 1);
        let k = &rest[key_start..at];
        let after = &rest[at + 1..];
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (&q[..end], &q[(end + 1).min(q.len())..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if k == key {
            return Some(v);
        }
        rest = next;
    }
    None
}

/// Reads one field of a detail, naming the key in the error.
fn take<T: Value>(detail: &str, key: &str, f: Fmt) -> Result<T, String> {
    T::take_from(detail, key, f).map_err(|e| format!("{key}: {e}"))
}

macro_rules! session_events {
    ($(
        $(#[$m:meta])*
        $variant:ident = $name:literal { $( $(#[$fm:meta])* $field:ident : $ty:ty $([$($f:tt)*])? ),* $(,)? }
    ),* $(,)?) => {
        /// One thing that happened in a session, with everything the record says of it.
        #[derive(Debug, Clone, PartialEq)]
        pub enum SessionEvent {
            $( $(#[$m])* $variant { $( $(#[$fm])* $field: $ty ),* } ),*
        }

        impl SessionEvent {
            /// Every kind's name, as `trial_type` holds it.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The event's name in the record (`trial_type`).
            pub fn name(&self) -> &'static str {
                match self { $( Self::$variant { .. } => $name ),* }
            }

            /// The `key=value` pairs of the record's `detail`.
            #[allow(unused_mut, unused_variables)]
            pub fn detail(&self) -> String {
                let mut out = Out::default();
                match self {
                    $( Self::$variant { $($field),* } => {
                        $( out.put(stringify!($field), $field, $crate::__event_fmt!($($($f)*)?)); )*
                    } ),*
                }
                out.0
            }

            /// The event a record's `trial_type` and `detail` hold, or what is wrong with it.
            #[allow(unused_variables)]
            pub fn parse(name: &str, detail: &str) -> Result<Self, String> {
                match name {
                    $( $name => Ok(Self::$variant {
                        $( $field: take(detail, stringify!($field), $crate::__event_fmt!($($($f)*)?))
                            .map_err(|e| format!("{name}: {e}"))?, )*
                    }), )*
                    other => Err(format!("'{other}' is not an event this version writes")),
                }
            }
        }
    };
}

session_events! {
    /// The wall-clock moment of the record's zero (onsets count from it), so onsets can be
    /// set beside other instruments' timestamps.
    Clock = "clock" {
        zero_unix_s: f64 [6],
        source: String [word],
    },
    /// The session's plan as it began.
    SessionStart = "session_start" {
        participant: Option<String> [na word],
        scene: String [word],
        minutes: f32,
        ratings: bool,
        rate_every_min: Option<f32> [na],
        fms_every_min: Option<f32> [na],
        fms_pause_at: u8,
        max_minutes: f32,
        time_scale: f32,
    },
    /// The immersion level's values now (at the start, and after a switch).
    Immersion = "immersion" {
        level: String [word],
        fov_deg: f32,
        stereo: Stereo,
        motion: f32,
        audio: AudioStage,
        interactive: bool,
        body: bool,
        walk_vignette: f32,
    },
    /// This run continues an interrupted session.
    SessionResumed = "session_resumed" {
        answered_before: usize,
        place_done: bool,
    },
    /// What the display turned out to be.
    Display = "display" {
        requested: String [word],
        active: ActiveDisplay,
        runtime: Option<String> [na],
        fallback: String,
    },
    /// The headset's runtime is gone; the place is paused on the screen.
    DisplayLost = "display_lost" {
        reason: String,
        to: String [word],
        paused: bool,
    },
    /// The therapist moved the session from the headset to the screen.
    DisplaySwitch = "display_switch" {
        to: String [word],
        by: Who,
    },
    /// A step of the session began.
    Phase = "phase" {
        phase: Phase,
        /// How the place ended (with `Closing` and `Done`).
        how: Option<Closing>,
    },
    /// A reason to pause began to hold.
    Pause = "pause" {
        by: PauseReason,
        fms: Option<u8>,
        limit: Option<u8>,
        /// The headset's state that stopped the scene.
        state: Option<String> [word],
    },
    /// A reason to pause ended.
    Resume = "resume" {
        by: PauseReason,
        ended_by: Option<Who>,
        to: Option<String> [word],
        closing: Option<bool>,
        state: Option<String> [word],
        still_paused_by: Vec<PauseReason>,
    },
    EmergencyStop = "emergency_stop" {
        phase: Phase,
    },
    /// The therapist changed the minutes before the place.
    Plan = "plan" {
        minutes: f32,
        max_minutes: f32,
        by: Who,
    },
    /// Before the place, a new process was started with another scene or level.
    Restart = "restart" {
        scene: String [word],
        level: String [word],
        by: Who,
        pid: u32,
    },
    /// The place is to change: it fades to the neutral, the next is built behind it, and it
    /// fades in.
    SceneSwitch = "scene_switch" {
        from: String [word],
        to: String [word],
        by: Who,
        via: CommandVia,
    },
    /// The next place is built and compiled; it fades in now.
    SceneShown = "scene_shown" {
        scene: String [word],
        /// Frames the neutral was held while it was built and compiled.
        built_frames: u32,
        /// Real seconds from the switch's start to this moment.
        switch_s: f32 [2],
    },
    /// The immersion level changed in the place (its values follow as `immersion`).
    LevelSwitch = "level_switch" {
        from: String [word],
        to: String [word],
        by: Who,
        via: CommandVia,
    },
    SessionEnd = "session_end" {
        how: Closing,
        completed: bool,
        in_place_s: f32 [1],
    },
    Calibrate = "calibrate" {
        eye_height_m: f32 [3],
        head_yaw_deg: f32 [1],
    },
    /// The frame that reached the neutral.
    Faded = "faded" {
        to: String [word],
        fade_s: f32 [2],
    },
    /// An answer (or a skipped question).
    Rating = "rating" {
        timepoint: Timepoint,
        scale: String [word],
        value: Option<u8> [na],
        by: Who,
        via: Via,
        latency_s: f32 [2],
        /// The yes/no question in the therapist's words.
        question: Option<String>,
        /// The questionnaire item's code.
        item: Option<String> [word],
    },
    /// A rest between conditions began: `rule=minutes wait_s=…` or
    /// `rule=until_baseline target=… within=… every_s=… max_s=…`.
    WashoutStart = "washout_start" {
        rule: String [word],
        wait_s: Option<f32> [0],
        target: Option<u8>,
        within: Option<u8>,
        every_s: Option<f32> [0],
        max_s: Option<f32> [0],
    },
    WashoutEnd = "washout_end" {
        waited_s: f32 [0],
        back_to_baseline: Option<bool>,
        target: Option<u8>,
        within: Option<u8>,
    },
    FollowupStart = "followup_start" {
        every_min: f32,
        within: u8,
        max_min: f32,
        baseline: u8,
    },
    FollowupAsk = "followup_ask" {
        scheduled_min: f32,
        at_min: f32 [2],
    },
    FollowupEnd = "followup_end" {
        every_min: f32,
        within: u8,
        max_min: f32,
        baseline: Option<u8>,
        back_to_baseline: Option<bool> [na],
        after_min: f32 [2],
        reason: String [word],
    },
    /// A questionnaire's scores once its last item is answered (`complete=false` when an
    /// item was skipped).
    QuestionnaireScore = "questionnaire_score" {
        q: String [word],
        timepoint: Timepoint,
        scores: Scores,
        complete: Option<bool>,
        version: String [word],
    },
    /// The therapist's volume, dB around the soundscape's level.
    Volume = "volume" {
        db: f32 [1],
        by: Who,
        via: CommandVia,
    },
    /// Whether a sound device plays the soundscape.
    Sound = "sound" {
        device: String [word],
        waited_s: Option<f32>,
    },
    /// Something could not be written, on record as soon as the disk takes it.
    RecordFault = "record_fault" {
        reason: String,
        lost: Option<u64>,
        at_s: f64 [2],
    },
    Pacer = "pacer" {
        on: bool,
        breaths_per_min: f32,
    },
    /// The breath input (`--breath`): listening, or stopped and why.
    BreathInput = "breath_input" {
        source: String [word],
        state: String [word],
        reason: Option<String>,
    },
    /// A breath heard (`--breath`), put on record when its sound ended: which way, when it
    /// began and ended on the input's clock (seconds from when listening began), its level
    /// over the noise floor, and the rate of the last minute as it then stood.
    Breath = "breath" {
        phase: String [word],
        start_s: f64 [2],
        end_s: f64 [2],
        level_db: f32 [1],
        rate_per_min: Option<f32> [na 2],
    },
    /// A minute in the place with `--breath` (the last one as far as it went): exhales heard,
    /// the rate, and with the pacer on its rate and how far the patient's was from it.
    BreathMinute = "breath_minute" {
        minute: u32,
        exhales: u32,
        rate_per_min: Option<f32> [na 2],
        pacer_per_min: Option<f32> [na 1],
        off_pacer_per_min: Option<f32> [na 2],
    },
    AttentionStart = "attention_start" {
        round: u32,
        lights: usize,
    },
    AttentionResult = "attention_result" {
        round: u32,
        shown: usize,
        answered: Option<u8> [na],
        error: Option<i64> [na],
    },
    AttentionAbandoned = "attention_abandoned" {
        round: u32,
    },
    /// Where the record's zero stands on this machine's Lab Streaming Layer clock (with
    /// `--lsl` or an LSL marker input): an LSL timestamp `t` is onset `t - zero_lsl_s`.
    LslClock = "lsl_clock" {
        zero_lsl_s: f64 [6],
    },
    /// A Lab Streaming Layer stream: an outlet this session offers (`role=out`), or another
    /// instrument's outlet it takes markers from (`role=in`): offered, found, lost, or
    /// unavailable and why.
    LslStream = "lsl_stream" {
        role: String [word],
        name: String,
        stream_type: String [word],
        source_id: String [word],
        state: String [word],
        reason: Option<String>,
    },
    /// An input for outside markers could not be opened.
    MarkersUnavailable = "markers_unavailable" {
        source: String [word],
        port: Option<u16>,
        reason: String,
    },
    /// A marker: from the console or F1–F8 (`key`, `by`, `via`), or from another device
    /// (`source`, `received_s`).
    Marker = "marker" {
        key: Option<String> [word],
        source: Option<String> [word],
        label: String,
        by: Option<Who>,
        via: Option<CommandVia>,
        received_s: Option<f64> [4],
        /// A Lab Streaming Layer marker's own timestamp, moved onto this machine's LSL clock
        /// (the sender's stamp plus `lsl_offset_s`); `lsl_clock` says where the record's zero
        /// stands on that clock.
        lsl_s: Option<f64> [6],
        /// The sender's clock's offset from ours that `lsl_s` was moved by, as LSL's time
        /// correction measured it.
        lsl_offset_s: Option<f64> [6],
    },
    /// Outside markers refused in the last second, and in all.
    MarkersRefused = "markers_refused" {
        source: String [word],
        over_rate: u64,
        not_utf8: u64,
        cut_long: u64,
        total_over_rate: u64,
        total_not_utf8: u64,
        total_cut_long: u64,
    },
    /// A butterfly called by the gaze.
    GazeVisit = "gaze_visit" {
        x: f32 [2],
        z: f32 [2],
        distance_m: f32 [2],
    },
    /// The body as drawn (walking, or seated). `tone` is the skin palette's (1–6,
    /// Fitzpatrick I–VI) when the skin is one of its colours.
    Body = "body" {
        height_m: f32 [2],
        build: Build,
        legwear: Legwear,
        skin: crate::color::Rgb,
        shirt: crate::color::Rgb,
        trousers: crate::color::Rgb,
        shoes: crate::color::Rgb,
        eye_height_m: f32 [2],
        tone: Option<u8>,
        hair: Option<crate::color::Rgb>,
        sleeves: Option<Sleeves>,
        seat: Option<Seat>,
        /// Whether it is drawn: the immersion level (or a film) may leave it out.
        shown: Option<bool>,
    },
    /// How this walk walks.
    WalkSettings = "walk_settings" {
        path_m: f32 [1],
        kind: PathKind,
        speed_m_s: f32 [2],
        /// Degrees a second the view turns with the path; `n/a`: it never turns.
        turn_deg_s: Option<f32> [na],
        view: String [word],
        session: u32,
        vignette: f32 [2],
        head_bob: bool,
        /// The walking mode (`n/a` in records from before there were modes: passive).
        walking: Option<Walking>,
        /// What drives an interactive or wheelchair walk.
        input: Option<Input>,
    },
    /// Something the patient did to drive the walk: a swing (`side`, `amplitude` 0–1, the
    /// `step_m` it gave), the switch pressed or released, a nod (`go`: the walk goes or
    /// stops); `taken` false when it drove nothing (not this walk's input, or the walker
    /// was turning back or stopping).
    WalkCue = "walk_cue" {
        cue: String [word],
        side: Option<Side>,
        amplitude: Option<f32> [2],
        step_m: Option<f32> [2],
        go: Option<bool>,
        taken: bool,
        via: Via,
    },
    /// A visuo-tactile stroke cue: a soft light brushes along the body's `limb` for
    /// `seconds`, for the therapist to stroke the real limb in time with it. `stroke_end`
    /// when the light has gone.
    StrokeStart = "stroke_start" {
        limb: String [word],
        seconds: f32 [1],
        by: Who,
        via: CommandVia,
    },
    StrokeEnd = "stroke_end" {
        limb: String [word],
    },
    WalkPace = "walk_pace" {
        speed_m_s: f32 [2],
        by: Who,
        via: CommandVia,
    },
    WalkStart = "walk_start" { goal: String [word], walked_m: f32 [2], steps: u64, walking_s: f32 [2] },
    WalkMark = "walk_mark" { mark: u32, walked_m: f32 [2], steps: u64, walking_s: f32 [2] },
    WalkLandmark = "walk_landmark" {
        landmark: usize,
        name: String,
        walked_m: f32 [2],
        steps: u64,
        walking_s: f32 [2],
    },
    WalkTurnBack = "walk_turn_back" { walked_m: f32 [2], steps: u64, walking_s: f32 [2] },
    WalkGoalReached = "walk_goal_reached" { walked_m: f32 [2], steps: u64, walking_s: f32 [2] },
    WalkEnd = "walk_end" { walked_m: f32 [2], steps: u64, walking_s: f32 [2] },
    /// Where this sitting stands in a program's course: session `session` of `of` (its
    /// `attempt`-th try; `repeat` when the therapist asked for it again), the day it counts
    /// for, how many planned days went by without a session since the last, the level.
    Course = "course" {
        program: String [word],
        session: usize,
        of: usize,
        name: String [word],
        day: String [word],
        attempt: usize,
        repeat: bool,
        missed_days: usize,
        level: String [word],
    },
    /// A planned day of the course with no session (one event per day, at the next
    /// sitting).
    CourseMissed = "course_missed" {
        day: String [word],
    },
    /// A module of a program's session began (its index from 1, what it is, its lesson).
    ModuleStart = "module_start" {
        index: usize,
        kind: String [word],
        lesson: Option<String> [word],
        minutes: Option<f32> [na],
    },
    ModuleEnd = "module_end" {
        index: usize,
        kind: String [word],
        module_s: f32 [1],
    },
    /// A lesson card was read and moved on from (by the patient's look, a key, or its
    /// time), after `read_s` seconds.
    LessonCard = "lesson_card" {
        lesson: String [word],
        card: usize,
        of: usize,
        by: Who,
        via: Via,
        read_s: f32 [1],
    },
    /// The answer to a lesson's check question (`answer` the option from 0; `n/a` skipped).
    LessonCheck = "lesson_check" {
        lesson: String [word],
        answer: Option<u8> [na],
        correct: Option<bool> [na],
        by: Who,
        via: Via,
        latency_s: f32 [2],
    },
    /// A step of the breathing practice's guided script came on the panel.
    BreathingGuide = "breathing_guide" {
        step: String [word],
    },
}

/// Scores stand as pairs of their own (`total=12.34 nausea=9.54`) between the timepoint
/// and the version: every pair of a `questionnaire_score` that is not one of its other
/// fields is a score.
impl Value for Scores {
    fn put(&self, _: Fmt) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|(k, v)| format!("{k}={v:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    }
    fn take(_: Option<&str>, _: Fmt) -> Result<Self, String> {
        Ok(Scores::default())
    }
    fn spread() -> bool {
        true
    }
    fn take_from(detail: &str, _: &str, _: Fmt) -> Result<Self, String> {
        const OTHERS: [&str; 4] = ["q", "timepoint", "complete", "version"];
        let mut scores = Vec::new();
        for pair in detail.split(' ') {
            if let Some((k, v)) = pair.split_once('=')
                && !OTHERS.contains(&k)
            {
                let v: f64 = v
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| format!("{k}: '{v}' is not a finite number"))?;
                scores.push((k.to_string(), v));
            }
        }
        Ok(Scores(scores))
    }
}

impl SessionEvent {
    /// The level's values, on record.
    pub fn immersion(level: &ImmersionLevel) -> Self {
        SessionEvent::Immersion {
            level: level.name.clone(),
            fov_deg: level.fov_deg,
            stereo: level.stereo,
            motion: level.motion,
            audio: level.audio,
            interactive: level.interactive,
            body: level.body,
            walk_vignette: level.walk_vignette,
        }
    }

    /// A pause reason beginning to hold, with nothing more to say.
    pub fn pause(by: PauseReason) -> Self {
        SessionEvent::Pause {
            by,
            fms: None,
            limit: None,
            state: None,
        }
    }

    /// A pause reason ending, with nothing more to say.
    pub fn resume(by: PauseReason) -> Self {
        SessionEvent::Resume {
            by,
            ended_by: None,
            to: None,
            closing: None,
            state: None,
            still_paused_by: Vec::new(),
        }
    }

    /// An answer on record.
    pub fn rating(r: &Rating) -> Self {
        SessionEvent::Rating {
            timepoint: r.timepoint,
            scale: r.scale.code().to_string(),
            value: r.value,
            by: r.who,
            via: r.via,
            latency_s: r.latency_s,
            question: match &r.scale {
                Scale::YesNo(q) => Some(q.clone()),
                _ => None,
            },
            item: r.scale.item().map(|i| i.code.to_string()),
        }
    }

    /// A walk's event on record.
    pub fn walk(log: &WalkLog) -> Self {
        let (walked_m, steps, walking_s) = (log.distance_m, log.steps, log.at_s);
        match &log.event {
            WalkEvent::Started(goal) => SessionEvent::WalkStart {
                goal: goal.to_string(),
                walked_m,
                steps,
                walking_s,
            },
            WalkEvent::Mark(n) => SessionEvent::WalkMark {
                mark: *n,
                walked_m,
                steps,
                walking_s,
            },
            WalkEvent::Landmark(i, name) => SessionEvent::WalkLandmark {
                landmark: *i,
                name: name.clone(),
                walked_m,
                steps,
                walking_s,
            },
            WalkEvent::TurnedBack => SessionEvent::WalkTurnBack {
                walked_m,
                steps,
                walking_s,
            },
            WalkEvent::GoalReached => SessionEvent::WalkGoalReached {
                walked_m,
                steps,
                walking_s,
            },
            WalkEvent::Finished => SessionEvent::WalkEnd {
                walked_m,
                steps,
                walking_s,
            },
        }
    }
}

/// A walk view's code: `first_person`, or `third_person` with its offsets.
pub fn walk_view_code(view: WalkView) -> String {
    match view {
        WalkView::FirstPerson => "first_person".into(),
        WalkView::ThirdPerson(behind, above) => {
            format!("third_person_{behind}m_behind_{above}m_above")
        }
    }
}

#[cfg(test)]
mod tests;
