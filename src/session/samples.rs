//! Head pose and frame timing, one row per frame, written by a thread of their own: the
//! frame thread only sends the numbers. Rows reach the file (the system's page cache, which a
//! killed process cannot lose) at most [`FLUSH_EVERY`] after their frame and are synced each
//! second; everything sent is on disk when the log is dropped. In a session the files wait
//! for the session's folder, which the record makes with its first event.

use crate::display::Head;
use crate::session::files::AppendFile;
use crate::session::record::{RecordFolder, RecordHealth};
use bevy::prelude::*;
use respite_core::research::data::SessionFiles;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A frame longer than this many display periods counts as dropped (as PsychoPy counts).
const DROPPED_OVER: f64 = 1.2;
/// The display period on a screen (60 Hz). In a headset the runtime's own predicted display
/// period is used instead.
const SCREEN_PERIOD_MS: f64 = 1000.0 / 60.0;

/// Longest time a row waits in memory.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How often the rows written are synced to the disk itself.
const SYNC_EVERY: Duration = Duration::from_secs(1);

enum Row {
    Pose(u64, f64, [f32; 7]),
    Frame(FrameRow),
}

/// One frame's timing.
struct FrameRow {
    frame: u64,
    t: f64,
    ms: f64,
    /// The display period the frame is judged against.
    period_ms: f64,
    /// When the runtime predicts this frame reaches the headset's display, seconds on the
    /// OpenXR runtime's clock (none on a screen).
    predicted_display_s: Option<f64>,
}

/// Where this run's samples go: `motion.tsv` and `frames.tsv` in one folder.
#[derive(Resource, Clone, Debug)]
pub struct SampleFolder(pub SessionFiles);

#[derive(Resource)]
struct SampleLog {
    tx: Option<Sender<Row>>,
    writer: Option<JoinHandle<()>>,
}

impl Drop for SampleLog {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    let Some(folder) = app.world().get_resource::<SampleFolder>().cloned() else {
        return;
    };
    // In a session the folder is the record's, made with its first event; the bench's own
    // folder is made here.
    let session = app
        .world()
        .get_resource::<RecordFolder>()
        .is_some_and(|r| r.0.dir == folder.0.dir);
    let health = app
        .world_mut()
        .get_resource_or_insert_with(RecordHealth::default)
        .clone();
    if !session && let Err(e) = crate::session::files::private_dir_all(&folder.0.dir) {
        error!("samples: cannot write to {}: {e}", folder.0.dir.display());
        health.fail(format!("motion and frames: {e}"));
        return;
    }
    let (tx, rx) = channel();
    let files = folder.0.clone();
    match std::thread::Builder::new()
        .name("respite-samples".into())
        .spawn(move || write_rows(&rx, &files, &health))
    {
        Ok(writer) => {
            app.insert_resource(SampleLog {
                tx: Some(tx),
                writer: Some(writer),
            })
            .add_systems(Last, send_samples);
        }
        Err(e) => error!("samples: cannot start the writer: {e}"),
    }
}

const MOTION_HEADER: &str = "frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw\n";
const FRAMES_HEADER: &str = "frame\tt_s\tframe_ms\tperiod_ms\tdropped\tpredicted_display_s\n";

/// The two tables, opened once the folder exists. Appended to, so a resumed session keeps
/// what the first attempt wrote.
fn open_tables(files: &SessionFiles) -> std::io::Result<(AppendFile, AppendFile)> {
    let open = |name: &str, header: &str| -> std::io::Result<AppendFile> {
        let mut f = AppendFile::open(&files.file(name))?;
        if f.is_empty() {
            f.append(header.as_bytes(), false)?;
        }
        Ok(f)
    };
    Ok((
        open("motion.tsv", MOTION_HEADER)?,
        open("frames.tsv", FRAMES_HEADER)?,
    ))
}

fn write_rows(rx: &Receiver<Row>, files: &SessionFiles, health: &RecordHealth) {
    use std::fmt::Write as _;
    let mut tables: Option<(AppendFile, AppendFile)> = None;
    let (mut motion, mut frames) = (String::new(), String::new());
    let mut flushed = Instant::now();
    let mut synced = Instant::now();
    let mut failed = false;
    loop {
        let row = rx.recv_timeout(FLUSH_EVERY);
        let done = matches!(row, Err(RecvTimeoutError::Disconnected));
        match row {
            Ok(Row::Pose(f, t, p)) => {
                let _ = writeln!(
                    motion,
                    "{f}\t{t:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.5}\t{:.5}\t{:.5}\t{:.5}",
                    p[0], p[1], p[2], p[3], p[4], p[5], p[6]
                );
            }
            Ok(Row::Frame(r)) => {
                let _ = writeln!(
                    frames,
                    "{}\t{:.4}\t{:.3}\t{:.3}\t{}\t{}",
                    r.frame,
                    r.t,
                    r.ms,
                    r.period_ms,
                    u8::from(r.ms > DROPPED_OVER * r.period_ms),
                    r.predicted_display_s
                        .map_or("n/a".to_string(), |s| format!("{s:.6}"))
                );
            }
            Err(_) => {}
        }
        if failed {
            // Nothing more reaches a table that refused a write: the record says so.
            motion.clear();
            frames.clear();
        }
        if failed || (!done && flushed.elapsed() < FLUSH_EVERY) {
            if done {
                break;
            }
            continue;
        }
        flushed = Instant::now();
        if done && tables.is_none() && !files.dir.is_dir() {
            // The run ended before its first event reached the disk: the record's writer
            // may still be making the folder; give it a moment.
            let until = Instant::now() + Duration::from_secs(2);
            while !files.dir.is_dir() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if tables.is_none() && files.dir.is_dir() {
            match open_tables(files) {
                Ok(t) => tables = Some(t),
                Err(e) => {
                    error!("samples: cannot write to {}: {e}", files.dir.display());
                    health.fail(format!("motion and frames: {e}"));
                    failed = true;
                }
            }
        }
        if let Some((m, f)) = tables.as_mut() {
            let sync = done || synced.elapsed() >= SYNC_EVERY;
            // Each table is cut back to its last whole row if the write fails.
            let result = m
                .append(motion.as_bytes(), false)
                .and_then(|()| f.append(frames.as_bytes(), false))
                .and_then(|()| {
                    if sync {
                        m.sync().and_then(|()| f.sync())
                    } else {
                        Ok(())
                    }
                });
            match result {
                Ok(()) => {
                    motion.clear();
                    frames.clear();
                    if sync {
                        synced = Instant::now();
                    }
                }
                Err(e) => {
                    error!("samples: write failed: {e}");
                    health.fail(format!("motion and frames: write failed: {e}"));
                    failed = true;
                }
            }
        } else if motion.len() + frames.len() > 64 << 20 {
            // A folder that never came (a session that did not start): nothing to keep.
            motion.clear();
            frames.clear();
        }
        if done {
            break;
        }
    }
}

fn send_samples(
    log: Res<SampleLog>,
    time: Res<Time<Real>>,
    xr_frame: Option<Res<bevy_mod_openxr::resources::OxrFrameState>>,
    heads: Query<&GlobalTransform, With<Head>>,
    mut frame: Local<u64>,
) {
    let Some(tx) = &log.tx else { return };
    *frame += 1;
    let t = time.elapsed_secs_f64();
    if let Some(head) = heads.iter().next() {
        let (_, r, p) = head.to_scale_rotation_translation();
        let _ = tx.send(Row::Pose(*frame, t, [p.x, p.y, p.z, r.x, r.y, r.z, r.w]));
    }
    let xr = xr_frame.map(|f| {
        (
            f.0.predicted_display_period.as_nanos() as f64 / 1e6,
            f.0.predicted_display_time.as_nanos() as f64 / 1e9,
        )
    });
    let _ = tx.send(Row::Frame(FrameRow {
        frame: *frame,
        t,
        ms: time.delta_secs_f64() * 1000.0,
        period_ms: xr.map_or(SCREEN_PERIOD_MS, |x| x.0).max(1.0),
        predicted_display_s: xr.map(|x| x.1),
    }));
}
