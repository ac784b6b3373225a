//! The log goes to standard error through a thread of its own, so writing it never blocks a
//! frame: a terminal paused with Ctrl+S, or a pipe nobody reads, would otherwise stall the
//! frame thread at its next log line — the emergency stop's among them — and the record's
//! writer after each group. Lines wait in a bounded queue; when it is full they are dropped
//! and counted, and the count is written where they were dropped once the queue moves.

use bevy::log::BoxedFmtLayer;
use bevy::log::tracing_subscriber::{self, fmt::MakeWriter};
use bevy::prelude::*;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Log lines waiting at most.
const QUEUE: usize = 4096;

enum Piece {
    /// A formatted line, and how many lines were dropped just before it.
    Line(u64, Vec<u8>),
    /// Answered once everything before it has been written.
    Flush(SyncSender<()>),
}

struct Queue {
    /// None when no thread could be started: lines are then written where they are made.
    tx: Option<SyncSender<Piece>>,
    dropped: AtomicU64,
}

static QUEUE_: OnceLock<Queue> = OnceLock::new();

fn queue() -> &'static Queue {
    QUEUE_.get_or_init(|| {
        let (tx, rx) = sync_channel(QUEUE);
        let started = std::thread::Builder::new()
            .name("respite-log".into())
            .spawn(move || write_out(&rx));
        Queue {
            tx: started.is_ok().then_some(tx),
            dropped: AtomicU64::new(0),
        }
    })
}

fn write_out(rx: &Receiver<Piece>) {
    for piece in rx {
        match piece {
            Piece::Line(dropped, bytes) => write_line(dropped, &bytes),
            Piece::Flush(done) => {
                let dropped = queue().dropped.swap(0, Ordering::AcqRel);
                if dropped > 0 {
                    write_line(dropped, &[]);
                }
                let _ = done.try_send(());
            }
        }
    }
}

/// One write of the whole line (after the count of lines dropped before it), under the
/// standard library's lock, so nothing else written to standard error splits it.
fn write_line(dropped: u64, bytes: &[u8]) {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "log: {dropped} lines dropped here (standard error was not being read)"
        );
    }
    out.extend_from_slice(bytes);
    let _ = std::io::stderr().lock().write_all(&out);
}

/// One formatted event, sent whole when the formatter is done with it.
pub struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let q = queue();
        let bytes = std::mem::take(&mut self.0);
        let Some(tx) = &q.tx else {
            return write_line(0, &bytes);
        };
        let dropped = q.dropped.swap(0, Ordering::AcqRel);
        if tx.try_send(Piece::Line(dropped, bytes)).is_err() {
            q.dropped.fetch_add(dropped + 1, Ordering::AcqRel);
        }
    }
}

/// The writer the log's formatter asks for, one line at a time.
pub struct NonBlockingStderr;

impl<'a> MakeWriter<'a> for NonBlockingStderr {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line(Vec::with_capacity(160))
    }
}

/// For [`bevy::log::LogPlugin::fmt_layer`]: Bevy's usual format, written without blocking.
pub fn fmt_layer(_app: &mut App) -> Option<BoxedFmtLayer> {
    // A panic's own message goes straight to standard error: the lines that explain it are
    // written first (for a moment at most).
    let earlier = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        flush(Duration::from_millis(200));
        earlier(info);
    }));
    Some(Box::new(
        tracing_subscriber::fmt::Layer::default().with_writer(NonBlockingStderr),
    ))
}

/// A line for standard error that never blocks (queued behind the log; dropped and counted
/// if the queue is full): for what the binary says once the App has run.
pub fn say(text: impl Into<String>) {
    let mut line = Line(text.into().into_bytes());
    line.0.push(b'\n');
}

/// Waits (at most `most`) until every line logged so far is written: at the end of a run,
/// so its last lines are not lost with the process.
pub fn flush(most: Duration) {
    static ONE: Mutex<()> = Mutex::new(());
    let Some(q) = QUEUE_.get() else { return };
    let Some(queue_tx) = &q.tx else { return };
    // One flush at a time; a flush asked for meanwhile (a panic during one) does not wait.
    let Ok(_one) = ONE.try_lock() else { return };
    let (done_tx, done) = sync_channel(1);
    let until = Instant::now() + most;
    let mut piece = Piece::Flush(done_tx);
    // The queue may be full: try until there is room or the time is up.
    loop {
        match queue_tx.try_send(piece) {
            Ok(()) => break,
            Err(TrySendError::Full(p)) if Instant::now() < until => {
                piece = p;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return,
        }
    }
    let _ = done.recv_timeout(until.saturating_duration_since(Instant::now()));
}
