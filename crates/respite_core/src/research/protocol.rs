//! Study protocols (`protocols/*.ron`): the conditions, how their order is counterbalanced,
//! the washout between them, when pain is rated and which questionnaires are asked.

use super::design::{self, Dealt, Design};
use crate::error::{SpecError, SpecErrors, read_spec, ron_error};
use serde::Deserialize;
use std::fmt::Write;
use std::path::Path;

/// Where a condition is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Display {
    /// The VR headset (3D, head-tracked).
    Headset,
    /// The desktop screen (2D), same content.
    Screen,
}

impl Display {
    pub fn code(self) -> &'static str {
        match self {
            Display::Headset => "headset",
            Display::Screen => "screen",
        }
    }
}

/// One condition: a scene on a display at an immersion level for some minutes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A short label, letters and digits (`hmd`, `screen`).
    pub name: String,
    pub scene: String,
    pub display: Display,
    /// An immersion level's name [default: the levels file's default].
    #[serde(default)]
    pub immersion: Option<String>,
    pub minutes: f32,
    /// Changes to the level for this condition, `key=value` as `--level-set` takes them.
    #[serde(default)]
    pub level_set: Vec<String>,
}

/// What happens between two conditions.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Washout {
    /// Straight on.
    None,
    /// At least this many minutes since the last condition ended.
    Minutes(f32),
    /// Pain asked every `every_min` minutes until it is within `within` points of the first
    /// baseline, at most `max_min` minutes.
    UntilBaseline {
        within: u8,
        every_min: f32,
        max_min: f32,
    },
}

/// When pain is rated in each condition.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    pub baseline: bool,
    /// A rating every this many minutes in the place (0: none).
    #[serde(default)]
    pub every_min: f32,
    pub post: bool,
}

/// Questionnaires around each condition.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Questionnaires {
    /// SSQ before the baseline and after the post rating.
    #[serde(default)]
    pub ssq: bool,
    /// IPQ after each condition.
    #[serde(default)]
    pub ipq: bool,
    /// FMS every this many minutes in the place.
    #[serde(default)]
    pub fms_every_min: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// The study's ID: letters and digits; the data folder's name.
    pub study: String,
    pub title: String,
    /// The BIDS task label (letters and digits).
    pub task: String,
    /// How many participants the plan has by default.
    pub participants: usize,
    pub seed: u64,
    pub conditions: Vec<Condition>,
    pub design: Design,
    pub washout: Washout,
    pub ratings: Ratings,
    #[serde(default)]
    pub questionnaires: Questionnaires,
}

/// A BIDS label: letters and digits only.
pub fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Line and column (1-based) of the first `"text"` in `src`, else 1:1.
fn locate(src: &str, text: &str) -> (usize, usize) {
    let quoted = format!("\"{text}\"");
    match src.find(&quoted) {
        Some(at) => {
            let before = &src[..at];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, col)
        }
        None => (1, 1),
    }
}

impl Protocol {
    /// Parses and checks a protocol against the scenes and immersion levels there are.
    pub fn parse(
        file: &Path,
        src: &str,
        scenes: &[String],
        levels: &[String],
    ) -> Result<Protocol, SpecErrors> {
        // `immersion: "gentle"` without `Some(…)`, as a person would write it.
        let p: Protocol = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(src)
            .map_err(|e| ron_error(file, &e))?;
        let mut errors = Vec::new();
        let mut err = |at: &str, msg: String| {
            let (line, col) = locate(src, at);
            errors.push(SpecError::new(file, line, col, msg));
        };
        for (what, label) in [("study", &p.study), ("task", &p.task)] {
            if !is_label(label) {
                err(
                    label,
                    format!("{what} '{label}' must be letters and digits only"),
                );
            }
        }
        if p.participants == 0 {
            err("participants", "participants must be at least 1".into());
        }
        for (i, c) in p.conditions.iter().enumerate() {
            if !is_label(&c.name) {
                err(
                    &c.name,
                    format!(
                        "condition name '{}' must be letters and digits only",
                        c.name
                    ),
                );
            }
            if p.conditions[..i].iter().any(|o| o.name == c.name) {
                err(&c.name, format!("condition '{}' is named twice", c.name));
            }
            if !scenes.contains(&c.scene) {
                err(
                    &c.scene,
                    format!(
                        "unknown scene '{}' (there are: {})",
                        c.scene,
                        scenes.join(", ")
                    ),
                );
            }
            if let Some(l) = &c.immersion
                && !levels.contains(l)
            {
                err(
                    l,
                    format!(
                        "unknown immersion level '{l}' (there are: {})",
                        levels.join(", ")
                    ),
                );
            }
            if !(0.5..=120.0).contains(&c.minutes) {
                err(
                    &c.name,
                    format!("condition '{}': minutes must be 0.5–120", c.name),
                );
            }
        }
        if let Err(e) = design::deal(p.design, p.conditions.len(), &[], p.seed) {
            err("design", e);
        }
        if let Washout::UntilBaseline {
            every_min, max_min, ..
        } = p.washout
            && (every_min <= 0.0 || max_min < every_min)
        {
            err(
                "washout",
                "washout: every_min must be > 0 and max_min ≥ every_min".into(),
            );
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(SpecErrors(errors))
        }
    }

    pub fn load(file: &Path, scenes: &[String], levels: &[String]) -> Result<Protocol, SpecErrors> {
        let src = read_spec(file)?;
        Self::parse(file, &src, scenes, levels)
    }

    /// Participant IDs P01, P02, … for a count.
    pub fn numbered(count: usize) -> Vec<String> {
        let width = count.to_string().len().max(2);
        (1..=count).map(|i| format!("P{i:0width$}")).collect()
    }

    /// The plan for these participants.
    pub fn plan(&self, participants: &[String], seed: u64) -> Result<Plan, String> {
        for (i, p) in participants.iter().enumerate() {
            if !is_label(p) {
                return Err(format!(
                    "participant '{p}' is not an ID: letters and digits only (no names)"
                ));
            }
            if participants[..i].contains(p) {
                return Err(format!("participant '{p}' is listed twice"));
            }
        }
        let dealt = design::deal(self.design, self.conditions.len(), participants, seed)?;
        Ok(Plan {
            protocol: self.clone(),
            seed,
            dealt,
        })
    }
}

/// Who meets which condition when.
#[derive(Debug, Clone)]
pub struct Plan {
    pub protocol: Protocol,
    pub seed: u64,
    pub dealt: Dealt,
}

/// One scheduled session.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduled<'a> {
    pub participant: &'a str,
    /// The sequence's letters (`BA`).
    pub sequence: String,
    /// 1-based; also the session number.
    pub period: usize,
    pub condition: &'a Condition,
}

pub const PLAN_HEADER: &str =
    "participant\tsequence\tperiod\tcondition\tdisplay\tscene\timmersion\tminutes";

impl Plan {
    pub fn rows(&self) -> Vec<Scheduled<'_>> {
        let mut out = Vec::new();
        for a in &self.dealt.assignments {
            for (i, c) in a.order.iter().enumerate() {
                out.push(Scheduled {
                    participant: &a.participant,
                    sequence: design::sequence_name(&a.order),
                    period: i + 1,
                    condition: &self.protocol.conditions[*c],
                });
            }
        }
        out
    }

    /// The plan as TSV: the same bytes for the same protocol, participants and seed.
    pub fn tsv(&self) -> String {
        let mut s = String::new();
        writeln!(s, "{PLAN_HEADER}").unwrap();
        for r in self.rows() {
            writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.participant,
                r.sequence,
                r.period,
                r.condition.name,
                r.condition.display.code(),
                r.condition.scene,
                r.condition.immersion.as_deref().unwrap_or("default"),
                r.condition.minutes
            )
            .unwrap();
        }
        s
    }

    /// One participant's sessions in order.
    pub fn of(&self, participant: &str) -> Vec<Scheduled<'_>> {
        self.rows()
            .into_iter()
            .filter(|r| r.participant == participant)
            .collect()
    }

    /// Reads a plan TSV written by [`Plan::tsv`] back against its protocol.
    pub fn read_tsv(
        protocol: &Protocol,
        file: &Path,
        text: &str,
        seed: u64,
    ) -> Result<Plan, SpecError> {
        let mut lines = text.lines();
        if lines.next() != Some(PLAN_HEADER) {
            return Err(SpecError::new(
                file,
                1,
                1,
                format!("expected the header '{PLAN_HEADER}'"),
            ));
        }
        let mut assignments: Vec<design::Assignment> = Vec::new();
        for (i, line) in lines.enumerate() {
            let n = i + 2;
            let cells: Vec<&str> = line.split('\t').collect();
            if cells.len() < 4 {
                return Err(SpecError::new(file, n, 1, "expected 8 tab-separated cells"));
            }
            let Some(c) = protocol.conditions.iter().position(|c| c.name == cells[3]) else {
                let col = cells[..3].iter().map(|c| c.len() + 1).sum::<usize>() + 1;
                return Err(SpecError::new(
                    file,
                    n,
                    col,
                    format!("condition '{}' is not in the protocol", cells[3]),
                ));
            };
            match assignments.last_mut() {
                Some(a) if a.participant == cells[0] => a.order.push(c),
                _ => {
                    if !is_label(cells[0]) || assignments.iter().any(|a| a.participant == cells[0])
                    {
                        return Err(SpecError::new(
                            file,
                            n,
                            1,
                            format!(
                                "participant '{}' is not a label or is listed twice",
                                cells[0]
                            ),
                        ));
                    }
                    assignments.push(design::Assignment {
                        participant: cells[0].to_string(),
                        sequence: 0,
                        order: vec![c],
                    });
                }
            }
        }
        Ok(Plan {
            protocol: protocol.clone(),
            seed,
            dealt: Dealt {
                assignments,
                sequences: Vec::new(),
                balanced: false,
                note: format!("read from {}", file.display()),
            },
        })
    }
}
