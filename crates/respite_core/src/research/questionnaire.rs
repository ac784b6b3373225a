//! Questionnaires as data. Each is one RON file (see `questionnaires/README.md` at the
//! repository's root): its code, title, full citation and terms of reproduction, the line
//! above every item, the items (code, text, range, anchors), the reverse-keyed items and the
//! scores. A file is parsed and checked like a scene or a protocol, every problem at its
//! line and column. The SSQ, IPQ and FMS ship inside the program (embedded from
//! `questionnaires/`); a researcher adds others as files, read with [`load_dir`] and made
//! usable with [`Questionnaire::register`].
//!
//! Scoring: every answer is checked against its item's range; a reverse-keyed answer `v`
//! becomes `min + max − v`; then each score, in the file's order, is `weight × sum` (`Sum`)
//! or `weight × sum / count` (`Mean`) of the items it lists (`weight` 1 when not written).
//! An item listed more than once counts each time it is listed: the SSQ's total lists the
//! nausea, oculomotor and disorientation items one after another (21 codes), which is
//! Kennedy et al.'s (N + O + D raw sums) × 3.74.
//!
//! The rest of the program holds a [`Questionnaire`]: a `Copy` handle to a questionnaire
//! that was checked and kept for the program's life, equal to another by its code.
//!
//! # Wiring
//!
//! (An inner doc comment cannot follow the items, so the wiring list is here.)
//!
//! 1. `research/mod.rs`: add `pub mod questionnaire;`.
//! 2. `research/scoring.rs`: delete `Item`, `enum Questionnaire`, `SSQ_ANCHORS`, the
//!    `ssq!` macro, `SSQ_ITEMS`, `SSQ_NAUSEA`, `SSQ_OCULOMOTOR`, `SSQ_DISORIENTATION`,
//!    `SsqScores`, `fn ssq`, `AGREE`, `IPQ_ITEMS`, `IPQ_REVERSED`, `IpqScores`, `fn ipq`,
//!    `impl Questionnaire` and `fn check`; add
//!    `pub use super::questionnaire::{IpqScores, Item, Questionnaire, SsqScores, ipq, ssq};`.
//!    Keep `SCORING_VERSION` (the rules give the same numbers, so no bump is needed),
//!    `NRS_RANGE`, `FMS_RANGE`, `NrsChange` and `fms_summary`.
//! 3. Call sites (find them with `grep -rn 'Questionnaire::\(Ssq\|Ipq\)\|_ITEMS' src crates`):
//!    `Questionnaire::Ssq` → `Questionnaire::ssq()` and `Questionnaire::Ipq` →
//!    `Questionnaire::ipq()` (research/read.rs, report.rs, bids.rs, tests.rs and the app's
//!    src/session/questions.rs); `scoring::SSQ_ITEMS.iter()` →
//!    `Questionnaire::ssq().items().iter()` and `scoring::IPQ_ITEMS.iter()` →
//!    `Questionnaire::ipq().items().iter()` (research/tests.rs). A `"ssq" | "ipq"` match on a
//!    scale name can become `Questionnaire::find(scale)`. Everything else (`q.items()`,
//!    `q.code()`, `q.prompt()`, `q.scores(..)`, `scoring::ssq`/`ipq` with `SsqScores`/
//!    `IpqScores`, `item.code == code`, `i.text`, `i.anchors`,
//!    `Scale::Item(Questionnaire, usize)` with its derives) is unchanged.
//! 4. Optional: `Scale::Fms`'s question and anchors from `Questionnaire::fms().items()[0]`
//!    (`.text`, `.anchors`; the prompt is the same question); bids.rs's Levels text from
//!    `q.title()` and `q.source()`.

use crate::check::Checker;
use crate::error::{SpecError, SpecErrors, read_spec, ron_error};
use crate::locate::{FieldPath, locate_value};
use serde::Deserialize;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

/// The most items one questionnaire may have.
pub const MAX_ITEMS: usize = 200;
/// The most scores one questionnaire may have.
pub const MAX_SCORES: usize = 50;
/// The highest answer an item may allow.
pub const MAX_VALUE: u8 = 100;
/// The longest code (questionnaire, item, or `<questionnaire>_<score>` column): REDCap's
/// limit for a variable name.
pub const MAX_CODE_LEN: usize = 26;
/// The largest weight a score may have.
pub const MAX_WEIGHT: f64 = 1000.0;

const MAX_TITLE: usize = 160;
const MAX_PROMPT: usize = 200;
const MAX_TEXT: usize = 500;
const MAX_ANCHOR: usize = 80;
const MAX_CITATION: usize = 2000;

/// Scale names the session already uses in its records, so no questionnaire may take them.
const RESERVED: [&str; 3] = ["nrs", "yes_no", "count"];

/// The questionnaires that ship inside the program: (name in messages, text).
const SHIPPED: [(&str, &str); 3] = [
    (
        "questionnaires/ssq.ron",
        include_str!("../../../../questionnaires/ssq.ron"),
    ),
    (
        "questionnaires/ipq.ron",
        include_str!("../../../../questionnaires/ipq.ron"),
    ),
    (
        "questionnaires/fms.ron",
        include_str!("../../../../questionnaires/fms.ron"),
    ),
];

/// One questionnaire file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Questionnaire", deny_unknown_fields)]
pub struct Spec {
    /// The scale's name in records (`ssq`): lowercase letters, digits and `_`.
    pub code: String,
    pub title: String,
    /// The full citation.
    pub source: String,
    /// Whether and on what terms the items may be reproduced.
    pub terms: String,
    /// The line above every item.
    pub prompt: String,
    pub items: Vec<ItemSpec>,
    /// Codes of the reverse-keyed items.
    #[serde(default)]
    pub reversed: Vec<String>,
    /// The scores, in the order they are written to data files.
    #[serde(default)]
    pub scores: Vec<ScoreSpec>,
}

/// One item, as written: `Item(code: "ssq01", text: "…", min: 0, max: 3, anchors: (…, …))`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename = "Item", deny_unknown_fields)]
pub struct ItemSpec {
    pub code: String,
    pub text: String,
    pub min: u8,
    pub max: u8,
    pub anchors: (String, String),
}

/// How a score combines its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Combine {
    /// `weight × sum`.
    Sum,
    /// `weight × sum / count`.
    Mean,
}

/// One score, as written: `Score(name: "nausea", items: [...], combine: Sum, weight: 9.54)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Score", deny_unknown_fields)]
pub struct ScoreSpec {
    /// Written to data files as `<questionnaire code>_<name>`.
    pub name: String,
    /// Item codes; one listed twice counts twice.
    pub items: Vec<String>,
    pub combine: Combine,
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// One questionnaire item as the panel asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Column name in data files: `ssq01`, `ipq_sp2`, …
    pub code: &'static str,
    pub text: &'static str,
    /// Lowest and highest answer.
    pub min: u8,
    pub max: u8,
    /// The words at the two ends.
    pub anchors: (&'static str, &'static str),
}

/// A problem found in a spec, at a path into it.
struct Problem {
    path: FieldPath,
    message: String,
    /// At the value (the message names it) rather than at the key (the path leads).
    at_value: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at_value {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn key(&mut self, path: FieldPath, message: String) {
        self.0.push(Problem {
            path,
            message,
            at_value: false,
        });
    }

    fn value(&mut self, path: FieldPath, message: String) {
        self.0.push(Problem {
            path,
            message,
            at_value: true,
        });
    }

    /// A piece of text shown or recorded: not blank (unless it may be empty), at most `max`
    /// characters, one line.
    fn text(&mut self, path: FieldPath, value: &str, max: usize, may_be_empty: bool) {
        let n = value.chars().count();
        if !may_be_empty && value.trim().is_empty() {
            self.key(path, "must not be empty".into());
        } else if n > max {
            self.key(path, format!("has {n} characters; at most {max}"));
        } else if value.chars().any(char::is_control) {
            self.key(
                path,
                "must be one line, without tabs or other control characters".into(),
            );
        }
    }
}

/// Why `s` is not a code (lowercase letters, digits and `_`, starting with a letter, at
/// most [`MAX_CODE_LEN`] characters), or nothing.
fn code_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        Some("is empty".into())
    } else if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("must start with a lowercase letter".into())
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Some("must be lowercase letters, digits and _ only".into())
    } else if s.len() > MAX_CODE_LEN {
        Some(format!(
            "has {} characters; at most {MAX_CODE_LEN} (REDCap's limit for a variable name)",
            s.len()
        ))
    } else {
        None
    }
}

impl Spec {
    /// Every problem, each at a path into the spec.
    fn problems(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        let root = FieldPath::default();

        if let Some(why) = code_problem(&self.code) {
            p.value(
                root.field("code"),
                format!("questionnaire code '{}' {why}", self.code),
            );
        } else if RESERVED.contains(&self.code.as_str()) {
            p.value(
                root.field("code"),
                format!(
                    "questionnaire code '{}' is taken by a scale the session asks itself ({})",
                    self.code,
                    RESERVED.join(", ")
                ),
            );
        }
        p.text(root.field("title"), &self.title, MAX_TITLE, false);
        p.text(root.field("source"), &self.source, MAX_CITATION, false);
        p.text(root.field("terms"), &self.terms, MAX_CITATION, false);
        p.text(root.field("prompt"), &self.prompt, MAX_PROMPT, false);

        let items = root.field("items");
        let n = self.items.len();
        if n == 0 {
            p.key(
                items.clone(),
                "a questionnaire needs at least one item".into(),
            );
        } else if n > MAX_ITEMS {
            p.key(items.clone(), format!("has {n} items; at most {MAX_ITEMS}"));
        }
        for (i, item) in self.items.iter().enumerate().take(MAX_ITEMS) {
            let at = items.index(i);
            if let Some(why) = code_problem(&item.code) {
                p.value(at.field("code"), format!("item code '{}' {why}", item.code));
            } else if self.items[..i].iter().any(|o| o.code == item.code) {
                p.value(
                    at.field("code"),
                    format!("item code '{}' is used twice", item.code),
                );
            }
            p.text(at.field("text"), &item.text, MAX_TEXT, false);
            if item.max > MAX_VALUE {
                p.key(
                    at.field("max"),
                    format!("must be at most {MAX_VALUE}, found {}", item.max),
                );
            }
            if item.min > item.max {
                p.key(
                    at.field("min"),
                    format!("{} must not exceed max ({})", item.min, item.max),
                );
            }
            for (k, a) in [&item.anchors.0, &item.anchors.1].into_iter().enumerate() {
                p.text(at.field("anchors").index(k), a, MAX_ANCHOR, true);
            }
        }

        let reversed = root.field("reversed");
        for (i, code) in self.reversed.iter().enumerate() {
            if !self.items.iter().any(|it| it.code == *code) {
                p.value(
                    reversed.index(i),
                    format!(
                        "reversed item '{code}' is not one of the items ({})",
                        self.item_list()
                    ),
                );
            } else if self.reversed[..i].contains(code) {
                p.value(
                    reversed.index(i),
                    format!("item '{code}' is listed twice as reversed"),
                );
            }
        }

        let scores = root.field("scores");
        if self.scores.len() > MAX_SCORES {
            p.key(
                scores.clone(),
                format!("has {} scores; at most {MAX_SCORES}", self.scores.len()),
            );
        }
        for (i, s) in self.scores.iter().enumerate().take(MAX_SCORES) {
            let at = scores.index(i);
            let column = format!("{}_{}", self.code, s.name);
            if let Some(why) = code_problem(&s.name) {
                p.value(at.field("name"), format!("score name '{}' {why}", s.name));
            } else if self.scores[..i].iter().any(|o| o.name == s.name) {
                p.value(
                    at.field("name"),
                    format!("score '{}' is named twice", s.name),
                );
            } else if column.len() > MAX_CODE_LEN {
                p.value(
                    at.field("name"),
                    format!(
                        "score '{}' is written as the column '{column}', longer than \
                         {MAX_CODE_LEN} characters (REDCap's limit); use a shorter name",
                        s.name
                    ),
                );
            } else if self.items.iter().any(|it| it.code == column) {
                p.value(
                    at.field("name"),
                    format!(
                        "score '{}' is written as the column '{column}', which is also an \
                         item's code",
                        s.name
                    ),
                );
            }
            if s.items.is_empty() {
                p.key(at.field("items"), "a score needs at least one item".into());
            }
            for (j, code) in s.items.iter().enumerate() {
                if !self.items.iter().any(|it| it.code == *code) {
                    p.value(
                        at.field("items").index(j),
                        format!(
                            "score '{}' names unknown item '{code}' (the items are {})",
                            s.name,
                            self.item_list()
                        ),
                    );
                }
            }
            if !(s.weight.is_finite() && s.weight > 0.0 && s.weight <= MAX_WEIGHT) {
                p.key(
                    at.field("weight"),
                    format!(
                        "must be a finite number above 0 and at most {MAX_WEIGHT}, found {}",
                        s.weight
                    ),
                );
            }
        }
        p.0
    }

    /// The item codes for a message: all of a few, the ends of many.
    fn item_list(&self) -> String {
        let codes: Vec<&str> = self.items.iter().map(|i| i.code.as_str()).collect();
        match codes.as_slice() {
            [] => "none".into(),
            [first, .., last] if codes.len() > 6 => format!("{first} … {last}"),
            all => all.join(", "),
        }
    }
}

/// Parses and checks one questionnaire file's text; `file` is only used in messages.
pub fn parse(file: &Path, src: &str) -> Result<Spec, SpecErrors> {
    let spec: Spec = ron::from_str(src).map_err(|e| ron_error(file, &e))?;
    let mut c = Checker::new(file, src);
    for p in spec.problems() {
        if p.at_value {
            c.fail_plain(&p.path, p.message);
        } else {
            c.fail(&p.path, p.message);
        }
    }
    c.finish()?;
    Ok(spec)
}

/// Reads, parses and checks one questionnaire file.
pub fn load(file: &Path) -> Result<Spec, SpecErrors> {
    parse(file, &read_spec(file)?)
}

/// Every `*.ron` in `dir`, sorted by file name; a folder that does not exist has none. Only
/// regular files of at most 4 MiB are read (as [`read_spec`] does). Fails with every
/// problem of every file, including a code that an earlier file already has.
pub fn load_dir(dir: &Path) -> Result<Vec<Spec>, SpecErrors> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SpecError::new(
                dir,
                0,
                0,
                format!("cannot read the questionnaires folder: {e}"),
            )
            .into());
        }
    };
    let paths = crate::catalog::ron_files(listing);
    let mut found: Vec<(Spec, PathBuf)> = Vec::new();
    let mut errors: Vec<SpecError> = Vec::new();
    for path in paths {
        let src = match read_spec(&path) {
            Ok(src) => src,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match parse(&path, &src) {
            Ok(spec) => {
                if let Some((_, first)) = found.iter().find(|(s, _)| s.code == spec.code) {
                    let (line, col) = locate_value(&src, &FieldPath::default().field("code"));
                    errors.push(SpecError::new(
                        &path,
                        line,
                        col,
                        format!(
                            "questionnaire code '{}' is already used by {}",
                            spec.code,
                            first.display()
                        ),
                    ));
                } else {
                    found.push((spec, path));
                }
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(found.into_iter().map(|(s, _)| s).collect())
    } else {
        Err(SpecErrors(errors))
    }
}

/// A questionnaire checked and kept for the program's life, with its rules resolved.
struct Entry {
    spec: &'static Spec,
    items: Vec<Item>,
    /// Per item: reverse-keyed.
    reversed: Vec<bool>,
    scores: Vec<Rule>,
}

/// A score with its items as positions.
struct Rule {
    name: &'static str,
    items: Vec<usize>,
    combine: Combine,
    weight: f64,
}

/// Resolves a spec that passed its checks (its codes all name items).
fn compile(spec: &'static Spec) -> Result<Questionnaire, String> {
    let index = |code: &str| {
        spec.items
            .iter()
            .position(|i| i.code == code)
            .ok_or_else(|| format!("questionnaire '{}' has no item '{code}'", spec.code))
    };
    let items: Vec<Item> = spec
        .items
        .iter()
        .map(|i| Item {
            code: i.code.as_str(),
            text: i.text.as_str(),
            min: i.min,
            max: i.max,
            anchors: (i.anchors.0.as_str(), i.anchors.1.as_str()),
        })
        .collect();
    let mut reversed = vec![false; spec.items.len()];
    for code in &spec.reversed {
        reversed[index(code.as_str())?] = true;
    }
    let mut scores = Vec::with_capacity(spec.scores.len());
    for s in &spec.scores {
        let mut at = Vec::with_capacity(s.items.len());
        for code in &s.items {
            at.push(index(code.as_str())?);
        }
        scores.push(Rule {
            name: s.name.as_str(),
            items: at,
            combine: s.combine,
            weight: s.weight,
        });
    }
    let entry: &'static Entry = Box::leak(Box::new(Entry {
        spec,
        items,
        reversed,
        scores,
    }));
    Ok(Questionnaire(entry))
}

/// The shipped questionnaires: SSQ, IPQ, FMS.
fn shipped() -> &'static [Questionnaire; 3] {
    static SHIPPED_ONCE: OnceLock<[Questionnaire; 3]> = OnceLock::new();
    SHIPPED_ONCE.get_or_init(|| {
        SHIPPED.map(|(name, src)| {
            let spec = parse(Path::new(name), src)
                .unwrap_or_else(|e| panic!("a shipped questionnaire is broken:\n{e}"));
            compile(Box::leak(Box::new(spec)))
                .unwrap_or_else(|e| panic!("the shipped {name} is broken: {e}"))
        })
    })
}

/// Questionnaires registered from files, after the shipped ones.
static REGISTERED: Mutex<Vec<Questionnaire>> = Mutex::new(Vec::new());

fn registered() -> MutexGuard<'static, Vec<Questionnaire>> {
    REGISTERED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which questionnaire: a handle to one kept for the program's life. Equal, and hashed, by
/// its code (a code is registered once).
#[derive(Clone, Copy)]
pub struct Questionnaire(&'static Entry);

impl PartialEq for Questionnaire {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Questionnaire {}

impl Hash for Questionnaire {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl fmt::Debug for Questionnaire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Questionnaire").field(&self.code()).finish()
    }
}

impl Questionnaire {
    /// Simulator Sickness Questionnaire (Kennedy et al. 1993): 16 symptoms, 0–3.
    pub fn ssq() -> Self {
        shipped()[0]
    }

    /// igroup Presence Questionnaire: 14 items, 0–6.
    pub fn ipq() -> Self {
        shipped()[1]
    }

    /// Fast Motion sickness Scale (Keshavarz & Hecht 2011): one question, 0–20.
    pub fn fms() -> Self {
        shipped()[2]
    }

    /// The shipped questionnaires, then the registered ones in the order they came.
    pub fn all() -> Vec<Self> {
        let mut all = shipped().to_vec();
        all.extend(registered().iter().copied());
        all
    }

    /// The shipped or registered questionnaire with this code.
    pub fn find(code: &str) -> Option<Self> {
        shipped()
            .iter()
            .copied()
            .find(|q| q.code() == code)
            .or_else(|| registered().iter().copied().find(|q| q.code() == code))
    }

    /// Makes a questionnaire usable for the rest of the program's life (it is kept, never
    /// freed). Its checks are run again (positions need the file: use [`parse`] for those).
    /// A code already in use gives the questionnaire that has it when the two are the same,
    /// and an error when they differ.
    pub fn register(spec: Spec) -> Result<Self, String> {
        let problems = spec.problems();
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(format!(
                "questionnaire '{}': {}",
                spec.code,
                list.join("; ")
            ));
        }
        let mut registered = registered();
        let existing = shipped()
            .iter()
            .copied()
            .find(|q| q.code() == spec.code)
            .or_else(|| registered.iter().copied().find(|q| q.code() == spec.code));
        if let Some(q) = existing {
            return if *q.spec() == spec {
                Ok(q)
            } else {
                Err(format!(
                    "the questionnaire code '{}' is already used by a different questionnaire \
                     ({}); give this one another code",
                    spec.code,
                    q.title()
                ))
            };
        }
        let q = compile(Box::leak(Box::new(spec)))?;
        registered.push(q);
        Ok(q)
    }

    /// The spec as written.
    pub fn spec(self) -> &'static Spec {
        self.0.spec
    }

    pub fn items(self) -> &'static [Item] {
        self.0.items.as_slice()
    }

    pub fn code(self) -> &'static str {
        self.0.spec.code.as_str()
    }

    pub fn title(self) -> &'static str {
        self.0.spec.title.as_str()
    }

    /// The full citation.
    pub fn source(self) -> &'static str {
        self.0.spec.source.as_str()
    }

    /// Whether and on what terms the items may be reproduced.
    pub fn terms(self) -> &'static str {
        self.0.spec.terms.as_str()
    }

    /// The line above every item.
    pub fn prompt(self) -> &'static str {
        self.0.spec.prompt.as_str()
    }

    /// Whether item `n` (0-based) is reverse-keyed.
    pub fn is_reversed(self, n: usize) -> bool {
        self.0.reversed.get(n).copied().unwrap_or(false)
    }

    /// The scores' names, in the file's order.
    pub fn score_names(self) -> Vec<&'static str> {
        self.0.scores.iter().map(|r| r.name).collect()
    }

    /// Named scores of complete answers (one per item, in the items' order), in the file's
    /// order, unrounded.
    pub fn scores(self, answers: &[u8]) -> Result<Vec<(&'static str, f64)>, String> {
        let e = self.0;
        if answers.len() != e.items.len() {
            return Err(format!(
                "{} answers, expected {}",
                answers.len(),
                e.items.len()
            ));
        }
        for (v, item) in answers.iter().zip(&e.items) {
            if *v < item.min || *v > item.max {
                return Err(format!(
                    "{} = {v} is outside {}–{}",
                    item.code, item.min, item.max
                ));
            }
        }
        let keyed: Vec<f64> = answers
            .iter()
            .zip(&e.items)
            .zip(&e.reversed)
            .map(|((&v, item), &reversed)| {
                let v = if reversed {
                    u16::from(item.min) + u16::from(item.max) - u16::from(v)
                } else {
                    u16::from(v)
                };
                f64::from(v)
            })
            .collect();
        Ok(e.scores
            .iter()
            .map(|r| {
                let sum: f64 = r.items.iter().map(|&k| keyed[k]).sum();
                let value = match r.combine {
                    Combine::Sum => sum * r.weight,
                    Combine::Mean => sum / r.items.len() as f64 * r.weight,
                };
                (r.name, value)
            })
            .collect())
    }
}

/// The score called `name` among `scores`.
fn named(scores: &[(&'static str, f64)], name: &str) -> Result<f64, String> {
    scores
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
        .ok_or_else(|| format!("no score named '{name}'"))
}

/// SSQ scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SsqScores {
    pub nausea: f64,
    pub oculomotor: f64,
    pub disorientation: f64,
    pub total: f64,
}

/// Scores 16 SSQ answers (each 0–3) by `questionnaires/ssq.ron`: N = raw × 9.54,
/// O = raw × 7.58, D = raw × 13.92, Total = (N + O + D raw sums) × 3.74.
pub fn ssq(items: &[u8]) -> Result<SsqScores, String> {
    let s = Questionnaire::ssq().scores(items)?;
    Ok(SsqScores {
        nausea: named(&s, "nausea")?,
        oculomotor: named(&s, "oculomotor")?,
        disorientation: named(&s, "disorientation")?,
        total: named(&s, "total")?,
    })
}

/// IPQ scores: each subscale the mean of its items (after reversing), 0–6.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IpqScores {
    pub general: f64,
    pub spatial: f64,
    pub involvement: f64,
    pub realism: f64,
}

/// Scores 14 IPQ answers (each 0–6) by `questionnaires/ipq.ron`.
pub fn ipq(items: &[u8]) -> Result<IpqScores, String> {
    let s = Questionnaire::ipq().scores(items)?;
    Ok(IpqScores {
        general: named(&s, "general")?,
        spatial: named(&s, "spatial")?,
        involvement: named(&s, "involvement")?,
        realism: named(&s, "realism")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_shipped_files_parse_and_are_found_by_code() {
        for (name, src) in SHIPPED {
            if let Err(e) = parse(Path::new(name), src) {
                panic!("{e}");
            }
        }
        let (ssq, ipq, fms) = (
            Questionnaire::ssq(),
            Questionnaire::ipq(),
            Questionnaire::fms(),
        );
        assert_eq!((ssq.code(), ipq.code(), fms.code()), ("ssq", "ipq", "fms"));
        assert_eq!(
            (ssq.items().len(), ipq.items().len(), fms.items().len()),
            (16, 14, 1)
        );
        assert_eq!(Questionnaire::find("ssq"), Some(ssq));
        assert_eq!(Questionnaire::find("ipq"), Some(ipq));
        assert_eq!(Questionnaire::find("fms"), Some(fms));
        assert_eq!(Questionnaire::find("pcs"), None);
        assert_ne!(ssq, ipq);
        assert_eq!(format!("{ssq:?}"), "Questionnaire(\"ssq\")");
        assert_eq!(ssq.prompt(), "How much is this affecting you right now?");
        assert_eq!(ipq.prompt(), "About the place you were just in:");
        assert_eq!(ssq.title(), "Simulator Sickness Questionnaire");
        assert!(ssq.source().contains("10.1207/s15327108ijap0303_3"));
        assert_eq!(
            ssq.score_names(),
            ["nausea", "oculomotor", "disorientation", "total"]
        );
        assert_eq!(
            ipq.score_names(),
            ["general", "spatial", "involvement", "realism"]
        );
        assert!(fms.score_names().is_empty());
        // Registering a shipped file again gives the shipped questionnaire.
        let again = parse(Path::new("ssq.ron"), SHIPPED[0].1).unwrap();
        assert_eq!(Questionnaire::register(again.clone()), Ok(ssq));
        let mut changed = again;
        changed.title = "Something else".into();
        let e = Questionnaire::register(changed).unwrap_err();
        assert!(e.contains("already used"), "{e}");
    }

    #[test]
    fn ssq_scores_match_the_published_fixtures() {
        let zero = ssq(&[0; 16]).unwrap();
        assert_eq!(
            (
                zero.nausea,
                zero.oculomotor,
                zero.disorientation,
                zero.total
            ),
            (0.0, 0.0, 0.0, 0.0)
        );
        // Each cluster has 7 items: 7 × 9.54, 7 × 7.58, 7 × 13.92, (7 + 7 + 7) × 3.74.
        let ones = ssq(&[1; 16]).unwrap();
        assert!(close(ones.nausea, 66.78), "{ones:?}");
        assert!(close(ones.oculomotor, 53.06), "{ones:?}");
        assert!(close(ones.disorientation, 97.44), "{ones:?}");
        assert!(close(ones.total, 78.54), "{ones:?}");
        // Items 1..16 = 3 2 1 0 2 1 0 1 3 0 2 1 0 1 2 3:
        // N (1 6 7 8 9 15 16)   = 3+1+0+1+3+2+3 = 13 → 13 × 9.54  = 124.02;
        // O (1 2 3 4 5 9 11)    = 3+2+1+0+2+3+2 = 13 → 13 × 7.58  =  98.54;
        // D (5 8 10 11 12 13 14) = 2+1+0+2+1+0+1 =  7 →  7 × 13.92 =  97.44;
        // total = (13 + 13 + 7) × 3.74 = 33 × 3.74 = 123.42.
        let s = ssq(&[3, 2, 1, 0, 2, 1, 0, 1, 3, 0, 2, 1, 0, 1, 2, 3]).unwrap();
        assert!(close(s.nausea, 124.02), "{s:?}");
        assert!(close(s.oculomotor, 98.54), "{s:?}");
        assert!(close(s.disorientation, 97.44), "{s:?}");
        assert!(close(s.total, 123.42), "{s:?}");
        // research/tests.rs's vector: N 5, O 5, D 7.
        let s = ssq(&[1, 0, 2, 0, 1, 0, 0, 3, 0, 0, 1, 0, 0, 2, 1, 0]).unwrap();
        assert!(
            close(s.nausea, 47.70) && close(s.oculomotor, 37.90),
            "{s:?}"
        );
        assert!(
            close(s.disorientation, 97.44) && close(s.total, 63.58),
            "{s:?}"
        );
        // The named scores come in the file's order.
        let named = Questionnaire::ssq().scores(&[1; 16]).unwrap();
        assert_eq!(named[0].0, "nausea");
        assert_eq!(named[3], ("total", ones.total));
        assert_eq!(ssq(&[0; 15]).unwrap_err(), "15 answers, expected 16");
        assert_eq!(ssq(&[4; 16]).unwrap_err(), "ssq01 = 4 is outside 0–3");
    }

    #[test]
    fn ipq_scores_reverse_sp2_inv3_real1() {
        // G1 6; SP 5, (6−1), 4, 2, 3 → 19/5 = 3.8; INV 0, 6, (6−2), 4 → 14/4 = 3.5;
        // REAL (6−5), 3, 6, 1 → 11/4 = 2.75.
        let s = ipq(&[6, 5, 1, 4, 2, 3, 0, 6, 2, 4, 5, 3, 6, 1]).unwrap();
        assert!(close(s.general, 6.0), "{s:?}");
        assert!(close(s.spatial, 3.8), "{s:?}");
        assert!(close(s.involvement, 3.5), "{s:?}");
        assert!(close(s.realism, 2.75), "{s:?}");
        // All at the top: the reversed items pull their subscale down.
        let top = ipq(&[6; 14]).unwrap();
        assert!(
            close(top.general, 6.0) && close(top.spatial, 4.8),
            "{top:?}"
        );
        assert!(
            close(top.involvement, 4.5) && close(top.realism, 4.5),
            "{top:?}"
        );
        let q = Questionnaire::ipq();
        let reversed: Vec<&str> = (0..14)
            .filter(|&n| q.is_reversed(n))
            .map(|n| q.items()[n].code)
            .collect();
        assert_eq!(reversed, ["ipq_sp2", "ipq_inv3", "ipq_real1"]);
        assert_eq!(ipq(&[7; 14]).unwrap_err(), "ipq_g1 = 7 is outside 0–6");
        assert_eq!(ipq(&[0; 16]).unwrap_err(), "16 answers, expected 14");
    }

    /// scoring.rs's rules before they became data, copied as they were.
    fn old_ssq(items: &[u8]) -> [f64; 4] {
        let raw = |set: &[usize]| set.iter().map(|i| f64::from(items[i - 1])).sum::<f64>();
        let (n, o, d) = (
            raw(&[1_usize, 6, 7, 8, 9, 15, 16]),
            raw(&[1_usize, 2, 3, 4, 5, 9, 11]),
            raw(&[5_usize, 8, 10, 11, 12, 13, 14]),
        );
        [n * 9.54, o * 7.58, d * 13.92, (n + o + d) * 3.74]
    }

    fn old_ipq(items: &[u8]) -> [f64; 4] {
        let keyed: Vec<f64> = items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = f64::from(*v);
                if [2, 8, 10].contains(&i) { 6.0 - v } else { v }
            })
            .collect();
        let mean = |r: std::ops::Range<usize>| {
            let n = r.len() as f64;
            keyed[r].iter().sum::<f64>() / n
        };
        [mean(0..1), mean(1..6), mean(6..10), mean(10..14)]
    }

    #[test]
    fn the_data_gives_exactly_the_old_numbers() {
        // A fixed pseudo-random walk over answer vectors, plus both ends.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |top: u8| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % (u64::from(top) + 1)) as u8
        };
        let mut ssq_vectors = vec![[0u8; 16], [3u8; 16]];
        let mut ipq_vectors = vec![[0u8; 14], [6u8; 14]];
        for _ in 0..500 {
            ssq_vectors.push(std::array::from_fn(|_| next(3)));
            ipq_vectors.push(std::array::from_fn(|_| next(6)));
        }
        for v in &ssq_vectors {
            let s = ssq(v).unwrap();
            // Bit for bit, not merely close.
            assert_eq!(
                [s.nausea, s.oculomotor, s.disorientation, s.total],
                old_ssq(v),
                "{v:?}"
            );
        }
        for v in &ipq_vectors {
            let s = ipq(v).unwrap();
            assert_eq!(
                [s.general, s.spatial, s.involvement, s.realism],
                old_ipq(v),
                "{v:?}"
            );
        }
    }

    #[test]
    fn item_texts_and_anchors_are_the_old_constants() {
        const SSQ: [(&str, &str); 16] = [
            ("ssq01", "General discomfort"),
            ("ssq02", "Fatigue"),
            ("ssq03", "Headache"),
            ("ssq04", "Eye strain"),
            ("ssq05", "Difficulty focusing"),
            ("ssq06", "Increased salivation"),
            ("ssq07", "Sweating"),
            ("ssq08", "Nausea"),
            ("ssq09", "Difficulty concentrating"),
            ("ssq10", "Fullness of head"),
            ("ssq11", "Blurred vision"),
            ("ssq12", "Dizzy (eyes open)"),
            ("ssq13", "Dizzy (eyes closed)"),
            ("ssq14", "Vertigo"),
            ("ssq15", "Stomach awareness"),
            ("ssq16", "Burping"),
        ];
        let ssq = Questionnaire::ssq().items();
        assert_eq!(ssq.len(), SSQ.len());
        for (item, (code, text)) in ssq.iter().zip(SSQ) {
            let want = Item {
                code,
                text,
                min: 0,
                max: 3,
                anchors: ("0  none", "severe  3"),
            };
            assert_eq!(*item, want);
        }

        const AGREE: (&str, &str) = ("0  fully disagree", "fully agree  6");
        const IPQ: [(&str, &str, (&str, &str)); 14] = [
            (
                "ipq_g1",
                "In the computer generated world I had a sense of \"being there\".",
                ("0  not at all", "very much  6"),
            ),
            (
                "ipq_sp1",
                "Somehow I felt that the virtual world surrounded me.",
                AGREE,
            ),
            (
                "ipq_sp2",
                "I felt like I was just perceiving pictures.",
                AGREE,
            ),
            (
                "ipq_sp3",
                "I did not feel present in the virtual space.",
                ("0  did not feel", "felt present  6"),
            ),
            (
                "ipq_sp4",
                "I had a sense of acting in the virtual space, rather than operating something \
               from outside.",
                AGREE,
            ),
            ("ipq_sp5", "I felt present in the virtual space.", AGREE),
            (
                "ipq_inv1",
                "How aware were you of the real world surrounding while navigating in the \
               virtual world? (i.e. sounds, room temperature, other people, etc.)",
                ("0  extremely aware", "not aware at all  6"),
            ),
            ("ipq_inv2", "I was not aware of my real environment.", AGREE),
            (
                "ipq_inv3",
                "I still paid attention to the real environment.",
                AGREE,
            ),
            (
                "ipq_inv4",
                "I was completely captivated by the virtual world.",
                AGREE,
            ),
            (
                "ipq_real1",
                "How real did the virtual world seem to you?",
                ("0  completely real", "not real at all  6"),
            ),
            (
                "ipq_real2",
                "How much did your experience in the virtual environment seem consistent with \
               your real world experience?",
                ("0  not consistent", "very consistent  6"),
            ),
            (
                "ipq_real3",
                "How real did the virtual world seem to you?",
                (
                    "0  about as real as an imagined world",
                    "indistinguishable from the real world  6",
                ),
            ),
            (
                "ipq_real4",
                "The virtual world seemed more realistic than the real world.",
                AGREE,
            ),
        ];
        let ipq = Questionnaire::ipq().items();
        assert_eq!(ipq.len(), IPQ.len());
        for (item, (code, text, anchors)) in ipq.iter().zip(IPQ) {
            let want = Item {
                code,
                text,
                min: 0,
                max: 6,
                anchors,
            };
            assert_eq!(*item, want);
        }
    }

    #[test]
    fn the_fms_is_one_question_with_the_panels_words() {
        let q = Questionnaire::fms();
        let [item] = q.items() else {
            panic!("the FMS has one item: {:?}", q.items());
        };
        assert_eq!(item.text, "How sick do you feel right now?");
        assert_eq!(q.prompt(), "How sick do you feel right now?");
        assert_eq!(
            item.anchors,
            ("0  no sickness at all", "frank sickness  20")
        );
        assert_eq!((item.min, item.max), super::super::scoring::FMS_RANGE);
        assert_eq!(q.scores(&[7]), Ok(Vec::new()));
        assert_eq!(q.scores(&[21]).unwrap_err(), "fms = 21 is outside 0–20");
    }

    // ---- a made-up questionnaire for the checks and the registry ----

    const DEMO_HEAD: &str = r#"// A made-up questionnaire for the tests; not a real instrument.
Questionnaire(
    code: "demo",
    title: "Demo scale",
    source: "Nobody, A. (2024). A made-up scale for tests.",
    terms: "Made up for the tests; not a real instrument.",
    prompt: "How is it?",
"#;
    const DEMO_ITEMS: &str = r#"    items: [
        Item(code: "demo_a", text: "First", min: 0, max: 4, anchors: ("0  low", "high  4")),
        Item(code: "demo_b", text: "Second", min: 0, max: 4, anchors: ("0  low", "high  4")),
        Item(code: "demo_c", text: "Third", min: 1, max: 5, anchors: ("1  low", "high  5")),
    ],
"#;
    const DEMO_TAIL: &str = r#"    reversed: ["demo_b"],
    scores: [
        Score(name: "sum", items: ["demo_a", "demo_b", "demo_c"], combine: Sum, weight: 2.0),
        Score(name: "mean", items: ["demo_a", "demo_c"], combine: Mean),
    ],
)
"#;

    fn demo() -> String {
        format!("{DEMO_HEAD}{DEMO_ITEMS}{DEMO_TAIL}")
    }

    /// `demo()` with one piece of text replaced (it must be there).
    fn demo_with(from: &str, to: &str) -> String {
        let src = demo();
        assert!(src.contains(from), "{from:?} is not in the demo");
        src.replace(from, to)
    }

    /// The 1-based line and column where the `nth` (0-based) `needle` starts in `src`.
    fn at(src: &str, needle: &str, nth: usize) -> (usize, usize) {
        let (byte, _) = src
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} is not in the source"));
        crate::error::line_col(src.as_bytes(), byte)
    }

    /// Parses `src`, finds the problem whose message has `word`, and checks that it is at
    /// the `nth` `needle`: both in its fields and in the printed `file:line:col:` form.
    fn fails_at(src: &str, word: &str, needle: &str, nth: usize) -> String {
        let errors = parse(Path::new("demo.ron"), src).unwrap_err();
        let Some(e) = errors.0.iter().find(|e| e.message.contains(word)) else {
            panic!("no problem about {word:?} in:\n{errors}");
        };
        let (line, col) = at(src, needle, nth);
        assert_eq!((e.line, e.col), (line, col), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("demo.ron:{line}:{col}: ")),
            "{text} is not at {line}:{col}"
        );
        text
    }

    #[test]
    fn the_demo_parses() {
        let spec = parse(Path::new("demo.ron"), &demo()).unwrap();
        assert_eq!(spec.code, "demo");
        assert_eq!(spec.items.len(), 3);
        assert_eq!(spec.scores[1].weight, 1.0);
        assert_eq!(spec.scores[1].combine, Combine::Mean);
    }

    #[test]
    fn a_score_naming_an_unknown_item_is_refused_at_that_item() {
        let src = demo_with(r#"["demo_a", "demo_c"]"#, r#"["demo_a", "demo_x"]"#);
        let e = fails_at(&src, "unknown item", r#""demo_x""#, 0);
        assert!(
            e.contains("score 'mean' names unknown item 'demo_x'"),
            "{e}"
        );
        assert!(e.contains("demo_a, demo_b, demo_c"), "{e}");
    }

    #[test]
    fn each_problem_is_at_its_line_and_column() {
        // An item code used twice: at the second.
        let src = demo_with(r#"code: "demo_b""#, r#"code: "demo_a""#);
        fails_at(&src, "used twice", r#""demo_a""#, 1);

        // min above max: at `min`.
        let src = demo_with("min: 1, max: 5", "min: 5, max: 1");
        let e = fails_at(&src, "must not exceed max", "min: 5", 0);
        assert!(e.contains("items[2].min: 5 must not exceed max (1)"), "{e}");

        // max above 100: at `max`.
        let src = demo_with("min: 1, max: 5", "min: 1, max: 101");
        let e = fails_at(&src, "at most 100", "max: 101", 0);
        assert!(e.contains("items[2].max"), "{e}");

        // No items: at `items`.
        let src = format!("{DEMO_HEAD}    items: [],\n{DEMO_TAIL}");
        fails_at(&src, "at least one item", "items: []", 0);

        // Codes that are not lowercase letters, digits and _ from a letter, or too long.
        let src = demo_with(r#"code: "demo_c""#, r#"code: "Demo-C""#);
        fails_at(&src, "lowercase letter", r#""Demo-C""#, 0);
        let src = demo_with(r#"code: "demo_c""#, r#"code: "demo-c""#);
        fails_at(&src, "letters, digits and _", r#""demo-c""#, 0);
        let long = "demo_abcdefghijklmnopqrstuv";
        assert_eq!(long.len(), 27);
        let src = demo_with(r#"code: "demo_c""#, &format!("code: \"{long}\""));
        fails_at(&src, "at most 26", &format!("\"{long}\""), 0);
        let src = demo_with(r#"code: "demo""#, r#"code: "9demo""#);
        fails_at(&src, "questionnaire code '9demo'", r#""9demo""#, 0);
        let src = demo_with(r#"code: "demo""#, r#"code: "nrs""#);
        fails_at(&src, "taken by a scale", r#""nrs""#, 0);

        // A reversed item that is not an item: at it.
        let src = demo_with(r#"reversed: ["demo_b"]"#, r#"reversed: ["demo_z"]"#);
        fails_at(&src, "reversed item 'demo_z'", r#""demo_z""#, 0);

        // Weights: absurd, zero, not a number: at `weight`.
        let src = demo_with("weight: 2.0", "weight: 5000.0");
        fails_at(&src, "at most 1000", "weight: 5000.0", 0);
        let src = demo_with("weight: 2.0", "weight: 0.0");
        fails_at(&src, "above 0", "weight: 0.0", 0);
        let src = demo_with("weight: 2.0", "weight: NaN");
        let e = fails_at(&src, "finite", "weight: NaN", 0);
        assert!(e.contains("found NaN"), "{e}");

        // A score named twice: at the second name.
        let src = demo_with(r#"name: "mean""#, r#"name: "sum""#);
        fails_at(&src, "named twice", r#""sum""#, 1);

        // A score whose column would be an item's code.
        let src = demo_with(r#"name: "mean""#, r#"name: "a""#);
        fails_at(&src, "also an item's code", r#""a""#, 0);

        // Blank text: at `text`.
        let src = demo_with(r#"text: "Second""#, r#"text: "  ""#);
        fails_at(&src, "must not be empty", r#"text: "  ""#, 0);

        // Every problem is reported, not only the first.
        let src = demo_with("min: 1, max: 5", "min: 102, max: 101")
            .replace(r#"reversed: ["demo_b"]"#, r#"reversed: ["demo_z"]"#);
        let errors = parse(Path::new("demo.ron"), &src).unwrap_err();
        assert_eq!(errors.0.len(), 3, "{errors}");
    }

    #[test]
    fn more_than_200_items_are_refused_at_items() {
        let mut lines = String::new();
        for i in 1..=201 {
            lines.push_str(&format!(
                "        Item(code: \"x{i:03}\", text: \"Item {i}\", min: 0, max: 1, \
                 anchors: (\"0\", \"1\")),\n"
            ));
        }
        let src = format!("{DEMO_HEAD}    items: [\n{lines}    ],\n)\n");
        let e = fails_at(&src, "201 items", "items: [", 0);
        assert!(e.contains("at most 200"), "{e}");
    }

    #[test]
    fn syntax_errors_and_unknown_fields_name_their_line() {
        let src = demo_with(
            "    prompt: \"How is it?\",\n",
            "    prompt: \"How is it?\",\n    colour: \"red\",\n",
        );
        let errors = parse(Path::new("demo.ron"), &src).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        let e = &errors.0[0];
        assert_eq!(e.line, at(&src, "colour", 0).0, "{e}");
        assert!(e.message.contains("colour"), "{e}");

        // A value that does not fit its type (max is 0–255 before the check's 100).
        let src = demo_with("min: 1, max: 5", "min: 1, max: 300");
        let errors = parse(Path::new("demo.ron"), &src).unwrap_err();
        assert_eq!(errors.0[0].line, at(&src, "max: 300", 0).0, "{errors}");

        // A struct under the wrong name.
        let src = demo_with(r#"Score(name: "mean""#, r#"Scores(name: "mean""#);
        let errors = parse(Path::new("demo.ron"), &src).unwrap_err();
        assert_eq!(errors.0[0].line, at(&src, "Scores(", 0).0, "{errors}");
    }

    #[test]
    fn a_new_questionnaire_registers_is_found_and_scores() {
        let spec = parse(Path::new("demo.ron"), &demo()).unwrap();
        assert_eq!(Questionnaire::find("demo"), None);
        let q = Questionnaire::register(spec.clone()).unwrap();
        assert_eq!(Questionnaire::find("demo"), Some(q));
        assert!(Questionnaire::all().contains(&q));
        assert_eq!(q.code(), "demo");
        assert_eq!(q.title(), "Demo scale");
        assert_eq!(q.prompt(), "How is it?");
        assert_eq!(q.items()[2].anchors, ("1  low", "high  5"));
        assert!(q.is_reversed(1) && !q.is_reversed(0));
        // a 4; b reversed 0 + 4 − 1 = 3; c 2. sum = 2.0 × 9 = 18; mean of a, c = 3.
        assert_eq!(q.scores(&[4, 1, 2]), Ok(vec![("sum", 18.0), ("mean", 3.0)]));
        assert_eq!(
            q.scores(&[5, 0, 1]).unwrap_err(),
            "demo_a = 5 is outside 0–4"
        );
        assert_eq!(
            q.scores(&[0, 0, 0]).unwrap_err(),
            "demo_c = 0 is outside 1–5"
        );
        assert_eq!(q.scores(&[0, 0]).unwrap_err(), "2 answers, expected 3");

        // The same again gives the same handle; a different one under its code is refused.
        assert_eq!(Questionnaire::register(spec.clone()), Ok(q));
        let mut other = spec.clone();
        other.items[0].text = "Changed".into();
        let e = Questionnaire::register(other).unwrap_err();
        assert!(e.contains("'demo' is already used"), "{e}");

        // A spec made in code is checked too.
        let mut bad = spec;
        bad.code = "demo_bad".into();
        bad.scores[0].weight = f64::NAN;
        bad.scores[1].items.push("nope".into());
        let e = Questionnaire::register(bad).unwrap_err();
        assert!(
            e.contains("scores[0].weight: must be a finite number"),
            "{e}"
        );
        assert!(e.contains("unknown item 'nope'"), "{e}");
        assert_eq!(Questionnaire::find("demo_bad"), None);
    }

    #[test]
    fn the_readme_example_parses_and_scores_as_it_says() {
        let readme = include_str!("../../../../questionnaires/README.md");
        let start = readme
            .find("```ron\n")
            .expect("the README has a ```ron example")
            + 7;
        let len = readme[start..].find("```").expect("the example ends");
        let example = &readme[start..start + len];
        let mut spec = parse(Path::new("README.md"), example).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.code, "demo");
        // Another code, so as not to meet the tests' own "demo".
        spec.code = "readme_example".into();
        let q = Questionnaire::register(spec).unwrap();
        assert_eq!(
            q.scores(&[4, 1, 5]),
            Ok(vec![("calmness", 3.5), ("absence", 50.0)])
        );
    }

    #[test]
    fn a_folder_is_read_in_name_order_and_duplicate_codes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_dir(&dir.path().join("missing")), Ok(Vec::new()));
        std::fs::write(dir.path().join("b.ron"), demo()).unwrap();
        std::fs::write(dir.path().join("a.ron"), SHIPPED[0].1).unwrap();
        std::fs::write(dir.path().join("README.md"), "not a questionnaire").unwrap();
        let specs = load_dir(dir.path()).unwrap();
        let codes: Vec<&str> = specs.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["ssq", "demo"]);

        std::fs::write(dir.path().join("c.ron"), demo()).unwrap();
        std::fs::write(dir.path().join("d.ron"), demo_with("max: 4", "max: 400")).unwrap();
        let errors = load_dir(dir.path()).unwrap_err();
        assert_eq!(errors.0.len(), 2, "{errors}");
        let dup = &errors.0[0];
        assert!(dup.file.ends_with("c.ron"), "{dup}");
        assert_eq!((dup.line, dup.col), at(&demo(), r#""demo""#, 0), "{dup}");
        assert!(dup.message.contains("already used by"), "{dup}");
        assert!(dup.message.contains("b.ron"), "{dup}");
        assert!(errors.0[1].file.ends_with("d.ron"), "{errors}");
    }
}
