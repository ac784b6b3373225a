//! The session record: one small API for everything a session logs. A system writes a
//! [`Record`] message; this module stamps it with the time and appends it to `events.tsv`
//! in the record folder (when the run has one), flushed line by line, so a crash loses
//! nothing that happened. Every record is also logged to the console.

use bevy::prelude::*;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Where this run keeps its record.
#[derive(Resource, Clone, Debug)]
pub struct RecordFolder(pub PathBuf);

/// The header of `events.tsv`. `onset` counts real seconds from the start of the run;
/// `scene_s` counts scene time, which stops while a headset is off.
pub const EVENTS_HEADER: &str = "onset\tduration\tscene_s\tevent\tdetail";

#[derive(Resource)]
struct EventsFile(File);

/// What the console says about the record: where it goes, how much is written, and whether
/// writing failed.
#[derive(Resource, Clone, Debug)]
pub struct RecordStatus {
    pub folder: PathBuf,
    pub lines: u64,
    pub failed: Option<String>,
}

pub(crate) fn plugin(app: &mut App) {
    app.add_message::<Record>().add_systems(Last, write_records);
    let Some(folder) = app.world().get_resource::<RecordFolder>().cloned() else {
        return;
    };
    let mut status = RecordStatus {
        folder: folder.0.clone(),
        lines: 0,
        failed: None,
    };
    match open(&folder.0) {
        Ok(file) => {
            info!("record: writing {}", folder.0.join("events.tsv").display());
            app.insert_resource(EventsFile(file));
        }
        Err(e) => {
            error!("record: cannot write to {}: {e}", folder.0.display());
            status.failed = Some(e.to_string());
        }
    }
    app.insert_resource(status);
}

fn open(folder: &Path) -> std::io::Result<File> {
    std::fs::create_dir_all(folder)?;
    let path = folder.join("events.tsv");
    let fresh = !path.exists();
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    if fresh {
        writeln!(file, "{EVENTS_HEADER}")?;
    }
    Ok(file)
}

/// A field fit for one TSV cell: no tabs or line breaks.
fn cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn write_records(
    mut records: MessageReader<Record>,
    real: Res<Time<Real>>,
    scene: Res<Time<Virtual>>,
    file: Option<ResMut<EventsFile>>,
    status: Option<ResMut<RecordStatus>>,
) {
    let mut file = file;
    let mut status = status;
    for r in records.read() {
        info!("record: {} {}", r.event, r.detail);
        if let Some(f) = file.as_mut() {
            let line = format!(
                "{:.4}\t0\t{:.4}\t{}\t{}\n",
                real.elapsed_secs_f64(),
                scene.elapsed_secs_f64(),
                cell(&r.event),
                cell(&r.detail)
            );
            let written = f.0.write_all(line.as_bytes()).and_then(|_| f.0.flush());
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
