//! A study's report from its sessions: per-condition summaries with their 95 % intervals,
//! the protocol's contrasts as paired differences, the two-period cross-over analysis
//! (Hills–Armitage: the period-adjusted treatment effect, the period effect and the
//! carry-over check, each with n = participants), the pain time course, and every table
//! as the data dictionary describes it. Blinded, everything carries masks only and the
//! contrasts run lower mask minus higher, whatever they hide. Plain values: `plots` draws
//! them and `output` writes them.

use super::analysis::{self, Estimate};
use super::blinding::{self, Blinding};
use super::data;
use super::dictionary as dict;
pub use super::read::*;
use super::scoring::{self, SCORING_VERSION};
use super::stats;
use super::timecourse;
use std::fmt::Write;

/// One number read from a session (post NRS, change, …), if it has it.
type Outcome = dyn Fn(&SessionResult) -> Option<f64>;

/// The outcomes contrasts are made on.
const CONTRAST_OUTCOMES: [(&str, &Outcome); 2] = [
    ("post_nrs", &|s| s.post),
    ("change", &|s| s.change().map(|c| c.absolute)),
];

/// One contrast between two conditions, or one term of the cross-over analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Contrast {
    pub outcome: &'static str,
    /// The two conditions (true names), first − second; empty for the period term.
    pub first: String,
    pub second: String,
    /// As the report shows it: `walk − film`, `X1 − X2`, `period 1 − period 2`.
    pub label: String,
    /// `paired`, `crossover_treatment`, `crossover_period` or `crossover_carryover`.
    pub method: &'static str,
    pub estimate: Estimate,
    /// (participant, first's value, second's value) for paired contrasts.
    pub pairs: Vec<(String, f64, f64)>,
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub sessions: Vec<SessionResult>,
    /// Session folders that could not be read: listed in the text, in no table.
    pub skipped: Vec<Skipped>,
    pub blinding: Option<Blinding>,
    /// The conditions in the protocol's order (true names).
    pub order: Vec<String>,
    pub contrasts: Vec<Contrast>,
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.digits$}"))
}

/// A recorded value as short as it is exact to a hundredth: `6`, `6.5`, `-3`.
fn fmt_short(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| {
        let s = format!("{v:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_string() }
    })
}

/// `p = 0.0123`, or `p < 0.0001`.
fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "p < 0.0001".into()
    } else {
        format!("p = {p:.4}")
    }
}

fn ssq(items: &Option<Vec<u8>>) -> Option<scoring::SsqScores> {
    items.as_ref().and_then(|i| scoring::ssq(i).ok())
}

fn ipq(items: &Option<Vec<u8>>) -> Option<scoring::IpqScores> {
    items.as_ref().and_then(|i| scoring::ipq(i).ok())
}

impl Report {
    /// A report on what [`read_all`] read (or on plain sessions: nothing skipped), blinded
    /// with `blinding`'s masks when given.
    pub fn new(read: impl Into<DataFolder>, blinding: Option<Blinding>) -> Self {
        let DataFolder { sessions, skipped } = read.into();
        let mut r = Self {
            sessions,
            skipped,
            blinding,
            order: Vec::new(),
            contrasts: Vec::new(),
        };
        r.order = r.protocol_order();
        r.contrasts = r.make_contrasts();
        r
    }

    /// A condition's name as this report shows it.
    pub fn label(&self, condition: &str) -> String {
        match &self.blinding {
            Some(b) => b.mask(condition).unwrap_or("X?").to_string(),
            None => condition.to_string(),
        }
    }

    /// A field that would tell the conditions apart, as this report shows it.
    fn revealing(&self, value: &str) -> String {
        if self.blinding.is_some() {
            "masked".into()
        } else if value.is_empty() {
            "n/a".into()
        } else {
            data::cell(value)
        }
    }

    /// A session's sequence as this report shows it: the protocol's letters, or blinded
    /// the masks of the participant's periods in order.
    pub fn sequence_label(&self, r: &SessionResult) -> String {
        match &self.blinding {
            None => r.sequence.as_deref().map_or("n/a".into(), data::cell),
            Some(b) => {
                let periods: Vec<(usize, &str)> = self
                    .sessions
                    .iter()
                    .filter(|s| s.participant == r.participant)
                    .filter_map(|s| Some((s.period?, s.condition.as_str())))
                    .collect();
                if periods.is_empty() {
                    "n/a".into()
                } else {
                    b.sequence(&periods)
                }
            }
        }
    }

    /// The conditions in the protocol's order: as `session.json` lists them, else as the
    /// sequences' letters say, else by name; any other condition in the data after them.
    fn protocol_order(&self) -> Vec<String> {
        let mut order: Vec<String> = self
            .sessions
            .iter()
            .map(|s| &s.conditions)
            .find(|c| !c.is_empty())
            .cloned()
            .unwrap_or_default();
        if order.is_empty() {
            let mut lettered: Vec<(char, String)> = Vec::new();
            for s in &self.sessions {
                if let (Some(q), Some(p)) = (&s.sequence, s.period)
                    && let Some(letter) = q.chars().nth(p.saturating_sub(1))
                    && !lettered.iter().any(|(l, _)| *l == letter)
                {
                    lettered.push((letter, s.condition.clone()));
                }
            }
            lettered.sort();
            order = lettered.into_iter().map(|(_, c)| c).collect();
        }
        let mut rest: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.condition.clone())
            .filter(|c| !order.contains(c))
            .collect();
        rest.sort();
        rest.dedup();
        order.retain(|c| self.sessions.iter().any(|s| s.condition == *c));
        order.extend(rest);
        order
    }

    /// Condition names in the order the report shows them: the protocol's, or blinded the
    /// masks' (X1, X2, …).
    pub fn conditions(&self) -> Vec<String> {
        let mut c = self.order.clone();
        if let Some(b) = &self.blinding {
            c.sort_by_key(|c| b.mask(c).and_then(blinding::mask_number));
        }
        c
    }

    /// The pairs to contrast, each oriented as shown: the protocol's contrasts (or its two
    /// conditions, or every pair), blinded turned so the lower mask comes first.
    fn pairs(&self) -> Vec<(String, String)> {
        let named: Vec<(String, String)> = self
            .sessions
            .iter()
            .map(|s| &s.contrasts)
            .find(|c| !c.is_empty())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(a, b)| self.order.contains(a) && self.order.contains(b))
            .collect();
        // Blinded, every pair: the protocol's own contrasts would point at the condition
        // they share (walk − film, walk − still).
        let mut pairs = if named.is_empty() || self.blinding.is_some() {
            super::protocol::all_pairs(&self.order)
        } else {
            named
        };
        if let Some(b) = &self.blinding {
            let n = |c: &str| b.mask(c).and_then(blinding::mask_number);
            for p in &mut pairs {
                if n(&p.0) > n(&p.1) {
                    std::mem::swap(&mut p.0, &mut p.1);
                }
            }
            pairs.sort_by_key(|(x, y)| (n(x), n(y)));
        }
        pairs
    }

    fn done(&self) -> impl Iterator<Item = &SessionResult> {
        self.sessions
            .iter()
            .filter(|s| s.status == Status::Completed)
    }

    /// A participant's value of an outcome in a condition (the mean, if more than one
    /// completed session has it).
    fn value_of(&self, p: &str, condition: &str, f: &Outcome) -> Option<f64> {
        let v: Vec<f64> = self
            .done()
            .filter(|s| s.participant == p && s.condition == condition)
            .filter_map(f)
            .collect();
        stats::mean(&v)
    }

    fn people(&self) -> Vec<String> {
        let mut people: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.participant.clone())
            .collect();
        people.sort();
        people.dedup();
        people
    }

    fn make_contrasts(&self) -> Vec<Contrast> {
        let people = self.people();
        let mut out = Vec::new();
        // Two conditions in two periods: by the protocol's conditions when on record (an
        // interim report of a three-condition study is not a cross-over of two).
        let protocol_conditions = self
            .sessions
            .iter()
            .map(|s| s.conditions.len())
            .find(|n| *n > 0)
            .unwrap_or(self.order.len());
        let two_period = self.order.len() == 2
            && protocol_conditions == 2
            && self
                .sessions
                .iter()
                .all(|s| s.period.is_none_or(|p| p <= 2));
        for (a, b) in self.pairs() {
            let label = format!("{} − {}", self.label(&a), self.label(&b));
            for (outcome, f) in CONTRAST_OUTCOMES {
                let pairs: Vec<(String, f64, f64)> = people
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p.clone(),
                            self.value_of(p, &a, f)?,
                            self.value_of(p, &b, f)?,
                        ))
                    })
                    .collect();
                let diffs: Vec<f64> = pairs.iter().map(|(_, x, y)| x - y).collect();
                if let Some(estimate) = analysis::paired(&diffs) {
                    out.push(Contrast {
                        outcome,
                        first: a.clone(),
                        second: b.clone(),
                        label: label.clone(),
                        method: "paired",
                        estimate,
                        pairs,
                    });
                }
                if !two_period {
                    continue;
                }
                // Hills–Armitage: each participant's two periods, by which came first.
                let (mut ab, mut ba) = (Vec::new(), Vec::new());
                for p in &people {
                    let at = |period: usize| {
                        self.done()
                            .find(|s| s.participant == *p && s.period == Some(period))
                    };
                    let (Some(s1), Some(s2)) = (at(1), at(2)) else {
                        continue;
                    };
                    let (Some(y1), Some(y2)) = (f(s1), f(s2)) else {
                        continue;
                    };
                    if s1.condition == a && s2.condition == b {
                        ab.push((y1, y2));
                    } else if s1.condition == b && s2.condition == a {
                        ba.push((y1, y2));
                    }
                }
                if let Some(x) = analysis::hills_armitage(&ab, &ba) {
                    let term = |method, label: String, estimate| Contrast {
                        outcome,
                        first: a.clone(),
                        second: b.clone(),
                        label,
                        method,
                        estimate,
                        pairs: Vec::new(),
                    };
                    out.push(term("crossover_treatment", label.clone(), x.treatment));
                    out.push(term(
                        "crossover_period",
                        "period 1 − period 2".into(),
                        x.period,
                    ));
                    out.push(term(
                        "crossover_carryover",
                        format!("{} first − {} first", self.label(&a), self.label(&b)),
                        x.carryover,
                    ));
                }
            }
        }
        out
    }

    /// The per-session table (`sessions.tsv`).
    pub fn sessions_tsv(&self) -> String {
        let mut s = dict::SESSIONS.header();
        for r in &self.sessions {
            let ch = r.change();
            let course = timecourse::course(r);
            let (pre, post, ipq) = (ssq(&r.ssq_pre), ssq(&r.ssq_post), ipq(&r.ipq));
            let manifest = match &r.manifest {
                None => "none".to_string(),
                Some(bad) if bad.is_empty() && r.verify == data::Verify::All => {
                    "verified".to_string()
                }
                Some(bad) if bad.is_empty() => "ok".to_string(),
                Some(bad) => format!("changed:{}", bad.join(",")),
            };
            // The reason, and how much was left out (report.md lists each).
            let mut note: Vec<String> = r.reason.iter().cloned().collect();
            match r.notes.len() {
                0 => {}
                1 => note.push("1 note: see report.md".into()),
                n => note.push(format!("{n} notes: see report.md")),
            }
            let note = if note.is_empty() {
                "n/a".to_string()
            } else {
                data::cell(&note.join("; "))
            };
            let cells: Vec<String> = vec![
                r.participant.clone(),
                r.session.to_string(),
                r.period.map_or("n/a".into(), |p| p.to_string()),
                self.sequence_label(r),
                data::cell(&self.label(&r.condition)),
                self.revealing(&r.display),
                self.revealing(&r.sound_level),
                fmt_short(r.baseline),
                fmt_opt(r.during_mean(), 2),
                fmt_short(r.post),
                fmt_short(ch.map(|c| c.absolute)),
                fmt_opt(ch.and_then(|c| c.percent), 1),
                ch.map_or("n/a", |c| c.immpact()).to_string(),
                fmt_opt(pre.map(|s| s.total), 2),
                fmt_opt(pre.map(|s| s.nausea), 2),
                fmt_opt(pre.map(|s| s.oculomotor), 2),
                fmt_opt(pre.map(|s| s.disorientation), 2),
                fmt_opt(post.map(|s| s.total), 2),
                fmt_opt(post.map(|s| s.nausea), 2),
                fmt_opt(post.map(|s| s.oculomotor), 2),
                fmt_opt(post.map(|s| s.disorientation), 2),
                fmt_opt(ipq.map(|i| i.general), 2),
                fmt_opt(ipq.map(|i| i.spatial), 2),
                fmt_opt(ipq.map(|i| i.involvement), 2),
                fmt_opt(ipq.map(|i| i.realism), 2),
                r.fms.iter().max().map_or("n/a".into(), |v| v.to_string()),
                fmt_opt(course.minutes_to_baseline, 2),
                course
                    .back_to_baseline
                    .map_or("n/a".into(), |b| b.to_string()),
                fmt_opt(course.minutes_to_30pct, 2),
                fmt_opt(course.minutes_to_50pct, 2),
                fmt_opt(course.auc_change, 2),
                r.breath_summary()
                    .map_or("n/a".into(), |b| b.minutes.to_string()),
                fmt_opt(r.breath_summary().and_then(|b| b.rate), 2),
                fmt_opt(r.breath_summary().and_then(|b| b.off_pacer), 2),
                r.status.code().to_string(),
                data::cell(&manifest),
                note,
            ];
            debug_assert_eq!(cells.len(), dict::SESSIONS.columns.len());
            s.push_str(&cells.join("\t"));
            s.push('\n');
        }
        s
    }

    /// The patient's breath, for the sessions that listened to it (`--breath`).
    fn breath_markdown(&self, s: &mut String) {
        let heard: Vec<_> = self
            .sessions
            .iter()
            .filter_map(|r| Some((r, r.breath_summary()?)))
            .collect();
        if heard.is_empty() {
            return;
        }
        s.push_str(
            "\n## The patient's breath (sessions run with --breath)\n\n\
             Per session: minutes in the place listened to, the mean of the per-minute breath \
             rates heard, and with the pacer on the mean distance of the rate from the \
             pacer's (either way; 0 = breathing with it). sessions.tsv has the same \
             columns.\n\n\
             | session | condition | minutes | breaths/min | from the pacer, breaths/min |\n\
             |---|---|---|---|---|\n",
        );
        for (r, b) in heard {
            writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                r.name(),
                self.label(&r.condition),
                b.minutes,
                fmt_opt(b.rate, 2),
                fmt_opt(b.off_pacer, 2)
            )
            .unwrap();
        }
    }

    /// Mean, SD, n and 95 % CI per condition (completed sessions), `conditions.tsv`.
    pub fn conditions_tsv(&self) -> String {
        let mut s = dict::CONDITIONS.header();
        use timecourse::course;
        let outcomes: [(&str, &Outcome); 18] = [
            ("baseline_nrs", &|r| r.baseline),
            ("during_nrs", &|r| r.during_mean()),
            ("post_nrs", &|r| r.post),
            ("change", &|r| r.change().map(|c| c.absolute)),
            ("change_pct", &|r| r.change().and_then(|c| c.percent)),
            ("ssq_pre_total", &|r| ssq(&r.ssq_pre).map(|s| s.total)),
            ("ssq_post_total", &|r| ssq(&r.ssq_post).map(|s| s.total)),
            ("ssq_post_nausea", &|r| ssq(&r.ssq_post).map(|s| s.nausea)),
            ("ssq_post_oculomotor", &|r| {
                ssq(&r.ssq_post).map(|s| s.oculomotor)
            }),
            ("ssq_post_disorientation", &|r| {
                ssq(&r.ssq_post).map(|s| s.disorientation)
            }),
            ("ipq_general", &|r| ipq(&r.ipq).map(|i| i.general)),
            ("ipq_spatial", &|r| ipq(&r.ipq).map(|i| i.spatial)),
            ("ipq_involvement", &|r| ipq(&r.ipq).map(|i| i.involvement)),
            ("ipq_realism", &|r| ipq(&r.ipq).map(|i| i.realism)),
            ("minutes_to_30pct", &|r| course(r).minutes_to_30pct),
            ("minutes_to_50pct", &|r| course(r).minutes_to_50pct),
            ("auc_change", &|r| course(r).auc_change),
            ("minutes_to_baseline", &|r| course(r).minutes_to_baseline),
        ];
        for c in self.conditions() {
            for (name, f) in &outcomes {
                let v: Vec<f64> = self
                    .done()
                    .filter(|r| r.condition == c)
                    .filter_map(f)
                    .collect();
                let m = stats::summary(&v);
                writeln!(
                    s,
                    "{}\t{name}\t{}\t{}\t{}\t{}\t{}",
                    data::cell(&self.label(&c)),
                    v.len(),
                    fmt_opt(m.map(|m| m.mean), 2),
                    fmt_opt(m.and_then(|m| m.sd), 2),
                    fmt_opt(m.and_then(|m| m.ci95).map(|c| c.0), 2),
                    fmt_opt(m.and_then(|m| m.ci95).map(|c| c.1), 2),
                )
                .unwrap();
            }
        }
        s
    }

    /// Every contrast and cross-over term, `contrasts.tsv` (full precision: the analysis
    /// scripts are checked against it).
    pub fn contrasts_tsv(&self) -> String {
        let mut s = dict::CONTRASTS.header();
        for c in &self.contrasts {
            let e = c.estimate;
            writeln!(
                s,
                "{}\t{}\t{}\t{}\t{:.6}\t{:.6}\t{}\t{:.6}\t{:.6}\t{:.6}\t{:.6}",
                c.outcome,
                data::cell(&c.label),
                c.method,
                e.n,
                e.estimate,
                e.se,
                e.df,
                e.ci95.0,
                e.ci95.1,
                e.t,
                e.p
            )
            .unwrap();
        }
        s
    }

    /// The pain time course per session, `timecourse.tsv`.
    pub fn timecourse_tsv(&self) -> String {
        let mut s = dict::TIMECOURSE.header();
        for r in &self.sessions {
            let c = timecourse::course(r);
            writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.participant,
                r.session,
                data::cell(&self.label(&r.condition)),
                fmt_short(r.baseline),
                fmt_opt(c.minutes_to_30pct, 2),
                fmt_opt(c.minutes_to_50pct, 2),
                fmt_opt(c.minutes_to_baseline, 2),
                c.back_to_baseline.map_or("n/a".into(), |b| b.to_string()),
                fmt_opt(c.last_followup_min, 2),
                fmt_opt(c.auc_change, 2),
            )
            .unwrap();
        }
        s
    }

    /// NRS by minute per condition (completed sessions), for the trajectory plot.
    pub fn by_minute(&self) -> Vec<timecourse::MinuteRow> {
        let mut rows = Vec::new();
        for c in self.conditions() {
            let done: Vec<&SessionResult> = self.done().filter(|s| s.condition == c).collect();
            rows.extend(timecourse::by_minute(&c, &done));
        }
        rows
    }

    /// `nrs_by_minute.tsv`.
    pub fn nrs_by_minute_tsv(&self) -> String {
        let mut s = dict::NRS_BY_MINUTE.header();
        for r in self.by_minute() {
            let m = r.summary;
            writeln!(
                s,
                "{}\t{}\t{}\t{}\t{:.2}\t{}\t{}\t{}",
                data::cell(&self.label(&r.condition)),
                r.phase,
                r.minute,
                m.n,
                m.mean,
                fmt_opt(m.sd, 2),
                fmt_opt(m.ci95.map(|c| c.0), 2),
                fmt_opt(m.ci95.map(|c| c.1), 2),
            )
            .unwrap();
        }
        s
    }

    /// Every answer, long, its key=values in columns: `ratings.tsv`.
    pub fn ratings_tsv(&self) -> String {
        let mut s = dict::RATINGS.header();
        for r in &self.sessions {
            for a in &r.ratings {
                let (phase, minute) = a.phase_minute();
                writeln!(
                    s,
                    "{}\t{}\t{}\t{}\t{phase}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.participant,
                    r.session,
                    data::cell(&self.label(&r.condition)),
                    data::cell(&a.timepoint),
                    minute.map_or("n/a".into(), |m| m.to_string()),
                    data::cell(&a.scale),
                    a.item.as_deref().map_or("n/a".into(), data::cell),
                    a.value.map_or("n/a".into(), |v| v.to_string()),
                    data::cell(&a.by),
                    if a.via == "n/a" {
                        "n/a".into()
                    } else {
                        self.revealing(&a.via)
                    },
                    if self.blinding.is_some() {
                        "n/a".into()
                    } else {
                        fmt_opt(a.latency_s, 2)
                    },
                    if self.blinding.is_some() {
                        "n/a".into()
                    } else {
                        format!("{:.3}", a.onset)
                    },
                )
                .unwrap();
            }
        }
        s
    }

    /// Every questionnaire score, long: `scores.tsv`.
    pub fn scores_tsv(&self) -> String {
        let mut s = dict::SCORES.header();
        for r in &self.sessions {
            for (q, when, items) in &r.questionnaires {
                let Ok(scores) = q.scores(items) else {
                    continue;
                };
                for (name, v) in scores {
                    writeln!(
                        s,
                        "{}\t{}\t{}\t{}\t{when}\t{name}\t{v:.2}\t{SCORING_VERSION}",
                        r.participant,
                        r.session,
                        data::cell(&self.label(&r.condition)),
                        q.code(),
                    )
                    .unwrap();
                }
            }
        }
        s
    }

    /// The report's text: counts, conditions, contrasts, the cross-over analysis, the time
    /// course, and everything left out with why.
    pub fn markdown(&self) -> String {
        let mut s = String::from("# Respite study report\n\n");
        let count = |st: Status| self.sessions.iter().filter(|r| r.status == st).count();
        writeln!(
            s,
            "Sessions: {} ({} completed, {} stopped, {} incomplete) from {} participants. \
             Scoring: {}.\n",
            self.sessions.len(),
            count(Status::Completed),
            count(Status::Stopped),
            count(Status::Incomplete),
            self.people().len(),
            SCORING_VERSION
        )
        .unwrap();
        if !self.skipped.is_empty() {
            writeln!(
                s,
                "**{} session folder{} could not be read** and {} in no table: see \
                 \"Session folders not read\" below.\n",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" },
                if self.skipped.len() == 1 { "is" } else { "are" },
            )
            .unwrap();
        }
        if self.blinding.is_some() {
            s.push_str(
                "Condition labels are masked (X1, X2, …) and every field that would tell the \
                 conditions apart reads `masked`; the key is kept in a separate file. \
                 Contrasts are lower mask minus higher.\n\n",
            );
        }
        s.push_str("## Conditions (completed sessions)\n\n");
        s.push_str("| condition | n | baseline NRS | post NRS (95% CI) | change (95% CI) |\n");
        s.push_str("|---|---|---|---|---|\n");
        for c in self.conditions() {
            let v = |f: &Outcome| {
                let v: Vec<f64> = self
                    .done()
                    .filter(|r| r.condition == c)
                    .filter_map(f)
                    .collect();
                stats::summary(&v)
            };
            let with_ci = |m: Option<stats::Summary>| {
                m.map_or("n/a".into(), |m| match m.ci95 {
                    Some((lo, hi)) => format!("{:.2} ({lo:.2} to {hi:.2})", m.mean),
                    None => format!("{:.2}", m.mean),
                })
            };
            let n = self.done().filter(|r| r.condition == c).count();
            writeln!(
                s,
                "| {} | {n} | {} | {} | {} |",
                self.label(&c),
                v(&|r| r.baseline).map_or("n/a".into(), |m| format!("{:.2}", m.mean)),
                with_ci(v(&|r| r.post)),
                with_ci(v(&|r| r.change().map(|c| c.absolute))),
            )
            .unwrap();
        }
        s.push_str("\n## Contrasts (paired differences, n = participants with both)\n\n");
        let paired: Vec<&Contrast> = self
            .contrasts
            .iter()
            .filter(|c| c.method == "paired")
            .collect();
        if paired.is_empty() {
            s.push_str("No participant completed two conditions that are contrasted.\n");
        }
        for c in paired {
            writeln!(s, "- {}", line(c)).unwrap();
        }
        let crossover: Vec<&Contrast> = self
            .contrasts
            .iter()
            .filter(|c| c.method != "paired")
            .collect();
        if !crossover.is_empty() {
            s.push_str(
                "\n## Two-period cross-over (Hills–Armitage, n = participants)\n\n\
                 The treatment effect compares half the within-participant period differences \
                 between the two sequences (period-adjusted); the period effect is their sum; \
                 the carry-over check compares participants' totals between the sequences \
                 (a test of low power: read it as a caution, not as proof of no carry-over).\n\n",
            );
            for c in crossover {
                let what = match c.method {
                    "crossover_treatment" => "treatment",
                    "crossover_period" => "period",
                    _ => "carry-over",
                };
                writeln!(s, "- {what}: {}", line(c)).unwrap();
            }
        }
        self.course_markdown(&mut s);
        self.breath_markdown(&mut s);
        for (status, heading, fallback) in [
            (
                Status::Incomplete,
                "Incomplete sessions (kept as written, in no summary)",
                "no clean end",
            ),
            (Status::Stopped, "Stopped sessions", "ended early"),
        ] {
            let listed: Vec<_> = self
                .sessions
                .iter()
                .filter(|r| r.status == status)
                .collect();
            if listed.is_empty() {
                continue;
            }
            write!(s, "\n## {heading}\n\n").unwrap();
            for r in listed {
                let why = r.reason.as_deref().unwrap_or(fallback);
                // Blinded, the count of events would include those a blinded export drops.
                if status == Status::Incomplete && self.blinding.is_none() {
                    writeln!(s, "- {}: {why} ({} events on record)", r.name(), r.events).unwrap();
                } else {
                    writeln!(s, "- {}: {why}", r.name()).unwrap();
                }
            }
        }
        if !self.skipped.is_empty() {
            s.push_str("\n## Session folders not read\n\n");
            for k in &self.skipped {
                writeln!(s, "- {}", k.reason).unwrap();
            }
        }
        let noted: Vec<_> = self
            .sessions
            .iter()
            .filter(|r| !r.notes.is_empty())
            .collect();
        if !noted.is_empty() {
            s.push_str("\n## Left out while reading (refused answers, unreadable lines)\n\n");
            for r in noted {
                for n in &r.notes {
                    writeln!(s, "- {}: {n}", r.name()).unwrap();
                }
            }
        }
        s
    }

    /// The time course: per condition how many returned to baseline and when, and each
    /// session's course.
    fn course_markdown(&self, s: &mut String) {
        let followed: Vec<&SessionResult> = self
            .done()
            .filter(|r| r.followup.is_some() || !r.after.is_empty())
            .collect();
        let any_relief = self
            .done()
            .any(|r| timecourse::course(r).auc_change.is_some());
        if followed.is_empty() && !any_relief {
            return;
        }
        s.push_str("\n## Pain over time (minutes from the start of the place)\n\n");
        if !followed.is_empty() {
            s.push_str(
                "| condition | followed | back to baseline | median minutes back (Kaplan–Meier; those never back count to their last follow-up) |\n|---|---|---|---|\n",
            );
            for c in self.conditions() {
                let mine: Vec<&SessionResult> = followed
                    .iter()
                    .copied()
                    .filter(|r| r.condition == c)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let back = mine
                    .iter()
                    .filter(|r| timecourse::course(r).back_to_baseline == Some(true))
                    .count();
                writeln!(
                    s,
                    "| {} | {} | {back} | {} |",
                    self.label(&c),
                    mine.len(),
                    timecourse::median_to_baseline(&mine)
                        .map_or("not reached".into(), |m| format!("{m:.1}"))
                )
                .unwrap();
            }
            s.push('\n');
        }
        for r in self.done() {
            let c = timecourse::course(r);
            if c.auc_change.is_none() {
                continue;
            }
            let relief = |m: Option<f64>, pct: &str| {
                m.map_or(format!("never {pct} below baseline"), |m| {
                    format!("{pct} below baseline at {m:.1} min")
                })
            };
            let back = match (c.back_to_baseline, c.minutes_to_baseline) {
                (Some(true), Some(m)) => format!("back to baseline {m:.1} min after the place"),
                (Some(false), _) => format!(
                    "not back to baseline by the last follow-up ({} min after)",
                    fmt_opt(c.last_followup_min, 1)
                ),
                _ => "no follow-up".into(),
            };
            writeln!(
                s,
                "- {} ({}): {}; {}; {back}; AUC of change {} NRS·min",
                r.name(),
                self.label(&r.condition),
                relief(c.minutes_to_30pct, "30 %"),
                relief(c.minutes_to_50pct, "50 %"),
                fmt_opt(c.auc_change, 1)
            )
            .unwrap();
        }
    }

    /// One line for the terminal: the counts, and how many folders were not read.
    pub fn summary_line(&self) -> String {
        let count = |st: Status| self.sessions.iter().filter(|r| r.status == st).count();
        let mut line = format!(
            "{} sessions ({} completed, {} stopped, {} incomplete)",
            self.sessions.len(),
            count(Status::Completed),
            count(Status::Stopped),
            count(Status::Incomplete)
        );
        if !self.skipped.is_empty() {
            write!(
                line,
                "; {} session folder{} not read (listed in report.md)",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" }
            )
            .unwrap();
        }
        line
    }
}

/// A contrast as the report's text gives it.
fn line(c: &Contrast) -> String {
    let e = c.estimate;
    format!(
        "{} ({}): {:.2}, 95% CI {:.2} to {:.2}, t({}) = {:.2}, {}, n = {}",
        c.outcome,
        c.label,
        e.estimate,
        e.ci95.0,
        e.ci95.1,
        e.df,
        e.t,
        fmt_p(e.p),
        e.n
    )
}
