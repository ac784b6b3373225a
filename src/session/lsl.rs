//! Lab Streaming Layer, through the official liblsl: the session's outlets (`--lsl`) and
//! another instrument's markers taken in (`--markers lsl:NAME`).
//!
//! Out, three streams, each named for the participant and session and nothing more:
//! - `Markers` (one string channel): every line of events.tsv as it is written, the same
//!   text, stamped with its onset on the LSL clock. Lines wait (up to [`HELD_MAX`]) until a
//!   first consumer (LabRecorder, an inlet) connects, then go with their own stamps, so a
//!   recording started after the app still has the session's start.
//! - `Pose` (7 float channels: x y z metres, qx qy qz qw): the head each frame, stamped with
//!   the time the headset's runtime predicts the frame is shown where it tells (OpenXR's
//!   `XR_KHR_convert_timespec_time`), else the frame's moment (motion.tsv's `t_s`).
//! - `Ratings` (three string channels: timepoint, scale, value): each rating as it is given.
//!
//! Every liblsl object lives on a thread of its own: the frame only sends numbers and text
//! through a bounded queue and never waits on the network. LSL's clock is the machine's
//! monotonic clock; the record puts its zero on that clock once (`lsl_clock`).

use super::Record;
use bevy::prelude::*;
use respite_core::session::event::SessionEvent;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Markers and ratings kept for a first consumer, at most; older ones give way.
pub const HELD_MAX: usize = 10_000;
/// How long the outlets stay up after the session's last line, so a consumer takes it.
const LINGER: Duration = Duration::from_millis(800);

/// `--lsl`: the session offers its streams; `label` names whose they are (`sub-P01_ses-2`,
/// or empty for a run without a participant).
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct LslConfig {
    pub out: bool,
    pub label: String,
}

impl LslConfig {
    /// `Respite Markers sub-P01_ses-2`.
    pub fn name(&self, stream: &str) -> String {
        if self.label.is_empty() {
            format!("Respite {stream}")
        } else {
            format!("Respite {stream} {}", self.label)
        }
    }

    /// `respite_sub-P01_ses-2_markers`: what every outlet of this session's starts with.
    pub fn source_prefix(&self) -> String {
        if self.label.is_empty() {
            "respite_".into()
        } else {
            format!("respite_{}_", self.label)
        }
    }

    pub fn source_id(&self, stream: &str) -> String {
        format!("{}{}", self.source_prefix(), stream.to_lowercase())
    }
}

/// The LSL clock beside ours: an [`Instant`] and the LSL time read at once.
#[derive(Resource, Clone, Copy, Debug)]
pub struct LslEpoch {
    at: Instant,
    lsl: f64,
}

impl LslEpoch {
    pub fn now() -> Self {
        Self {
            at: Instant::now(),
            lsl: lsl::local_clock(),
        }
    }

    /// `t` on the LSL clock.
    pub fn of(&self, t: Instant) -> f64 {
        match t.checked_duration_since(self.at) {
            Some(d) => self.lsl + d.as_secs_f64(),
            None => self.lsl - self.at.duration_since(t).as_secs_f64(),
        }
    }
}

enum Out {
    Line(String, f64),
    Rating([String; 3], f64),
    Pose([f32; 7], f64),
}

/// The outlets' thread and its queue.
#[derive(Resource)]
pub struct LslOut {
    tx: Option<SyncSender<Out>>,
    thread: Option<JoinHandle<()>>,
    /// What the queue refused (the thread fell behind): counted, never waited for.
    pub dropped: std::sync::Arc<AtomicU64>,
}

impl Drop for LslOut {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl LslOut {
    fn send(&self, out: Out) {
        if let Some(tx) = &self.tx
            && let Err(TrySendError::Full(_)) = tx.try_send(out)
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A line of events.tsv (without its newline), at its onset on the LSL clock.
    pub fn line(&self, line: &str, lsl_s: f64) {
        self.send(Out::Line(line.trim_end_matches('\n').to_string(), lsl_s));
    }

    pub fn rating(&self, timepoint: String, scale: String, value: Option<u8>, lsl_s: f64) {
        let value = value.map_or("n/a".to_string(), |v| v.to_string());
        self.send(Out::Rating([timepoint, scale, value], lsl_s));
    }
}

/// The streams this session offers: (stream, type, channels).
const STREAMS: [(&str, &str); 3] = [
    ("Markers", "Markers"),
    ("Pose", "Pose"),
    ("Ratings", "Markers"),
];

fn stream_info(config: &LslConfig, stream: &str, kind: &str) -> Result<lsl::StreamInfo, String> {
    let (channels, format): (u32, lsl::ChannelFormat) = match stream {
        "Pose" => (7, lsl::ChannelFormat::Float32),
        "Ratings" => (3, lsl::ChannelFormat::String),
        _ => (1, lsl::ChannelFormat::String),
    };
    let mut info = lsl::StreamInfo::new(
        &config.name(stream),
        kind,
        channels,
        lsl::IRREGULAR_RATE,
        format,
        &config.source_id(stream),
    )
    .map_err(|e| format!("{e:?}"))?;
    let labels: &[(&str, &str)] = match stream {
        "Pose" => &[
            ("x", "metres"),
            ("y", "metres"),
            ("z", "metres"),
            ("qx", "normalized"),
            ("qy", "normalized"),
            ("qz", "normalized"),
            ("qw", "normalized"),
        ],
        "Ratings" => &[("timepoint", ""), ("scale", ""), ("value", "")],
        _ => &[("event", "")],
    };
    let mut desc = info.desc();
    desc.append_child_value("manufacturer", "Respite");
    let mut chans = desc.append_child("channels");
    for (label, unit) in labels {
        let mut ch = chans.append_child("channel");
        ch.append_child_value("label", label);
        if !unit.is_empty() {
            ch.append_child_value("unit", unit);
        }
    }
    if stream == "Pose" {
        desc.append_child_value(
            "reference",
            "the head in the place's frame: y up, seated origin; OpenXR's LOCAL space in a headset",
        );
    }
    Ok(info)
}

fn run_outlets(
    config: LslConfig,
    rx: Receiver<Out>,
    ready: SyncSender<Result<(), String>>,
    dropped: std::sync::Arc<AtomicU64>,
) {
    let mut outlets = Vec::new();
    for (stream, kind) in STREAMS {
        let made = stream_info(&config, stream, kind)
            .and_then(|info| lsl::StreamOutlet::new(&info, 0, 360).map_err(|e| format!("{e:?}")));
        match made {
            Ok(o) => outlets.push(o),
            Err(e) => {
                let _ = ready.send(Err(format!("cannot offer {}: {e}", config.name(stream))));
                return;
            }
        }
    }
    let _ = ready.send(Ok(()));
    let (markers, pose, ratings) = (&outlets[0], &outlets[1], &outlets[2]);
    let mut held: VecDeque<(String, f64)> = VecDeque::new();
    let mut held_ratings: VecDeque<([String; 3], f64)> = VecDeque::new();
    use lsl::ExPushable;
    fn hold<T>(q: &mut VecDeque<T>, item: T, dropped: &AtomicU64) {
        if q.len() >= HELD_MAX {
            q.pop_front();
            dropped.fetch_add(1, Ordering::Relaxed);
        }
        q.push_back(item);
    }
    loop {
        let msg = rx.recv_timeout(Duration::from_millis(50));
        let done = matches!(msg, Err(RecvTimeoutError::Disconnected));
        match msg {
            Ok(Out::Line(l, t)) => hold(&mut held, (l, t), &dropped),
            Ok(Out::Rating(r, t)) => hold(&mut held_ratings, (r, t), &dropped),
            Ok(Out::Pose(p, t)) => {
                if pose.have_consumers() {
                    let _ = pose.push_sample_ex(&p.to_vec(), t, true);
                }
            }
            Err(_) => {}
        }
        if markers.have_consumers() {
            for (l, t) in held.drain(..) {
                let _ = markers.push_sample_ex(&vec![l], t, true);
            }
        }
        if ratings.have_consumers() {
            for (r, t) in held_ratings.drain(..) {
                let _ = ratings.push_sample_ex(&r.to_vec(), t, true);
            }
        }
        if done {
            // The last lines reach a consumer before the outlets go.
            if markers.have_consumers() || pose.have_consumers() {
                std::thread::sleep(LINGER);
            }
            let (never, lost) = (
                held.len() + held_ratings.len(),
                dropped.load(Ordering::Relaxed),
            );
            if never > 0 || lost > 0 {
                warn!(
                    "lsl: {never} lines never reached a consumer and {lost} were let go (a full \
                     queue or over {HELD_MAX} waiting); events.tsv has them all"
                );
            }
            return;
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    let config = app.world().get_resource::<LslConfig>().cloned();
    let lsl_in = app
        .world()
        .get_resource::<super::markers::MarkerInputs>()
        .is_some_and(|m| m.lsl.is_some());
    let Some(config) = config.filter(|c| c.out) else {
        if lsl_in {
            app.insert_resource(LslEpoch::now());
        }
        return;
    };
    app.insert_resource(LslEpoch::now());
    let (tx, rx) = sync_channel(4096);
    let (ready_tx, ready) = sync_channel(1);
    let dropped = std::sync::Arc::new(AtomicU64::new(0));
    let thread = {
        let (config, dropped) = (config.clone(), dropped.clone());
        std::thread::Builder::new()
            .name("respite-lsl-out".into())
            .spawn(move || run_outlets(config, rx, ready_tx, dropped))
    };
    let state = match thread {
        Err(e) => Err(e.to_string()),
        Ok(thread) => match ready.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => {
                app.insert_resource(LslOut {
                    tx: Some(tx),
                    thread: Some(thread),
                    dropped,
                })
                .add_systems(Last, send_pose);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err("liblsl did not answer in 10 s".into()),
        },
    };
    let events: Vec<SessionEvent> = STREAMS
        .iter()
        .map(|(stream, kind)| SessionEvent::LslStream {
            role: "out".into(),
            name: config.name(stream),
            stream_type: kind.to_string(),
            source_id: config.source_id(stream),
            state: if state.is_ok() {
                "offered"
            } else {
                "unavailable"
            }
            .into(),
            reason: state.clone().err(),
        })
        .collect();
    match &state {
        Ok(()) => info!(
            "lsl: offering {}, {} and {}",
            config.name("Markers"),
            config.name("Pose"),
            config.name("Ratings")
        ),
        Err(e) => error!("lsl: {e}"),
    }
    app.add_systems(Startup, move |mut records: MessageWriter<Record>| {
        for e in &events {
            records.write(Record(e.clone()));
        }
    });
}

/// The frame's OpenXR time on the monotonic clock LSL keeps, where the runtime converts it.
fn xr_time_on_lsl_clock(
    instance: &bevy_mod_openxr::resources::OxrInstance,
    time: openxr::Time,
) -> Option<f64> {
    let ext = instance.exts().khr_convert_timespec_time?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the function pointer was loaded for this instance, which is alive (a
    // resource), and `ts` is a valid place for the runtime to write.
    let r = unsafe { (ext.convert_time_to_timespec_time)(instance.as_raw(), time, &mut ts) };
    (r == openxr::sys::Result::SUCCESS).then(|| ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9)
}

fn send_pose(
    out: Res<LslOut>,
    real: Res<Time<Real>>,
    epoch: Res<LslEpoch>,
    heads: Query<&GlobalTransform, With<crate::display::Head>>,
    xr_frame: Option<Res<bevy_mod_openxr::resources::OxrFrameState>>,
    instance: Option<Res<bevy_mod_openxr::resources::OxrInstance>>,
) {
    let Some(head) = heads.iter().next() else {
        return;
    };
    let (_, r, p) = head.to_scale_rotation_translation();
    let shown = match (xr_frame, instance) {
        (Some(f), Some(i)) => xr_time_on_lsl_clock(&i, f.0.predicted_display_time),
        _ => None,
    };
    // On a screen, the frame's own moment: the `t_s` motion.tsv gives the same pose.
    let t = shown.unwrap_or_else(|| epoch.of(real.last_update().unwrap_or_else(Instant::now)));
    out.send(Out::Pose([p.x, p.y, p.z, r.x, r.y, r.z, r.w], t));
}

/// Which outlet to take markers from: `lsl:NAME` or `lsl:type=TYPE`.
#[derive(Clone, Debug, PartialEq)]
pub enum LslQuery {
    Name(String),
    Type(String),
}

impl LslQuery {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (q, v) = match s.strip_prefix("type=") {
            Some(t) => (Self::Type(t.to_string()), t),
            None => (Self::Name(s.to_string()), s),
        };
        if v.trim().is_empty()
            || v.len() > 200
            || v.contains(['\'', '"'])
            || v.chars().any(char::is_control)
        {
            return Err(format!(
                "'lsl:{s}': give a stream's name or type=TYPE (no quotes, at most 200 characters)"
            ));
        }
        Ok(q)
    }

    /// LSL's query (an XPath predicate), leaving out every Respite session's outlets (this
    /// one's and those of a session in the next room: another patient's events are never
    /// taken for an instrument's).
    fn predicate(&self) -> String {
        let what = match self {
            Self::Name(n) => format!("name='{n}'"),
            Self::Type(t) => format!("type='{t}'"),
        };
        format!("{what} and not(starts-with(source_id,'respite_'))")
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Name(n) => n.clone(),
            Self::Type(t) => format!("type={t}"),
        }
    }
}

/// What an LSL marker carries besides its text: its stamp on our LSL clock and the offset
/// it was moved by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LslStamp {
    /// `None` until LSL has measured the sender's clock against ours.
    pub lsl_s: Option<f64>,
    pub offset_s: Option<f64>,
}

/// How often the inlet measures the sender's clock offset again.
const CORRECT_EVERY: Duration = Duration::from_secs(5);
/// A quiet stream is looked for on the network this often; missing three times running,
/// it is lost (liblsl itself reconnects to the same source and never says).
const CHECK_QUIET_EVERY: Duration = Duration::from_secs(1);
const MISSING_TIMES: u32 = 3;

/// Another instrument's description of its stream, fit for the record and the log.
fn their(text: String) -> String {
    super::markers::clean_label(&text).unwrap_or_else(|| "n/a".into())
}

/// Takes markers from the outlet `query` finds, through `line` (the marker input's gate),
/// and tells of the stream through `tell`: found, lost (it is then looked for again, for
/// as long as the session runs). The thread never holds up a frame.
pub(super) fn listen(
    query: LslQuery,
    mut line: impl FnMut(&[u8], bool, Option<LslStamp>) -> bool + Send + 'static,
    tell: impl Fn(SessionEvent) -> bool + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("respite-markers-lsl".into())
        .spawn(move || {
            let pred = query.predicate();
            let note = |state: &str, info: Option<&lsl::StreamInfo>, reason: Option<String>| {
                tell(SessionEvent::LslStream {
                    role: "in".into(),
                    name: info.map_or_else(|| query.describe(), |i| their(i.stream_name())),
                    stream_type: info.map_or_else(|| "n/a".into(), |i| their(i.stream_type())),
                    source_id: info.map_or_else(|| "n/a".into(), |i| their(i.source_id())),
                    state: state.into(),
                    reason,
                })
            };
            if !note("looking", None, None) {
                return;
            }
            loop {
                let found = match lsl::resolve_bypred(&pred, 1, 1.0) {
                    Ok(f) => f,
                    Err(e) => {
                        let _ = note("unavailable", None, Some(format!("{e:?}")));
                        return;
                    }
                };
                let Some(info) = found.into_iter().next() else {
                    continue;
                };
                // Recovering: a sender that drops off and comes back under its source id is
                // taken up again by liblsl, its queued markers kept.
                let recover = !info.source_id().is_empty();
                let inlet = match lsl::StreamInlet::new(&info, 360, 0, recover)
                    .and_then(|i| i.open_stream(5.0).map(|()| i))
                {
                    Ok(i) => i,
                    Err(e) => {
                        let _ = note("lost", Some(&info), Some(format!("cannot open: {e:?}")));
                        std::thread::sleep(Duration::from_secs(5));
                        continue;
                    }
                };
                let mut offset = inlet.time_correction(2.0).ok();
                if !note("found", Some(&info), None) {
                    return;
                }
                // Still on the network: the same source, by its id (or its name and host).
                let here = if recover {
                    format!("source_id='{}'", info.source_id().replace('\'', ""))
                } else {
                    format!("uid='{}'", info.uid().replace('\'', ""))
                };
                let mut corrected = Instant::now();
                let mut heard = Instant::now();
                let mut missing = 0;
                let why = loop {
                    use lsl::Pullable;
                    let pulled: Result<(Vec<Vec<u8>>, f64), lsl::Error> = inlet.pull_sample(0.25);
                    match pulled {
                        Ok((sample, _)) if sample.is_empty() => {
                            if heard.elapsed() >= CHECK_QUIET_EVERY {
                                heard = Instant::now();
                                match lsl::resolve_bypred(&here, 1, 0.5) {
                                    Ok(f) if f.is_empty() => missing += 1,
                                    _ => missing = 0,
                                }
                                if missing >= MISSING_TIMES && inlet.samples_available() == 0 {
                                    break "the stream's outlet went away".to_string();
                                }
                            }
                        }
                        Ok((sample, ts)) => {
                            heard = Instant::now();
                            missing = 0;
                            let raw = sample.join(&b' ');
                            let cut = raw.len() > super::markers::MAX_LINE_BYTES;
                            let raw = super::markers::trim_cut(
                                &raw[..raw.len().min(super::markers::MAX_LINE_BYTES)],
                                cut,
                            );
                            let stamp = LslStamp {
                                // A sender's stamp that is no number (NaN, infinite) is
                                // on record as n/a, never as a number that is not one.
                                lsl_s: offset.map(|o| ts + o).filter(|t| t.is_finite()),
                                offset_s: offset.filter(|o| o.is_finite()),
                            };
                            if !line(raw, cut, Some(stamp)) {
                                return;
                            }
                        }
                        Err(lsl::Error::StreamLost) => {
                            break "the stream's outlet went away".to_string();
                        }
                        Err(e) => {
                            std::thread::sleep(Duration::from_secs(1));
                            break format!("{e:?}");
                        }
                    }
                    if corrected.elapsed() >= CORRECT_EVERY || offset.is_none() {
                        corrected = Instant::now();
                        match inlet.time_correction(0.5) {
                            Ok(o) => offset = Some(o),
                            Err(lsl::Error::StreamLost) => {
                                break "the stream's outlet went away".to_string();
                            }
                            Err(_) => {}
                        }
                    }
                };
                if !note("lost", Some(&info), Some(why)) {
                    return;
                }
            }
        })
        .map(|_| ())
}
