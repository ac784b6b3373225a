//! A session's files and how they are read back: BIDS-style names, the events table, the
//! `session.json` sidecar and the SHA-256 manifest that closes a finished session. Every
//! name that goes into a path is a label ([`is_label`]), checked where it is read.

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

/// The value of `key` in a detail (the session events' own reader of a pair).
pub use crate::session::event::field;

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
    /// Its line in the file (1-based; the header is line 1).
    pub line: usize,
}

impl Event {
    pub fn get(&self, key: &str) -> Option<&str> {
        field(&self.detail, key)
    }

    /// The event this row holds, read by the session's one reader.
    pub fn typed(&self) -> Result<crate::session::event::SessionEvent, String> {
        crate::session::event::SessionEvent::parse(&self.trial_type, &self.detail)
    }
}

/// An events table read back: the rows that could be read, and a note for each line that
/// could not (`(line, what)`), which is skipped rather than guessed at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventsTable {
    pub events: Vec<Event>,
    pub notes: Vec<(usize, String)>,
}

/// At most `n` characters of `s`, for quoting a bad line in a message.
fn quote(s: &str, n: usize) -> String {
    let short: String = s.chars().take(n).collect();
    if short.len() < s.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// Reads an events table from its bytes. The header must be there (else `Err((1, why))`);
/// a torn last line (no line end: a crash mid-write) is ignored with a note; any other
/// line that is not six tab-separated cells with numeric `onset` and `scene_s`, or not
/// UTF-8, is skipped with a note naming its line. An empty file is an empty table.
pub fn parse_events(bytes: &[u8]) -> Result<EventsTable, (usize, String)> {
    let mut table = EventsTable::default();
    if bytes.is_empty() {
        return Ok(table);
    }
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // `split` leaves what follows the last line end: empty when the file ends with one.
    let torn = lines.pop().filter(|l| !l.is_empty());
    let text = |l: &[u8]| -> Option<String> {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        std::str::from_utf8(l).ok().map(str::to_string)
    };
    let header_line = lines.first().copied().or(torn).unwrap_or_default();
    match text(header_line) {
        Some(h) if h == EVENTS_HEADER => {}
        // Only a torn header: the crash came before anything was recorded.
        Some(h) if lines.is_empty() && EVENTS_HEADER.starts_with(h.as_str()) => {
            table
                .notes
                .push((1, "torn header (no line end), ignored".into()));
            return Ok(table);
        }
        Some(h) => {
            return Err((
                1,
                format!(
                    "not an events table: expected the header {EVENTS_HEADER:?}, found {}",
                    quote(&h, 60)
                ),
            ));
        }
        None => {
            return Err((
                1,
                "not an events table: the first line is not UTF-8 text (a binary or damaged file)"
                    .into(),
            ));
        }
    }
    for (i, raw) in lines.iter().enumerate().skip(1) {
        let line = i + 1;
        let Some(l) = text(raw) else {
            table
                .notes
                .push((line, "not UTF-8 text; line skipped".into()));
            continue;
        };
        if l.is_empty() {
            table.notes.push((line, "empty line skipped".into()));
            continue;
        }
        let c: Vec<&str> = l.split('\t').collect();
        if c.len() != 6 {
            table
                .notes
                .push((line, format!("{} cells, expected 6; line skipped", c.len())));
            continue;
        }
        let number = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
        let (Some(onset), Some(scene_s)) = (number(c[0]), number(c[4])) else {
            table.notes.push((
                line,
                format!(
                    "onset {} or scene_s {} is not a number; line skipped",
                    quote(c[0], 20),
                    quote(c[4], 20)
                ),
            ));
            continue;
        };
        if c[2].is_empty() {
            table
                .notes
                .push((line, "no trial_type; line skipped".into()));
            continue;
        }
        table.events.push(Event {
            onset,
            trial_type: c[2].to_string(),
            value: (c[3] != "n/a").then(|| c[3].to_string()),
            scene_s,
            detail: c[5].to_string(),
            line,
        });
    }
    if torn.is_some() {
        table.notes.push((
            lines.len() + 1,
            "torn last line (no line end: the write was cut off), ignored".into(),
        ));
    }
    Ok(table)
}

/// Reads an events table's rows; a torn last line (a crash mid-write) and any unreadable
/// line are skipped ([`parse_events`] says which).
pub fn read_events(text: &str) -> Result<Vec<Event>, String> {
    parse_events(text.as_bytes())
        .map(|t| t.events)
        .map_err(|(line, e)| format!("line {line}: {e}"))
}

/// A BIDS label (participant, task, condition): letters and digits only, at most 32
/// characters. Anything that becomes part of a path must be one, so a path made from data
/// stays inside its folder.
/// A scene's or level's name: 1 to 64 lower-case letters, digits and `_`.
pub fn is_label_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// [`is_label`] with the reason: `what` names the thing ("participant", "task").
pub fn check_label(what: &str, s: &str) -> Result<(), String> {
    if is_label(s) {
        Ok(())
    } else {
        Err(format!(
            "{what} {} is not a label (letters and digits only, 1 to 32 of them)",
            quote(s, 40)
        ))
    }
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

    /// [`SessionFiles::bids`] for a participant and task that may come from a file or the
    /// command line: refused unless both are labels ([`is_label`]), so the folder is always
    /// `<data>/sub-<id>/ses-<n>`.
    pub fn try_bids(
        data: &Path,
        participant: &str,
        session: usize,
        task: &str,
    ) -> Result<Self, String> {
        check_label("participant", participant)?;
        check_label("task", task)?;
        Ok(Self::bids(data, participant, session, task))
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

/// The first session number of `participant` under `data` with no folder yet, or whose
/// folder holds nothing of a session ([`is_empty_session`]): a run that died before it
/// recorded anything does not use up a number.
pub fn next_session(data: &Path, participant: &str) -> usize {
    let base = data.join(format!("sub-{participant}"));
    (1..)
        .find(|n| is_empty_session(&base.join(format!("ses-{n}"))))
        .unwrap_or(1)
}

/// Whether `dir` holds nothing of a session: it does not exist, or it is a folder with no
/// `session.json`, no manifest, no sub-folder, and no file beyond a first line (an events
/// table with only its header, an empty samples file). Such a folder is not a session: it
/// takes no number, blocks no resumption, and the report lists it as empty.
pub fn is_empty_session(dir: &Path) -> bool {
    use std::io::Read;
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) => return e.kind() == std::io::ErrorKind::NotFound,
    };
    if !meta.is_dir() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in entries {
        let Ok(e) = e else { return false };
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".partial") {
            continue; // a write_atomic that never finished
        }
        if name.ends_with("session.json") || name == MANIFEST {
            return false;
        }
        let path = e.path();
        if !path.is_file() {
            return false;
        }
        // At most one line: nothing after the first line end.
        let mut head = Vec::new();
        let read =
            std::fs::File::open(&path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
        if read.is_err() || head.len() == 64 * 1024 {
            return false;
        }
        if let Some(at) = head.iter().position(|b| *b == b'\n')
            && at + 1 < head.len()
        {
            return false;
        }
    }
    true
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
    /// The study's conditions in the protocol's order (sequence letters A, B, … name them).
    pub conditions: Vec<String>,
    /// The contrasts the report gives, each (first, second): first − second.
    pub contrasts: Vec<(String, String)>,
    /// Pain asked after the place until it is back near the baseline.
    pub followup: Option<super::protocol::Followup>,
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
    /// In a program: which session of the course this sitting is.
    pub course: Option<crate::course::CourseStamp>,
}

impl Sidecar {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a sidecar is plain data") + "\n"
    }
}

/// A sound level mode as the data name it: `fixed`, `above_ambient_+5.0dB`.
pub fn sound_level_code(mode: crate::scene::LevelMode) -> String {
    match mode {
        crate::scene::LevelMode::Fixed => "fixed".into(),
        crate::scene::LevelMode::AboveAmbient { db } => format!("above_ambient_{db:+.1}dB"),
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

/// How much of a closed session's folder a read checks against its manifest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verify {
    /// Every listed file hashed, except the per-frame recordings ([`is_recording`]), which
    /// are only checked to be there: every file a report's numbers come from, without
    /// re-reading every pose sample (ten minutes of motion and frame times are ~6 MB).
    #[default]
    Read,
    /// Every listed file hashed (`report --verify`, and a BIDS export that copies motion).
    All,
}

/// The per-frame recordings (head motion, frame times): the bulk of a session folder, which
/// a report's tables never read.
pub fn is_recording(name: &str) -> bool {
    ["motion.tsv", "frames.tsv"]
        .iter()
        .any(|r| name == *r || name.strip_suffix(r).is_some_and(|p| p.ends_with('_')))
}

/// Hex SHA-256 of a file, read a block at a time.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Whether a closed session's files still match its manifest, every file hashed: `None`
/// when there is no manifest (the session never closed), else the names that differ.
pub fn check_manifest(dir: &Path) -> Option<Vec<String>> {
    check_manifest_with(dir, Verify::All)
}

/// [`check_manifest`], as closely as `verify` asks: with [`Verify::Read`] a per-frame
/// recording that is listed counts as matching when it is there as a file, and is named
/// when it is gone.
pub fn check_manifest_with(dir: &Path, verify: Verify) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut bad = Vec::new();
    for line in text.lines() {
        let Some((hash, name)) = line.split_once("  ") else {
            continue;
        };
        // A name is one file in this folder: a path in a manifest is never followed.
        let one_file = matches!(
            Path::new(name).components().collect::<Vec<_>>().as_slice(),
            [std::path::Component::Normal(_)]
        );
        if !one_file {
            bad.push(name.to_string());
            continue;
        }
        let path = dir.join(name);
        let matches = if verify == Verify::Read && is_recording(name) {
            std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        } else {
            path.is_file() && sha256_file(&path).is_ok_and(|h| h == hash)
        };
        if !matches {
            bad.push(name.to_string());
        }
    }
    Some(bad)
}
