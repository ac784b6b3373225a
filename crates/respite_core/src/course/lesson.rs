//! Lessons (`lessons/*.ron`): a few short cards of pain neuroscience education shown on
//! the panel in the place, paced by the patient or by time, an optional small illustration
//! beside a card, and one check question whose answer is recorded.

use crate::check::Checker;
use crate::error::{SpecErrors, read_spec, ron_error};
use crate::locate::FieldPath;
use serde::Deserialize;
use std::path::Path;

/// How the cards move on.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Pace {
    /// The patient moves on (gaze on "Next", a key, a controller), when ready.
    Patient,
    /// Each card stays this many seconds; the patient may still move on sooner.
    Timed(f32),
}

/// A small 3D picture beside a card, from the built-in set. Each eases from `from` to `to`
/// while the card is shown (0 to 1; equal values hold still).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Illustration {
    /// An alarm with a dial: how sensitive it is (1 goes off at a feather's touch).
    Alarm { from: f32, to: f32 },
    /// A path in the grass: how worn it is (1 a deep track, 0 grown over).
    Path { from: f32, to: f32 },
    /// A dimmer and its lamp: how loud the pain signal is (1 full, 0 off).
    Dimmer { from: f32, to: f32 },
}

/// Which picture, as the panel draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtKind {
    Alarm,
    Path,
    Dimmer,
}

/// An illustration as a card carries it: its kind and its setting from and to, in
/// hundredths (0–100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art {
    pub kind: ArtKind,
    pub from: u8,
    pub to: u8,
}

impl Illustration {
    pub fn art(&self) -> Art {
        let (from, to) = self.range();
        let pct = |v: f32| (v.clamp(0.0, 1.0) * 100.0).round() as u8;
        Art {
            kind: match self {
                Illustration::Alarm { .. } => ArtKind::Alarm,
                Illustration::Path { .. } => ArtKind::Path,
                Illustration::Dimmer { .. } => ArtKind::Dimmer,
            },
            from: pct(from),
            to: pct(to),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Illustration::Alarm { .. } => "alarm",
            Illustration::Path { .. } => "path",
            Illustration::Dimmer { .. } => "dimmer",
        }
    }

    /// (from, to).
    pub fn range(&self) -> (f32, f32) {
        match *self {
            Illustration::Alarm { from, to }
            | Illustration::Path { from, to }
            | Illustration::Dimmer { from, to } => (from, to),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub text: String,
    #[serde(default)]
    pub illustration: Option<Illustration>,
}

/// The question at the end of a lesson.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub question: String,
    pub options: Vec<String>,
    /// The option (0-based) the lesson teaches.
    pub answer: u8,
    /// Said after any answer: the lesson's point in one or two sentences.
    pub explain: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub title: String,
    pub pace: Pace,
    pub cards: Vec<Card>,
    pub check: Check,
}

/// The longest card, characters: what the panel shows in its large font without crowding.
pub const MAX_CARD_CHARS: usize = 230;
/// The most cards a lesson has: a lesson is a few minutes, never a lecture.
pub const MAX_CARDS: usize = 8;
/// The longest answer option, characters: one button's width.
pub const MAX_OPTION_CHARS: usize = 44;
/// The longest question or explanation, characters.
pub const MAX_QUESTION_CHARS: usize = 120;

impl Lesson {
    pub fn parse(file: &Path, src: &str) -> Result<Lesson, SpecErrors> {
        let l: Lesson = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(src)
            .map_err(|e| ron_error(file, &e))?;
        let mut c = Checker::new(file, src);
        let root = FieldPath::default();
        let text = |c: &mut Checker, at: &FieldPath, s: &str, most: usize, what: &str| {
            let n = s.chars().count();
            if s.trim().is_empty() || n > most {
                c.fail(
                    at,
                    format!("{what} needs 1 to {most} characters, found {n}"),
                );
            }
        };
        text(&mut c, &root.field("title"), &l.title, 60, "the title");
        if let Pace::Timed(s) = l.pace {
            c.range(&root.field("pace").index(0), s, 5.0..=120.0, " s a card");
        }
        c.count(&root.field("cards"), l.cards.len(), 1..=MAX_CARDS, "cards");
        for (i, card) in l.cards.iter().enumerate() {
            let at = root.field("cards").index(i);
            text(
                &mut c,
                &at.field("text"),
                &card.text,
                MAX_CARD_CHARS,
                "a card",
            );
            if let Some(ill) = &card.illustration {
                let (from, to) = ill.range();
                c.range(&at.field("illustration").field("from"), from, 0.0..=1.0, "");
                c.range(&at.field("illustration").field("to"), to, 0.0..=1.0, "");
            }
        }
        let check = root.field("check");
        text(
            &mut c,
            &check.field("question"),
            &l.check.question,
            MAX_QUESTION_CHARS,
            "the question",
        );
        text(
            &mut c,
            &check.field("explain"),
            &l.check.explain,
            MAX_CARD_CHARS,
            "the explanation",
        );
        c.count(
            &check.field("options"),
            l.check.options.len(),
            2..=4,
            "options",
        );
        for (i, o) in l.check.options.iter().enumerate() {
            text(
                &mut c,
                &check.field("options").index(i),
                o,
                MAX_OPTION_CHARS,
                "an option",
            );
        }
        if usize::from(l.check.answer) >= l.check.options.len() {
            c.fail(
                &check.field("answer"),
                format!(
                    "names option {} but there are {} (counted from 0)",
                    l.check.answer,
                    l.check.options.len()
                ),
            );
        }
        c.finish()?;
        Ok(l)
    }

    pub fn load(file: &Path) -> Result<Lesson, SpecErrors> {
        Lesson::parse(file, &read_spec(file)?)
    }

    /// Card `i` (0-based) as the panel asks it.
    pub fn card_scale(&self, name: &str, i: usize) -> crate::session::Scale {
        let card = &self.cards[i];
        crate::session::Scale::Card {
            lesson: name.to_string(),
            card: (i + 1) as u8,
            of: self.cards.len() as u8,
            text: card.text.clone(),
            art: card.illustration.map(|x| x.art()),
            timed_s: self.timed_s(),
        }
    }

    /// Whole seconds a card stays when the lesson is paced by time.
    fn timed_s(&self) -> Option<u16> {
        match self.pace {
            Pace::Patient => None,
            Pace::Timed(s) => Some(s.round() as u16),
        }
    }

    /// The check question as the panel asks it.
    pub fn check_scale(&self, name: &str) -> crate::session::Scale {
        crate::session::Scale::Choice {
            lesson: name.to_string(),
            question: self.check.question.clone(),
            options: self.check.options.clone(),
            answer: self.check.answer,
        }
    }

    /// What is said after the check: whether the answer was the lesson's, then its point.
    pub fn explanation(&self, name: &str, answer: Option<u8>) -> crate::session::Scale {
        let lead = match answer {
            Some(a) if a == self.check.answer => "That's right.",
            Some(_) => "A good guess, and here is the idea:",
            None => "Here is the idea:",
        };
        crate::session::Scale::Card {
            lesson: name.to_string(),
            card: (self.cards.len() + 1) as u8,
            of: (self.cards.len() + 1) as u8,
            text: format!("{lead} {}", self.check.explain),
            art: None,
            timed_s: self.timed_s(),
        }
    }

    /// Every word of the lesson the patient reads (cards, question, options, explanation).
    pub fn words(&self) -> String {
        let mut all: Vec<&str> = self.cards.iter().map(|c| c.text.as_str()).collect();
        all.push(&self.check.question);
        all.extend(self.check.options.iter().map(String::as_str));
        all.push(&self.check.explain);
        all.join("\n")
    }
}

/// The lessons a folder holds, by name (the file's stem), sorted; each file checked.
pub fn load_dir(dir: &Path) -> Result<Vec<(String, Lesson)>, SpecErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match Lesson::load(&f) {
            Ok(l) => out.push((name, l)),
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(SpecErrors(errors))
    }
}

/// Flesch–Kincaid grade level of English text: 0.39 × words a sentence + 11.8 × syllables a
/// word − 15.59. Grade 6–7 reads at about twelve years old. Syllables are counted as groups
/// of vowels (a silent final e dropped), the usual approximation.
pub fn reading_grade(text: &str) -> f64 {
    let sentences = text
        .split(['.', '!', '?', '\n'])
        .filter(|s| s.chars().any(char::is_alphabetic))
        .count()
        .max(1);
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphabetic() || c == '\''))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return 0.0;
    }
    let syllables: usize = words.iter().map(|w| syllables(w)).sum();
    0.39 * words.len() as f64 / sentences as f64 + 11.8 * syllables as f64 / words.len() as f64
        - 15.59
}

fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let vowel = |c: char| "aeiouy".contains(c);
    let mut groups = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    // A silent final e ("take"), but not "-le" ("gentle").
    let n = w.len();
    if n > 2 && w[n - 1] == 'e' && !vowel(w[n - 2]) && w[n - 2] != 'l' && groups > 1 {
        groups -= 1;
    }
    groups.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"Lesson(
    title: "What pain is for",
    pace: Patient,
    cards: [
        Card(text: "Pain is your body's alarm.", illustration: Alarm(from: 0.5, to: 0.5)),
        Card(text: "It tells you to take care."),
    ],
    check: Check(
        question: "What is pain's job?",
        options: ["To protect you", "To measure damage"],
        answer: 0,
        explain: "Pain protects you.",
    ),
)"#;

    #[test]
    fn a_lesson_reads_and_its_mistakes_are_placed() {
        let l = Lesson::parse(Path::new("l.ron"), OK).unwrap();
        assert_eq!(l.cards.len(), 2);
        assert_eq!(
            l.cards[0].illustration,
            Some(Illustration::Alarm { from: 0.5, to: 0.5 })
        );
        let bad = OK
            .replace("answer: 0", "answer: 2")
            .replace("to: 0.5)", "to: NaN)")
            .replace("pace: Patient", "pace: Timed(1.0)");
        let e = Lesson::parse(Path::new("l.ron"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("l.ron:3:") && e.contains("5 and 120"), "{e}");
        assert!(e.contains("l.ron:5:") && e.contains("NaN"), "{e}");
        assert!(
            e.contains("l.ron:11:") && e.contains("names option 2 but there are 2"),
            "{e}"
        );
        let long = OK.replace("It tells you to take care.", &"word ".repeat(60));
        let e = Lesson::parse(Path::new("l.ron"), &long)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("l.ron:6:") && e.contains("1 to 230 characters, found 300"),
            "{e}"
        );
    }

    #[test]
    fn reading_grade_matches_hand_counts() {
        // "The cat sat on the mat." 6 words, 6 syllables, 1 sentence:
        // 0.39 × 6 + 11.8 × 1 − 15.59 = −1.45.
        assert!((reading_grade("The cat sat on the mat.") + 1.45).abs() < 1e-9);
        // "Persistent pain is complicated." 4 words; per-sis-tent 3, pain 1, is 1,
        // com-pli-ca-ted 4 = 9 syllables: 0.39 × 4 + 11.8 × 9 / 4 − 15.59 = 12.52.
        let g = reading_grade("Persistent pain is complicated.");
        assert!((g - 12.52).abs() < 1e-9, "{g}");
        assert_eq!(syllables("gentle"), 2);
        assert_eq!(syllables("take"), 1);
    }
}
