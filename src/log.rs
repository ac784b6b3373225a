//! The log goes to standard error through a thread of its own, so writing it never blocks a
//! frame: a terminal paused with Ctrl+S, or a pipe nobody reads, would otherwise stall the
//! frame thread at its next log line — the emergency stop's among them — and the record's
//! writer after each group. Lines wait in a bounded queue; when it is full they are dropped
//! and counted, and the count is written once the queue moves again.

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
    Line(Vec<u8>),
    /// Answered once everything before it has been written.
    Flush(SyncSender<()>),
}

struct Queue {
    tx: SyncSender<Piece>,
    dropped: AtomicU64,
}

static QUEUE_: OnceLock<Queue> = OnceLock::new();

fn queue() -> &'static Queue {
    QUEUE_.get_or_init(|| {
        let (tx, rx) = sync_channel(QUEUE);
        let _ = std::thread::Builder::new()
            .name("respite-log".into())
            .spawn(move || write_out(&rx));
        Queue {
            tx,
            dropped: AtomicU64::new(0),
        }
    })
}

fn write_out(rx: &Receiver<Piece>) {
    use std::os::fd::FromRawFd;
    // File descriptor 2 itself, not `std::io::stderr()`: a write blocked on a full pipe must
    // not hold the standard library's lock on standard error, or every `eprintln!` of the
    // process would wait behind it.
    // SAFETY: fd 2 stays open for the life of the process; ManuallyDrop never closes it.
    let mut err = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
    for piece in rx {
        match piece {
            Piece::Line(bytes) => {
                let dropped = queue().dropped.swap(0, Ordering::AcqRel);
                if dropped > 0 {
                    let _ = writeln!(
                        err,
                        "log: {dropped} lines dropped (standard error was not read)"
                    );
                }
                let _ = err.write_all(&bytes);
            }
            Piece::Flush(done) => {
                let _ = done.try_send(());
            }
        }
    }
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
        match q.tx.try_send(Piece::Line(std::mem::take(&mut self.0))) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                q.dropped.fetch_add(1, Ordering::AcqRel);
            }
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
    let _one = ONE.lock();
    let (tx, rx) = sync_channel(1);
    let until = Instant::now() + most;
    let mut piece = Piece::Flush(tx);
    // The queue may be full: try until there is room or the time is up.
    loop {
        match q.tx.try_send(piece) {
            Ok(()) => break,
            Err(TrySendError::Full(p)) if Instant::now() < until => {
                piece = p;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return,
        }
    }
    let _ = rx.recv_timeout(until.saturating_duration_since(Instant::now()));
}
