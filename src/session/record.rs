//! The session record: one small API for everything a session logs. A system writes a
//! [`Record`] message; this module stamps it with the time and appends it to the events
//! table in the record folder (when the run has one), flushed and fsynced line by line, so
//! a crash or a pulled plug loses nothing that happened. Every record is also logged to
//! the console. The folder's `session.json` sidecar is written (whole, or not at all) before
//! the first event.

use bevy::prelude::*;
use respite_core::research::data::{self, EVENTS_HEADER, SessionFiles, Sidecar};
use std::fs::{File, OpenOptions};
use std::io::Write;

/// Something that happened, for the session record.
#[derive(Message, Clone, Debug)]
pub struct Record {
    /// A short name: `walk_mark`, `phase`, `body`, …
    pub event: String,
    /// `key=value` pairs, space-separated.
    pub detail: String,
}

impl Record {
    pub fn new(event: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            detail: detail.into(),
        }
    }
}

/// Where this run keeps its record, and under which names.
#[derive(Resource, Clone, Debug)]
pub struct RecordFolder(pub SessionFiles);

/// What this session's `session.json` says.
#[derive(Resource, Clone, Debug)]
pub struct SessionSidecar(pub Sidecar);

#[derive(Resource)]
struct EventsFile(File);

/// What the console says about the record: where it goes, how much is written, and whether
/// writing failed.
#[derive(Resource, Clone, Debug)]
pub struct RecordStatus {
    pub folder: std::path::PathBuf,
    pub lines: u64,
    pub failed: Option<String>,
}

pub(crate) fn plugin(app: &mut App) {
    app.add_message::<Record>().add_systems(Last, write_records);
    let Some(folder) = app.world().get_resource::<RecordFolder>().cloned() else {
        return;
    };
    let sidecar = app.world().get_resource::<SessionSidecar>().cloned();
    let mut status = RecordStatus {
        folder: folder.0.dir.clone(),
        lines: 0,
        failed: None,
    };
    match open(&folder.0, sidecar.as_ref().map(|s| &s.0)) {
        Ok(file) => {
            info!("record: writing {}", folder.0.file("events.tsv").display());
            app.insert_resource(EventsFile(file));
        }
        Err(e) => {
            error!("record: cannot write to {}: {e}", folder.0.dir.display());
            status.failed = Some(e.to_string());
        }
    }
    app.insert_resource(status);
}

fn open(files: &SessionFiles, sidecar: Option<&Sidecar>) -> std::io::Result<File> {
    std::fs::create_dir_all(&files.dir)?;
    if let Some(s) = sidecar {
        data::write_atomic(&files.file("session.json"), &s.to_json())?;
    }
    let path = files.file("events.tsv");
    let fresh = !path.exists();
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    if fresh {
        writeln!(file, "{EVENTS_HEADER}")?;
        file.sync_all()?;
    }
    Ok(file)
}

fn write_records(
    mut records: MessageReader<Record>,
    real: Res<Time<Real>>,
    scene: Res<Time<Virtual>>,
    file: Option<ResMut<EventsFile>>,
    status: Option<ResMut<RecordStatus>>,
    folder: Option<Res<RecordFolder>>,
    sidecar: Option<ResMut<SessionSidecar>>,
) {
    let mut file = file;
    let mut status = status;
    let mut sidecar = sidecar;
    for r in records.read() {
        // What the display turned out to be (the runtime and headset that answered, or the
        // window) joins the sidecar's display parameters, rewritten whole.
        if r.event == "display"
            && let (Some(side), Some(folder)) = (sidecar.as_mut(), folder.as_ref())
        {
            for key in ["requested", "active", "runtime", "fallback"] {
                if let Some(v) = data::field(&r.detail, key) {
                    side.0
                        .display_parameters
                        .insert(key.to_string(), v.to_string());
                }
            }
            if let Err(e) = data::write_atomic(&folder.0.file("session.json"), &side.0.to_json()) {
                error!("record: cannot update session.json: {e}");
            }
        }
        let Some(f) = file.as_mut() else {
            info!("record: {} {}", r.event, r.detail);
            continue;
        };
        {
            let line = data::event_line(
                real.elapsed_secs_f64(),
                scene.elapsed_secs_f64(),
                &r.event,
                &r.detail,
            );
            // On disk before the next frame: written, flushed and synced.
            let written =
                f.0.write_all(line.as_bytes())
                    .and_then(|_| f.0.flush())
                    .and_then(|_| f.0.sync_data());
            // Logged once it is on disk: a line in the log is a line in the file.
            info!("record: {} {}", r.event, r.detail);
            if let Some(s) = status.as_mut() {
                match written {
                    Ok(()) => s.lines += 1,
                    Err(e) => {
                        error!("record: write failed: {e}");
                        s.failed = Some(e.to_string());
                    }
                }
            }
        }
    }
}
