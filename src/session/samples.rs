//! Head pose and frame timing, one row per frame, written by a thread of their own: the
//! frame thread only sends the numbers. Rows reach the file at most a second after their
//! frame, and everything sent is on disk when the log is dropped.

use crate::display::Head;
use bevy::prelude::*;
use respite_core::research::data::SessionFiles;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A frame longer than this many display periods counts as dropped (as PsychoPy counts).
const DROPPED_OVER: f64 = 1.2;
/// The display period on a screen (60 Hz). In a headset the runtime's own predicted display
/// period is used instead.
const SCREEN_PERIOD_MS: f64 = 1000.0 / 60.0;

/// Longest time a row waits in memory.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

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
    match start(&folder.0) {
        Ok(log) => {
            app.insert_resource(log).add_systems(Last, send_samples);
        }
        Err(e) => error!("samples: cannot write to {}: {e}", folder.0.dir.display()),
    }
}

fn start(files: &SessionFiles) -> std::io::Result<SampleLog> {
    std::fs::create_dir_all(&files.dir)?;
    // Appended to, so a resumed session keeps what the first attempt wrote.
    let open = |name: &str, header: &str| -> std::io::Result<BufWriter<File>> {
        let path = files.file(name);
        let fresh = !path.exists();
        let mut f = BufWriter::new(OpenOptions::new().create(true).append(true).open(path)?);
        if fresh {
            writeln!(f, "{header}")?;
        }
        Ok(f)
    };
    let mut motion = open("motion.tsv", "frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw")?;
    let mut frames = open(
        "frames.tsv",
        "frame\tt_s\tframe_ms\tperiod_ms\tdropped\tpredicted_display_s",
    )?;
    let (tx, rx) = channel();
    let writer = std::thread::Builder::new()
        .name("respite-samples".into())
        .spawn(move || write_rows(&rx, &mut motion, &mut frames))?;
    Ok(SampleLog {
        tx: Some(tx),
        writer: Some(writer),
    })
}

fn write_rows(rx: &Receiver<Row>, motion: &mut BufWriter<File>, frames: &mut BufWriter<File>) {
    let mut flushed = Instant::now();
    loop {
        let row = rx.recv_timeout(Duration::from_millis(200));
        let result = match row {
            Ok(Row::Pose(f, t, p)) => writeln!(
                motion,
                "{f}\t{t:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.5}\t{:.5}\t{:.5}\t{:.5}",
                p[0], p[1], p[2], p[3], p[4], p[5], p[6]
            ),
            Ok(Row::Frame(r)) => writeln!(
                frames,
                "{}\t{:.4}\t{:.3}\t{:.3}\t{}\t{}",
                r.frame,
                r.t,
                r.ms,
                r.period_ms,
                u8::from(r.ms > DROPPED_OVER * r.period_ms),
                r.predicted_display_s
                    .map_or("n/a".to_string(), |s| format!("{s:.6}"))
            ),
            Err(RecvTimeoutError::Timeout) => Ok(()),
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Err(e) = result {
            eprintln!("samples: write failed: {e}");
            return;
        }
        if flushed.elapsed() >= FLUSH_EVERY {
            let _ = motion.flush().and_then(|_| frames.flush());
            flushed = Instant::now();
        }
    }
    let _ = motion.flush().and_then(|_| frames.flush());
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
