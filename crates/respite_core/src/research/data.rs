//! A session's files and how they are read back: BIDS-style names, the events table, the
//! `session.json` sidecar and the SHA-256 manifest that closes a finished session.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The header of every events table. `onset` and `duration` are BIDS's (seconds from the
/// start of the run); `trial_type` names the event; `value` is its answer where it has one
/// (a rating, a questionnaire item); `scene_s` is scene time; `detail` keeps every
/// `key=value` the event has.
pub const EVENTS_HEADER: &str = "onset\tduration\ttrial_type\tvalue\tscene_s\tdetail";

/// The file that closes a finished session (`sha256sum -c` reads it).
pub const MANIFEST: &str = "manifest.sha256";

/// A field fit for one TSV cell: no tabs or line breaks.
pub fn cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// The value of `key` in a `key=value key2="quoted value"` detail.
pub fn field<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = detail;
    while let Some(at) = rest.find('=') {
        let key_start = rest[..at].rfind(' ').map_or(0, |i| i + 1);
        let k = &rest[key_start..at];
        let after = &rest[at + 1..];
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (&q[..end], &q[(end + 1).min(q.len())..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if k == key {
            return Some(v);
        }
        rest = next;
    }
    None
}

/// One line of the events table (with its newline).
pub fn event_line(onset: f64, scene_s: f64, event: &str, detail: &str) -> String {
    let value = field(detail, "value").unwrap_or("n/a");
    format!(
        "{onset:.4}\t0\t{}\t{}\t{scene_s:.4}\t{}\n",
        cell(event),
        cell(value),
        cell(detail)
    )
}

/// One row of an events table.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub onset: f64,
    pub trial_type: String,
    pub value: Option<String>,
    pub scene_s: f64,
    pub detail: String,
}

impl Event {
    pub fn get(&self, key: &str) -> Option<&str> {
        field(&self.detail, key)
    }
}

/// Reads an events table; a torn last line (a crash mid-write) is skipped.
pub fn read_events(text: &str) -> Result<Vec<Event>, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some(EVENTS_HEADER) => {}
        other => {
            return Err(format!(
                "expected the header '{EVENTS_HEADER}', found {other:?}"
            ));
        }
    }
    Ok(lines
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            if c.len() != 6 {
                return None;
            }
            Some(Event {
                onset: c[0].parse().ok()?,
                trial_type: c[2].to_string(),
                value: (c[3] != "n/a").then(|| c[3].to_string()),
                scene_s: c[4].parse().ok()?,
                detail: c[5].to_string(),
            })
        })
        .collect())
}

/// Where a session's files go and what they are called.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFiles {
    pub dir: PathBuf,
    /// `sub-P01_ses-2_task-distraction_` for a participant's session; empty for a plain
    /// `--record` folder.
    pub prefix: String,
}

impl SessionFiles {
    /// `<data>/sub-<id>/ses-<n>/` with BIDS-style names.
    pub fn bids(data: &Path, participant: &str, session: usize, task: &str) -> Self {
        Self {
            dir: data
                .join(format!("sub-{participant}"))
                .join(format!("ses-{session}")),
            prefix: format!("sub-{participant}_ses-{session}_task-{task}_"),
        }
    }

    pub fn plain(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            prefix: String::new(),
        }
    }

    /// `events.tsv`, `motion.tsv`, `frames.tsv`, `session.json`.
    pub fn file(&self, what: &str) -> PathBuf {
        self.dir.join(format!("{}{what}", self.prefix))
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }

    /// Finds the files of the session in `dir` (whatever their prefix).
    pub fn find(dir: &Path) -> Option<Self> {
        let entries = std::fs::read_dir(dir).ok()?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(prefix) = name.strip_suffix("events.tsv") {
                return Some(Self {
                    dir: dir.to_path_buf(),
                    prefix: prefix.to_string(),
                });
            }
        }
        None
    }
}

/// The first session number of `participant` under `data` with no folder yet.
pub fn next_session(data: &Path, participant: &str) -> usize {
    let base = data.join(format!("sub-{participant}"));
    (1..)
        .find(|n| !base.join(format!("ses-{n}")).exists())
        .unwrap_or(1)
}

/// What `session.json` holds: enough to know, years later, exactly what was shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Sidecar {
    pub app: String,
    pub app_version: String,
    pub git_revision: String,
    pub participant: String,
    pub session: usize,
    pub task: String,
    pub study: Option<String>,
    pub protocol_file: Option<String>,
    pub protocol_sha256: Option<String>,
    pub condition: Option<String>,
    pub period: Option<usize>,
    pub sequence: Option<String>,
    pub scene: String,
    pub scene_file: String,
    pub scene_sha256: String,
    /// `headset` or `screen` (what was asked for; the events say what answered).
    pub display: String,
    /// Resolution, FOV, refresh and runtime as far as known at the start.
    pub display_parameters: BTreeMap<String, String>,
    /// Every immersion parameter, `key=value`.
    pub immersion: BTreeMap<String, String>,
    pub audio: BTreeMap<String, String>,
    pub seed: u64,
    pub minutes: f32,
    pub scoring_version: String,
    /// Seconds since 1970 when the session began.
    pub started_unix_s: u64,
}

impl Sidecar {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a sidecar is plain data") + "\n"
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file whole or not at all: to a temporary name, synced, then renamed.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    write_atomic_bytes(path, text.as_bytes())
}

pub fn write_atomic_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let tmp = path.with_file_name(name);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Closes a session: the SHA-256 of every file in its folder, in `sha256sum` format.
pub fn write_manifest(dir: &Path) -> std::io::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != MANIFEST && !n.ends_with(".partial"))
        .collect();
    names.sort();
    let mut text = String::new();
    for n in names {
        let bytes = std::fs::read(dir.join(&n))?;
        text.push_str(&format!("{}  {n}\n", sha256_hex(&bytes)));
    }
    write_atomic(&dir.join(MANIFEST), &text)
}

/// Whether a closed session's files still match its manifest: `None` when there is no
/// manifest (the session never closed), else the names that differ.
pub fn check_manifest(dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut bad = Vec::new();
    for line in text.lines() {
        let Some((hash, name)) = line.split_once("  ") else {
            continue;
        };
        match std::fs::read(dir.join(name)) {
            Ok(bytes) if sha256_hex(&bytes) == hash => {}
            _ => bad.push(name.to_string()),
        }
    }
    Some(bad)
}
