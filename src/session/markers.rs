//! Event markers: F1–F8 stamp a labelled moment into the session record ("reports
//! nausea", "tDCS on"). The labels are the therapist's to edit in the console.
//!
//! Other devices (tDCS, TENS, EEG set-ups) stamp theirs through a local input, off unless
//! asked for: one marker per line on the app's standard input, or per datagram on a UDP
//! port bound to 127.0.0.1 only, or another instrument's Lab Streaming Layer outlet
//! (`lsl:NAME`, with the marker's LSL timestamp beside ours). Each is recorded with the moment it arrived
//! (`received_s`, on the record's clock) as well as the frame it was written on.

use super::Record;
use super::lsl::LslStamp;
use bevy::prelude::*;
use respite_core::session::Who;
use respite_core::session::event::SessionEvent;
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where outside markers come from.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct MarkerInputs {
    pub stdin: bool,
    /// A UDP port on 127.0.0.1.
    pub udp: Option<u16>,
    /// Another instrument's LSL outlet (never a Respite session's own).
    pub lsl: Option<super::lsl::LslQuery>,
}

/// A marker that arrived from outside: its source, label and moment of arrival.
enum Arrived {
    Marker(Marker),
    /// What an input tells of itself (an LSL stream found or lost), in order with its
    /// markers.
    Note(SessionEvent),
}

struct Marker {
    source: &'static str,
    label: String,
    at: Instant,
    lsl: Option<LslStamp>,
}

/// Markers that arrived from outside, and what each input refused.
#[derive(Resource)]
struct Outside {
    rx: Mutex<Receiver<Arrived>>,
    refused: Arc<[Refused; 3]>,
    /// What was last put on record of the counts, per input.
    recorded: [RefusedCounts; 3],
}

/// The longest marker label kept, in characters; longer labels are cut there.
pub const MAX_LABEL: usize = 200;
/// The longest line read, in bytes: the rest of a longer line is skipped, never held.
pub const MAX_LINE_BYTES: usize = 1024;
/// Markers each input may set per second (a burst of up to [`BURST`] at once); the rest are
/// counted and put on record as refused, never written one by one.
pub const RATE_PER_S: f64 = 20.0;
pub const BURST: f64 = 40.0;
/// Markers written into the record per frame at most, so no frame carries a flood.
const PER_FRAME: usize = 16;

/// What an input refused, counted by its thread.
#[derive(Default, Debug)]
struct Refused {
    over_rate: AtomicU64,
    bad_utf8: AtomicU64,
    too_long: AtomicU64,
}

#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
struct RefusedCounts {
    over_rate: u64,
    bad_utf8: u64,
    too_long: u64,
}

impl Refused {
    fn counts(&self) -> RefusedCounts {
        RefusedCounts {
            over_rate: self.over_rate.load(Ordering::Relaxed),
            bad_utf8: self.bad_utf8.load(Ordering::Relaxed),
            too_long: self.too_long.load(Ordering::Relaxed),
        }
    }
}

const SOURCES: [&str; 3] = ["stdin", "udp", "lsl"];

/// One input's gate: cleans each label and lets through at most [`RATE_PER_S`] a second.
struct Gate {
    source: &'static str,
    tx: SyncSender<Arrived>,
    refused: Arc<[Refused; 3]>,
    index: usize,
    tokens: f64,
    last: Instant,
}

impl Gate {
    fn new(index: usize, tx: SyncSender<Arrived>, refused: Arc<[Refused; 3]>) -> Self {
        Self {
            source: SOURCES[index],
            tx,
            refused,
            index,
            tokens: BURST,
            last: Instant::now(),
        }
    }

    fn counts(&self) -> &Refused {
        &self.refused[self.index]
    }

    /// One raw line (without its newline). False once the app has gone.
    fn line(&mut self, raw: &[u8], cut: bool, lsl: Option<LslStamp>) -> bool {
        if cut {
            self.counts().too_long.fetch_add(1, Ordering::Relaxed);
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            self.counts().bad_utf8.fetch_add(1, Ordering::Relaxed);
            return true;
        };
        let Some(label) = clean_label(text) else {
            return true;
        };
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * RATE_PER_S).min(BURST);
        self.last = now;
        if self.tokens < 1.0 {
            self.counts().over_rate.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        self.tokens -= 1.0;
        match self.tx.try_send(Arrived::Marker(Marker {
            source: self.source,
            label,
            at: now,
            lsl,
        })) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.counts().over_rate.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// A label as it goes on record: control characters (and tabs, which would split the
/// table's columns) become spaces, runs of spaces one, quotes single, at most [`MAX_LABEL`]
/// characters. None when nothing is left.
pub fn clean_label(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    let mut n = 0;
    for c in text.chars() {
        let c = if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            ' '
        } else if c == '"' {
            '\''
        } else {
            c
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
            n += 1;
        }
        if n >= MAX_LABEL {
            break;
        }
        out.push(c);
        n += 1;
    }
    (!out.is_empty()).then_some(out)
}

fn listen_stdin(mut gate: Gate) {
    std::thread::Builder::new()
        .name("respite-markers-stdin".into())
        .spawn(move || {
            let mut input = std::io::stdin().lock();
            let mut line = Vec::with_capacity(MAX_LINE_BYTES);
            let mut cut = false;
            loop {
                let buf = match input.fill_buf() {
                    Ok([]) => break,
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let (used, end) = match buf.iter().position(|b| *b == b'\n') {
                    Some(i) => (i + 1, Some(i)),
                    None => (buf.len(), None),
                };
                let piece = &buf[..end.unwrap_or(used)];
                let room = MAX_LINE_BYTES.saturating_sub(line.len());
                if piece.len() > room {
                    cut = true;
                }
                line.extend_from_slice(&piece[..piece.len().min(room)]);
                input.consume(used);
                if end.is_some() {
                    let raw = trim_cut(&line, cut);
                    if !gate.line(raw, cut, None) {
                        return;
                    }
                    line.clear();
                    cut = false;
                }
            }
            if !line.is_empty() {
                let raw = trim_cut(&line, cut);
                gate.line(raw, cut, None);
            }
        })
        .expect("a thread for standard input");
}

/// A line cut at [`MAX_LINE_BYTES`] may end inside a character: drop the partial character.
pub(super) fn trim_cut(line: &[u8], cut: bool) -> &[u8] {
    if !cut {
        return line;
    }
    match std::str::from_utf8(line) {
        Ok(_) => line,
        Err(e) if e.error_len().is_none() => &line[..e.valid_up_to()],
        Err(_) => line,
    }
}

fn listen_udp(port: u16, mut gate: Gate) -> std::io::Result<u16> {
    let socket = std::net::UdpSocket::bind(("127.0.0.1", port))?;
    let bound = socket.local_addr()?.port();
    std::thread::Builder::new()
        .name("respite-markers-udp".into())
        .spawn(move || {
            // One more byte than a line may hold, to tell a datagram that was cut.
            let mut buf = vec![0u8; MAX_LINE_BYTES * 4 + 1];
            while let Ok((n, _)) = socket.recv_from(&mut buf) {
                let cut_datagram = n > MAX_LINE_BYTES * 4;
                let kept = &buf[..n.min(MAX_LINE_BYTES * 4)];
                let pieces = kept.split(|b| *b == b'\n').count();
                for (i, raw) in kept.split(|b| *b == b'\n').enumerate() {
                    // The last line of a datagram cut short is cut too.
                    let cut = raw.len() > MAX_LINE_BYTES || (cut_datagram && i + 1 == pieces);
                    let raw = trim_cut(&raw[..raw.len().min(MAX_LINE_BYTES)], cut);
                    if !gate.line(raw, cut, None) {
                        return;
                    }
                }
            }
        })?;
    Ok(bound)
}

pub const MARKER_KEYS: [KeyCode; 8] = [
    KeyCode::F1,
    KeyCode::F2,
    KeyCode::F3,
    KeyCode::F4,
    KeyCode::F5,
    KeyCode::F6,
    KeyCode::F7,
    KeyCode::F8,
];

/// The eight markers' labels.
#[derive(Resource, Clone, Debug)]
pub struct Markers {
    pub labels: [String; 8],
    /// Markers set so far this session.
    pub count: u32,
}

impl Default for Markers {
    fn default() -> Self {
        Self {
            labels: [
                "reports nausea",
                "reports more pain",
                "reports less pain",
                "tDCS on",
                "tDCS off",
                "patient talking",
                "distracted by the room",
                "other",
            ]
            .map(String::from),
            count: 0,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Markers>()
        .add_systems(Update, (markers_from_keys, record_markers).chain());
    let inputs = app
        .world()
        .get_resource::<MarkerInputs>()
        .cloned()
        .unwrap_or_default();
    if inputs == MarkerInputs::default() {
        return;
    }
    let (tx, rx) = sync_channel(256);
    let refused: Arc<[Refused; 3]> = Arc::new(Default::default());
    if inputs.stdin {
        listen_stdin(Gate::new(0, tx.clone(), refused.clone()));
        info!("markers: reading one marker per line from standard input");
    }
    if let Some(port) = inputs.udp {
        match listen_udp(port, Gate::new(1, tx.clone(), refused.clone())) {
            Ok(p) => info!("markers: listening on udp 127.0.0.1:{p}"),
            Err(e) => {
                error!("markers: cannot listen on udp 127.0.0.1:{port}: {e}");
                let detail = SessionEvent::MarkersUnavailable {
                    source: "udp".into(),
                    port: Some(port),
                    reason: e.to_string(),
                };
                app.add_systems(Startup, move |mut records: MessageWriter<Record>| {
                    records.write(Record(detail.clone()));
                });
            }
        }
    }
    if let Some(query) = inputs.lsl {
        let notes = tx.clone();
        let mut gate = Gate::new(2, tx, refused.clone());
        let what = query.describe();
        match super::lsl::listen(
            query,
            move |raw, cut, stamp| gate.line(raw, cut, stamp),
            move |note| notes.send(Arrived::Note(note)).is_ok(),
        ) {
            Ok(()) => info!("markers: looking for the LSL stream {what}"),
            Err(e) => {
                error!("markers: cannot look for the LSL stream {what}: {e}");
                let detail = SessionEvent::MarkersUnavailable {
                    source: "lsl".into(),
                    port: None,
                    reason: e.to_string(),
                };
                app.add_systems(Startup, move |mut records: MessageWriter<Record>| {
                    records.write(Record(detail.clone()));
                });
            }
        }
    }
    app.insert_resource(Outside {
        rx: Mutex::new(rx),
        refused,
        recorded: Default::default(),
    })
    .add_systems(Update, record_outside_markers);
}

/// Outside markers into the record, a few a frame; and, at most once a second, what each
/// input refused since the last time (over the rate, not UTF-8, cut for length).
fn record_outside_markers(
    mut outside: ResMut<Outside>,
    real: Res<Time<Real>>,
    mut records: MessageWriter<Record>,
    mut commands: MessageWriter<super::SessionCommand>,
    mut last_refusal: Local<f32>,
    exits: MessageReader<AppExit>,
) {
    let arrived: Vec<Arrived> = match outside.rx.lock() {
        Ok(rx) => rx.try_iter().take(PER_FRAME).collect(),
        Err(_) => return,
    };
    for a in arrived {
        let a = match a {
            Arrived::Marker(m) => m,
            Arrived::Note(n) => {
                if let SessionEvent::LslStream { name, state, .. } = &n {
                    match state.as_str() {
                        "lost" | "unavailable" => {
                            warn!("markers: the LSL stream {name} is {state}");
                        }
                        _ => info!("markers: the LSL stream {name}: {state}"),
                    }
                }
                commands.write(super::SessionCommand::OutsideNote(n));
                continue;
            }
        };
        // On the record's clock: onsets count from the first frame's update.
        let zero = real.first_update().unwrap_or(real.startup());
        let received = a.at.saturating_duration_since(zero).as_secs_f64();
        commands.write(super::SessionCommand::OutsideMarker {
            source: a.source,
            label: a.label,
            received_s: received,
            lsl: a.lsl,
        });
    }
    // Once a second, and on the last frame, so no refusal goes unrecorded.
    if real.elapsed_secs() - *last_refusal < 1.0 && exits.is_empty() {
        return;
    }
    *last_refusal = real.elapsed_secs();
    for (i, source) in SOURCES.iter().enumerate() {
        let now = outside.refused[i].counts();
        let before = outside.recorded[i];
        if now != before {
            records.write(Record(SessionEvent::MarkersRefused {
                source: source.to_string(),
                over_rate: now.over_rate - before.over_rate,
                not_utf8: now.bad_utf8 - before.bad_utf8,
                cut_long: now.too_long - before.too_long,
                total_over_rate: now.over_rate,
                total_not_utf8: now.bad_utf8,
                total_cut_long: now.too_long,
            }));
            warn!(
                "markers: {source} sends more than allowed: {} over {RATE_PER_S}/s, {} not UTF-8, {} cut to {MAX_LINE_BYTES} bytes so far",
                now.over_rate, now.bad_utf8, now.too_long
            );
            outside.recorded[i] = now;
        }
    }
}

/// F1–F8 set their markers, as the console's buttons do: both are session commands.
fn markers_from_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: MessageWriter<super::SessionCommand>,
) {
    for (i, key) in MARKER_KEYS.iter().enumerate() {
        if keys.just_pressed(*key) {
            commands.write(super::SessionCommand::Marker {
                key: i,
                via: super::CommandVia::Keys,
            });
        }
    }
}

/// A therapist's marker on record, with its label now and how it was set.
fn record_markers(
    mut commands: MessageReader<super::SessionCommand>,
    mut markers: ResMut<Markers>,
    mut records: MessageWriter<Record>,
) {
    for c in commands.read() {
        let event = match c {
            super::SessionCommand::Marker { key, via } => {
                let Some(label) = markers.labels.get(*key).cloned() else {
                    continue;
                };
                SessionEvent::Marker {
                    key: Some(format!("F{}", key + 1)),
                    source: None,
                    label: clean_label(&label).unwrap_or_default(),
                    by: Some(Who::Therapist),
                    via: Some(*via),
                    received_s: None,
                    lsl_s: None,
                    lsl_offset_s: None,
                }
            }
            super::SessionCommand::OutsideMarker {
                source,
                label,
                received_s,
                lsl,
            } => SessionEvent::Marker {
                key: None,
                source: Some(source.to_string()),
                label: label.clone(),
                by: None,
                via: None,
                received_s: Some(*received_s),
                lsl_s: lsl.and_then(|l| l.lsl_s),
                lsl_offset_s: lsl.and_then(|l| l.offset_s),
            },
            super::SessionCommand::OutsideNote(note) => {
                records.write(Record(note.clone()));
                continue;
            }
            _ => continue,
        };
        markers.count += 1;
        records.write(Record(event));
    }
}
