//! Reading a study's data folder back: one result per session (complete or not), the
//! per-condition summaries, the paired headset − screen difference, period and sequence
//! effects. Everything here is plain values; `plots` draws them and the CLI writes them.

use super::data::{self, Event, SessionFiles, Sidecar};
use super::scoring::{self, NrsChange, Questionnaire};
use super::stats::{self, Summary};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One number read from a session (post NRS, % change, …), if it has it.
type Outcome = dyn Fn(&SessionResult) -> Option<f64>;

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
    pub ssq_pre: Option<Vec<u8>>,
    pub ssq_post: Option<Vec<u8>>,
    pub ipq: Option<Vec<u8>>,
    pub fms: Vec<u8>,
    pub status: Status,
    /// `Some(names)` of files that no longer match the manifest; `None` with no manifest.
    pub manifest: Option<Vec<String>>,
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
}

fn items(events: &[Event], q: Questionnaire, when: &str) -> Option<Vec<u8>> {
    let spec = q.items();
    let mut got: Vec<Option<u8>> = vec![None; spec.len()];
    for e in events.iter().filter(|e| {
        e.trial_type == "rating"
            && e.get("scale") == Some(q.code())
            && e.get("timepoint") == Some(when)
    }) {
        if let (Some(i), Some(v)) = (
            e.get("item")
                .and_then(|c| spec.iter().position(|s| s.code == c)),
            e.value.as_deref().and_then(|v| v.parse().ok()),
        ) {
            got[i] = Some(v);
        }
    }
    got.into_iter().collect()
}

/// Reads one session folder.
pub fn read_session(dir: &Path) -> Result<SessionResult, String> {
    let files =
        SessionFiles::find(dir).ok_or_else(|| format!("{}: no events file", dir.display()))?;
    let sidecar: Sidecar = match std::fs::read_to_string(files.file("session.json")) {
        Ok(t) => serde_json::from_str(&t)
            .map_err(|e| format!("{}: {e}", files.file("session.json").display()))?,
        Err(_) => Sidecar::default(),
    };
    let text = std::fs::read_to_string(files.file("events.tsv")).map_err(|e| e.to_string())?;
    let events = data::read_events(&text)
        .map_err(|e| format!("{}: {e}", files.file("events.tsv").display()))?;
    let rating = |e: &&Event| e.trial_type == "rating" && e.get("scale") == Some("nrs");
    let value = |e: &Event| e.value.as_deref().and_then(|v| v.parse::<f64>().ok());
    let at = |tp: &str| {
        events
            .iter()
            .filter(rating)
            .filter(|e| e.get("timepoint") == Some(tp))
            .rev()
            .find_map(value)
    };
    // A resumed session may have asked a minute twice: the later answer stands.
    let mut during: Vec<(f64, f64)> = Vec::new();
    for e in events.iter().filter(rating) {
        let Some(m) = e
            .get("timepoint")
            .and_then(|t| t.strip_prefix("minute_")?.parse::<f64>().ok())
        else {
            continue;
        };
        let Some(v) = value(e) else { continue };
        during.retain(|d| d.0 != m);
        during.push((m, v));
    }
    during.sort_by(|a, b| a.0.total_cmp(&b.0));
    let fms = events
        .iter()
        .filter(|e| e.trial_type == "rating" && e.get("scale") == Some("fms"))
        .filter_map(|e| e.value.as_deref()?.parse().ok())
        .collect();
    let manifest = data::check_manifest(dir);
    let end = events.iter().rev().find(|e| e.trial_type == "session_end");
    let status = match end {
        Some(e) if e.get("completed") == Some("true") && manifest.is_some() => Status::Completed,
        Some(e) if e.get("completed") == Some("false") => Status::Stopped,
        _ => Status::Incomplete,
    };
    let session = if sidecar.session > 0 {
        sidecar.session
    } else {
        dir.file_name()
            .and_then(|n| n.to_str()?.strip_prefix("ses-")?.parse().ok())
            .unwrap_or(0)
    };
    Ok(SessionResult {
        dir: dir.to_path_buf(),
        participant: sidecar.participant.clone(),
        session,
        period: sidecar.period,
        sequence: sidecar.sequence.clone(),
        condition: sidecar
            .condition
            .clone()
            .unwrap_or_else(|| sidecar.scene.clone()),
        // `auto` says what answered in the display parameters.
        display: match (
            sidecar.display.as_str(),
            sidecar.display_parameters.get("active"),
        ) {
            ("auto", Some(a)) if a == "Xr" => "headset".into(),
            ("auto", Some(a)) if a == "Flat" => "screen".into(),
            (d, _) => d.to_string(),
        },
        baseline: at("baseline"),
        during,
        post: at("post"),
        ssq_pre: items(&events, Questionnaire::Ssq, "pre"),
        ssq_post: items(&events, Questionnaire::Ssq, "post"),
        ipq: items(&events, Questionnaire::Ipq, "post"),
        fms,
        status,
        manifest,
        events: events.len(),
        task: if sidecar.task.is_empty() {
            "respite".to_string()
        } else {
            sidecar.task.clone()
        },
    })
}

/// Every `sub-*/ses-*` folder under `data`, sorted by participant then session.
pub fn read_all(data: &Path) -> Result<Vec<SessionResult>, String> {
    let mut out = Vec::new();
    let subs = std::fs::read_dir(data).map_err(|e| format!("{}: {e}", data.display()))?;
    for sub in subs.flatten() {
        let name = sub.file_name().to_string_lossy().to_string();
        if !name.starts_with("sub-") || !sub.path().is_dir() {
            continue;
        }
        for ses in std::fs::read_dir(sub.path())
            .map_err(|e| e.to_string())?
            .flatten()
        {
            if ses.file_name().to_string_lossy().starts_with("ses-") && ses.path().is_dir() {
                let mut r = read_session(&ses.path())?;
                if r.participant.is_empty() {
                    r.participant = name["sub-".len()..].to_string();
                }
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| (&a.participant, a.session).cmp(&(&b.participant, b.session)));
    Ok(out)
}

/// Condition labels as a blinded assessor sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Blinding {
    /// true condition → mask ("X1", "X2", …)
    pub masks: BTreeMap<String, String>,
}

impl Blinding {
    /// Masks in a seeded random order, so the mask says nothing about the condition.
    pub fn new(conditions: &[String], seed: u64) -> Self {
        let mut order: Vec<usize> = (0..conditions.len()).collect();
        super::design::shuffle(&mut super::design::rng(seed), &mut order);
        let masks = order
            .iter()
            .enumerate()
            .map(|(i, c)| (conditions[*c].clone(), format!("X{}", i + 1)))
            .collect();
        Self { masks }
    }

    pub fn key_tsv(&self) -> String {
        let mut s = String::from("mask\tcondition\n");
        let mut rows: Vec<_> = self
            .masks
            .iter()
            .map(|(c, m)| (m.clone(), c.clone()))
            .collect();
        rows.sort();
        for (m, c) in rows {
            writeln!(s, "{m}\t{c}").unwrap();
        }
        s
    }
}

/// The paired difference of one outcome between the two displays.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub outcome: &'static str,
    /// "headset − screen", or masked labels.
    pub contrast: String,
    pub summary: Summary,
    /// (participant, headset value, screen value)
    pub pairs: Vec<(String, f64, f64)>,
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub sessions: Vec<SessionResult>,
    pub blinding: Option<Blinding>,
    pub paired: Vec<Paired>,
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.digits$}"))
}

impl Report {
    pub fn new(sessions: Vec<SessionResult>, blind_seed: Option<u64>) -> Self {
        let mut names: Vec<String> = sessions.iter().map(|s| s.condition.clone()).collect();
        names.sort();
        names.dedup();
        let blinding = blind_seed.map(|seed| Blinding::new(&names, seed));
        let mut r = Self {
            sessions,
            blinding,
            paired: Vec::new(),
        };
        r.paired = r.paired_displays();
        r
    }

    /// A condition's name as this report shows it.
    pub fn label(&self, condition: &str) -> String {
        match &self.blinding {
            Some(b) => b
                .masks
                .get(condition)
                .cloned()
                .unwrap_or_else(|| "X?".into()),
            None => condition.to_string(),
        }
    }

    fn display_label(&self, display: &str) -> String {
        if self.blinding.is_some() {
            "masked".into()
        } else {
            display.into()
        }
    }

    /// Condition labels in order (masks sorted when blinded).
    pub fn conditions(&self) -> Vec<String> {
        let mut c: Vec<String> = self.sessions.iter().map(|s| s.condition.clone()).collect();
        c.sort();
        c.dedup();
        c.sort_by_key(|c| self.label(c));
        c
    }

    /// Headset − screen per participant on post NRS and on % change, from completed
    /// sessions, when there are both displays.
    fn paired_displays(&self) -> Vec<Paired> {
        let by = |d: &str, p: &str, f: &dyn Fn(&SessionResult) -> Option<f64>| {
            let v: Vec<f64> = self
                .sessions
                .iter()
                .filter(|s| s.participant == p && s.display == d && s.status == Status::Completed)
                .filter_map(f)
                .collect();
            stats::mean(&v)
        };
        let mut people: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.participant.clone())
            .collect();
        people.dedup();
        let contrast = match &self.blinding {
            None => "headset − screen".to_string(),
            Some(_) => {
                let of = |d: &str| {
                    self.sessions
                        .iter()
                        .find(|s| s.display == d)
                        .map_or("X?".into(), |s| self.label(&s.condition))
                };
                format!("{} − {}", of("headset"), of("screen"))
            }
        };
        let outcomes: [(&'static str, &Outcome); 2] = [
            ("post_nrs", &|s| s.post),
            ("change_pct", &|s| s.change().and_then(|c| c.percent)),
        ];
        let mut out = Vec::new();
        for (outcome, f) in outcomes {
            let pairs: Vec<(String, f64, f64)> = people
                .iter()
                .filter_map(|p| Some((p.clone(), by("headset", p, f)?, by("screen", p, f)?)))
                .collect();
            let diffs: Vec<f64> = pairs.iter().map(|(_, h, s)| h - s).collect();
            if let Some(summary) = stats::summary(&diffs) {
                out.push(Paired {
                    outcome,
                    contrast: contrast.clone(),
                    summary,
                    pairs,
                });
            }
        }
        out
    }

    /// The per participant × condition table.
    pub fn sessions_tsv(&self) -> String {
        let mut s = String::from(
            "participant\tsession\tperiod\tsequence\tcondition\tdisplay\tbaseline_nrs\tduring_nrs\t\
             post_nrs\tchange\tchange_pct\timmpact\tssq_pre_total\tssq_post_total\tipq_general\t\
             ipq_spatial\tipq_involvement\tipq_realism\tfms_peak\tstatus\tmanifest\n",
        );
        for r in &self.sessions {
            let ch = r.change();
            let ssq = |i: &Option<Vec<u8>>| {
                fmt_opt(
                    i.as_ref()
                        .and_then(|i| scoring::ssq(i).ok())
                        .map(|s| s.total),
                    2,
                )
            };
            let ipq = r.ipq.as_ref().and_then(|i| scoring::ipq(i).ok());
            let manifest = match &r.manifest {
                None => "none".to_string(),
                Some(bad) if bad.is_empty() => "ok".to_string(),
                Some(bad) => format!("changed:{}", bad.join(",")),
            };
            writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.participant,
                r.session,
                r.period.map_or("n/a".into(), |p| p.to_string()),
                r.sequence.as_deref().map_or("n/a".into(), |q| if self.blinding.is_some() { "masked".into() } else { q.to_string() }),
                self.label(&r.condition),
                self.display_label(&r.display),
                fmt_opt(r.baseline, 0),
                fmt_opt(r.during_mean(), 2),
                fmt_opt(r.post, 0),
                fmt_opt(ch.map(|c| c.absolute), 0),
                fmt_opt(ch.and_then(|c| c.percent), 1),
                ch.map_or("n/a", |c| c.immpact()),
                ssq(&r.ssq_pre),
                ssq(&r.ssq_post),
                fmt_opt(ipq.map(|i| i.general), 2),
                fmt_opt(ipq.map(|i| i.spatial), 2),
                fmt_opt(ipq.map(|i| i.involvement), 2),
                fmt_opt(ipq.map(|i| i.realism), 2),
                r.fms.iter().max().map_or("n/a".into(), |v| v.to_string()),
                r.status.code(),
                manifest,
            )
            .unwrap();
        }
        s
    }

    /// Mean, SD and n per condition (completed sessions).
    pub fn conditions_tsv(&self) -> String {
        let mut s = String::from("condition\toutcome\tn\tmean\tsd\n");
        let outcomes: [(&str, &Outcome); 6] = [
            ("baseline_nrs", &|r| r.baseline),
            ("during_nrs", &|r| r.during_mean()),
            ("post_nrs", &|r| r.post),
            ("change_pct", &|r| r.change().and_then(|c| c.percent)),
            ("ssq_post_total", &|r| {
                r.ssq_post
                    .as_ref()
                    .and_then(|i| scoring::ssq(i).ok())
                    .map(|s| s.total)
            }),
            ("ipq_spatial", &|r| {
                r.ipq
                    .as_ref()
                    .and_then(|i| scoring::ipq(i).ok())
                    .map(|i| i.spatial)
            }),
        ];
        for c in self.conditions() {
            for (name, f) in &outcomes {
                let v: Vec<f64> = self
                    .sessions
                    .iter()
                    .filter(|r| r.condition == c && r.status == Status::Completed)
                    .filter_map(f)
                    .collect();
                let m = stats::summary(&v);
                writeln!(
                    s,
                    "{}\t{name}\t{}\t{}\t{}",
                    self.label(&c),
                    v.len(),
                    fmt_opt(m.map(|m| m.mean), 2),
                    fmt_opt(m.and_then(|m| m.sd), 2)
                )
                .unwrap();
            }
        }
        s
    }

    /// Mean % change by period and by sequence (completed sessions): an order effect shows
    /// as periods or sequences that differ.
    pub fn order_effects(&self) -> Vec<(String, Summary)> {
        let mut out = Vec::new();
        let pct = |r: &SessionResult| r.change().and_then(|c| c.percent);
        let done = || {
            self.sessions
                .iter()
                .filter(|r| r.status == Status::Completed)
        };
        let mut periods: Vec<usize> = done().filter_map(|r| r.period).collect();
        periods.sort_unstable();
        periods.dedup();
        for p in periods {
            let v: Vec<f64> = done()
                .filter(|r| r.period == Some(p))
                .filter_map(pct)
                .collect();
            if let Some(s) = stats::summary(&v) {
                out.push((format!("period {p}"), s));
            }
        }
        if self.blinding.is_none() {
            let mut seqs: Vec<String> = done().filter_map(|r| r.sequence.clone()).collect();
            seqs.sort();
            seqs.dedup();
            for q in seqs {
                let v: Vec<f64> = done()
                    .filter(|r| r.sequence.as_deref() == Some(&q))
                    .filter_map(pct)
                    .collect();
                if let Some(s) = stats::summary(&v) {
                    out.push((format!("sequence {q}"), s));
                }
            }
        }
        out
    }

    /// The report's text: counts, the paired difference, order effects.
    pub fn markdown(&self) -> String {
        let mut s = String::from("# Respite study report\n\n");
        let count = |st: Status| self.sessions.iter().filter(|r| r.status == st).count();
        writeln!(
            s,
            "Sessions: {} ({} completed, {} stopped, {} incomplete). Scoring: {}.\n",
            self.sessions.len(),
            count(Status::Completed),
            count(Status::Stopped),
            count(Status::Incomplete),
            scoring::SCORING_VERSION
        )
        .unwrap();
        if self.blinding.is_some() {
            s.push_str("Condition labels are masked; the key is kept in a separate file.\n\n");
        }
        s.push_str("## Paired difference between displays\n\n");
        if self.paired.is_empty() {
            s.push_str("No participant completed both a headset and a screen condition.\n\n");
        }
        for p in &self.paired {
            let ci = p
                .summary
                .ci95
                .map_or("n/a".into(), |(lo, hi)| format!("[{lo:.2}, {hi:.2}]"));
            writeln!(
                s,
                "- {} ({}): mean {:.2}, SD {}, 95% CI {ci}, n = {} pairs",
                p.outcome,
                p.contrast,
                p.summary.mean,
                fmt_opt(p.summary.sd, 2),
                p.summary.n
            )
            .unwrap();
        }
        s.push_str("\n## Period and sequence (mean % change in pain)\n\n");
        for (what, m) in self.order_effects() {
            writeln!(
                s,
                "- {what}: mean {:.1} %, SD {}, n = {}",
                m.mean,
                fmt_opt(m.sd, 1),
                m.n
            )
            .unwrap();
        }
        let incomplete: Vec<_> = self
            .sessions
            .iter()
            .filter(|r| r.status == Status::Incomplete)
            .collect();
        if !incomplete.is_empty() {
            s.push_str("\n## Incomplete sessions (kept as written)\n\n");
            for r in incomplete {
                writeln!(
                    s,
                    "- sub-{} ses-{}: {} events on record",
                    r.participant, r.session, r.events
                )
                .unwrap();
            }
        }
        s
    }
}
