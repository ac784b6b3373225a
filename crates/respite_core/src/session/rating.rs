//! Ratings: the scales a session asks (pain NRS 0–10, yes/no, the FMS 0–20 sickness check),
//! where each sits in the session (its timepoint), how an answer was given and by whom, and
//! the number keys' way of entering a value.

use crate::research::scoring::{Item, Questionnaire};
use std::fmt;
use std::ops::RangeInclusive;

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scale {
    /// Pain intensity, 0 no pain to 10 worst pain imaginable.
    Nrs,
    /// A yes/no question in the therapist's words.
    YesNo(String),
    /// Fast Motion sickness Scale, 0 no sickness at all to 20 frank sickness.
    Fms,
    /// A count 0–10 for the attention task ("How many lights did you see?").
    Count(String),
    /// Item `n` (0-based) of a questionnaire (SSQ 0–3, IPQ 0–6).
    Item(Questionnaire, usize),
    /// A lesson's card `card` of `of` (1-based): its text, the picture beside it, and the
    /// seconds it stays when the lesson is paced by time. One button: "Next".
    Card {
        lesson: String,
        card: u8,
        of: u8,
        text: String,
        art: Option<crate::course::lesson::Art>,
        timed_s: Option<u16>,
    },
    /// A lesson's check question: one button an option, `answer` the one it teaches.
    Choice {
        lesson: String,
        question: String,
        options: Vec<String>,
        answer: u8,
    },
}

impl Scale {
    pub fn values(&self) -> RangeInclusive<u8> {
        match self {
            Scale::Nrs => 0..=10,
            Scale::YesNo(_) => 0..=1,
            Scale::Fms => 0..=20,
            Scale::Count(_) => 0..=10,
            Scale::Item(..) => {
                let i = self.item().expect("an item scale has an item");
                i.min..=i.max
            }
            Scale::Card { .. } => 0..=0,
            Scale::Choice { options, .. } => 0..=(options.len().max(1) - 1) as u8,
        }
    }

    /// The questionnaire item this scale asks, if it is one.
    pub fn item(&self) -> Option<&'static Item> {
        match self {
            Scale::Item(q, n) => q.items().get(*n),
            _ => None,
        }
    }

    /// The short name used in records.
    pub fn code(&self) -> &'static str {
        match self {
            Scale::Nrs => "nrs",
            Scale::YesNo(_) => "yes_no",
            Scale::Fms => "fms",
            Scale::Count(_) => "count",
            Scale::Item(q, _) => q.code(),
            Scale::Card { .. } => "lesson_card",
            Scale::Choice { .. } => "lesson_check",
        }
    }

    pub fn question(&self) -> String {
        match self {
            Scale::Nrs => "How strong is your pain right now?".into(),
            Scale::YesNo(q) | Scale::Count(q) => q.clone(),
            Scale::Fms => fms_item().text.to_string(),
            Scale::Item(q, n) => format!(
                "{} ({}/{})\n{}",
                q.prompt(),
                n + 1,
                q.items().len(),
                self.item().map_or("", |i| i.text)
            ),
            Scale::Card { text, .. } => text.clone(),
            Scale::Choice { question, .. } => question.clone(),
        }
    }

    /// The words at the two ends of the scale.
    pub fn anchors(&self) -> (&'static str, &'static str) {
        match self {
            Scale::Nrs => ("0  no pain", "worst pain imaginable  10"),
            Scale::YesNo(_) | Scale::Count(_) | Scale::Card { .. } | Scale::Choice { .. } => {
                ("", "")
            }
            Scale::Fms => fms_item().anchors,
            Scale::Item(..) => self.item().map_or(("", ""), |i| i.anchors),
        }
    }

    /// A value as the panel shows it.
    pub fn label(&self, value: u8) -> String {
        match (self, value) {
            (Scale::YesNo(_), 0) => "No".into(),
            (Scale::YesNo(_), _) => "Yes".into(),
            (Scale::Card { .. }, _) => "Next".into(),
            (Scale::Choice { options, .. }, v) => {
                options.get(usize::from(v)).cloned().unwrap_or_default()
            }
            _ => value.to_string(),
        }
    }

    /// The buttons, row by row: large enough to choose by gaze at arm's length (the FMS's
    /// 21 values in three rows of seven).
    pub fn rows(&self) -> Vec<Vec<u8>> {
        match self {
            Scale::Nrs | Scale::Count(_) => vec![(0..=10).collect()],
            Scale::Item(..) => vec![self.values().collect()],
            Scale::YesNo(_) => vec![vec![0, 1]],
            Scale::Fms => vec![(0..=6).collect(), (7..=13).collect(), (14..=20).collect()],
            Scale::Card { .. } => vec![vec![0]],
            // One option a row, wide enough for its words.
            Scale::Choice { .. } => self.values().map(|v| vec![v]).collect(),
        }
    }
}

/// The FMS's one item, as its file (`questionnaires/fms.ron`) words it.
fn fms_item() -> &'static Item {
    &Questionnaire::fms().items()[0]
}

/// Where in the session a rating sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timepoint {
    Baseline,
    /// Before the baseline (the first questionnaires).
    Pre,
    /// The n-th pain check of a washout between conditions.
    Washout(u32),
    /// Scheduled in the place, at this many hundredths of a minute of its time (so ratings
    /// every half minute are `minute_0.5`, `minute_1`, … and never share a label).
    Minute {
        hundredths: u32,
    },
    Post,
    /// A follow-up after the place, at this many hundredths of a minute after it ended
    /// (`after_5`: five minutes after).
    After {
        hundredths: u32,
    },
    /// Asked by the therapist; the n-th such rating of the session.
    Asked(u32),
    /// The answer to the n-th round of the attention task.
    Task(u32),
    /// The n-th lesson card of the session (counted across its lessons).
    Card(u32),
    /// The check question of the session's n-th module (a lesson).
    Check(u32),
    /// A rating at the end of the session's n-th module (a breathing practice).
    Module(u32),
}

impl Timepoint {
    /// The scheduled rating at `minutes` into the place (to a hundredth of a minute).
    pub fn at_minute(minutes: f32) -> Self {
        Timepoint::Minute {
            hundredths: (f64::from(minutes.max(0.0)) * 100.0).round() as u32,
        }
    }

    /// The follow-up rating `minutes` after the place ended.
    pub fn after_minute(minutes: f32) -> Self {
        Timepoint::After {
            hundredths: (f64::from(minutes.max(0.0)) * 100.0).round() as u32,
        }
    }
}

/// Minutes in hundredths, written as short as they are exact: `5`, `0.5`, `1.25`.
struct Hundredths(u32);

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.0;
        if h.is_multiple_of(100) {
            write!(f, "{}", h / 100)
        } else if h.is_multiple_of(10) {
            write!(f, "{}.{}", h / 100, (h % 100) / 10)
        } else {
            write!(f, "{}.{:02}", h / 100, h % 100)
        }
    }
}

impl Timepoint {
    /// The timepoint a record names (`minute_0.5`, `after_5`, `task_2`, …), if it names one.
    pub fn parse(s: &str) -> Option<Timepoint> {
        let minutes = |m: &str| -> Option<u32> {
            let v: f64 = m
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
            let h = (v * 100.0).round();
            (h <= f64::from(u32::MAX)).then_some(h as u32)
        };
        let count = |n: &str| n.parse::<u32>().ok();
        Some(match s {
            "baseline" => Timepoint::Baseline,
            "pre" => Timepoint::Pre,
            "post" => Timepoint::Post,
            _ => {
                let (kind, n) = s.rsplit_once('_')?;
                match kind {
                    "washout" => Timepoint::Washout(count(n)?),
                    "minute" => Timepoint::Minute {
                        hundredths: minutes(n)?,
                    },
                    "after" => Timepoint::After {
                        hundredths: minutes(n)?,
                    },
                    "asked" => Timepoint::Asked(count(n)?),
                    "task" => Timepoint::Task(count(n)?),
                    "card" => Timepoint::Card(count(n)?),
                    "check" => Timepoint::Check(count(n)?),
                    "module" => Timepoint::Module(count(n)?),
                    _ => return None,
                }
            }
        })
    }
}

impl fmt::Display for Timepoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timepoint::Baseline => f.write_str("baseline"),
            Timepoint::Pre => f.write_str("pre"),
            Timepoint::Washout(n) => write!(f, "washout_{n}"),
            Timepoint::Minute { hundredths: h } => write!(f, "minute_{}", Hundredths(*h)),
            Timepoint::After { hundredths: h } => write!(f, "after_{}", Hundredths(*h)),
            Timepoint::Post => f.write_str("post"),
            Timepoint::Asked(n) => write!(f, "asked_{n}"),
            Timepoint::Task(n) => write!(f, "task_{n}"),
            Timepoint::Card(n) => write!(f, "card_{n}"),
            Timepoint::Check(n) => write!(f, "check_{n}"),
            Timepoint::Module(n) => write!(f, "module_{n}"),
        }
    }
}

/// Who entered an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Patient,
    /// The therapist typed what the patient said.
    Therapist,
}

/// How it was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Gaze,
    Keys,
    Mouse,
    Controller,
    Console,
    /// Nobody chose: a timed lesson card moved on when its time was up.
    Timer,
    /// The head's own movement (a nod driving a walk).
    Head,
}

/// One answered (or skipped) rating, as the session record keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub timepoint: Timepoint,
    pub scale: Scale,
    /// `None` when the therapist skipped it.
    pub value: Option<u8>,
    pub who: Who,
    pub via: Via,
    /// Seconds from the question appearing to the answer.
    pub latency_s: f32,
}

/// Seconds within which a second digit joins the first (1 then 0 is 10).
pub const DIGIT_JOIN_S: f32 = 1.2;

/// Entering a value with the number keys: digits pick it (two quick digits make 10–20),
/// the arrows move it, Enter confirms. Nothing is chosen by a single stray key.
#[derive(Debug, Clone, Default)]
pub struct KeyEntry {
    pub highlight: Option<u8>,
    last_digit_at: Option<f32>,
}

impl KeyEntry {
    pub fn digit(&mut self, d: u8, now: f32, values: &RangeInclusive<u8>) {
        let joined = match (self.highlight, self.last_digit_at) {
            (Some(h), Some(t)) if now - t <= DIGIT_JOIN_S && h < 10 => Some(h * 10 + d),
            _ => None,
        };
        self.highlight = match joined.filter(|v| values.contains(v)) {
            Some(v) => Some(v),
            None if values.contains(&d) => Some(d),
            None => self.highlight,
        };
        // After two digits the next starts afresh.
        self.last_digit_at = if joined.is_some_and(|v| values.contains(&v)) {
            None
        } else {
            Some(now)
        };
    }

    /// Left (−1) or right (+1), staying on the scale; the first press lights the middle.
    pub fn step(&mut self, by: i32, values: &RangeInclusive<u8>) {
        let (lo, hi) = (*values.start() as i32, *values.end() as i32);
        let to = self.highlight.map_or((lo + hi) / 2, |h| i32::from(h) + by);
        self.highlight = Some(to.clamp(lo, hi) as u8);
        self.last_digit_at = None;
    }
}
