//! Study protocols (`protocols/*.ron`): the conditions, how their order is counterbalanced,
//! the washout between them, when pain is rated and which questionnaires are asked.

use super::design::{self, Dealt, Design};
use crate::check::Checker;
use crate::error::{SpecError, SpecErrors, read_spec, ron_error};
use crate::locate::FieldPath;
use crate::scene::LevelMode;
use crate::session::EVERY_MIN;
use crate::session::immersion::{AudioStage, ImmersionLevel, Stereo};
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
    /// How loud the soundscape plays in this condition (as `--sound-level`): `Fixed` at the
    /// scene's level, or `AboveAmbient(db: 5.0)` above the room's measured noise [default:
    /// the scene's own `level_mode`]. So "+5 dB above ambient vs a fixed level" can be a
    /// study's conditions on one scene.
    #[serde(default)]
    pub sound_level: Option<LevelMode>,
    /// Changes of place or level during the time in the place, each at its minute (scene
    /// time in the place): `changes: [(at_min: 5.0, scene: "mountain_lake"), (at_min: 8.0,
    /// immersion: "calm_view")]`. A scene change fades through the neutral; a level change
    /// applies in the place.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// How a walking scene's walk is driven in this condition (`Passive`, `Interactive`,
    /// `Wheelchair`, `Film`), so "interactive vs passive walking" can be a study's
    /// conditions on one scene [default: the scene's].
    #[serde(default)]
    pub walking: Option<crate::walk::Walking>,
    /// What drives an interactive or wheelchair walk (`Swings`, `Switch`, `Nod`) [default:
    /// the scene's].
    #[serde(default)]
    pub input: Option<crate::walk::Input>,
}

/// One change during the place, from the protocol.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub at_min: f32,
    #[serde(default)]
    pub scene: Option<String>,
    #[serde(default)]
    pub immersion: Option<String>,
}

/// The most changes a condition may make.
pub const MAX_CHANGES: usize = 32;

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

/// Pain asked after the place, at a fixed interval, until it is back within `within`
/// points of the session's baseline or `max_min` minutes have passed (Moseley 2007: the
/// relief of watching one's legs walk lasted about 35 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Followup {
    pub every_min: f32,
    pub within: u8,
    pub max_min: f32,
}

/// The longest time in the place, minutes.
pub const MAX_MINUTES: f32 = 120.0;

/// The longest follow-up after the place, minutes.
pub const MAX_FOLLOWUP_MIN: f32 = 120.0;

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
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
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
    /// Other questionnaires (by code: a file in `questionnaires/`) asked before the
    /// baseline, after the SSQ, and after the place, after the IPQ.
    #[serde(default)]
    pub before: Vec<String>,
    #[serde(default)]
    pub after: Vec<String>,
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
    /// The form of this study's participant IDs: `#` a digit, `@` a letter, anything else
    /// itself (`"P##"` takes P01…P99, `"SCI###"` SCI001…). Without it an ID is 1 to 32
    /// letters and digits with at least one digit. Either way a name is refused.
    #[serde(default)]
    pub participant_ids: Option<String>,
    /// The primary contrast(s), each `(first, second)` by condition name, reported as
    /// first − second. Without any, a two-condition study contrasts its two conditions (in
    /// the protocol's order) and a study of three or more reports every pair.
    #[serde(default)]
    pub contrasts: Vec<(String, String)>,
    /// Ratings after the place until pain returns to baseline [default: none].
    #[serde(default)]
    pub followup: Option<Followup>,
}

/// A BIDS label: letters and digits only (one rule, kept with the data it names).
pub use super::data::is_label;

/// A participant ID: a BIDS label with at least one digit, so a name (`JaneDoe`) is refused.
pub fn is_participant_id(s: &str) -> bool {
    is_label(s) && s.chars().any(|c| c.is_ascii_digit())
}

/// Whether `id` has the form of `pattern` (`#` a digit, `@` a letter, else that character).
pub fn id_matches(pattern: &str, id: &str) -> bool {
    id.chars().count() == pattern.chars().count()
        && pattern.chars().zip(id.chars()).all(|(p, c)| match p {
            '#' => c.is_ascii_digit(),
            '@' => c.is_ascii_alphabetic(),
            other => other == c,
        })
}

/// The most participants a protocol may have: the `--participants` flag's limit.
pub const MAX_PARTICIPANTS: usize = 10_000;
/// The most conditions a protocol may have: one letter each (A–Z) in a sequence's name.
pub const MAX_CONDITIONS: usize = 26;
/// The longest washout, minutes: as long as the longest condition.
pub const MAX_WASHOUT_MIN: f32 = 120.0;

impl Protocol {
    /// Whether `id` is a participant ID of this study.
    pub fn accepts_id(&self, id: &str) -> bool {
        is_participant_id(id)
            && self
                .participant_ids
                .as_deref()
                .is_none_or(|p| id_matches(p, id))
    }

    /// What an ID of this study looks like, for a message.
    pub fn id_rule(&self) -> String {
        match &self.participant_ids {
            Some(p) => format!("IDs of this study have the form {p} (# a digit, @ a letter)"),
            None => "an ID is 1 to 32 letters and digits with at least one digit".into(),
        }
    }

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
        p.validate(file, src, scenes, levels)?;
        Ok(p)
    }

    /// Every range and name in the protocol, each problem at its line and column.
    fn validate(
        &self,
        file: &Path,
        src: &str,
        scenes: &[String],
        levels: &[String],
    ) -> Result<(), SpecErrors> {
        let mut c = Checker::new(file, src);
        let root = FieldPath::default();
        for (what, label) in [("study", &self.study), ("task", &self.task)] {
            if !is_label(label) {
                c.fail_plain(
                    &root.field(what),
                    format!("{what} '{label}' must be letters and digits only"),
                );
            }
        }
        if let Some(pattern) = &self.participant_ids {
            let ok = !pattern.is_empty()
                && pattern.len() <= 32
                && pattern.contains('#')
                && pattern
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '#' || ch == '@');
            if !ok {
                c.fail_plain(
                    &root.field("participant_ids"),
                    format!(
                        "participant_ids \"{pattern}\" must be 1 to 32 of letters, digits, # (a digit, at least one) and @ (a letter)"
                    ),
                );
            } else if let Some(bad) =
                Protocol::numbered(self.participants.clamp(1, MAX_PARTICIPANTS))
                    .iter()
                    .find(|id| !id_matches(pattern, id))
            {
                c.fail_plain(
                    &root.field("participant_ids"),
                    format!(
                        "participant_ids \"{pattern}\" does not take the plan's default ID {bad} (the plan numbers participants P01, P02, …)"
                    ),
                );
            }
        }
        c.count(
            &root.field("participants"),
            self.participants,
            1..=MAX_PARTICIPANTS,
            "participants (as --participants)",
        );
        let n = self.conditions.len();
        let conditions = root.field("conditions");
        if n > MAX_CONDITIONS {
            c.fail(
                &conditions,
                format!("has {n} conditions; at most {MAX_CONDITIONS}, one letter A–Z each"),
            );
        }
        // A level to try each condition's `level_set` on: only the keys and values matter.
        let probe = ImmersionLevel {
            name: "probe".into(),
            description: "probe".into(),
            fov_deg: 100.0,
            stereo: Stereo::Stereo,
            motion: 1.0,
            audio: AudioStage::Spatial,
            interactive: false,
            body: true,
            walk_vignette: 0.35,
        };
        for (i, cond) in self.conditions.iter().enumerate().take(MAX_CONDITIONS) {
            let at = conditions.index(i);
            if !is_label(&cond.name) {
                c.fail_plain(
                    &at.field("name"),
                    format!(
                        "condition name '{}' must be letters and digits only",
                        cond.name
                    ),
                );
            }
            if self.conditions[..i].iter().any(|o| o.name == cond.name) {
                c.fail_plain(
                    &at.field("name"),
                    format!("condition '{}' is named twice", cond.name),
                );
            }
            if !scenes.contains(&cond.scene) {
                c.fail_plain(
                    &at.field("scene"),
                    format!(
                        "unknown scene '{}' (there are: {})",
                        cond.scene,
                        scenes.join(", ")
                    ),
                );
            }
            if let Some(l) = &cond.immersion
                && !levels.contains(l)
            {
                c.fail_plain(
                    &at.field("immersion"),
                    format!(
                        "unknown immersion level '{l}' (there are: {})",
                        levels.join(", ")
                    ),
                );
            }
            c.range(
                &at.field("minutes"),
                cond.minutes,
                0.5..=MAX_MINUTES,
                " min",
            );
            c.count(
                &at.field("changes"),
                cond.changes.len(),
                0..=MAX_CHANGES,
                "changes",
            );
            for (j, ch) in cond.changes.iter().enumerate().take(MAX_CHANGES) {
                let at = at.field("changes").index(j);
                if !(ch.at_min.is_finite() && ch.at_min > 0.0 && ch.at_min < cond.minutes) {
                    c.fail_plain(
                        &at.field("at_min"),
                        format!(
                            "at_min {} is not inside the condition's {} minutes in the place",
                            ch.at_min, cond.minutes
                        ),
                    );
                }
                match (&ch.scene, &ch.immersion) {
                    (None, None) => c.fail_plain(
                        &at,
                        "a change names a scene, an immersion level or both".into(),
                    ),
                    (Some(s), _) if !scenes.contains(s) => c.fail_plain(
                        &at.field("scene"),
                        format!("unknown scene '{s}' (there are: {})", scenes.join(", ")),
                    ),
                    (_, Some(l)) if !levels.contains(l) => c.fail_plain(
                        &at.field("immersion"),
                        format!(
                            "unknown immersion level '{l}' (there are: {})",
                            levels.join(", ")
                        ),
                    ),
                    _ => {}
                }
            }
            for (j, o) in cond.level_set.iter().enumerate() {
                if let Err(e) = probe.clone().set(o) {
                    c.fail_plain(&at.field("level_set").index(j), format!("level_set: {e}"));
                }
            }
            if let Some(LevelMode::AboveAmbient { db }) = cond.sound_level {
                c.range(
                    &at.field("sound_level").index(0).field("db"),
                    db,
                    0.0..=20.0,
                    " dB",
                );
            }
        }
        let names: Vec<&str> = self.conditions.iter().map(|c| c.name.as_str()).collect();
        for (i, (a, b)) in self.contrasts.iter().enumerate() {
            let at = root.field("contrasts").index(i);
            for (k, name) in [a, b].into_iter().enumerate() {
                if !names.contains(&name.as_str()) {
                    c.fail_plain(
                        &at.index(k),
                        format!(
                            "contrast names condition '{name}', which is not one of the protocol's ({})",
                            names.join(", ")
                        ),
                    );
                }
            }
            if a == b {
                c.fail_plain(
                    &at,
                    format!("contrast ('{a}', '{b}') compares a condition with itself"),
                );
            }
            if self.contrasts[..i]
                .iter()
                .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
            {
                c.fail_plain(&at, format!("contrast ('{a}', '{b}') is named twice"));
            }
        }
        if let Some(f) = self.followup {
            let at = root.field("followup").index(0);
            c.range(&at.field("every_min"), f.every_min, 0.5..=60.0, " min");
            c.count(
                &at.field("within"),
                f.within.into(),
                0..=10,
                "points (pain is rated 0–10)",
            );
            c.range(
                &at.field("max_min"),
                f.max_min,
                0.5..=MAX_FOLLOWUP_MIN,
                " min",
            );
            if f.every_min.is_finite() && f.max_min < f.every_min {
                c.fail(
                    &at.field("max_min"),
                    format!(
                        "must not be less than every_min ({}), found {}",
                        f.every_min, f.max_min
                    ),
                );
            }
        }
        if n <= MAX_CONDITIONS
            && let Err(e) = design::deal(self.design, n, &[], self.seed)
        {
            c.fail_plain(&root.field("design"), e);
        }
        let w = root.field("washout");
        match self.washout {
            Washout::None => {}
            Washout::Minutes(m) => c.range(&w.index(0), m, 0.0..=MAX_WASHOUT_MIN, " min"),
            Washout::UntilBaseline {
                within,
                every_min,
                max_min,
            } => {
                c.count(
                    &w.field("within"),
                    within.into(),
                    0..=10,
                    "points (pain is rated 0–10)",
                );
                c.range(&w.field("every_min"), every_min, 0.5..=60.0, " min");
                c.range(&w.field("max_min"), max_min, 0.5..=MAX_WASHOUT_MIN, " min");
                if every_min.is_finite() && max_min < every_min {
                    c.fail(
                        &w.field("max_min"),
                        format!("must not be less than every_min ({every_min}), found {max_min}"),
                    );
                }
            }
        }
        let mut every = |path: &FieldPath, v: f32| {
            if v != 0.0 {
                c.range(path, v, EVERY_MIN, " min (or 0 for none)");
            }
        };
        every(
            &root.field("ratings").field("every_min"),
            self.ratings.every_min,
        );
        if let Some(v) = self.questionnaires.fms_every_min {
            every(
                &root.field("questionnaires").field("fms_every_min").index(0),
                v,
            );
        }
        let q = root.field("questionnaires");
        for (when, codes) in [
            ("before", &self.questionnaires.before),
            ("after", &self.questionnaires.after),
        ] {
            for (i, code) in codes.iter().enumerate() {
                let known = super::questionnaire::Questionnaire::find(code)
                    .filter(|q| *q != super::questionnaire::Questionnaire::fms());
                if known.is_none() {
                    let there: Vec<&str> = super::questionnaire::Questionnaire::all()
                        .into_iter()
                        .filter(|q| *q != super::questionnaire::Questionnaire::fms())
                        .map(|q| q.code())
                        .collect();
                    c.fail_plain(
                        &q.field(when).index(i),
                        format!(
                            "unknown questionnaire '{code}' (there are: {}; a new one is a file \
                             questionnaires/{code}.ron)",
                            there.join(", ")
                        ),
                    );
                }
                if codes[..i].contains(code) {
                    c.fail_plain(
                        &q.field(when).index(i),
                        format!("questionnaire '{code}' is listed twice"),
                    );
                }
            }
        }
        c.finish()
    }

    pub fn load(file: &Path, scenes: &[String], levels: &[String]) -> Result<Protocol, SpecErrors> {
        let src = read_spec(file)?;
        Self::parse(file, &src, scenes, levels)
    }

    /// The contrasts the report gives, each (first, second) by condition name: the
    /// protocol's own, else its two conditions, else every pair in the protocol's order.
    pub fn contrast_pairs(&self) -> Vec<(String, String)> {
        if !self.contrasts.is_empty() {
            return self.contrasts.clone();
        }
        let names: Vec<String> = self.conditions.iter().map(|c| c.name.clone()).collect();
        all_pairs(&names)
    }

    /// Participant IDs P01, P02, … for a count.
    pub fn numbered(count: usize) -> Vec<String> {
        let width = count.to_string().len().max(2);
        (1..=count).map(|i| format!("P{i:0width$}")).collect()
    }

    /// The plan for these participants.
    pub fn plan(&self, participants: &[String], seed: u64) -> Result<Plan, String> {
        for (i, p) in participants.iter().enumerate() {
            if !self.accepts_id(p) {
                return Err(format!(
                    "participant '{p}' is not an ID: {} (no names)",
                    self.id_rule()
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

/// Every pair of `names`, in their order: (a, b), (a, c), (b, c), …
pub fn all_pairs(names: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            out.push((a.clone(), b.clone()));
        }
    }
    out
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

    /// Reads a plan TSV file written by [`Plan::tsv`] back against its protocol.
    pub fn load_tsv(protocol: &Protocol, file: &Path, seed: u64) -> Result<Plan, SpecError> {
        let text = read_spec(file)?;
        Self::read_tsv(protocol, file, &text, seed)
    }

    /// Reads a plan TSV written by [`Plan::tsv`] back against its protocol. Every row must
    /// agree with the protocol (its condition's display, scene, level and minutes), and each
    /// participant meets every condition once, in the order their sequence names, periods
    /// numbered from 1: the first cell that does not is named at its line and column.
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
        let n = protocol.conditions.len();
        let letters: String = (0..n).map(design::letter).collect();
        // The place of cell `k` (0-based) of a row.
        let at = |line: usize, cells: &[&str], k: usize, message: String| {
            let col = cells[..k.min(cells.len())]
                .iter()
                .map(|c| c.chars().count() + 1)
                .sum::<usize>()
                + 1;
            SpecError::new(file, line, col, message)
        };
        // A participant's rows are all there once the next participant's begin.
        let complete = |a: &design::Assignment, line: usize| {
            if a.order.len() == n {
                Ok(())
            } else {
                Err(SpecError::new(
                    file,
                    line,
                    1,
                    format!(
                        "participant '{}' has {} period(s); the protocol has {n} conditions, \
                         one a period",
                        a.participant,
                        a.order.len()
                    ),
                ))
            }
        };
        let mut assignments: Vec<design::Assignment> = Vec::new();
        let mut sequence_of_last = String::new();
        let mut last_line = 1;
        for (i, line) in lines.enumerate() {
            let ln = i + 2;
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split('\t').collect();
            let [
                participant,
                sequence,
                period,
                name,
                display,
                scene,
                immersion,
                minutes,
            ] = cells[..]
            else {
                return Err(at(
                    ln,
                    &cells,
                    cells.len().min(8),
                    format!(
                        "expected 8 tab-separated cells ({}), found {}",
                        PLAN_HEADER.replace('\t', " "),
                        cells.len()
                    ),
                ));
            };
            let Some(c) = protocol.conditions.iter().position(|c| c.name == name) else {
                return Err(at(
                    ln,
                    &cells,
                    3,
                    format!("condition '{name}' is not in the protocol"),
                ));
            };
            let condition = &protocol.conditions[c];
            let first_row = assignments
                .last()
                .is_none_or(|a| a.participant != participant);
            if first_row {
                if let Some(a) = assignments.last() {
                    complete(a, last_line)?;
                }
                if !protocol.accepts_id(participant) {
                    return Err(at(
                        ln,
                        &cells,
                        0,
                        format!(
                            "participant '{participant}' is not an ID: {}",
                            protocol.id_rule()
                        ),
                    ));
                }
                if assignments.iter().any(|a| a.participant == participant) {
                    return Err(at(
                        ln,
                        &cells,
                        0,
                        format!("participant '{participant}' is listed twice"),
                    ));
                }
                if assignments.len() >= MAX_PARTICIPANTS {
                    return Err(at(
                        ln,
                        &cells,
                        0,
                        format!("more than {MAX_PARTICIPANTS} participants"),
                    ));
                }
                let is_order =
                    sequence.chars().count() == n && letters.chars().all(|l| sequence.contains(l));
                if !is_order {
                    return Err(at(
                        ln,
                        &cells,
                        1,
                        format!(
                            "sequence '{sequence}' is not an order of the {n} conditions \
                             (each of {letters} once)"
                        ),
                    ));
                }
                sequence_of_last = sequence.to_string();
                assignments.push(design::Assignment {
                    participant: participant.to_string(),
                    sequence: 0,
                    order: Vec::with_capacity(n),
                });
            } else if sequence != sequence_of_last {
                return Err(at(
                    ln,
                    &cells,
                    1,
                    format!(
                        "sequence '{sequence}' differs from this participant's first row \
                         ('{sequence_of_last}')"
                    ),
                ));
            }
            let Some(a) = assignments.last_mut() else {
                unreachable!("a participant's first row pushes their assignment");
            };
            let k = a.order.len() + 1;
            if k > n {
                return Err(at(
                    ln,
                    &cells,
                    2,
                    format!(
                        "period {period}: '{participant}' has more periods than the {n} conditions"
                    ),
                ));
            }
            if period.parse::<usize>() != Ok(k) {
                return Err(at(
                    ln,
                    &cells,
                    2,
                    format!("period '{period}': expected {k}"),
                ));
            }
            let expected = sequence.chars().nth(k - 1).unwrap_or('?');
            if design::letter(c) != expected {
                return Err(at(
                    ln,
                    &cells,
                    3,
                    format!(
                        "condition '{name}' is {} but period {k} of sequence '{sequence}' is {expected}",
                        design::letter(c)
                    ),
                ));
            }
            let checks = [
                (4, "display", display, condition.display.code().to_string()),
                (5, "scene", scene, condition.scene.clone()),
                (
                    6,
                    "immersion",
                    immersion,
                    condition
                        .immersion
                        .as_deref()
                        .unwrap_or("default")
                        .to_string(),
                ),
            ];
            for (k, what, got, want) in checks {
                if got != want {
                    return Err(at(
                        ln,
                        &cells,
                        k,
                        format!("{what} '{got}': the protocol has '{want}' for condition '{name}'"),
                    ));
                }
            }
            if minutes.parse::<f32>().ok() != Some(condition.minutes) {
                return Err(at(
                    ln,
                    &cells,
                    7,
                    format!(
                        "minutes '{minutes}': the protocol has {} for condition '{name}'",
                        condition.minutes
                    ),
                ));
            }
            a.order.push(c);
            last_line = ln;
        }
        match assignments.last() {
            Some(a) => complete(a, last_line)?,
            None => {
                return Err(SpecError::new(
                    file,
                    2,
                    1,
                    "the plan has no sessions: one row per participant and period".to_string(),
                ));
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
