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
/// The display period the `dropped` column is judged against: a 60 Hz screen. (A headset's
/// own period is shorter; its frames are judged in the bench.)
const PERIOD_MS: f64 = 1000.0 / 60.0;

/// Longest time a row waits in memory.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

enum Row {
    Pose(u64, f64, [f32; 7]),
    Frame(u64, f64, f64),
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
    let mut frames = open("frames.tsv", "frame\tt_s\tframe_ms\tdropped")?;
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
            Ok(Row::Frame(f, t, ms)) => writeln!(
                frames,
                "{f}\t{t:.4}\t{ms:.3}\t{}",
                u8::from(ms > DROPPED_OVER * PERIOD_MS)
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
    let _ = tx.send(Row::Frame(*frame, t, time.delta_secs_f64() * 1000.0));
}
