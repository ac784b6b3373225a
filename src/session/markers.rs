//! Event markers: F1–F8 stamp a labelled moment into the session record ("reports
//! nausea", "tDCS on"). The labels are the therapist's to edit in the console.

use super::Record;
use bevy::prelude::*;

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
