//! The data dictionary of every table the report writes: each column's meaning, unit,
//! allowed values and missing code, as `data_dictionary.tsv` (for programs) and Markdown
//! (for people). The table writers take their header lines from the same column lists
//! ([`Table::header`]), so a table and its dictionary cannot drift apart.
//!
//! For a multi-site study pooled in REDCap: [`redcap_dictionary_csv`] is a REDCap data
//! dictionary (upload it under Project Setup > Data Dictionary) and [`redcap_import_csv`]
//! turns a `sessions.tsv` into a REDCap import file. The participant is the record
//! (`record_id`, on a form of its own, `participant`); each session is one instance of the
//! `respite_session` instrument, numbered by its `session`. **`respite_session` must be set
//! as a repeating instrument in REDCap** (Project Setup > Enable optional modules >
//! Repeating instruments and events) before the import file is loaded; the dictionary's
//! field notes say so too.
//!
//! Only `std`: plain values in, text out.

use std::fmt::Write;

/// The missing-value code in every table (BIDS).
pub const MISSING: &str = "n/a";

/// What a column's cells may hold (besides [`MISSING`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowed {
    /// Free text (no tabs or line breaks: the writers turn them into spaces).
    Text,
    /// Letters and digits only, 1 to 32 of them (a BIDS label).
    Label,
    /// A whole number, written without a sign unless negative, at least `min`.
    Integer { min: i64, max: Option<i64> },
    /// A decimal number (digits, an optional `-` and decimal point; no exponent, no
    /// infinity or NaN).
    Number { min: Option<f64>, max: Option<f64> },
    /// One of these codes: (value, meaning).
    Choice(&'static [(&'static str, &'static str)]),
    /// `true` or `false`.
    Bool,
}

impl Allowed {
    /// The allowed values in words, as the dictionaries print them.
    pub fn describe(&self) -> String {
        match *self {
            Allowed::Text => "free text".into(),
            Allowed::Label => "letters and digits (1 to 32)".into(),
            Allowed::Integer { min, max: None } => format!("integer, at least {min}"),
            Allowed::Integer {
                min,
                max: Some(max),
            } => format!("integer {min} to {max}"),
            Allowed::Number {
                min: None,
                max: None,
            } => "number".into(),
            Allowed::Number {
                min: Some(min),
                max: None,
            } => format!("number, at least {min}"),
            Allowed::Number {
                min: None,
                max: Some(max),
            } => format!("number, at most {max}"),
            Allowed::Number {
                min: Some(min),
                max: Some(max),
            } => format!("number {min} to {max}"),
            Allowed::Choice(choices) => choices
                .iter()
                .map(|(v, m)| format!("{v} = {m}"))
                .collect::<Vec<_>>()
                .join("; "),
            Allowed::Bool => "true or false".into(),
        }
    }

    /// Whether `cell` (not [`MISSING`]) is allowed; the reason when not.
    pub fn check(&self, cell: &str) -> Result<(), String> {
        if cell.is_empty() {
            return Err(format!("an empty cell (a missing value is {MISSING})"));
        }
        if cell.contains(['\t', '\r', '\n']) {
            return Err("a tab or line break inside the cell".into());
        }
        match *self {
            Allowed::Text => Ok(()),
            Allowed::Label => {
                if is_label(cell) {
                    Ok(())
                } else {
                    Err(format!(
                        "`{cell}` is not a label (letters and digits only, 1 to 32)"
                    ))
                }
            }
            Allowed::Integer { min, max } => {
                let digits = cell.strip_prefix('-').unwrap_or(cell);
                let v = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    cell.parse::<i64>().ok()
                } else {
                    None
                };
                let Some(v) = v else {
                    return Err(format!("`{cell}` is not an integer"));
                };
                if v < min {
                    return Err(format!("{v} is below the least allowed, {min}"));
                }
                if let Some(max) = max
                    && v > max
                {
                    return Err(format!("{v} is above the most allowed, {max}"));
                }
                Ok(())
            }
            Allowed::Number { min, max } => {
                let Some(v) = decimal(cell) else {
                    return Err(format!("`{cell}` is not a decimal number"));
                };
                if let Some(min) = min
                    && v < min
                {
                    return Err(format!("{cell} is below the least allowed, {min}"));
                }
                if let Some(max) = max
                    && v > max
                {
                    return Err(format!("{cell} is above the most allowed, {max}"));
                }
                Ok(())
            }
            Allowed::Choice(choices) => {
                if choices.iter().any(|(v, _)| *v == cell) {
                    Ok(())
                } else {
                    let values: Vec<&str> = choices.iter().map(|(v, _)| *v).collect();
                    Err(format!("`{cell}` is not one of {}", values.join(", ")))
                }
            }
            Allowed::Bool => match cell {
                "true" | "false" => Ok(()),
                _ => Err(format!("`{cell}` is not true or false")),
            },
        }
    }
}

/// A BIDS label: letters and digits, 1 to 32 (the rule of `data::is_label`, kept here so
/// this file needs nothing else).
fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `-?digits(.digits)?` as a number; anything else (exponents, `inf`, `NaN`, `+1`, `.5`)
/// is not one.
fn decimal(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub name: &'static str,
    pub meaning: &'static str,
    /// "" when the column has no unit.
    pub unit: &'static str,
    pub allowed: Allowed,
}

/// One table the report writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Table {
    /// Its file name (`sessions.tsv`).
    pub file: &'static str,
    /// What one row is, and what the table is for.
    pub about: &'static str,
    pub columns: &'static [Column],
}

impl Table {
    /// The header line: the column names joined by tabs, then a newline.
    pub fn header(&self) -> String {
        let mut s = self.names().join("\t");
        s.push('\n');
        s
    }

    /// The column names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    /// The column of this name, if the table has it.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

// ---------------------------------------------------------------------------------------
// Columns shared by several tables (one definition, so they mean the same everywhere).

const NRS_0_10: Allowed = Allowed::Number {
    min: Some(0.0),
    max: Some(10.0),
};
const MINUTES: Allowed = Allowed::Number {
    min: Some(0.0),
    max: None,
};
const ANY_NUMBER: Allowed = Allowed::Number {
    min: None,
    max: None,
};
const NON_NEGATIVE: Allowed = Allowed::Number {
    min: Some(0.0),
    max: None,
};
const COUNT: Allowed = Allowed::Integer { min: 0, max: None };

const PARTICIPANT: Column = Column {
    name: "participant",
    meaning: "Participant ID: the BIDS subject label (without sub-), letters and digits",
    unit: "",
    allowed: Allowed::Label,
};
const SESSION: Column = Column {
    name: "session",
    meaning: "Session number of this participant (the BIDS ses- label), counting from 1",
    unit: "",
    allowed: Allowed::Integer { min: 1, max: None },
};
const CONDITION: Column = Column {
    name: "condition",
    meaning: "The condition: its name in the protocol (outside a study, the scene's name); \
              when the report is blinded, its mask X1, X2, ... (the key is kept in a separate \
              file)",
    unit: "",
    allowed: Allowed::Text,
};
const BASELINE_NRS: Column = Column {
    name: "baseline_nrs",
    meaning: "Pain intensity at baseline, rated just before the place on the 0-10 numeric \
              rating scale (0 = no pain, 10 = worst pain imaginable)",
    unit: "NRS points",
    allowed: NRS_0_10,
};
const MINUTES_TO_BASELINE: Column = Column {
    name: "minutes_to_baseline",
    meaning: "Minutes from the end of the place to the first follow-up rating within the \
              protocol's `within` points of baseline_nrs (time to return of pain, Moseley \
              2007); 0 if the post rating already was; n/a if no follow-up was asked or pain had not returned when it ended \
              (see back_to_baseline)",
    unit: "min",
    allowed: MINUTES,
};
const BACK_TO_BASELINE: Column = Column {
    name: "back_to_baseline",
    meaning: "true if a follow-up rating came back within the protocol's `within` points of \
              baseline_nrs; false if the follow-up ended first (time to return censored at \
              the last follow-up rating); n/a if no follow-up was asked or no baseline",
    unit: "",
    allowed: Allowed::Bool,
};
const MINUTES_TO_30PCT: Column = Column {
    name: "minutes_to_30pct",
    meaning: "Minutes from the start of the place to the first rating at least 30% below \
              baseline_nrs (IMMPACT moderate relief; in the place, the post rating or a \
              follow-up); n/a if no rating got there or \
              baseline_nrs is 0",
    unit: "min",
    allowed: MINUTES,
};
const MINUTES_TO_50PCT: Column = Column {
    name: "minutes_to_50pct",
    meaning: "Minutes from the start of the place to the first rating at least 50% below \
              baseline_nrs (IMMPACT substantial relief; in the place, the post rating or a \
              follow-up); n/a if no rating got there or \
              baseline_nrs is 0",
    unit: "min",
    allowed: MINUTES,
};
const AUC_CHANGE: Column = Column {
    name: "auc_change",
    meaning: "Area under the change-from-baseline curve (each rating minus baseline_nrs, \
              against minutes since the place began) by the trapezoidal rule, from the \
              start of the place (change 0) through the ratings in the place, the post \
              rating and the follow-ups to the last rating; negative = relief, 0 = no change on average",
    unit: "NRS points x min",
    allowed: ANY_NUMBER,
};

// ---------------------------------------------------------------------------------------
// sessions.tsv

// `masked` first in every list a blinded report masks: its REDCap code is then 1 in blinded
// and unblinded files alike, so both can be pooled in one project.
const DISPLAYS: &[(&str, &str)] = &[
    ("masked", "hidden by the assessor blinding"),
    ("headset", "the VR head-mounted display (3D, head-tracked)"),
    ("screen", "the desktop screen (2D), same content"),
];

const IMMPACT: &[(&str, &str)] = &[
    (
        "substantial",
        "pain fell by 50% or more (change_pct <= -50)",
    ),
    (
        "moderate",
        "pain fell by 30% to under 50% (-50 < change_pct <= -30)",
    ),
    (
        "minimal",
        "pain fell by less than 30% (-30 < change_pct < 0)",
    ),
    (
        "none",
        "pain did not fall (change_pct >= 0, or baseline_nrs 0)",
    ),
];

const STATUSES: &[(&str, &str)] = &[
    (
        "completed",
        "ran to its end and closed with a hash manifest",
    ),
    (
        "stopped",
        "ended early (emergency stop, end button or time limit): the reason is in note",
    ),
    (
        "incomplete",
        "no end on record (the process died): kept as written, in no summary",
    ),
];

const fn ssq(name: &'static str, meaning: &'static str, max: f64) -> Column {
    Column {
        name,
        meaning,
        unit: "",
        allowed: Allowed::Number {
            min: Some(0.0),
            max: Some(max),
        },
    }
}

const fn ipq(name: &'static str, meaning: &'static str) -> Column {
    Column {
        name,
        meaning,
        unit: "",
        allowed: Allowed::Number {
            min: Some(0.0),
            max: Some(6.0),
        },
    }
}

/// Largest SSQ scores (every item 3: each cluster's raw sum 21).
const SSQ_TOTAL_MAX: f64 = 235.62;
const SSQ_NAUSEA_MAX: f64 = 200.34;
const SSQ_OCULOMOTOR_MAX: f64 = 159.18;
const SSQ_DISORIENTATION_MAX: f64 = 292.32;

const SESSION_COLUMNS: &[Column] = &[
    PARTICIPANT,
    SESSION,
    Column {
        name: "period",
        meaning: "Period of the cross-over: the place of this condition in the \
                  participant's sequence, counting from 1",
        unit: "",
        allowed: Allowed::Integer { min: 1, max: None },
    },
    Column {
        name: "sequence",
        meaning: "The participant's order of conditions, one letter per period: A, B, ... \
                  name the protocol's conditions in the order the protocol lists them (BA = \
                  the second condition first); when blinded, the masks in period order \
                  (e.g. X2X1)",
        unit: "",
        allowed: Allowed::Text,
    },
    CONDITION,
    Column {
        name: "display",
        meaning: "Where the condition was shown",
        unit: "",
        allowed: Allowed::Choice(DISPLAYS),
    },
    Column {
        name: "sound_level",
        meaning: "How loud the soundscape played: fixed (at the scene's set level), or \
                  above_ambient_+<dB>dB (that many dB above the room's measured noise, e.g. \
                  above_ambient_+5.0dB); masked when blinded",
        unit: "",
        allowed: Allowed::Text,
    },
    BASELINE_NRS,
    Column {
        name: "during_nrs",
        meaning: "Mean of the pain ratings (0-10 NRS) given in the place",
        unit: "NRS points",
        allowed: NRS_0_10,
    },
    Column {
        name: "post_nrs",
        meaning: "Pain intensity (0-10 NRS) rated right after the place",
        unit: "NRS points",
        allowed: NRS_0_10,
    },
    Column {
        name: "change",
        meaning: "post_nrs - baseline_nrs; negative = less pain",
        unit: "NRS points",
        allowed: Allowed::Number {
            min: Some(-10.0),
            max: Some(10.0),
        },
    },
    Column {
        name: "change_pct",
        meaning: "100 x change / baseline_nrs; negative = less pain; n/a when baseline_nrs \
                  is 0",
        unit: "%",
        allowed: Allowed::Number {
            min: Some(-100.0),
            max: None,
        },
    },
    Column {
        name: "immpact",
        meaning: "Clinical importance of the change in pain by the IMMPACT thresholds \
                  (Dworkin et al. 2005, Pain 113:9)",
        unit: "",
        allowed: Allowed::Choice(IMMPACT),
    },
    ssq(
        "ssq_pre_total",
        "Simulator Sickness Questionnaire (Kennedy et al. 1993) before the place: total \
         score, (N + O + D raw sums) x 3.74",
        SSQ_TOTAL_MAX,
    ),
    ssq(
        "ssq_pre_nausea",
        "SSQ before the place: nausea, raw sum of items 1 6 7 8 9 15 16 x 9.54",
        SSQ_NAUSEA_MAX,
    ),
    ssq(
        "ssq_pre_oculomotor",
        "SSQ before the place: oculomotor, raw sum of items 1 2 3 4 5 9 11 x 7.58",
        SSQ_OCULOMOTOR_MAX,
    ),
    ssq(
        "ssq_pre_disorientation",
        "SSQ before the place: disorientation, raw sum of items 5 8 10 11 12 13 14 x 13.92",
        SSQ_DISORIENTATION_MAX,
    ),
    ssq(
        "ssq_post_total",
        "SSQ after the place: total score, (N + O + D raw sums) x 3.74",
        SSQ_TOTAL_MAX,
    ),
    ssq(
        "ssq_post_nausea",
        "SSQ after the place: nausea, raw sum of items 1 6 7 8 9 15 16 x 9.54",
        SSQ_NAUSEA_MAX,
    ),
    ssq(
        "ssq_post_oculomotor",
        "SSQ after the place: oculomotor, raw sum of items 1 2 3 4 5 9 11 x 7.58",
        SSQ_OCULOMOTOR_MAX,
    ),
    ssq(
        "ssq_post_disorientation",
        "SSQ after the place: disorientation, raw sum of items 5 8 10 11 12 13 14 x 13.92",
        SSQ_DISORIENTATION_MAX,
    ),
    ipq(
        "ipq_general",
        "igroup Presence Questionnaire after the place: general presence, item G1 (items \
         answered 0-6)",
    ),
    ipq(
        "ipq_spatial",
        "IPQ spatial presence: mean of items SP1-SP5 (SP2 reverse-keyed)",
    ),
    ipq(
        "ipq_involvement",
        "IPQ involvement: mean of items INV1-INV4 (INV3 reverse-keyed)",
    ),
    ipq(
        "ipq_realism",
        "IPQ experienced realism: mean of items REAL1-REAL4 (REAL1 reverse-keyed)",
    ),
    Column {
        name: "fms_peak",
        meaning: "Highest Fast Motion sickness Scale rating in the place (Keshavarz & Hecht \
                  2011; 0 = no sickness at all, 20 = frank sickness)",
        unit: "FMS points",
        allowed: Allowed::Integer {
            min: 0,
            max: Some(20),
        },
    },
    MINUTES_TO_BASELINE,
    BACK_TO_BASELINE,
    MINUTES_TO_30PCT,
    MINUTES_TO_50PCT,
    AUC_CHANGE,
    Column {
        name: "breath_minutes",
        meaning: "Minutes in the place with the patient's breath listened to (run with \
                  --breath; the last minute counts as far as it went); n/a without --breath",
        unit: "min",
        allowed: Allowed::Integer { min: 0, max: None },
    },
    Column {
        name: "breath_rate",
        meaning: "Mean of the per-minute breath rates heard in the place (each the rate over \
                  the minute before, from the times between breaths out); n/a if no rate \
                  was heard",
        unit: "breaths/min",
        allowed: ANY_NUMBER,
    },
    Column {
        name: "breath_off_pacer",
        meaning: "Mean distance, either way, of the per-minute breath rate from the \
                  breathing pacer's rate over the minutes the pacer was on (0 = breathing \
                  with the pacer); n/a if the pacer was never on with a rate heard",
        unit: "breaths/min",
        allowed: ANY_NUMBER,
    },
    Column {
        name: "status",
        meaning: "How the session ended",
        unit: "",
        allowed: Allowed::Choice(STATUSES),
    },
    Column {
        name: "manifest",
        meaning: "Hash manifest check of the session folder: verified (every file matches; \
                  report --verify, or a BIDS export with motion), ok (every file matches but \
                  the per-frame recordings motion.tsv and frames.tsv, which were found and not \
                  re-read), none (no manifest was written), or changed:<files> (these files, \
                  separated by commas, no longer match it or are gone)",
        unit: "",
        allowed: Allowed::Text,
    },
    Column {
        name: "note",
        meaning: "Why the session stopped or is incomplete, and how many reading notes \
                  report.md lists for it, separated by '; '; n/a if none",
        unit: "",
        allowed: Allowed::Text,
    },
];

/// `sessions.tsv`: one row per session.
pub const SESSIONS: Table = Table {
    file: "sessions.tsv",
    about: "One row per session: one participant in one condition (one period of the \
            cross-over). Condition, display, sequence and sound level are masked when the \
            report is blinded. Stopped and incomplete sessions are listed too; summaries use \
            completed sessions only.",
    columns: SESSION_COLUMNS,
};

// ---------------------------------------------------------------------------------------
// conditions.tsv

const CONDITION_OUTCOMES: &[(&str, &str)] = &[
    (
        "baseline_nrs",
        "pain at baseline, NRS points (as in sessions.tsv)",
    ),
    ("during_nrs", "mean pain in the place, NRS points"),
    ("post_nrs", "pain right after the place, NRS points"),
    ("change", "post_nrs - baseline_nrs, NRS points"),
    ("change_pct", "100 x change / baseline_nrs, %"),
    ("ssq_pre_total", "SSQ total score before the place"),
    ("ssq_post_total", "SSQ total score after the place"),
    ("ssq_post_nausea", "SSQ nausea score after the place"),
    (
        "ssq_post_oculomotor",
        "SSQ oculomotor score after the place",
    ),
    (
        "ssq_post_disorientation",
        "SSQ disorientation score after the place",
    ),
    ("ipq_general", "IPQ general presence, 0-6"),
    ("ipq_spatial", "IPQ spatial presence, 0-6"),
    ("ipq_involvement", "IPQ involvement, 0-6"),
    ("ipq_realism", "IPQ experienced realism, 0-6"),
    (
        "minutes_to_30pct",
        "minutes from the start of the place to the first rating 30% or more below baseline, min",
    ),
    (
        "minutes_to_50pct",
        "minutes from the start of the place to the first rating 50% or more below baseline, min",
    ),
    (
        "auc_change",
        "area under the change-from-baseline curve, NRS points x min",
    ),
    (
        "minutes_to_baseline",
        "minutes until pain was back at baseline, min (sessions where it came back, report.md \
         gives the Kaplan-Meier median, which counts those never back too)",
    ),
];

const CI_LOW: Column = Column {
    name: "ci_low",
    meaning: "Lower end of the t-based 95% confidence interval of the mean: mean - \
              t(0.975, n - 1) x sd / sqrt(n); n/a when n < 2",
    unit: "as the outcome",
    allowed: ANY_NUMBER,
};
const CI_HIGH: Column = Column {
    name: "ci_high",
    meaning: "Upper end of the t-based 95% confidence interval of the mean: mean + \
              t(0.975, n - 1) x sd / sqrt(n); n/a when n < 2",
    unit: "as the outcome",
    allowed: ANY_NUMBER,
};

/// `conditions.tsv`: per condition and outcome, over completed sessions.
pub const CONDITIONS: Table = Table {
    file: "conditions.tsv",
    about: "One row per condition and outcome: the outcome summarised over the completed \
            sessions of the condition that have it (sessions where it is n/a are left out).",
    columns: &[
        CONDITION,
        Column {
            name: "outcome",
            meaning: "The sessions.tsv column summarised",
            unit: "",
            allowed: Allowed::Choice(CONDITION_OUTCOMES),
        },
        Column {
            name: "n",
            meaning: "Number of completed sessions of the condition with a value of the \
                      outcome",
            unit: "sessions",
            allowed: COUNT,
        },
        Column {
            name: "mean",
            meaning: "Mean of the outcome over those sessions; n/a when n is 0",
            unit: "as the outcome",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "sd",
            meaning: "Sample standard deviation (n - 1 denominator); n/a when n < 2",
            unit: "as the outcome",
            allowed: NON_NEGATIVE,
        },
        CI_LOW,
        CI_HIGH,
    ],
};

// ---------------------------------------------------------------------------------------
// contrasts.tsv

const CONTRAST_OUTCOMES: &[(&str, &str)] = &[
    ("post_nrs", "pain right after the place, NRS points"),
    ("change", "post_nrs - baseline_nrs, NRS points"),
];

const METHODS: &[(&str, &str)] = &[
    (
        "paired",
        "mean of the paired differences (first - second) over participants with both \
         conditions completed",
    ),
    (
        "crossover_treatment",
        "Hills-Armitage period-adjusted treatment effect of a 2x2 cross-over: with d = \
         (period 1 - period 2) / 2 per participant, mean d(AB) - mean d(BA), tested by a \
         two-sample t on the d's",
    ),
    (
        "crossover_period",
        "Hills-Armitage period effect, period 1 - period 2: mean d(AB) + mean d(BA)",
    ),
    (
        "crossover_carryover",
        "Hills-Armitage carry-over check: mean participant total (period 1 + period 2) in \
         sequence AB minus that in sequence BA, tested by a two-sample t on the totals",
    ),
];

/// `contrasts.tsv`: between-condition contrasts.
pub const CONTRASTS: Table = Table {
    file: "contrasts.tsv",
    about: "One row per outcome, contrast and method: the difference between two conditions \
            (paired per participant) and, for a 2x2 cross-over, the Hills-Armitage \
            treatment, period and carry-over estimates (Hills & Armitage 1979), from \
            completed sessions.",
    columns: &[
        Column {
            name: "outcome",
            meaning: "The sessions.tsv column compared",
            unit: "",
            allowed: Allowed::Choice(CONTRAST_OUTCOMES),
        },
        Column {
            name: "contrast",
            meaning: "The two conditions, first minus second, as 'first − second' \
                      (condition names, or masks when blinded: a − b, X1 − X2; the \
                      minus sign is U+2212)",
            unit: "",
            allowed: Allowed::Text,
        },
        Column {
            name: "method",
            meaning: "How the estimate was made",
            unit: "",
            allowed: Allowed::Choice(METHODS),
        },
        Column {
            name: "n",
            meaning: "Participants in the analysis (pairs for paired; n_AB + n_BA for the \
                      cross-over methods)",
            unit: "participants",
            allowed: COUNT,
        },
        Column {
            name: "estimate",
            meaning: "The estimated difference (see method)",
            unit: "NRS points",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "se",
            meaning: "Standard error of the estimate",
            unit: "NRS points",
            allowed: NON_NEGATIVE,
        },
        Column {
            name: "df",
            meaning: "Degrees of freedom of the t reference distribution: n - 1 for \
                      paired, n_AB + n_BA - 2 for the cross-over methods",
            unit: "",
            allowed: NON_NEGATIVE,
        },
        Column {
            name: "ci_low",
            meaning: "Lower end of the 95% confidence interval: estimate - t(0.975, df) x se",
            unit: "NRS points",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "ci_high",
            meaning: "Upper end of the 95% confidence interval: estimate + t(0.975, df) x se",
            unit: "NRS points",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "t",
            meaning: "t statistic: estimate / se",
            unit: "",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "p",
            meaning: "Two-sided p-value of t on df degrees of freedom",
            unit: "",
            allowed: Allowed::Number {
                min: Some(0.0),
                max: Some(1.0),
            },
        },
    ],
};

// ---------------------------------------------------------------------------------------
// timecourse.tsv

/// `timecourse.tsv`: per participant × condition, how fast and how long pain fell.
pub const TIMECOURSE: Table = Table {
    file: "timecourse.tsv",
    about: "One row per session (participant x condition): how fast pain fell in the place \
            and how long the relief lasted after it (Moseley 2007 time course). Same \
            definitions as the columns of the same names in sessions.tsv.",
    columns: &[
        PARTICIPANT,
        SESSION,
        CONDITION,
        BASELINE_NRS,
        MINUTES_TO_30PCT,
        MINUTES_TO_50PCT,
        MINUTES_TO_BASELINE,
        BACK_TO_BASELINE,
        Column {
            name: "last_followup_min",
            meaning: "Minutes from the end of the place to the last follow-up rating (where \
                      a censored time to return of pain stops); n/a if no follow-up was \
                      asked",
            unit: "min",
            allowed: MINUTES,
        },
        AUC_CHANGE,
    ],
};

// ---------------------------------------------------------------------------------------
// nrs_by_minute.tsv

const PHASES: &[(&str, &str)] = &[
    ("before", "the baseline rating, before the place"),
    ("during", "ratings in the place"),
    (
        "after",
        "ratings after the place ended (post and follow-up)",
    ),
];

const MINUTE: Column = Column {
    name: "minute",
    meaning: "Minutes since the place began (during) or since it ended (after); 0 for before",
    unit: "min",
    allowed: MINUTES,
};

/// `nrs_by_minute.tsv`: mean pain by phase and minute per condition.
pub const NRS_BY_MINUTE: Table = Table {
    file: "nrs_by_minute.tsv",
    about: "One row per condition, phase and minute: the pain ratings (0-10 NRS) of the \
            completed sessions at that time, summarised (the time-course plot).",
    columns: &[
        CONDITION,
        Column {
            name: "phase",
            meaning: "Part of the session",
            unit: "",
            allowed: Allowed::Choice(PHASES),
        },
        MINUTE,
        Column {
            name: "n",
            meaning: "Number of ratings summarised (at most one per session); after the \
                      place, a session whose follow-up stopped because pain was back near \
                      baseline counts at that last rating at the later follow-up minutes (up \
                      to its max_min)",
            unit: "ratings",
            allowed: COUNT,
        },
        Column {
            name: "mean",
            meaning: "Mean pain rating; n/a when n is 0",
            unit: "NRS points",
            allowed: NRS_0_10,
        },
        Column {
            name: "sd",
            meaning: "Sample standard deviation (n - 1 denominator); n/a when n < 2",
            unit: "NRS points",
            allowed: NON_NEGATIVE,
        },
        Column {
            unit: "NRS points",
            ..CI_LOW
        },
        Column {
            unit: "NRS points",
            ..CI_HIGH
        },
    ],
};

// ---------------------------------------------------------------------------------------
// ratings.tsv

const RATING_PHASES: &[(&str, &str)] = &[
    ("before", "before the place (pre, baseline)"),
    ("during", "in the place (minute_<m>)"),
    ("after", "after the place (post, after_<m>)"),
    ("washout", "a pain check in the washout between conditions"),
    ("other", "asked by the therapist or in the attention task"),
];

const WHO: &[(&str, &str)] = &[
    ("patient", "the participant entered it"),
    (
        "therapist",
        "the therapist entered what the participant said",
    ),
    ("masked", "hidden by the assessor blinding"),
];

const VIA: &[(&str, &str)] = &[
    ("masked", "hidden by the assessor blinding"),
    ("gaze", "by looking at a button (dwell)"),
    ("keys", "on the keyboard"),
    ("mouse", "with the mouse"),
    ("controller", "with a hand controller"),
    ("console", "on the therapist's console"),
];

const TIMEPOINT: Column = Column {
    name: "timepoint",
    meaning: "When it was asked: baseline (before the place), pre (questionnaires before \
              the baseline), minute_<m> (m minutes into the place), post (right after the \
              place), after_<m> (follow-up m minutes after the place), washout_<n> (n-th \
              pain check of a washout), asked_<n> (n-th rating asked by the therapist), \
              task_<n> (n-th round of the attention task)",
    unit: "",
    allowed: Allowed::Text,
};

/// `ratings.tsv`: every answer, long.
pub const RATINGS: Table = Table {
    file: "ratings.tsv",
    about: "One row per answer given (long format), as recorded in the session; answers \
            outside their scale are left out and listed in report.md.",
    columns: &[
        PARTICIPANT,
        SESSION,
        CONDITION,
        TIMEPOINT,
        Column {
            name: "phase",
            meaning: "Part of the session the answer belongs to",
            unit: "",
            allowed: Allowed::Choice(RATING_PHASES),
        },
        Column {
            meaning: "Minutes since the place began (during) or since it ended (after, \
                      washout); 0 for before; n/a for other",
            ..MINUTE
        },
        Column {
            name: "scale",
            meaning: "What was asked: nrs (pain 0-10), fms (sickness 0-20), ssq or ipq (a \
                      questionnaire item), yes_no, count, or another questionnaire's code",
            unit: "",
            allowed: Allowed::Text,
        },
        Column {
            name: "item",
            meaning: "The item: a questionnaire item's code (ssq01-ssq16, ipq_g1 ... \
                      ipq_real4), or the scale's code for a one-question scale",
            unit: "",
            allowed: Allowed::Text,
        },
        Column {
            name: "value",
            meaning: "The answer on the scale's own range; n/a if skipped",
            unit: "scale points",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "by",
            meaning: "Who entered the answer",
            unit: "",
            allowed: Allowed::Choice(WHO),
        },
        Column {
            name: "via",
            meaning: "How the answer was entered",
            unit: "",
            allowed: Allowed::Choice(VIA),
        },
        Column {
            name: "latency_s",
            meaning: "Seconds from the question appearing to the answer",
            unit: "s",
            allowed: NON_NEGATIVE,
        },
        Column {
            name: "onset_s",
            meaning: "Seconds from the start of the session record to the answer",
            unit: "s",
            allowed: NON_NEGATIVE,
        },
    ],
};

// ---------------------------------------------------------------------------------------
// scores.tsv

/// `scores.tsv`: every questionnaire score, long.
pub const SCORES: Table = Table {
    file: "scores.tsv",
    about: "One row per questionnaire score (long format), computed from the raw items in \
            ratings.tsv by the scoring version named in the row.",
    columns: &[
        PARTICIPANT,
        SESSION,
        CONDITION,
        Column {
            name: "questionnaire",
            meaning: "The questionnaire: ssq, ipq, or another questionnaire's code",
            unit: "",
            allowed: Allowed::Text,
        },
        Column {
            meaning: "When the questionnaire was asked (pre, post, ...: as in ratings.tsv)",
            ..TIMEPOINT
        },
        Column {
            name: "score",
            meaning: "The score: for ssq total, nausea, oculomotor, disorientation; for ipq \
                      general, spatial, involvement, realism",
            unit: "",
            allowed: Allowed::Text,
        },
        Column {
            name: "value",
            meaning: "The score's value (ranges as in sessions.tsv: SSQ total 0-235.62, \
                      nausea 0-200.34, oculomotor 0-159.18, disorientation 0-292.32; IPQ 0-6)",
            unit: "",
            allowed: ANY_NUMBER,
        },
        Column {
            name: "version",
            meaning: "The scoring rules' version (e.g. respite-scoring-1): scores compare \
                      only within one version",
            unit: "",
            allowed: Allowed::Text,
        },
    ],
};

/// Every table the report writes, in the order the dictionary lists them.
pub const TABLES: [&Table; 7] = [
    &SESSIONS,
    &CONDITIONS,
    &CONTRASTS,
    &TIMECOURSE,
    &NRS_BY_MINUTE,
    &RATINGS,
    &SCORES,
];

// ---------------------------------------------------------------------------------------
// Blinded dictionaries.

/// Columns a blinded report masks: what they would hold tells the conditions apart.
pub const MASKED_COLUMNS: [&str; 5] = ["display", "sound_level", "via", "latency_s", "onset_s"];

const MASKED_ONLY: &[(&str, &str)] = &[("masked", "hidden by the assessor blinding")];

/// A column as a blinded report's dictionary describes it: a masked column allows only
/// `masked` and names none of the values it hides.
pub fn shown(c: &Column, blinded: bool) -> Column {
    if blinded && MASKED_COLUMNS.contains(&c.name) {
        Column {
            meaning: "Masked (or n/a) for the blinded assessment: it would tell the conditions \
                      apart",
            unit: "",
            // A choice keeps its kind (REDCap: a dropdown, `masked` coded 1 in both); text
            // stays text.
            allowed: match c.allowed {
                Allowed::Choice(_) => Allowed::Choice(MASKED_ONLY),
                other => other,
            },
            ..*c
        }
    } else {
        *c
    }
}

// ---------------------------------------------------------------------------------------
// The dictionaries.

/// `data_dictionary.tsv`: table, column, meaning, unit, allowed, missing: one row per
/// column of every table. A column without a unit has `n/a` there.
pub fn dictionary_tsv(tables: &[&Table], blinded: bool) -> String {
    let mut s = String::from("table\tcolumn\tmeaning\tunit\tallowed\tmissing\n");
    for t in tables {
        for c in t.columns.iter().map(|c| shown(c, blinded)) {
            let unit = if c.unit.is_empty() { MISSING } else { c.unit };
            writeln!(
                s,
                "{}\t{}\t{}\t{unit}\t{}\t{MISSING}",
                t.file,
                c.name,
                tsv_cell(c.meaning),
                tsv_cell(&c.allowed.describe()),
            )
            .unwrap();
        }
    }
    s
}

fn tsv_cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// The dictionary as Markdown: one section per table, one table row per column.
pub fn dictionary_md(tables: &[&Table], blinded: bool) -> String {
    let mut s = format!(
        "# Data dictionary\n\nEvery table is tab-separated text (UTF-8) with a header line; \
         a missing value is `{MISSING}` in every column.\n"
    );
    for t in tables {
        write!(
            s,
            "\n## {}\n\n{}\n\n| column | meaning | unit | allowed | missing |\n\
             |---|---|---|---|---|\n",
            t.file, t.about
        )
        .unwrap();
        for c in t.columns.iter().map(|c| shown(c, blinded)) {
            writeln!(
                s,
                "| `{}` | {} | {} | {} | `{MISSING}` |",
                c.name,
                md_cell(c.meaning),
                md_cell(c.unit),
                md_cell(&c.allowed.describe()),
            )
            .unwrap();
        }
    }
    s
}

fn md_cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

// ---------------------------------------------------------------------------------------
// REDCap

/// The repeating instrument made from [`SESSIONS`].
pub const REDCAP_INSTRUMENT: &str = "respite_session";
/// The form holding `record_id` (the participant), not repeating.
pub const REDCAP_RECORD_FORM: &str = "participant";
/// The record ID field: the participant's label.
pub const REDCAP_RECORD_ID: &str = "record_id";

/// REDCap's data dictionary columns, in its order and spelling.
pub const REDCAP_HEADER: [&str; 18] = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
];

/// SESSIONS columns whose name is not a good REDCap variable name: (column, REDCap name).
/// Empty today: every SESSIONS name is lowercase letters, digits and underscores, starts
/// with a letter, has at most 26 characters and is none of REDCap's reserved names (a test
/// checks it). A column added later that breaks a rule gets its REDCap name here.
pub const REDCAP_RENAMES: &[(&str, &str)] = &[];

/// Names REDCap keeps for itself or refuses as field names (its internal fields and the
/// JavaScript words it bans), besides any name starting with `redcap_`.
const REDCAP_RESERVED: &[&str] = &[
    "record_id_complete",
    "hidden_edit_flag",
    "submit",
    "new",
    "return",
    "continue",
    "case",
    "switch",
    "class",
    "enum",
    "catch",
    "throw",
    "document",
    "super",
    "focus",
    "elements",
];

/// The REDCap variable name of a SESSIONS column.
pub fn redcap_name(column: &'static str) -> &'static str {
    REDCAP_RENAMES
        .iter()
        .find(|(c, _)| *c == column)
        .map_or(column, |(_, r)| *r)
}

/// A good REDCap variable name: lowercase letters, digits and underscores, starting with a
/// letter, at most 26 characters, not ending in `_complete` (REDCap's form status fields),
/// no `___` (its checkbox columns), not reserved.
pub fn is_redcap_name(name: &str) -> bool {
    name.len() <= 26
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with("_complete")
        && !name.contains("___")
        && !name.starts_with("redcap_")
        && !REDCAP_RESERVED.contains(&name)
}

/// One CSV cell, quoted as RFC 4180 asks: when it holds a comma, a quote, CR or LF, with
/// its quotes doubled.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_line(out: &mut String, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// `1, completed | 2, stopped | 3, incomplete`: REDCap's choices, coded 1..n.
fn redcap_choices(choices: &[(&str, &str)]) -> String {
    choices
        .iter()
        .enumerate()
        .map(|(i, (v, _))| format!("{}, {v}", i + 1))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn fmt_bound(v: f64) -> String {
    format!("{v}")
}

/// The REDCap data dictionary (CSV, REDCap's 18 columns) of the `respite_session`
/// instrument made from [`SESSIONS`], after `record_id` (the participant) on the
/// `participant` form. Integer → text validated as integer, Number → text validated as
/// number (with their bounds), Choice → dropdown coded 1..n, Bool → yesno, Text and Label
/// → text. **Set `respite_session` as a repeating instrument** in REDCap: each session is
/// one instance, numbered by `session`.
pub fn redcap_dictionary_csv(blinded: bool) -> String {
    let mut s = String::new();
    let header: Vec<String> = REDCAP_HEADER.iter().map(|h| h.to_string()).collect();
    csv_line(&mut s, &header);
    let mut record = vec![String::new(); 18];
    record[0] = REDCAP_RECORD_ID.into();
    record[1] = REDCAP_RECORD_FORM.into();
    record[3] = "text".into();
    record[4] = "Participant ID (the BIDS subject label: letters and digits)".into();
    record[6] = format!(
        "The record is the participant. Set {REDCAP_INSTRUMENT} as a repeating instrument: \
         one instance per session, numbered by session"
    );
    csv_line(&mut s, &record);
    for c in SESSIONS.columns.iter().map(|c| shown(c, blinded)) {
        let mut row = vec![String::new(); 18];
        row[0] = redcap_name(c.name).into();
        row[1] = REDCAP_INSTRUMENT.into();
        let (kind, choices, validation, min, max) = match c.allowed {
            Allowed::Text | Allowed::Label => ("text", String::new(), "", None, None),
            Allowed::Integer { min, max } => (
                "text",
                String::new(),
                "integer",
                Some(min.to_string()),
                max.map(|m| m.to_string()),
            ),
            Allowed::Number { min, max } => (
                "text",
                String::new(),
                "number",
                min.map(fmt_bound),
                max.map(fmt_bound),
            ),
            Allowed::Choice(choices) => ("dropdown", redcap_choices(choices), "", None, None),
            Allowed::Bool => ("yesno", String::new(), "", None, None),
        };
        row[3] = kind.into();
        row[4] = c.meaning.into();
        row[5] = choices;
        let mut note: Vec<String> = Vec::new();
        if !c.unit.is_empty() {
            note.push(format!("Unit: {}", c.unit));
        }
        if let Allowed::Choice(choices) = c.allowed {
            note.push(
                choices
                    .iter()
                    .map(|(v, m)| format!("{v}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        if c.name == "session" {
            note.push(format!(
                "Also the repeat instance (redcap_repeat_instance) of {REDCAP_INSTRUMENT}, \
                 which must be set as a repeating instrument"
            ));
        }
        if c.name == "participant" {
            note.push("The same as record_id".into());
        }
        row[6] = note.join(". ");
        row[7] = validation.into();
        row[8] = min.unwrap_or_default();
        row[9] = max.unwrap_or_default();
        row[17] = format!("sessions.tsv column {}", c.name);
        csv_line(&mut s, &row);
    }
    s
}

/// A REDCap import CSV from a `sessions.tsv` written with [`SESSIONS`]'s header: columns
/// `record_id` (the participant), `redcap_repeat_instrument` (`respite_session`),
/// `redcap_repeat_instance` (the session), then every SESSIONS column under its REDCap
/// name. `n/a` becomes an empty cell, a Choice value its code (1..n, as in
/// [`redcap_dictionary_csv`]), true/false 1/0; cells are quoted per RFC 4180.
///
/// Refused, naming `sessions.tsv:line:column`, with nothing written: a header that is not
/// SESSIONS's, a row with the wrong number of cells, a cell its column does not allow, a
/// missing participant or session, and a participant's session given twice.
pub fn redcap_import_csv(sessions_tsv: &str, blinded: bool) -> Result<String, String> {
    let at = |line: usize, col: usize, what: &str| format!("sessions.tsv:{line}:{col}: {what}");
    let mut lines = sessions_tsv.lines();
    let Some(header) = lines.next() else {
        return Err(at(1, 1, "empty: no header line"));
    };
    let want = SESSIONS.names();
    let got: Vec<&str> = header.split('\t').collect();
    for i in 0..want.len().max(got.len()) {
        match (want.get(i), got.get(i)) {
            (Some(w), Some(g)) if w == g => {}
            (Some(w), Some(g)) => {
                return Err(at(
                    1,
                    i + 1,
                    &format!("the header has `{g}` where sessions.tsv has `{w}`"),
                ));
            }
            (Some(w), None) => {
                return Err(at(1, i + 1, &format!("the header ends before `{w}`")));
            }
            (None, Some(g)) => {
                return Err(at(
                    1,
                    i + 1,
                    &format!("the header has `{g}` after sessions.tsv's last column"),
                ));
            }
            (None, None) => unreachable!(),
        }
    }

    let mut out = String::new();
    let mut head: Vec<String> = vec![
        REDCAP_RECORD_ID.into(),
        "redcap_repeat_instrument".into(),
        "redcap_repeat_instance".into(),
    ];
    head.extend(
        SESSIONS
            .columns
            .iter()
            .map(|c| redcap_name(c.name).to_string()),
    );
    csv_line(&mut out, &head);

    let n = SESSIONS.columns.len();
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for (i, line) in lines.enumerate() {
        let ln = i + 2;
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != n {
            let col = cells.len().min(n) + 1;
            return Err(at(
                ln,
                col,
                &format!("{} cells where the header has {n}", cells.len()),
            ));
        }
        let mut row: Vec<String> = Vec::with_capacity(n + 3);
        let mut fields: Vec<String> = Vec::with_capacity(n);
        for (j, (cell, c)) in cells
            .iter()
            .zip(SESSIONS.columns.iter().map(|c| shown(c, blinded)))
            .enumerate()
        {
            let col = j + 1;
            if *cell == MISSING {
                if c.name == "participant" || c.name == "session" {
                    return Err(at(
                        ln,
                        col,
                        &format!("{}: n/a, but REDCap needs it for the record", c.name),
                    ));
                }
                fields.push(String::new());
                continue;
            }
            c.allowed
                .check(cell)
                .map_err(|e| at(ln, col, &format!("{}: {e}", c.name)))?;
            fields.push(match c.allowed {
                Allowed::Choice(choices) => {
                    let k = choices.iter().position(|(v, _)| v == cell).unwrap_or(0);
                    (k + 1).to_string()
                }
                Allowed::Bool => if *cell == "true" { "1" } else { "0" }.to_string(),
                _ => cell.to_string(),
            });
        }
        let (participant, session) = (cells[0].to_string(), cells[1].to_string());
        if let Some((_, _, first)) = seen
            .iter()
            .find(|(p, s, _)| *p == participant && *s == session)
        {
            return Err(at(
                ln,
                2,
                &format!("participant {participant} session {session} is already on line {first}"),
            ));
        }
        seen.push((participant.clone(), session.clone(), ln));
        row.push(participant);
        row.push(REDCAP_INSTRUMENT.into());
        row.push(session);
        row.extend(fields);
        csv_line(&mut out, &row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RFC 4180 reader: records of fields; quotes may hold commas, quotes (doubled) and
    /// line breaks.
    fn read_csv(s: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = s.chars().peekable();
        while let Some(ch) = chars.next() {
            if quoted {
                match ch {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    _ => field.push(ch),
                }
            } else {
                match ch {
                    '"' => {
                        assert!(field.is_empty(), "a quote inside an unquoted field: {s}");
                        quoted = true;
                    }
                    ',' => record.push(std::mem::take(&mut field)),
                    '\r' if chars.peek() == Some(&'\n') => {}
                    '\n' => {
                        record.push(std::mem::take(&mut field));
                        records.push(std::mem::take(&mut record));
                    }
                    _ => field.push(ch),
                }
            }
        }
        assert!(!quoted, "an unclosed quote");
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        records
    }

    #[test]
    fn headers_are_the_column_names_joined_by_tabs() {
        assert_eq!(
            SESSIONS.header(),
            "participant\tsession\tperiod\tsequence\tcondition\tdisplay\tsound_level\t\
             baseline_nrs\tduring_nrs\tpost_nrs\tchange\tchange_pct\timmpact\t\
             ssq_pre_total\tssq_pre_nausea\tssq_pre_oculomotor\tssq_pre_disorientation\t\
             ssq_post_total\tssq_post_nausea\tssq_post_oculomotor\tssq_post_disorientation\t\
             ipq_general\tipq_spatial\tipq_involvement\tipq_realism\tfms_peak\t\
             minutes_to_baseline\tback_to_baseline\tminutes_to_30pct\tminutes_to_50pct\t\
             auc_change\tbreath_minutes\tbreath_rate\tbreath_off_pacer\tstatus\tmanifest\t\
             note\n"
        );
        assert_eq!(
            CONDITIONS.header(),
            "condition\toutcome\tn\tmean\tsd\tci_low\tci_high\n"
        );
        assert_eq!(
            CONTRASTS.header(),
            "outcome\tcontrast\tmethod\tn\testimate\tse\tdf\tci_low\tci_high\tt\tp\n"
        );
        assert_eq!(
            TIMECOURSE.header(),
            "participant\tsession\tcondition\tbaseline_nrs\tminutes_to_30pct\t\
             minutes_to_50pct\tminutes_to_baseline\tback_to_baseline\tlast_followup_min\t\
             auc_change\n"
        );
        assert_eq!(
            NRS_BY_MINUTE.header(),
            "condition\tphase\tminute\tn\tmean\tsd\tci_low\tci_high\n"
        );
        assert_eq!(
            RATINGS.header(),
            "participant\tsession\tcondition\ttimepoint\tphase\tminute\tscale\titem\tvalue\t\
             by\tvia\tlatency_s\tonset_s\n"
        );
        assert_eq!(
            SCORES.header(),
            "participant\tsession\tcondition\tquestionnaire\ttimepoint\tscore\tvalue\tversion\n"
        );
        assert_eq!(SESSIONS.names().len(), 37);
        let files: Vec<&str> = TABLES.iter().map(|t| t.file).collect();
        assert_eq!(
            files,
            [
                "sessions.tsv",
                "conditions.tsv",
                "contrasts.tsv",
                "timecourse.tsv",
                "nrs_by_minute.tsv",
                "ratings.tsv",
                "scores.tsv"
            ]
        );
    }

    #[test]
    fn names_are_unique_and_session_names_suit_redcap() {
        for t in TABLES {
            let names = t.names();
            for (i, n) in names.iter().enumerate() {
                assert!(!names[..i].contains(n), "{}: {n} twice", t.file);
                assert!(
                    n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{}: {n}",
                    t.file
                );
            }
            for c in t.columns {
                for text in [c.meaning, c.unit] {
                    assert!(!text.contains(['\t', '\n', '\r']), "{}: {}", t.file, c.name);
                }
                assert!(
                    !c.meaning.contains("  "),
                    "{}: {} (a doubled space)",
                    t.file,
                    c.name
                );
                if let Allowed::Choice(choices) = c.allowed {
                    for (v, m) in choices {
                        assert!(
                            !v.contains(['|', ',', ' ']) && !m.contains(['|', ';']),
                            "{}: {v}",
                            t.file
                        );
                    }
                }
            }
        }
        let mut redcap: Vec<&str> = vec![REDCAP_RECORD_ID];
        for c in SESSIONS.columns {
            let r = redcap_name(c.name);
            assert!(is_redcap_name(r), "{r}");
            assert!(!redcap.contains(&r), "{r} twice");
            redcap.push(r);
            // REDCap's pages are safest in plain ASCII.
            assert!(c.meaning.is_ascii(), "{}", c.name);
        }
        assert!(!is_redcap_name("Status"));
        assert!(!is_redcap_name("2nd"));
        assert!(!is_redcap_name("a_very_long_name_of_27_char"));
        assert!(!is_redcap_name("redcap_event_name"));
        assert!(!is_redcap_name("respite_session_complete"));
        assert!(!is_redcap_name("submit"));
    }

    #[test]
    fn the_dictionary_has_a_row_per_column_of_every_table() {
        let tsv = dictionary_tsv(&TABLES, false);
        let rows: Vec<&str> = tsv.lines().collect();
        let total: usize = TABLES.iter().map(|t| t.columns.len()).sum();
        assert_eq!(rows.len(), 1 + total);
        assert_eq!(rows[0], "table\tcolumn\tmeaning\tunit\tallowed\tmissing");
        assert!(rows.iter().all(|r| r.split('\t').count() == 6));
        assert!(rows.contains(
            &"sessions.tsv\tfms_peak\tHighest Fast Motion sickness Scale rating in the place \
              (Keshavarz & Hecht 2011; 0 = no sickness at all, 20 = frank sickness)\t\
              FMS points\tinteger 0 to 20\tn/a"
        ));
        assert!(rows.contains(
            &"sessions.tsv\tstatus\tHow the session ended\tn/a\tcompleted = ran to its end \
              and closed with a hash manifest; stopped = ended early (emergency stop, end \
              button or time limit): the reason is in note; incomplete = no end on record \
              (the process died): kept as written, in no summary\tn/a"
        ));
        assert!(
            rows.iter()
                .any(|r| r.starts_with("sessions.tsv\tssq_post_total\t")
                    && r.ends_with("\tnumber 0 to 235.62\tn/a"))
        );

        let md = dictionary_md(&TABLES, false);
        for t in TABLES {
            assert!(md.contains(&format!("\n## {}\n\n{}\n", t.file, t.about)));
        }
        assert_eq!(md.lines().filter(|l| l.starts_with("| `")).count(), total);
        assert!(md.contains(
            "| `change_pct` | 100 x change / baseline_nrs; negative = less \
                             pain; n/a when baseline_nrs is 0 | % | number, at least -100 | \
                             `n/a` |"
        ));
    }

    #[test]
    fn the_redcap_dictionary_has_18_columns_and_a_row_per_field() {
        let csv = redcap_dictionary_csv(false);
        assert!(csv.is_ascii());
        let rows = read_csv(&csv);
        assert!(rows.iter().all(|r| r.len() == 18), "{csv}");
        assert_eq!(rows[0], REDCAP_HEADER);
        assert_eq!(rows.len(), 1 + 1 + SESSIONS.columns.len());
        assert_eq!(&rows[1][..4], ["record_id", "participant", "", "text"]);
        let names: Vec<&str> = rows[2..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, SESSIONS.names());
        assert!(rows[2..].iter().all(|r| r[1] == "respite_session"));
        let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
        let status = row("status");
        assert_eq!(status[3], "dropdown");
        assert_eq!(status[5], "1, completed | 2, stopped | 3, incomplete");
        let fms = row("fms_peak");
        assert_eq!(
            (&*fms[3], &*fms[7], &*fms[8], &*fms[9]),
            ("text", "integer", "0", "20")
        );
        let pct = row("change_pct");
        assert_eq!((&*pct[7], &*pct[8], &*pct[9]), ("number", "-100", ""));
        let ssq = row("ssq_pre_disorientation");
        assert_eq!((&*ssq[7], &*ssq[8], &*ssq[9]), ("number", "0", "292.32"));
        assert_eq!(row("back_to_baseline")[3], "yesno");
        assert_eq!((&*row("note")[3], &*row("note")[7]), ("text", ""));
        assert!(row("session")[6].contains("repeating instrument"));
        assert_eq!(
            row("immpact")[5],
            "1, substantial | 2, moderate | 3, minimal | 4, none"
        );
    }

    fn fixture() -> String {
        #[rustfmt::skip]
        let completed = [
            "P01", "1", "1", "AB", "walk", "headset", "fixed", "6", "4.50", "3", "-3",
            "-50.0", "substantial", "7.48", "9.54", "7.58", "0.00", "3.74", "0.00", "7.58",
            "0.00", "4.00", "3.60", "2.75", "3.25", "2", "35.0", "true", "4.0", "8.0",
            "-21.5", "3", "6.33", "1.00", "completed", "ok", "n/a",
        ];
        let mut incomplete = vec!["P01", "2", "2", "AB", "film", "screen"];
        incomplete.extend(["above_ambient_+5.0dB", "5"]);
        incomplete.extend(["n/a"; 26]);
        incomplete.extend([
            "incomplete",
            "changed:events.tsv,ratings.tsv",
            "no session_end, the record stops at 312.4 s; said \"stop\"",
        ]);
        assert_eq!(completed.len(), 37);
        assert_eq!(incomplete.len(), 37);
        format!(
            "{}{}\n{}\n",
            SESSIONS.header(),
            completed.join("\t"),
            incomplete.join("\t")
        )
    }

    #[test]
    fn a_sessions_table_imports_into_redcap() {
        let csv = redcap_import_csv(&fixture(), false).unwrap();
        let expected = "\
record_id,redcap_repeat_instrument,redcap_repeat_instance,participant,session,period,\
sequence,condition,display,sound_level,baseline_nrs,during_nrs,post_nrs,change,change_pct,\
immpact,ssq_pre_total,ssq_pre_nausea,ssq_pre_oculomotor,ssq_pre_disorientation,\
ssq_post_total,ssq_post_nausea,ssq_post_oculomotor,ssq_post_disorientation,ipq_general,\
ipq_spatial,ipq_involvement,ipq_realism,fms_peak,minutes_to_baseline,back_to_baseline,\
minutes_to_30pct,minutes_to_50pct,auc_change,breath_minutes,breath_rate,breath_off_pacer,\
status,manifest,note
P01,respite_session,1,P01,1,1,AB,walk,2,fixed,6,4.50,3,-3,-50.0,1,7.48,9.54,7.58,0.00,\
3.74,0.00,7.58,0.00,4.00,3.60,2.75,3.25,2,35.0,1,4.0,8.0,-21.5,3,6.33,1.00,1,ok,
P01,respite_session,2,P01,2,2,AB,film,3,above_ambient_+5.0dB,5,,,,,,,,,,,,,,,,,,,,,,,,,,,3,\
\"changed:events.tsv,ratings.tsv\",\"no session_end, the record stops at 312.4 s; said \
\"\"stop\"\"\"
";
        assert_eq!(csv, expected);
        let rows = read_csv(&csv);
        assert!(rows.iter().all(|r| r.len() == 40));
        assert_eq!(
            rows[2][39],
            "no session_end, the record stops at 312.4 s; said \"stop\""
        );
        // CRLF line ends read the same.
        assert_eq!(
            redcap_import_csv(&fixture().replace('\n', "\r\n"), false),
            Ok(csv)
        );
        // Just the header: just the header.
        assert_eq!(
            redcap_import_csv(&SESSIONS.header(), false)
                .unwrap()
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn a_bad_sessions_table_is_refused_naming_line_and_column() {
        let good = fixture();
        let err = |tsv: &str| redcap_import_csv(tsv, false).unwrap_err();

        let e = err(&good.replace("\tcompleted\t", "\tfinished\t"));
        assert!(e.starts_with("sessions.tsv:2:35: status:"), "{e}");
        assert!(
            e.contains("`finished` is not one of completed, stopped, incomplete"),
            "{e}"
        );

        let e = err(&good.replacen("\tdisplay\t", "\tscreen\t", 1));
        assert!(e.starts_with("sessions.tsv:1:6:"), "{e}");
        assert!(
            e.contains("`screen` where sessions.tsv has `display`"),
            "{e}"
        );
        let e = err(&good.replacen("\tnote\n", "\n", 1));
        assert!(e.starts_with("sessions.tsv:1:37:"), "{e}");
        let e = err(&good.replacen("\tnote\n", "\tnote\textra\n", 1));
        assert!(e.starts_with("sessions.tsv:1:38:"), "{e}");

        let short = good.replace("\tok\tn/a\n", "\tok\n");
        let e = err(&short);
        assert!(e.starts_with("sessions.tsv:2:37:"), "{e}");
        assert!(e.contains("36 cells where the header has 37"), "{e}");
        let e = err(&format!("{good}\n"));
        assert!(e.starts_with("sessions.tsv:4:2:"), "{e}");

        for (from, to, at) in [
            (
                "\t4.50\t",
                "\t11\t",
                "2:9: during_nrs: 11 is above the most allowed, 10",
            ),
            (
                "\t-50.0\t",
                "\t-1e2\t",
                "2:12: change_pct: `-1e2` is not a decimal number",
            ),
            (
                "\t-50.0\t",
                "\tNaN\t",
                "2:12: change_pct: `NaN` is not a decimal number",
            ),
            (
                "\tsubstantial\t",
                "\tbig\t",
                "2:13: immpact: `big` is not one of",
            ),
            (
                "\t2\t35.0\t",
                "\t21\t35.0\t",
                "2:26: fms_peak: 21 is above the most allowed, 20",
            ),
            (
                "\t2\t35.0\t",
                "\t2.5\t35.0\t",
                "2:26: fms_peak: `2.5` is not an integer",
            ),
            (
                "\ttrue\t",
                "\tyes\t",
                "2:28: back_to_baseline: `yes` is not true or false",
            ),
            (
                "P01\t1\t1",
                "P-1\t1\t1",
                "2:1: participant: `P-1` is not a label",
            ),
            (
                "P01\t1\t1",
                "n/a\t1\t1",
                "2:1: participant: n/a, but REDCap needs it",
            ),
            (
                "P01\t1\t1",
                "P01\t0\t1",
                "2:2: session: 0 is below the least allowed, 1",
            ),
            (
                "P01\t2\t2",
                "P01\t1\t2",
                "3:2: participant P01 session 1 is already on line 2",
            ),
            ("\tfixed\t", "\t\t", "2:7: sound_level: an empty cell"),
        ] {
            assert!(good.contains(from), "{from}");
            let e = err(&good.replacen(from, to, 1));
            assert!(e.starts_with(&format!("sessions.tsv:{at}")), "{e}");
        }
        assert!(err("").starts_with("sessions.tsv:1:1:"));
    }

    #[test]
    fn blinded_values_import_as_their_codes() {
        let tsv = fixture()
            .replacen("\theadset\tfixed\t", "\tmasked\tmasked\t", 1)
            .replacen("\tAB\twalk\t", "\tmasked\tX1\t", 1);
        // `masked` is coded 1 in the blinded and the unblinded dictionary alike, so the two
        // kinds of import can be pooled in one project.
        let all_masked = tsv.replacen("\tfilm\tscreen\t", "\tX2\tmasked\t", 1);
        for (tsv, blinded) in [(&tsv, false), (&all_masked, true)] {
            let csv = redcap_import_csv(tsv, blinded).unwrap();
            assert!(
                csv.contains("\nP01,respite_session,1,P01,1,1,masked,X1,1,masked,6,"),
                "{csv}"
            );
        }
    }

    #[test]
    fn allowed_values_are_described_in_words() {
        assert_eq!(
            Allowed::Integer { min: 1, max: None }.describe(),
            "integer, at least 1"
        );
        assert_eq!(NRS_0_10.describe(), "number 0 to 10");
        assert_eq!(ANY_NUMBER.describe(), "number");
        assert_eq!(Allowed::Bool.describe(), "true or false");
        assert_eq!(
            Allowed::Number {
                min: None,
                max: Some(1.5)
            }
            .describe(),
            "number, at most 1.5"
        );
        assert!(NRS_0_10.check("10").is_ok() && NRS_0_10.check("10.01").is_err());
        assert!(ANY_NUMBER.check("-0").is_ok() && ANY_NUMBER.check("+1").is_err());
        assert!(ANY_NUMBER.check(".5").is_err() && ANY_NUMBER.check("5.").is_err());
        assert!(ANY_NUMBER.check("inf").is_err());
    }
}
