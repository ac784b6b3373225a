//! Reading a study's data folder back: one result per session (complete or not, with why)
//! and the folders that could not be read (with why, naming the file). An answer outside
//! its scale, a torn or unreadable line, is left out and listed, never guessed at.

use super::data::{self, Event, SessionFiles, Sidecar};
use super::protocol::Followup;
use super::scoring::{self, NrsChange, Questionnaire};
use super::stats;
use crate::session::event::SessionEvent;
use std::path::{Path, PathBuf};

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Ran to its end and closed with a manifest.
    Completed,
    /// Ended early (the emergency stop, the end button, the time limit).
    Stopped,
    /// No end on record: the process died. Everything written before is kept.
    Incomplete,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Stopped => "stopped",
            Status::Incomplete => "incomplete",
        }
    }
}

/// One session, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionResult {
    pub dir: PathBuf,
    pub participant: String,
    pub session: usize,
    pub period: Option<usize>,
    pub sequence: Option<String>,
    pub condition: String,
    pub display: String,
    pub baseline: Option<f64>,
    /// (minute in the place, NRS)
    pub during: Vec<(f64, f64)>,
    pub post: Option<f64>,
    /// (minutes after the place, NRS): the follow-up's answers.
    pub after: Vec<(f64, f64)>,
    /// The follow-up the session was asked to run (from `session.json`).
    pub followup: Option<Followup>,
    /// Minutes planned in the place.
    pub minutes: f64,
    /// Minutes spent in the place, when its end is on record.
    pub place_min: Option<f64>,
    /// How loud the sound played (`fixed`, `above_ambient_+5.0dB`, `none`; `n/a` unknown).
    pub sound_level: String,
    /// The study's conditions in the protocol's order, and its contrasts (`session.json`).
    pub conditions: Vec<String>,
    pub contrasts: Vec<(String, String)>,
    /// Every answer on record, in order.
    pub ratings: Vec<RatingRow>,
    pub ssq_pre: Option<Vec<u8>>,
    pub ssq_post: Option<Vec<u8>>,
    pub ipq: Option<Vec<u8>>,
    /// Every questionnaire answered in full: (which, timepoint, items in its order).
    pub questionnaires: Vec<(Questionnaire, String, Vec<u8>)>,
    pub fms: Vec<u8>,
    /// The patient's breath each minute in the place (`--breath`), as on record.
    pub breath: Vec<BreathMinuteRow>,
    pub status: Status,
    /// Why the session is stopped or incomplete ("no session_end: the record stops at
    /// 312.4 s", "write failed: No space left on device"); `None` when completed.
    pub reason: Option<String>,
    /// What was left out while reading, each naming its file (and line): a torn last line,
    /// an unreadable line, an answer outside its scale, a missing `session.json`.
    pub notes: Vec<String>,
    /// `Some(names)` of files that no longer match the manifest; `None` with no manifest.
    pub manifest: Option<Vec<String>>,
    /// How closely `manifest` was checked: the per-frame recordings hashed or only found.
    pub verify: data::Verify,
    pub events: usize,
    /// The BIDS task label ("respite" outside a study).
    pub task: String,
}

impl SessionResult {
    pub fn change(&self) -> Option<NrsChange> {
        Some(NrsChange::new(self.baseline?, self.post?))
    }

    /// Mean of the ratings in the place.
    pub fn during_mean(&self) -> Option<f64> {
        stats::mean(&self.during.iter().map(|d| d.1).collect::<Vec<_>>())
    }

    /// `sub-P01 ses-2`, as lists name a session.
    pub fn name(&self) -> String {
        format!("sub-{} ses-{}", self.participant, self.session)
    }
}

/// A minute's breathing as the record has it (`breath_minute`).
#[derive(Debug, Clone, PartialEq)]
pub struct BreathMinuteRow {
    pub minute: u32,
    pub exhales: u32,
    /// Breaths a minute, when heard.
    pub rate: Option<f64>,
    /// The patient's rate less the pacer's, with the pacer on.
    pub off_pacer: Option<f64>,
}

/// The breathing of a session, summarised: minutes on record, the mean rate, and the mean
/// distance from the pacer's rate (either way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreathSummary {
    pub minutes: usize,
    pub rate: Option<f64>,
    pub off_pacer: Option<f64>,
}

impl SessionResult {
    /// `None` without `--breath` (no minute on record).
    pub fn breath_summary(&self) -> Option<BreathSummary> {
        if self.breath.is_empty() {
            return None;
        }
        let rates: Vec<f64> = self.breath.iter().filter_map(|b| b.rate).collect();
        let off: Vec<f64> = self
            .breath
            .iter()
            .filter_map(|b| b.off_pacer.map(f64::abs))
            .collect();
        Some(BreathSummary {
            minutes: self.breath.len(),
            rate: stats::mean(&rates),
            off_pacer: stats::mean(&off),
        })
    }
}

/// One answer as the record has it, its key=values in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingRow {
    pub timepoint: String,
    pub scale: String,
    pub item: Option<String>,
    /// `None` when skipped.
    pub value: Option<f64>,
    pub by: String,
    pub via: String,
    pub latency_s: Option<f64>,
    /// Seconds since the record began.
    pub onset: f64,
}

impl RatingRow {
    /// Where the answer sits: `before`, `during`, `after`, `washout` or `other`, and its
    /// minute (since the place began during it, since it ended after it, 0 before it).
    pub fn phase_minute(&self) -> (&'static str, Option<f64>) {
        let tp = self.timepoint.as_str();
        let minute = |prefix: &str| tp.strip_prefix(prefix)?.parse::<f64>().ok();
        match tp {
            "baseline" | "pre" => ("before", Some(0.0)),
            "post" => ("after", Some(0.0)),
            _ if tp.starts_with("minute_") => ("during", minute("minute_")),
            _ if tp.starts_with("after_") => ("after", minute("after_")),
            _ if tp.starts_with("washout_") => ("washout", None),
            _ => ("other", None),
        }
    }
}

/// A session folder the report could not read, and why (the reason names the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub dir: PathBuf,
    pub reason: String,
}

/// A data folder read back: the sessions that could be read, and the folders that could
/// not, each with its reason. One bad folder never hides the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFolder {
    pub sessions: Vec<SessionResult>,
    pub skipped: Vec<Skipped>,
}

impl DataFolder {
    /// No session folder at all, readable or not.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.skipped.is_empty()
    }
}

impl From<Vec<SessionResult>> for DataFolder {
    fn from(sessions: Vec<SessionResult>) -> Self {
        Self {
            sessions,
            skipped: Vec::new(),
        }
    }
}

/// Why a rating's answer cannot be used, if it cannot: not a finite number, outside its
/// scale (NRS 0–10, FMS 0–20, each SSQ and IPQ item's range), or an SSQ/IPQ answer without
/// a known item. Ratings of other scales, and ratings with no answer, pass.
pub fn refused_answer(e: &Event) -> Option<String> {
    if e.trial_type != "rating" {
        return None;
    }
    let scale = e.get("scale")?;
    let v = e.value.as_deref()?;
    let whole = |min: u8, max: u8, what: &str| -> Option<String> {
        match v.parse::<i64>() {
            Ok(n) if n >= i64::from(min) && n <= i64::from(max) => None,
            Ok(_) => Some(format!("{what} answer {v} is outside {min}–{max}")),
            Err(_) => Some(format!(
                "{what} answer {v:?} is not a whole number {min}–{max}"
            )),
        }
    };
    match scale {
        "nrs" => {
            // Minutes in the place (at most its longest) or after it (at most the longest
            // follow-up).
            for (prefix, most) in [
                ("minute_", super::protocol::MAX_MINUTES),
                ("after_", super::protocol::MAX_FOLLOWUP_MIN),
            ] {
                if let Some(m) = e.get("timepoint").and_then(|t| t.strip_prefix(prefix))
                    && !m
                        .parse::<f64>()
                        .is_ok_and(|m| m.is_finite() && (0.0..=f64::from(most)).contains(&m))
                {
                    return Some(format!(
                        "nrs timepoint {prefix}{m} is not a minute 0–{most}"
                    ));
                }
            }
            let (lo, hi) = scoring::NRS_RANGE;
            match v.parse::<f64>() {
                Ok(x) if !x.is_finite() => Some(format!("nrs answer {v} is not a finite number")),
                Ok(x) if !(lo..=hi).contains(&x) => {
                    Some(format!("nrs answer {v} is outside {lo}–{hi}"))
                }
                Ok(_) => None,
                Err(_) => Some(format!("nrs answer {v:?} is not a number")),
            }
        }
        "fms" => whole(scoring::FMS_RANGE.0, scoring::FMS_RANGE.1, "fms"),
        _ => {
            // Any questionnaire the program knows (shipped or a researcher's file).
            let q = Questionnaire::find(scale)?;
            let Some(code) = e.get("item") else {
                return Some(format!("{scale} answer without an item"));
            };
            let Some(item) = q.items().iter().find(|i| i.code == code) else {
                return Some(format!("{scale} item {code:?} is not one of its items"));
            };
            whole(item.min, item.max, item.code)
        }
    }
}

/// Every questionnaire answered in full, at each timepoint it was asked, in the order
/// first asked.
fn questionnaires(ratings: &[RatingRow]) -> Vec<(Questionnaire, String, Vec<u8>)> {
    let mut asked: Vec<(Questionnaire, String)> = Vec::new();
    for r in ratings {
        if let Some(q) = Questionnaire::find(&r.scale).filter(|q| *q != Questionnaire::fms())
            && !asked.iter().any(|(a, t)| *a == q && *t == r.timepoint)
        {
            asked.push((q, r.timepoint.clone()));
        }
    }
    asked
        .into_iter()
        .filter_map(|(q, tp)| {
            let items = items(ratings, q, &tp)?;
            Some((q, tp, items))
        })
        .collect()
}

fn items(ratings: &[RatingRow], q: Questionnaire, when: &str) -> Option<Vec<u8>> {
    let spec = q.items();
    let mut got: Vec<Option<u8>> = vec![None; spec.len()];
    for r in ratings
        .iter()
        .filter(|r| r.scale == q.code() && r.timepoint == when)
    {
        if let (Some(i), Some(v)) = (
            r.item
                .as_deref()
                .and_then(|c| spec.iter().position(|s| s.code == c)),
            r.value,
        ) {
            got[i] = Some(v as u8);
        }
    }
    got.into_iter().collect()
}

/// The one events table in a session folder.
pub(crate) fn events_path(dir: &Path) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let tables: Vec<&String> = names.iter().filter(|n| n.ends_with("events.tsv")).collect();
    match tables.as_slice() {
        [] => Err(format!(
            "{}: no events.tsv (the folder holds {})",
            dir.display(),
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        )),
        [one] => {
            let path = dir.join(one);
            if path.is_dir() {
                Err(format!("{}: a folder, not an events table", path.display()))
            } else {
                Ok(path)
            }
        }
        more => Err(format!(
            "{}: more than one events table ({}); which is this session's is unclear",
            dir.display(),
            more.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Reads an events file whole: its rows (refused answers left out) and a note, naming the
/// file and line, for everything left out.
pub(crate) fn load_events(path: &Path) -> Result<(Vec<Event>, Vec<String>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    let table = data::parse_events(&bytes)
        .map_err(|(line, e)| format!("{}:{line}: {e}", path.display()))?;
    let mut notes: Vec<(usize, String)> = table
        .notes
        .iter()
        .map(|(line, what)| (*line, format!("{name}:{line}: {what}")))
        .collect();
    if bytes.is_empty() {
        notes.push((0, format!("{name}: empty file, not even its header")));
    }
    let mut events = Vec::with_capacity(table.events.len());
    for e in table.events {
        // Answers go through the session's one reader: a rating it cannot read is refused
        // like an answer off its scale.
        let why = refused_answer(&e).or_else(|| {
            (e.trial_type == "rating")
                .then(|| e.typed().err())
                .flatten()
        });
        match why {
            Some(why) => notes.push((e.line, format!("{name}:{}: {why}; refused", e.line))),
            None => events.push(e),
        }
    }
    notes.sort_by_key(|n| n.0);
    Ok((events, notes.into_iter().map(|n| n.1).collect()))
}

/// What the folder names say: `sub-<participant>/ses-<n>`, each checked.
fn folder_labels(dir: &Path) -> Result<(Option<String>, Option<usize>), String> {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_string());
    let Some(ses) = name(dir).and_then(|n| n.strip_prefix("ses-").map(str::to_string)) else {
        return Ok((None, None));
    };
    let session = ses
        .parse::<usize>()
        .ok()
        .filter(|_| ses.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| format!("{}: the folder is not ses-<number>", dir.display()))?;
    let participant = match dir
        .parent()
        .and_then(name)
        .and_then(|n| n.strip_prefix("sub-").map(str::to_string))
    {
        Some(p) => {
            data::check_label("participant", &p)
                .map_err(|e| format!("{}: folder's {e}", dir.display()))?;
            Some(p)
        }
        None => None,
    };
    Ok((participant, Some(session)))
}

/// Why the session did not end cleanly, if it did not, and its status.
fn ending(events: &[Event], manifest: Option<&Vec<String>>) -> (Status, Option<String>) {
    let faults: Vec<String> = events
        .iter()
        .filter(|e| e.trial_type == "record_fault")
        .map(|e| {
            // The app's reason already says "write failed: …".
            let why = e.get("reason").unwrap_or(e.detail.as_str());
            let why = why.strip_prefix("write failed: ").unwrap_or(why);
            match e.get("lost").and_then(|n| n.parse::<u64>().ok()) {
                Some(n) if n > 0 => format!(
                    "write failed: {why} (at {:.1} s, {n} line{} lost)",
                    e.onset,
                    if n == 1 { "" } else { "s" }
                ),
                _ => format!("write failed: {why} (at {:.1} s)", e.onset),
            }
        })
        .collect();
    let end = events.iter().rev().find(|e| e.trial_type == "session_end");
    let (status, reason) = match end {
        Some(e) if e.get("completed") == Some("true") && manifest.is_some() => {
            (Status::Completed, None)
        }
        Some(e) if e.get("completed") == Some("true") => (
            Status::Incomplete,
            Some(format!(
                "no {}: session_end at {:.1} s but the session was never closed",
                data::MANIFEST,
                e.onset
            )),
        ),
        Some(e) if e.get("completed") == Some("false") && manifest.is_none() => (
            Status::Incomplete,
            Some(format!(
                "no {}: ended early ({}) at {:.1} s but the session was never closed",
                data::MANIFEST,
                e.get("how").unwrap_or("how not recorded"),
                e.onset
            )),
        ),
        Some(e) if e.get("completed") == Some("false") => (
            Status::Stopped,
            Some(format!(
                "ended early ({}) at {:.1} s",
                e.get("how").unwrap_or("how not recorded"),
                e.onset
            )),
        ),
        Some(e) => (
            Status::Incomplete,
            Some(format!(
                "session_end at {:.1} s says neither completed=true nor completed=false",
                e.onset
            )),
        ),
        None => (
            Status::Incomplete,
            Some(match events.last() {
                Some(last) => format!("no session_end: the record stops at {:.1} s", last.onset),
                None => "no session_end: no events recorded".to_string(),
            }),
        ),
    };
    if faults.is_empty() {
        return (status, reason);
    }
    // A record with a failed write has a gap: it is not the whole session.
    let mut why = faults;
    why.extend(reason);
    (Status::Incomplete, Some(why.join("; ")))
}

/// Reads one session folder. Refused, with a reason naming the file, when the folder holds
/// nothing of a session, when its events table or `session.json` cannot be read, or when
/// `session.json` names a participant, session or task that is not a label or not its
/// folder's. The per-frame recordings are found, not re-read ([`data::Verify::Read`]).
pub fn read_session(dir: &Path) -> Result<SessionResult, String> {
    read_session_with(dir, data::Verify::Read)
}

/// [`read_session`], checking the manifest as closely as `verify` asks.
pub fn read_session_with(dir: &Path, verify: data::Verify) -> Result<SessionResult, String> {
    if data::is_empty_session(dir) {
        return Err(format!(
            "{}: empty session folder (no session.json, no events recorded): not a session",
            dir.display()
        ));
    }
    let (folder_participant, folder_session) = folder_labels(dir)?;
    let events_file = events_path(dir)?;
    let events_name = events_file
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    let prefix = events_name.strip_suffix("events.tsv").unwrap_or_default();
    let files = SessionFiles {
        dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
    };
    let mut notes = Vec::new();
    let sidecar_file = files.file("session.json");
    let sidecar: Sidecar = match std::fs::metadata(&sidecar_file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            notes.push(format!(
                "{prefix}session.json: missing; condition, display and period unknown"
            ));
            Sidecar::default()
        }
        Err(e) => return Err(format!("{}: {e}", sidecar_file.display())),
        Ok(m) if m.is_dir() => {
            return Err(format!("{}: a folder, not a file", sidecar_file.display()));
        }
        Ok(_) => {
            let bytes = std::fs::read(&sidecar_file)
                .map_err(|e| format!("{}: {e}", sidecar_file.display()))?;
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: not a valid session.json: {e}", sidecar_file.display()))?
        }
    };
    let at_sidecar = |e: String| format!("{}: {e}", sidecar_file.display());
    let participant = if sidecar.participant.is_empty() {
        folder_participant.clone().unwrap_or_default()
    } else {
        data::check_label("participant", &sidecar.participant).map_err(at_sidecar)?;
        if let Some(f) = &folder_participant
            && *f != sidecar.participant
        {
            return Err(at_sidecar(format!(
                "participant {} is not its folder's (sub-{f})",
                sidecar.participant
            )));
        }
        sidecar.participant.clone()
    };
    let session = match (sidecar.session, folder_session) {
        (0, f) => f.unwrap_or(0),
        (s, Some(f)) if s != f => {
            return Err(at_sidecar(format!(
                "session {s} is not its folder's (ses-{f})"
            )));
        }
        (s, _) => s,
    };
    let task = if sidecar.task.is_empty() {
        "respite".to_string()
    } else {
        data::check_label("task", &sidecar.task).map_err(at_sidecar)?;
        sidecar.task.clone()
    };
    let (events, event_notes) = load_events(&events_file)?;
    notes.extend(event_notes);
    // Every answer, through the session's one reader (load_events refused what it cannot
    // read).
    let ratings: Vec<RatingRow> = events
        .iter()
        .filter_map(|e| match e.typed() {
            Ok(SessionEvent::Rating {
                timepoint,
                scale,
                value,
                by,
                via,
                latency_s,
                item,
                ..
            }) => Some(RatingRow {
                timepoint: timepoint.to_string(),
                scale,
                item,
                value: value.map(f64::from),
                by: by.code().to_string(),
                via: via.code().to_string(),
                latency_s: Some(f64::from(latency_s)),
                onset: e.onset,
            }),
            _ => None,
        })
        .collect();
    let nrs = || ratings.iter().filter(|r| r.scale == "nrs");
    let at = |tp: &str| {
        nrs()
            .filter(|r| r.timepoint == tp)
            .rev()
            .find_map(|r| r.value)
    };
    // (minute, NRS) of the timepoints `<prefix><minute>`, by minute. A resumed session may
    // have asked a minute twice: the later answer stands.
    let series = |prefix: &str| {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for r in nrs() {
            let Some(m) = r
                .timepoint
                .strip_prefix(prefix)
                .and_then(|m| m.parse::<f64>().ok())
            else {
                continue;
            };
            let Some(v) = r.value else { continue };
            out.retain(|d| d.0 != m);
            out.push((m, v));
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    };
    let during = series("minute_");
    let after = series("after_");
    let place_min = events
        .iter()
        .rev()
        .find(|e| e.trial_type == "session_end")
        .and_then(|e| e.get("in_place_s")?.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| (s / 60.0).min(f64::from(super::protocol::MAX_MINUTES) + 10.0));
    let fms = ratings
        .iter()
        .filter(|r| r.scale == "fms")
        .filter_map(|r| r.value.map(|v| v as u8))
        .collect();
    // A resumed session may have put a minute on record twice: the later stands.
    let mut breath: Vec<BreathMinuteRow> = Vec::new();
    for e in &events {
        if let Ok(SessionEvent::BreathMinute {
            minute,
            exhales,
            rate_per_min,
            off_pacer_per_min,
            ..
        }) = e.typed()
        {
            breath.retain(|b| b.minute != minute);
            breath.push(BreathMinuteRow {
                minute,
                exhales,
                rate: rate_per_min.map(f64::from),
                off_pacer: off_pacer_per_min.map(f64::from),
            });
        }
    }
    breath.sort_by_key(|b| b.minute);
    let manifest = data::check_manifest_with(dir, verify);
    let (status, reason) = ending(&events, manifest.as_ref());
    Ok(SessionResult {
        dir: dir.to_path_buf(),
        participant,
        session,
        period: sidecar.period,
        sequence: sidecar.sequence.clone(),
        // Outside a study the scene is the condition; with neither, it is not known.
        condition: sidecar
            .condition
            .clone()
            .or_else(|| Some(sidecar.scene.clone()).filter(|s| !s.is_empty()))
            .map(|c| data::cell(&c))
            .unwrap_or_else(|| "n/a".into()),
        // `auto` says what answered in the display parameters, or the display event.
        display: match (
            sidecar.display.as_str(),
            sidecar
                .display_parameters
                .get("active")
                .map(String::as_str)
                .or_else(|| {
                    events
                        .iter()
                        .find(|e| e.trial_type == "display")
                        .and_then(|e| e.get("active"))
                }),
        ) {
            ("auto", Some("Xr")) => "headset".into(),
            ("auto", Some("Flat")) => "screen".into(),
            ("headset" | "screen", _) => sidecar.display.clone(),
            _ => "n/a".into(),
        },
        baseline: at("baseline"),
        during,
        post: at("post"),
        after,
        followup: sidecar.followup,
        minutes: Some(f64::from(sidecar.minutes))
            .filter(|m| m.is_finite())
            .map_or(0.0, |m| {
                m.clamp(0.0, f64::from(super::protocol::MAX_MINUTES))
            }),
        place_min,
        sound_level: sidecar
            .audio
            .get("level_mode")
            .cloned()
            .unwrap_or_else(|| "n/a".into()),
        conditions: sidecar.conditions.clone(),
        contrasts: sidecar.contrasts.clone(),
        ssq_pre: items(&ratings, Questionnaire::ssq(), "pre"),
        ssq_post: items(&ratings, Questionnaire::ssq(), "post"),
        ipq: items(&ratings, Questionnaire::ipq(), "post"),
        questionnaires: questionnaires(&ratings),
        ratings,
        fms,
        breath,
        status,
        reason,
        notes,
        manifest,
        verify,
        events: events.len(),
        task,
    })
}

/// Every `sub-*/ses-*` folder under `data`, sorted by participant then session; a folder
/// that cannot be read is listed in `skipped` with its reason, and the rest are read. Only
/// an unreadable `data` itself is an error. The recordings are found, not re-read.
pub fn read_all(data: &Path) -> Result<DataFolder, String> {
    read_all_with(data, data::Verify::Read)
}

/// [`read_all`], checking each manifest as closely as `verify` asks. The folders are read
/// side by side, one a core (at most 8).
pub fn read_all_with(data: &Path, verify: data::Verify) -> Result<DataFolder, String> {
    let mut out = DataFolder::default();
    let subs = std::fs::read_dir(data).map_err(|e| format!("{}: {e}", data.display()))?;
    let mut subs: Vec<PathBuf> = subs
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("sub-"))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for sub in subs {
        let sessions = match std::fs::read_dir(&sub) {
            Ok(s) => s,
            Err(e) => {
                out.skipped.push(Skipped {
                    reason: format!("{}: {e}", sub.display()),
                    dir: sub,
                });
                continue;
            }
        };
        let mut these: Vec<PathBuf> = sessions
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("ses-"))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        these.sort();
        dirs.extend(these);
    }
    for (dir, read) in dirs.iter().zip(read_side_by_side(&dirs, verify)) {
        match read {
            Ok(r) => out.sessions.push(r),
            Err(reason) => out.skipped.push(Skipped {
                dir: dir.clone(),
                reason,
            }),
        }
    }
    out.sessions
        .sort_by(|a, b| (&a.participant, a.session).cmp(&(&b.participant, b.session)));
    // Two folders claiming one session (ses-1 and ses-01) would be one row and one path in
    // the export: the first stands, the other is listed.
    let mut kept: Vec<SessionResult> = Vec::with_capacity(out.sessions.len());
    for r in std::mem::take(&mut out.sessions) {
        match kept
            .iter()
            .find(|k| k.participant == r.participant && k.session == r.session)
        {
            Some(k) => out.skipped.push(Skipped {
                reason: format!(
                    "{}: {} again (also {}); not read",
                    r.dir.display(),
                    r.name(),
                    k.dir.display()
                ),
                dir: r.dir,
            }),
            None => kept.push(r),
        }
    }
    out.sessions = kept;
    out.skipped.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(out)
}

/// Reads every folder of `dirs`, on as many threads as there are cores (at most 8), each
/// taking the next folder as it finishes one; the results in `dirs`' order.
fn read_side_by_side(dirs: &[PathBuf], verify: data::Verify) -> Vec<Result<SessionResult, String>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(dirs.len().max(1));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<SessionResult, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(dir) = dirs.get(i) else { break };
                        mine.push((i, read_session_with(dir, verify)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}
