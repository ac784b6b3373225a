//! Questionnaire scoring. Raw items are always kept beside the scores; [`SCORING_VERSION`]
//! goes into every file that holds a score, so a later change of rule is visible.

/// Bumped whenever a scoring rule changes.
pub const SCORING_VERSION: &str = "respite-scoring-1";

/// The pain NRS: 0 no pain – 10 worst pain imaginable. An answer outside is refused.
pub const NRS_RANGE: (f64, f64) = (0.0, 10.0);

/// The Fast Motion sickness Scale: one whole number 0 – 20.
pub const FMS_RANGE: (u8, u8) = (0, 20);

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

/// Which questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Questionnaire {
    /// Simulator Sickness Questionnaire (Kennedy et al. 1993): 16 symptoms, 0–3.
    Ssq,
    /// igroup Presence Questionnaire: 14 items, 0–6.
    Ipq,
}

const SSQ_ANCHORS: (&str, &str) = ("0  none", "severe  3");

macro_rules! ssq {
    ($($code:literal $text:literal),* $(,)?) => {
        [$(Item { code: $code, text: $text, min: 0, max: 3, anchors: SSQ_ANCHORS }),*]
    };
}

/// The SSQ's 16 symptoms in Kennedy et al.'s order; "How much is this affecting you right
/// now?" 0 none, 1 slight, 2 moderate, 3 severe.
pub const SSQ_ITEMS: [Item; 16] = ssq![
    "ssq01" "General discomfort",
    "ssq02" "Fatigue",
    "ssq03" "Headache",
    "ssq04" "Eye strain",
    "ssq05" "Difficulty focusing",
    "ssq06" "Increased salivation",
    "ssq07" "Sweating",
    "ssq08" "Nausea",
    "ssq09" "Difficulty concentrating",
    "ssq10" "Fullness of head",
    "ssq11" "Blurred vision",
    "ssq12" "Dizzy (eyes open)",
    "ssq13" "Dizzy (eyes closed)",
    "ssq14" "Vertigo",
    "ssq15" "Stomach awareness",
    "ssq16" "Burping",
];

/// Items (1-based) of each SSQ cluster, and its weight.
const SSQ_NAUSEA: [usize; 7] = [1, 6, 7, 8, 9, 15, 16];
const SSQ_OCULOMOTOR: [usize; 7] = [1, 2, 3, 4, 5, 9, 11];
const SSQ_DISORIENTATION: [usize; 7] = [5, 8, 10, 11, 12, 13, 14];

/// SSQ scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SsqScores {
    pub nausea: f64,
    pub oculomotor: f64,
    pub disorientation: f64,
    pub total: f64,
}

/// Scores 16 SSQ answers (each 0–3): N = raw × 9.54, O = raw × 7.58, D = raw × 13.92,
/// Total = (N + O + D raw sums) × 3.74.
pub fn ssq(items: &[u8]) -> Result<SsqScores, String> {
    check(items, &SSQ_ITEMS)?;
    let raw = |set: &[usize]| set.iter().map(|i| f64::from(items[i - 1])).sum::<f64>();
    let (n, o, d) = (
        raw(&SSQ_NAUSEA),
        raw(&SSQ_OCULOMOTOR),
        raw(&SSQ_DISORIENTATION),
    );
    Ok(SsqScores {
        nausea: n * 9.54,
        oculomotor: o * 7.58,
        disorientation: d * 13.92,
        total: (n + o + d) * 3.74,
    })
}

const AGREE: (&str, &str) = ("0  fully disagree", "fully agree  6");

/// The IPQ's 14 items (igroup.org's English version), in subscale order G1, SP1–5,
/// INV1–4, REAL1–4, answered 0–6 (the published −3…+3 shifted by 3). The anchors are the
/// published ones; SP2, INV3 and REAL1 are reverse-keyed.
pub const IPQ_ITEMS: [Item; 14] = [
    Item {
        code: "ipq_g1",
        text: "In the computer generated world I had a sense of \"being there\".",
        min: 0,
        max: 6,
        anchors: ("0  not at all", "very much  6"),
    },
    Item {
        code: "ipq_sp1",
        text: "Somehow I felt that the virtual world surrounded me.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_sp2",
        text: "I felt like I was just perceiving pictures.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_sp3",
        text: "I did not feel present in the virtual space.",
        min: 0,
        max: 6,
        anchors: ("0  did not feel", "felt present  6"),
    },
    Item {
        code: "ipq_sp4",
        text: "I had a sense of acting in the virtual space, rather than operating something \
               from outside.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_sp5",
        text: "I felt present in the virtual space.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_inv1",
        text: "How aware were you of the real world surrounding while navigating in the \
               virtual world? (i.e. sounds, room temperature, other people, etc.)",
        min: 0,
        max: 6,
        anchors: ("0  extremely aware", "not aware at all  6"),
    },
    Item {
        code: "ipq_inv2",
        text: "I was not aware of my real environment.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_inv3",
        text: "I still paid attention to the real environment.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_inv4",
        text: "I was completely captivated by the virtual world.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
    Item {
        code: "ipq_real1",
        text: "How real did the virtual world seem to you?",
        min: 0,
        max: 6,
        anchors: ("0  completely real", "not real at all  6"),
    },
    Item {
        code: "ipq_real2",
        text: "How much did your experience in the virtual environment seem consistent with \
               your real world experience?",
        min: 0,
        max: 6,
        anchors: ("0  not consistent", "very consistent  6"),
    },
    Item {
        code: "ipq_real3",
        text: "How real did the virtual world seem to you?",
        min: 0,
        max: 6,
        anchors: (
            "0  about as real as an imagined world",
            "indistinguishable from the real world  6",
        ),
    },
    Item {
        code: "ipq_real4",
        text: "The virtual world seemed more realistic than the real world.",
        min: 0,
        max: 6,
        anchors: AGREE,
    },
];

/// Reverse-keyed IPQ items (0-based in [`IPQ_ITEMS`]): SP2, INV3, REAL1.
const IPQ_REVERSED: [usize; 3] = [2, 8, 10];

/// IPQ scores: each subscale the mean of its items (after reversing), 0–6.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IpqScores {
    pub general: f64,
    pub spatial: f64,
    pub involvement: f64,
    pub realism: f64,
}

pub fn ipq(items: &[u8]) -> Result<IpqScores, String> {
    check(items, &IPQ_ITEMS)?;
    let keyed: Vec<f64> = items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let v = f64::from(*v);
            if IPQ_REVERSED.contains(&i) {
                6.0 - v
            } else {
                v
            }
        })
        .collect();
    let mean = |r: std::ops::Range<usize>| {
        let n = r.len() as f64;
        keyed[r].iter().sum::<f64>() / n
    };
    Ok(IpqScores {
        general: mean(0..1),
        spatial: mean(1..6),
        involvement: mean(6..10),
        realism: mean(10..14),
    })
}

impl Questionnaire {
    pub fn items(self) -> &'static [Item] {
        match self {
            Questionnaire::Ssq => &SSQ_ITEMS,
            Questionnaire::Ipq => &IPQ_ITEMS,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Questionnaire::Ssq => "ssq",
            Questionnaire::Ipq => "ipq",
        }
    }

    /// The line above every item.
    pub fn prompt(self) -> &'static str {
        match self {
            Questionnaire::Ssq => "How much is this affecting you right now?",
            Questionnaire::Ipq => "About the place you were just in:",
        }
    }

    /// Named scores of complete answers, rounded to 2 decimals, for data files.
    pub fn scores(self, items: &[u8]) -> Result<Vec<(&'static str, f64)>, String> {
        Ok(match self {
            Questionnaire::Ssq => {
                let s = ssq(items)?;
                vec![
                    ("nausea", s.nausea),
                    ("oculomotor", s.oculomotor),
                    ("disorientation", s.disorientation),
                    ("total", s.total),
                ]
            }
            Questionnaire::Ipq => {
                let s = ipq(items)?;
                vec![
                    ("general", s.general),
                    ("spatial", s.spatial),
                    ("involvement", s.involvement),
                    ("realism", s.realism),
                ]
            }
        })
    }
}

fn check(items: &[u8], spec: &[Item]) -> Result<(), String> {
    if items.len() != spec.len() {
        return Err(format!("{} answers, expected {}", items.len(), spec.len()));
    }
    for (v, item) in items.iter().zip(spec) {
        if *v < item.min || *v > item.max {
            return Err(format!(
                "{} = {v} is outside {}–{}",
                item.code, item.min, item.max
            ));
        }
    }
    Ok(())
}

/// Pain change from a baseline NRS to a later one, with IMMPACT's thresholds (Dworkin et
/// al. 2005): a fall of ≥ 30 % is moderately important, ≥ 50 % substantial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NrsChange {
    /// later − baseline (negative is relief).
    pub absolute: f64,
    /// 100 × (later − baseline) / baseline; none when the baseline is 0.
    pub percent: Option<f64>,
}

impl NrsChange {
    pub fn new(baseline: f64, later: f64) -> Self {
        Self {
            absolute: later - baseline,
            percent: (baseline > 0.0).then(|| 100.0 * (later - baseline) / baseline),
        }
    }

    /// "substantial", "moderate", "minimal" or "none" (no relief or no baseline pain).
    pub fn immpact(&self) -> &'static str {
        match self.percent {
            Some(p) if p <= -50.0 => "substantial",
            Some(p) if p <= -30.0 => "moderate",
            Some(p) if p < 0.0 => "minimal",
            _ => "none",
        }
    }
}

/// FMS answers over a session: the peak and the mean.
pub fn fms_summary(values: &[u8]) -> Option<(u8, f64)> {
    let peak = *values.iter().max()?;
    let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64;
    Some((peak, mean))
}
