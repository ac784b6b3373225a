//! The session record: one small API for everything a session logs. A system writes a
//! [`Record`] message; this module stamps it with the time and hands the line to a writer
//! thread of its own, which appends it to the events table and syncs in small groups (a
//! group commit, as databases do): an event is on disk a few milliseconds after its frame,
//! and the frame never waits on the disk. A line is logged (`record: …`) only once it is
//! on disk, so a line in the log is a line in the file.
//!
//! The session's folder is made with its first event: `session.json` and the table's header
//! are written into a hidden temporary folder that is then renamed into place, so a run that
//! never starts (no display, a kill in the first instant) leaves no folder behind, and a
//! folder that exists always has its sidecar.
//!
//! A write that fails (a full disk, a pulled drive) is cut back to the last whole line, so
//! the table never ends in a torn line; the fault is told to the therapist's console at once;
//! the writer keeps what it could not write and tries again each second; a `record_fault`
//! event goes on record (whatever failed: events, motion and frames, the sidecar, a stalled
//! queue) as soon as the disk takes it; and the run ends with exit code [`RECORD_FAILED`],
//! even if everything was written in the end.

use super::files::{AppendFile, private_dir_all};
use bevy::prelude::*;
use respite_core::research::data::{self, EVENTS_HEADER, SessionFiles, Sidecar};
use respite_core::session::event::SessionEvent;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The exit code of a run whose record could not be written in full.
pub const RECORD_FAILED: u8 = 5;

/// Something that happened, for the session record: one of the core's typed events, whose
/// one writer makes the line.
#[derive(Message, Clone, Debug, PartialEq)]
pub struct Record(pub SessionEvent);

impl From<SessionEvent> for Record {
    fn from(e: SessionEvent) -> Self {
        Record(e)
    }
}

/// Where this run keeps its record, and under which names.
#[derive(Resource, Clone, Debug)]
pub struct RecordFolder(pub SessionFiles);

/// What this session's `session.json` says.
#[derive(Resource, Clone, Debug)]
pub struct SessionSidecar(pub Sidecar);

/// How the record stands, shared between the writer thread, the console and `main` (which
/// reads it after the App has gone to choose the exit code).
#[derive(Resource, Clone, Debug, Default)]
pub struct RecordHealth(Arc<Health>);

#[derive(Debug, Default)]
struct Health {
    /// Event lines on disk (synced).
    on_disk: AtomicU64,
    /// The first write that failed, and the last one, if any.
    failed: Mutex<Option<String>>,
}

impl RecordHealth {
    /// Why writing failed (the first failure), if it ever did.
    pub fn failed(&self) -> Option<String> {
        self.0.failed.lock().ok().and_then(|f| f.clone())
    }

    /// Event lines on disk.
    pub fn lines(&self) -> u64 {
        self.0.on_disk.load(Ordering::Acquire)
    }

    /// Marks the record as faulty (the first reason is kept).
    pub fn fail(&self, why: impl Into<String>) {
        if let Ok(mut f) = self.0.failed.lock()
            && f.is_none()
        {
            *f = Some(why.into());
        }
    }
}

/// Most lines waiting for the writer: far more than any session writes in a second (markers
/// are rate-limited), so only a stalled disk fills it, and then the loss is counted.
const QUEUE: usize = 65_536;
/// Most bytes kept in memory for a disk that refuses them (about 100 000 events).
const PENDING_MAX: usize = 8 << 20;
/// How often a refused write is tried again.
const RETRY: Duration = Duration::from_secs(1);

enum Msg {
    /// A whole line of the table, and the text to log once it is on disk.
    Line { line: String, log: String },
    /// `session.json`, rewritten whole.
    Sidecar(String),
    /// Answered once everything sent before it is on disk (or refused).
    Barrier(Sender<()>),
}

/// The frame side of the writer.
#[derive(Resource)]
struct Writer {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Writer {
    /// Everything sent is written (or refused for good) before the App is gone.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    app.add_message::<Record>()
        .init_resource::<RecordHealth>()
        .add_systems(Last, (write_records, record_first_fault).chain());
    let Some(folder) = app.world().get_resource::<RecordFolder>().cloned() else {
        return;
    };
    let sidecar = app.world().get_resource::<SessionSidecar>().cloned();
    let health = app.world().resource::<RecordHealth>().clone();
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    let state = WriterState {
        files: folder.0.clone(),
        sidecar: sidecar.map(|s| s.0.to_json()),
        file: None,
        health: health.clone(),
        pending: String::new(),
        pending_logs: Vec::new(),
        refused_since: None,
        last_scene_s: 0.0,
        lost: 0,
        taken: false,
    };
    match std::thread::Builder::new()
        .name("respite-record".into())
        .spawn(move || state.run(&rx))
    {
        Ok(thread) => {
            info!("record: writing {}", folder.0.file("events.tsv").display());
            app.insert_resource(Writer {
                tx: Some(tx),
                thread: Some(thread),
            });
        }
        Err(e) => health.fail(format!("cannot start the record's writer: {e}")),
    }
}

/// Blocks until every record written before this call is on disk (or refused): for tests
/// that read the table while the App is alive (the App's end joins the writer instead).
pub fn settle(world: &World) {
    let Some(w) = world.get_resource::<Writer>() else {
        return;
    };
    let (tx, rx) = std::sync::mpsc::channel();
    if w.tx
        .as_ref()
        .is_some_and(|t| t.send(Msg::Barrier(tx)).is_ok())
    {
        let _ = rx.recv();
    }
}

/// Makes a session folder with its sidecar and table header, whole or not at all: written
/// in a hidden folder beside it, synced, then renamed into place. Owner-only.
fn create_folder(files: &SessionFiles, sidecar: Option<&str>) -> std::io::Result<()> {
    let dir = &files.dir;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    private_dir_all(parent)?;
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    // This process's own temporary name: two runs starting at once never share one.
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    private_dir_all(&tmp)?;
    let tmp_files = SessionFiles {
        dir: tmp.clone(),
        prefix: files.prefix.clone(),
    };
    if let Some(json) = sidecar {
        data::write_atomic(&tmp_files.file("session.json"), json)?;
    }
    let mut events = AppendFile::open(&tmp_files.file("events.tsv"))?;
    events.append(format!("{EVENTS_HEADER}\n").as_bytes(), true)?;
    std::fs::rename(&tmp, dir)?;
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

struct WriterState {
    files: SessionFiles,
    /// The sidecar to write when the folder is made (and the latest one after).
    sidecar: Option<String>,
    file: Option<AppendFile>,
    health: RecordHealth,
    /// Lines the disk refused, in order, with what to log for each.
    pending: String,
    pending_logs: Vec<String>,
    /// When the disk first refused the lines now pending: the onset of the first of them
    /// (the record's clock) and the moment.
    refused_since: Option<(f64, Instant)>,
    last_scene_s: f64,
    /// Lines dropped because memory for them ran out.
    lost: u64,
    /// This run's folder could not be made because another run made it first: nothing of
    /// this run goes into that folder.
    taken: bool,
}

impl WriterState {
    fn run(mut self, rx: &Receiver<Msg>) {
        loop {
            // While lines are refused, wake each second to try again.
            let first = if self.pending.is_empty() {
                match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                }
            } else {
                match rx.recv_timeout(RETRY) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            };
            // The group: whatever else is waiting, written and synced together.
            let mut barriers = Vec::new();
            let mut batch: Vec<Msg> = first.into_iter().collect();
            while batch.len() < 4096 {
                match rx.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            for m in batch {
                match m {
                    Msg::Line { line, log } => self.take(line, log),
                    Msg::Sidecar(json) => self.sidecar(json),
                    Msg::Barrier(b) => barriers.push(b),
                }
            }
            self.commit();
            for b in barriers {
                let _ = b.send(());
            }
        }
        self.commit();
        if !self.pending.is_empty() {
            let n = self.pending_logs.len();
            error!("record: {n} events could not be written; the record ends early");
            self.health.fail(format!("{n} events could not be written"));
        }
    }

    fn take(&mut self, line: String, log: String) {
        if let Some(s) = line.split('\t').nth(4).and_then(|s| s.parse().ok()) {
            self.last_scene_s = s;
        }
        if self.pending.len() + line.len() > PENDING_MAX {
            self.lost += 1;
            self.health
                .fail(format!("the disk refused {} events: dropped", self.lost));
            return;
        }
        self.pending.push_str(&line);
        self.pending_logs.push(log);
    }

    fn sidecar(&mut self, json: String) {
        if self.file.is_some()
            && let Err(e) = data::write_atomic(&self.files.file("session.json"), &json)
        {
            error!("record: cannot update session.json: {e}");
            self.health.fail(format!("session.json: {e}"));
        }
        self.sidecar = Some(json);
    }

    fn open(&mut self) -> std::io::Result<&mut AppendFile> {
        if self.taken {
            return Err(std::io::Error::other(format!(
                "{} was made by another run at the same moment",
                self.files.dir.display()
            )));
        }
        if self.file.is_none() {
            let path = self.files.file("events.tsv");
            if !self.files.dir.exists() {
                if let Err(e) = create_folder(&self.files, self.sidecar.as_deref()) {
                    // Made meanwhile by another run: never write into its record.
                    self.taken = self.files.dir.exists();
                    return Err(e);
                }
            } else if let Some(json) = &self.sidecar {
                // A resumed session (its table kept), or a plain `--record` folder that
                // someone made.
                data::write_atomic(&self.files.file("session.json"), json)?;
            }
            let mut f = AppendFile::open(&path)?;
            // A table with no header yet (a kill before it was written, or a torn one cut
            // away) gets it first.
            if f.is_empty() {
                f.append(format!("{EVENTS_HEADER}\n").as_bytes(), true)?;
            }
            self.file = Some(f);
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    /// Writes and syncs what is pending; on success logs each line, on failure keeps them
    /// for the next try (the file is cut back to its last whole line).
    fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        let result = self.open().and_then(|f| f.append(bytes.as_bytes(), true));
        match result {
            Ok(()) => {
                let n = self.pending_logs.len() as u64;
                for log in self.pending_logs.drain(..) {
                    info!("record: {log}");
                }
                self.health.0.on_disk.fetch_add(n, Ordering::AcqRel);
                if let Some((at, since)) = self.refused_since.take() {
                    info!(
                        "record: the disk takes lines again: {n} events refused from {at:.1} s \
                         are written, {:.1} s late",
                        since.elapsed().as_secs_f64()
                    );
                }
            }
            Err(e) => {
                if self.refused_since.is_none() {
                    error!("record: write failed: {e}");
                    let onset = bytes
                        .split('\t')
                        .next()
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(0.0);
                    self.refused_since = Some((onset, Instant::now()));
                }
                self.health.fail(format!("write failed: {e}"));
                self.pending = bytes;
                // Reopened on the next try: the open cuts any torn tail a failed cut left.
                self.file = None;
            }
        }
    }
}

fn write_records(
    mut records: MessageReader<Record>,
    real: Res<Time<Real>>,
    scene: Res<Time<Virtual>>,
    writer: Option<Res<Writer>>,
    health: Res<RecordHealth>,
    sidecar: Option<ResMut<SessionSidecar>>,
    lsl: (
        Option<Res<super::lsl::LslOut>>,
        Option<Res<super::lsl::LslEpoch>>,
    ),
    mut clock_told: Local<bool>,
    mut lsl_zero: Local<Option<f64>>,
) {
    let (lsl_out, epoch) = lsl;
    let mut sidecar = sidecar;
    let tx = writer.as_ref().and_then(|w| w.tx.as_ref());
    // The wall-clock moment of the record's zero (onsets count from the first frame's
    // update), once, so onsets can be set beside other instruments' timestamps.
    if !*clock_told && let Some(first) = real.first_update() {
        *clock_told = true;
        let zero = std::time::SystemTime::now()
            .checked_sub(Instant::now().saturating_duration_since(first))
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64());
        let mut clocks = vec![SessionEvent::Clock {
            zero_unix_s: zero,
            source: "system_clock".into(),
        }];
        // With LSL in or out, the record's zero on the LSL clock too.
        if let Some(epoch) = &epoch {
            let zero = epoch.of(first);
            *lsl_zero = Some(zero);
            clocks.push(SessionEvent::LslClock { zero_lsl_s: zero });
        }
        for clock in clocks {
            let detail = clock.detail();
            let line = data::event_line(0.0, 0.0, clock.name(), &detail);
            if let (Some(out), Some(zero)) = (&lsl_out, *lsl_zero) {
                out.line(&line, zero);
            }
            if let Some(tx) = tx {
                let log = format!("{} {detail}", clock.name());
                send(tx, &health, Msg::Line { line, log });
            }
        }
    }
    for Record(event) in records.read() {
        let (name, detail) = (event.name(), without_paths(&event.detail()));
        let log = format!("{name} {detail}");
        let line = data::event_line(
            real.elapsed_secs_f64(),
            scene.elapsed_secs_f64(),
            name,
            &detail,
        );
        // Each line to LSL's Markers stream as it goes to the table, the same text.
        if let (Some(out), Some(zero)) = (&lsl_out, *lsl_zero) {
            let at = zero + real.elapsed_secs_f64();
            out.line(&line, at);
            if let SessionEvent::Rating {
                timepoint,
                scale,
                value,
                ..
            } = event
            {
                out.rating(timepoint.to_string(), scale.clone(), *value, at);
            }
        }
        let Some(tx) = tx else {
            info!("record: {log}");
            continue;
        };
        // What the display turned out to be (the runtime and headset that answered, or the
        // window) joins the sidecar's display parameters, rewritten whole by the writer.
        if let SessionEvent::Display {
            requested,
            active,
            runtime,
            fallback,
        } = event
            && let Some(side) = sidecar.as_mut()
        {
            let runtime = runtime.as_deref().unwrap_or("n/a");
            for (key, v) in [
                ("requested", requested.as_str()),
                ("active", active.code()),
                ("runtime", runtime),
                ("fallback", fallback.as_str()),
            ] {
                side.0
                    .display_parameters
                    .insert(key.to_string(), without_paths(v));
            }
            send(tx, &health, Msg::Sidecar(side.0.to_json()));
        }
        send(tx, &health, Msg::Line { line, log });
    }
}

/// `detail` with every absolute path cut to its file name (`/home/jane/rt.json` →
/// `…/rt.json`): a folder's name can hold a person's name, and records keep none.
pub fn without_paths(detail: &str) -> String {
    detail
        .split(' ')
        .map(|word| {
            let body = word.trim_start_matches(['"', '=', '(']);
            let lead = &word[..word.len() - body.len()];
            match word
                .find("=/")
                .map(|i| i + 1)
                .or((body.starts_with('/') || body.starts_with("~/")).then_some(lead.len()))
            {
                Some(at) if word[at..].matches('/').count() >= 2 => {
                    let path = &word[at..];
                    let tail = path.trim_end_matches(['"', ',', ')', ';']);
                    let end = &path[tail.len()..];
                    let name = tail.rsplit('/').next().unwrap_or("");
                    format!("{}…/{name}{end}", &word[..at])
                }
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hands a message to the writer without ever waiting: a full queue means the disk has
/// stalled for tens of thousands of events, and the loss is a fault on record.
fn send(tx: &SyncSender<Msg>, health: &RecordHealth, msg: Msg) {
    match tx.try_send(msg) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => health.fail("the disk stalled: events were dropped"),
        Err(TrySendError::Disconnected(_)) => health.fail("the record's writer stopped"),
    }
}

/// The first fault of any writer goes on record itself (written when the disk takes it), so
/// the report reads the session as incomplete and says why; the console reads the same
/// [`RecordHealth`].
fn record_first_fault(
    health: Res<RecordHealth>,
    real: Res<Time<Real>>,
    mut told: Local<bool>,
    mut records: MessageWriter<Record>,
) {
    if *told {
        return;
    }
    let Some(why) = health.failed() else { return };
    *told = true;
    error!("record: NOT SAVED: {why}");
    records.write(Record(SessionEvent::RecordFault {
        reason: why,
        lost: None,
        at_s: real.elapsed_secs_f64(),
    }));
}
