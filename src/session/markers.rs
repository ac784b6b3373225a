//! Event markers: F1–F8 stamp a labelled moment into the session record ("reports
//! nausea", "tDCS on"). The labels are the therapist's to edit in the console.
//!
//! Other devices (tDCS, TENS, EEG set-ups) stamp theirs through a local input, off unless
//! asked for: one marker per line on the app's standard input, or per datagram on a UDP
//! port bound to 127.0.0.1 only. Each is recorded with the moment it arrived
//! (`received_s`, on the record's clock) as well as the frame it was written on.

use super::Record;
use bevy::prelude::*;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

/// Where outside markers come from.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct MarkerInputs {
    pub stdin: bool,
    /// A UDP port on 127.0.0.1.
    pub udp: Option<u16>,
}

/// Markers that arrived from outside: (source, label, when).
#[derive(Resource)]
struct Outside(Mutex<Receiver<(&'static str, String, Instant)>>);

/// The longest marker label kept.
const MAX_LABEL: usize = 200;

fn listen_stdin(tx: Sender<(&'static str, String, Instant)>) {
    std::thread::Builder::new()
        .name("respite-markers-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                let label = line.trim();
                if !label.is_empty()
                    && tx
                        .send(("stdin", label.to_string(), Instant::now()))
                        .is_err()
                {
                    break;
                }
            }
        })
        .expect("a thread for standard input");
}

fn listen_udp(port: u16, tx: Sender<(&'static str, String, Instant)>) -> std::io::Result<u16> {
    let socket = std::net::UdpSocket::bind(("127.0.0.1", port))?;
    let bound = socket.local_addr()?.port();
    std::thread::Builder::new()
        .name("respite-markers-udp".into())
        .spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok((n, _)) = socket.recv_from(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]);
                for label in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if tx.send(("udp", label.to_string(), Instant::now())).is_err() {
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

/// Set marker `0..8` now (from the console's buttons).
#[derive(Message, Clone, Copy, Debug)]
pub struct SetMarker(pub usize);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Markers>()
        .add_message::<SetMarker>()
        .add_systems(Update, (markers_from_keys, record_markers).chain());
    let inputs = app
        .world()
        .get_resource::<MarkerInputs>()
        .cloned()
        .unwrap_or_default();
    if inputs == MarkerInputs::default() {
        return;
    }
    let (tx, rx) = channel();
    if inputs.stdin {
        listen_stdin(tx.clone());
        info!("markers: reading one marker per line from standard input");
    }
    if let Some(port) = inputs.udp {
        match listen_udp(port, tx) {
            Ok(p) => info!("markers: listening on udp 127.0.0.1:{p}"),
            Err(e) => error!("markers: cannot listen on udp 127.0.0.1:{port}: {e}"),
        }
    }
    app.insert_resource(Outside(Mutex::new(rx)))
        .add_systems(Update, record_outside_markers);
}

fn record_outside_markers(
    outside: Res<Outside>,
    real: Res<Time<Real>>,
    mut markers: ResMut<Markers>,
    mut records: MessageWriter<Record>,
) {
    let Ok(rx) = outside.0.lock() else { return };
    for (source, label, at) in rx.try_iter() {
        let received = at.saturating_duration_since(real.startup()).as_secs_f64();
        let label: String = label.chars().take(MAX_LABEL).collect();
        markers.count += 1;
        records.write(Record::new(
            "marker",
            format!(
                "source={source} label=\"{}\" received_s={received:.4}",
                label.replace('"', "'")
            ),
        ));
    }
}

fn markers_from_keys(keys: Res<ButtonInput<KeyCode>>, mut set: MessageWriter<SetMarker>) {
    for (i, key) in MARKER_KEYS.iter().enumerate() {
        if keys.just_pressed(*key) {
            set.write(SetMarker(i));
        }
    }
}

fn record_markers(
    mut set: MessageReader<SetMarker>,
    mut markers: ResMut<Markers>,
    mut records: MessageWriter<Record>,
) {
    for SetMarker(i) in set.read() {
        let Some(label) = markers.labels.get(*i).cloned() else {
            continue;
        };
        markers.count += 1;
        records.write(Record::new(
            "marker",
            format!("key=F{} label=\"{}\"", i + 1, label.replace('"', "'")),
        ));
    }
}
