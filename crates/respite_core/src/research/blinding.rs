//! Blinded assessment. The masks (X1, X2, …) are drawn once per study, at `respite plan`
//! or at the first blinded report, from OS randomness (or a seed kept secret from the
//! assessor), and written to a key file kept apart from every output; later reports read
//! the key back, so two blinded reports of the same data are the same bytes. A blinded
//! output carries masks only: what would tell the conditions apart (the display, its
//! runtime, the input device, the scene, the level, the sound level, the motion files'
//! sampling rate) is dropped or masked.

use super::data::{self, Event};
use crate::error::SpecError;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

pub const KEY_HEADER: &str = "mask\tcondition";

/// Condition labels as a blinded assessor sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Blinding {
    /// true condition → mask ("X1", "X2", …)
    pub masks: BTreeMap<String, String>,
}

impl Blinding {
    /// Masks in a seeded random order, so the mask says nothing about the condition (the
    /// seed must not be one the assessor can know: not the protocol's own).
    pub fn new(conditions: &[String], seed: u64) -> Self {
        let mut names = conditions.to_vec();
        names.sort();
        names.dedup();
        let mut order: Vec<usize> = (0..names.len()).collect();
        super::design::shuffle(&mut super::design::rng(seed), &mut order);
        let masks = order
            .iter()
            .enumerate()
            .map(|(i, c)| (names[*c].clone(), format!("X{}", i + 1)))
            .collect();
        Self { masks }
    }

    /// Masks drawn from the operating system's randomness.
    pub fn draw(conditions: &[String]) -> Self {
        Self::new(conditions, rand::random::<u64>())
    }

    pub fn key_tsv(&self) -> String {
        let mut s = format!("{KEY_HEADER}\n");
        let mut rows: Vec<_> = self.masks.iter().map(|(c, m)| (m, c)).collect();
        rows.sort_by_key(|(m, _)| mask_number(m));
        for (m, c) in rows {
            writeln!(s, "{m}\t{c}").unwrap();
        }
        s
    }

    /// Reads a key written by [`Blinding::key_tsv`]: masks X1…Xn, each once, each naming a
    /// different condition label.
    pub fn parse_key(file: &Path, text: &str) -> Result<Self, SpecError> {
        let mut lines = text.lines();
        if lines.next() != Some(KEY_HEADER) {
            return Err(SpecError::new(
                file,
                1,
                1,
                format!(
                    "expected the header '{}'",
                    KEY_HEADER.replace('\t', "<tab>")
                ),
            ));
        }
        let mut masks = BTreeMap::new();
        let mut seen = Vec::new();
        for (i, line) in lines.enumerate() {
            let ln = i + 2;
            if line.is_empty() {
                continue;
            }
            let Some((mask, condition)) = line.split_once('\t') else {
                return Err(SpecError::new(
                    file,
                    ln,
                    1,
                    "expected a mask and a condition separated by a tab",
                ));
            };
            let col = mask.chars().count() + 2;
            if mask_number(mask).is_none() {
                return Err(SpecError::new(
                    file,
                    ln,
                    1,
                    format!("mask '{mask}' is not X<number>"),
                ));
            }
            if seen.contains(&mask.to_string()) {
                return Err(SpecError::new(
                    file,
                    ln,
                    1,
                    format!("mask '{mask}' is given twice"),
                ));
            }
            // A study's condition is a label; outside a study, a scene's name.
            if condition.is_empty() || condition.trim() != condition {
                return Err(SpecError::new(
                    file,
                    ln,
                    col,
                    format!("condition '{condition}' is empty or has spaces around it"),
                ));
            }
            if masks.contains_key(condition) {
                return Err(SpecError::new(
                    file,
                    ln,
                    col,
                    format!("condition '{condition}' has two masks"),
                ));
            }
            seen.push(mask.to_string());
            masks.insert(condition.to_string(), mask.to_string());
        }
        if masks.is_empty() {
            return Err(SpecError::new(file, 2, 1, "the key has no masks"));
        }
        Ok(Self { masks })
    }

    /// Reads a key file.
    pub fn load_key(file: &Path) -> Result<Self, String> {
        let text = crate::error::read_spec(file).map_err(|e| e.to_string())?;
        Self::parse_key(file, &text).map_err(|e| e.to_string())
    }

    pub fn mask(&self, condition: &str) -> Option<&str> {
        self.masks.get(condition).map(String::as_str)
    }

    /// Whether every condition in the data has a mask; the first that has none, if not.
    pub fn check_covers<'a>(
        &self,
        conditions: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        for c in conditions {
            if !self.masks.contains_key(c) {
                return Err(format!(
                    "the key has no mask for condition '{c}' (it masks: {}); use the study's key",
                    self.masks.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(())
    }

    /// A sequence as the masks of its periods, in order (`X2X1`): the protocol's letters
    /// would name the conditions to anyone who has read the protocol.
    pub fn sequence(&self, periods: &[(usize, &str)]) -> String {
        let mut p = periods.to_vec();
        p.sort_by_key(|(n, _)| *n);
        p.iter()
            .map(|(_, c)| self.mask(c).unwrap_or("X?"))
            .collect()
    }
}

/// The number of a mask `X<n>`, so X10 sorts after X9.
pub fn mask_number(mask: &str) -> Option<usize> {
    let n = mask.strip_prefix('X')?;
    (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0'))
        .then(|| n.parse().ok())
        .flatten()
}

/// The events a blinded export keeps, each with the keys it keeps (`None`: all of them).
/// Everything else is left out: the display and its runtime, the input device (`via`) and
/// how fast an answer came (`latency_s`: a gaze answer takes at least its dwell), the scene
/// and level, the walk, markers, calibration, frame timing.
const KEPT: &[(&str, Option<&[&str]>)] = &[
    (
        "rating",
        Some(&["timepoint", "scale", "value", "item", "by"]),
    ),
    ("questionnaire_score", None),
    ("phase", Some(&["phase", "how"])),
    ("session_start", Some(&[])),
    ("session_resumed", Some(&[])),
    ("session_end", Some(&["how", "completed", "in_place_s"])),
    ("emergency_stop", Some(&["phase"])),
    ("pause", Some(&["by"])),
    ("resume", Some(&["by"])),
    ("plan", Some(&["minutes", "max_minutes", "by"])),
    ("washout_start", None),
    ("washout_end", None),
    ("followup_start", None),
    ("followup_ask", None),
    ("followup_end", None),
    ("record_fault", Some(&["lost"])),
];

/// An event as a blinded export writes it, or `None` when it is left out.
pub fn blinded_event(e: &Event) -> Option<String> {
    let (_, keys) = KEPT.iter().find(|(t, _)| *t == e.trial_type)?;
    let detail = match keys {
        None => e.detail.clone(),
        Some(keys) => keys
            .iter()
            .filter_map(|k| {
                let v = e.get(k)?;
                Some(if v.contains(' ') || v.is_empty() {
                    format!("{k}=\"{v}\"")
                } else {
                    format!("{k}={v}")
                })
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    // BIDS wants `n/a`, never an empty cell. The scene clock is left out: it stops while a
    // headset is off, so its gap from the onset would say which display it was.
    let detail = if detail.is_empty() {
        "n/a".into()
    } else {
        detail
    };
    let line = data::event_line(e.onset, 0.0, &e.trial_type, &detail);
    let mut cells: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
    cells[4] = "n/a";
    Some(cells.join("\t") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_key_reads_back_as_written_and_bad_keys_name_their_place() {
        let b = Blinding::new(&names(&["walk", "film", "still"]), 42);
        let key = b.key_tsv();
        assert_eq!(
            Blinding::parse_key(Path::new("k.tsv"), &key).unwrap(),
            b,
            "{key}"
        );
        let mut masks: Vec<&String> = b.masks.values().collect();
        masks.sort();
        assert_eq!(masks, ["X1", "X2", "X3"]);
        for (text, at) in [
            ("mask condition\nX1\ta\n", "k.tsv:1:1"),
            ("mask\tcondition\nY1\ta\n", "k.tsv:2:1"),
            ("mask\tcondition\nX1\ta\nX1\tb\n", "k.tsv:3:1"),
            ("mask\tcondition\nX1\ta\nX2\ta\n", "k.tsv:3:4"),
            ("mask\tcondition\nX1\t\n", "k.tsv:2:4"),
            ("mask\tcondition\nX1\t a\n", "k.tsv:2:4"),
            ("mask\tcondition\n", "k.tsv:2:1"),
        ] {
            let e = Blinding::parse_key(Path::new("k.tsv"), text)
                .unwrap_err()
                .to_string();
            assert!(e.contains(at), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_blinded_event_keeps_only_what_names_no_condition() {
        let ev = |t: &str, d: &str| Event {
            onset: 1.0,
            trial_type: t.into(),
            value: data::field(d, "value").map(str::to_string),
            scene_s: 1.0,
            detail: d.into(),
            line: 2,
        };
        assert_eq!(
            blinded_event(&ev(
                "rating",
                "timepoint=post scale=nrs value=3 by=patient via=gaze latency_s=2.10"
            ))
            .unwrap(),
            "1.0000\t0\trating\t3\tn/a\ttimepoint=post scale=nrs value=3 by=patient\n"
        );
        assert_eq!(
            blinded_event(&ev("display", "requested=xr active=Xr runtime=Monado")),
            None
        );
        assert_eq!(blinded_event(&ev("scene", "scene=forest_glade")), None);
        assert_eq!(
            blinded_event(&ev("marker", "label=\"hmd on\" source=stdin")),
            None
        );
        assert_eq!(
            blinded_event(&ev("session_end", "how=Planned completed=true x=1")).unwrap(),
            "1.0000\t0\tsession_end\tn/a\tn/a\thow=Planned completed=true\n"
        );
        assert_eq!(
            mask_number("X10").cmp(&mask_number("X9")),
            std::cmp::Ordering::Greater
        );
    }
}
