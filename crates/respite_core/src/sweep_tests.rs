//! The promises hold under faults: every shipped file (scenes, protocols, lessons, programs, the immersion
//! levels, a body profile, an autopilot script and the plans the protocols deal) is broken
//! in every way a person or a disk could break it — each number in turn made NaN, infinite,
//! −1 or too large to be a float, the file cut short, random bytes — and read by the same
//! loader and validation the app runs. Nothing may panic or hang, no non-finite number may
//! be accepted, and every error names its file and a line and column.

use crate::catalog::Catalog;
use crate::error::{SpecError, line_col};
use crate::research::protocol::{Plan, Protocol};
use crate::scene::SceneDef;
use crate::session::immersion::ImmersionLevels;
use crate::session::script;
use crate::walk::BodyProfile;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

/// The body profile shown in the README, as a person would write one.
const BODY: &str = r##"(height_m: 1.62, build: Female, skin: "#c68e6c", shirt: "#8c9e7a", trousers: "#7a5c8c",
 shoes: "#6e523c", legwear: Shorts)
"##;

/// An autopilot script like the ones the app's end-to-end tests drive sessions with.
const SCRIPT: &str = r#"[
    (on: Question("baseline"), wait_s: 0.5, act: Look(7)),
    (on: InPlaceS(150.0), act: Keys(["F2"])),
    (on: Question("minute_5"), wait_s: 0.3, act: Keys(["Digit4", "Enter"])),
    (on: Question("post"), wait_s: 0.3, act: Say(Some(3))),
    (on: Phase("Post"), wait_s: 1.5, act: Shot(Console, "console.png")),
]
"#;

/// What each number is replaced by in turn.
const FAULTS: [&str; 5] = ["NaN", "inf", "-inf", "-1", "1e309"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Clone)]
enum Kind {
    Scene,
    Protocol,
    Levels,
    Body,
    Script,
    Lesson,
    Program,
    /// A plan TSV, read back against its protocol.
    Plan(Box<Protocol>),
}

struct Shipped {
    kind: Kind,
    path: PathBuf,
    text: String,
}

/// Names the protocols are checked against: the shipped scenes and levels.
struct World {
    scenes: Vec<String>,
    walks: Vec<String>,
    levels: Vec<String>,
    lessons: Vec<String>,
}

impl World {
    fn known(&self) -> crate::course::program::Known<'_> {
        crate::course::program::Known {
            scenes: &self.scenes,
            walks: &self.walks,
            levels: &self.levels,
            lessons: &self.lessons,
        }
    }
}

fn world() -> World {
    let cat = Catalog::open(&repo().join("scenes")).unwrap();
    let levels = ImmersionLevels::load(&repo().join("immersion.ron")).unwrap();
    World {
        walks: cat
            .entries
            .iter()
            .filter(|e| e.def.as_ref().is_ok_and(|d| d.walk.is_some()))
            .map(|e| e.name.clone())
            .collect(),
        scenes: cat.valid_names(),
        levels: levels.levels.into_iter().map(|l| l.name).collect(),
        lessons: crate::course::lesson::load_dir(&repo().join("lessons"))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
    }
}

fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    v.sort();
    v
}

fn shipped(world: &World) -> Vec<Shipped> {
    let mut out = Vec::new();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    for path in ron_files(&repo().join("scenes")) {
        out.push(Shipped {
            kind: Kind::Scene,
            text: read(&path),
            path,
        });
    }
    for path in ron_files(&repo().join("protocols")) {
        let text = read(&path);
        let protocol = Protocol::parse(&path, &text, &world.scenes, &world.levels)
            .unwrap_or_else(|e| panic!("{e}"));
        let plan = protocol
            .plan(&Protocol::numbered(protocol.participants), protocol.seed)
            .unwrap();
        out.push(Shipped {
            kind: Kind::Plan(Box::new(protocol)),
            path: path.with_extension("plan.tsv"),
            text: plan.tsv(),
        });
        out.push(Shipped {
            kind: Kind::Protocol,
            text,
            path,
        });
    }
    for (dir, kind) in [("lessons", Kind::Lesson), ("programs", Kind::Program)] {
        for path in ron_files(&repo().join(dir)) {
            out.push(Shipped {
                kind: kind.clone(),
                text: read(&path),
                path,
            });
        }
    }
    let levels = repo().join("immersion.ron");
    out.push(Shipped {
        kind: Kind::Levels,
        text: read(&levels),
        path: levels,
    });
    out.push(Shipped {
        kind: Kind::Body,
        path: PathBuf::from("body.ron"),
        text: BODY.into(),
    });
    out.push(Shipped {
        kind: Kind::Script,
        path: PathBuf::from("autopilot.ron"),
        text: SCRIPT.into(),
    });
    out
}

/// The errors the app's loader finds in this text (none: accepted).
fn check_text(kind: &Kind, world: &World, path: &Path, text: &str) -> Vec<SpecError> {
    let errors = |r: Result<(), crate::SpecErrors>| r.err().map(|e| e.0).unwrap_or_default();
    match kind {
        Kind::Scene => errors(SceneDef::parse(path, text).map(drop)),
        Kind::Protocol => {
            errors(Protocol::parse(path, text, &world.scenes, &world.levels).map(drop))
        }
        Kind::Levels => errors(ImmersionLevels::parse(path, text).map(drop)),
        Kind::Body => errors(BodyProfile::parse(path, text).map(drop)),
        Kind::Script => errors(script::parse(path, text).map(drop)),
        Kind::Lesson => errors(crate::course::lesson::Lesson::parse(path, text).map(drop)),
        Kind::Program => {
            errors(crate::course::program::Program::parse(path, text, &world.known()).map(drop))
        }
        Kind::Plan(p) => errors(
            Plan::read_tsv(p, path, text, p.seed)
                .map(drop)
                .map_err(Into::into),
        ),
    }
}

/// The errors the app's loader finds in this file, read from disk.
fn check_file(kind: &Kind, world: &World, path: &Path) -> Vec<SpecError> {
    let errors = |r: Result<(), crate::SpecErrors>| r.err().map(|e| e.0).unwrap_or_default();
    match kind {
        Kind::Scene => errors(SceneDef::load(path).map(drop)),
        Kind::Protocol => errors(Protocol::load(path, &world.scenes, &world.levels).map(drop)),
        Kind::Levels => errors(ImmersionLevels::load(path).map(drop)),
        Kind::Body => errors(BodyProfile::load(path).map(drop)),
        Kind::Script => errors(script::load(path).map(drop)),
        Kind::Lesson => errors(crate::course::lesson::Lesson::load(path).map(drop)),
        Kind::Program => {
            errors(crate::course::program::Program::load(path, &world.known()).map(drop))
        }
        Kind::Plan(p) => errors(
            Plan::load_tsv(p, path, p.seed)
                .map(drop)
                .map_err(Into::into),
        ),
    }
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Panics inside [`quietly`] are counted, not printed; every other test's are printed.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, catching a panic: `Err(message)` when it panicked.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    QUIET.with(|q| q.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|e| {
        e.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

/// Every numeric literal outside strings and comments: (byte offset, length). A leading
/// minus belongs to the number; digits inside a name (`Digit4`, `P01`) do not count.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            c if c.is_ascii_digit()
                || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                if i > 0 && word(b[i - 1]) {
                    i += 1;
                    continue;
                }
                let start = i;
                i += 1;
                while i < b.len() {
                    let c = b[i];
                    let exp_sign = (c == b'-' || c == b'+') && matches!(b[i - 1], b'e' | b'E');
                    if c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'e' | b'E') || exp_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((start, i - start));
            }
            _ => i += 1,
        }
    }
    out
}

/// What one sweep found.
#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    panics: Vec<String>,
    rejected: usize,
    accepted: usize,
    /// Non-finite numbers the loader let through.
    accepted_non_finite: Vec<String>,
    /// Errors without the file, a line or a column.
    unlocated: Vec<String>,
    /// Rejections of a bad number with no error on the number's own line.
    elsewhere: Vec<String>,
    slowest: Duration,
}

impl Tally {
    /// Records one case's outcome; `at_line` is the line the fault was put on. With
    /// `SWEEP_SHOW_ACCEPTED` set, every accepted case is listed (to review by eye that only
    /// sensible values, such as a −1 coordinate, pass).
    fn record(
        &mut self,
        label: String,
        path: &Path,
        lines: usize,
        outcome: Result<Vec<SpecError>, String>,
        non_finite: bool,
        at_line: Option<usize>,
    ) {
        self.cases += 1;
        let errors = match outcome {
            Err(panic) => {
                self.panics.push(format!("{label}: {panic}"));
                return;
            }
            Ok(e) => e,
        };
        if errors.is_empty() {
            if std::env::var_os("SWEEP_SHOW_ACCEPTED").is_some() {
                eprintln!("accepted: {label}");
            }
            self.accepted += 1;
            if non_finite {
                self.accepted_non_finite.push(label);
            }
            return;
        }
        self.rejected += 1;
        for e in &errors {
            if e.file != path || e.line == 0 || e.col == 0 || e.line > lines + 1 {
                self.unlocated.push(format!("{label}: {e}"));
            }
        }
        if let Some(line) = at_line
            && !errors.iter().any(|e| e.line == line)
        {
            self.elsewhere.push(format!("{label}: {}", errors[0]));
        }
    }

    fn assert_clean(&self, what: &str) {
        eprintln!(
            "{what}: {} cases, {} panics, {} rejected, {} accepted, {} accepted non-finite, \
             {} errors without a place, slowest case {:?}",
            self.cases,
            self.panics.len(),
            self.rejected,
            self.accepted,
            self.accepted_non_finite.len(),
            self.unlocated.len(),
            self.slowest
        );
        let few = |v: &[String]| v.iter().take(12).cloned().collect::<Vec<_>>().join("\n");
        assert!(
            self.panics.is_empty(),
            "{what}: panics:\n{}",
            few(&self.panics)
        );
        assert!(
            self.accepted_non_finite.is_empty(),
            "{what}: non-finite numbers accepted:\n{}",
            few(&self.accepted_non_finite)
        );
        assert!(
            self.unlocated.is_empty(),
            "{what}: errors without file:line:col:\n{}",
            few(&self.unlocated)
        );
        assert!(
            self.slowest < Duration::from_secs(2),
            "{what}: a case took {:?}",
            self.slowest
        );
    }
}

/// Runs `f` on a thread of its own and fails when it does not finish in `limit`: a hang
/// fails the test instead of stopping the whole run.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|e| panic!("did not finish within {limit:?} ({e}): a hang"))
}

fn number_sweep() -> Tally {
    let world = world();
    let mut tally = Tally::default();
    for file in shipped(&world) {
        let lines = file.text.lines().count();
        let bytes = file.text.as_bytes();
        let literals = numbers(&file.text);
        assert!(!literals.is_empty(), "{}", file.path.display());
        for (at, len) in literals {
            let (line, _) = line_col(bytes, at);
            let original = &file.text[at..at + len];
            for fault in FAULTS {
                let text = format!("{}{fault}{}", &file.text[..at], &file.text[at + len..]);
                let label = format!("{}:{line}: {original} -> {fault}", file.path.display());
                let start = Instant::now();
                let outcome = quietly(|| check_text(&file.kind, &world, &file.path, &text));
                tally.slowest = tally.slowest.max(start.elapsed());
                // −1 may be refused for what it does elsewhere (a path that now turns too
                // tightly); a number that is not one is refused where it is written.
                let non_finite = fault != "-1";
                let at_line = non_finite.then_some(line);
                tally.record(label, &file.path, lines, outcome, non_finite, at_line);
            }
        }
    }
    tally
}

#[test]
fn every_number_of_every_shipped_file_made_nan_inf_or_negative_is_refused_at_its_place() {
    let tally = within(Duration::from_secs(300), number_sweep);
    tally.assert_clean("numbers");
    assert!(tally.cases > 4_000, "{}", tally.cases);
    assert!(
        tally.elsewhere.is_empty(),
        "rejected without an error on the bad number's line:\n{}",
        tally.elsewhere[..tally.elsewhere.len().min(12)].join("\n")
    );
}

/// Writes `bytes` under `dir` with the file's own name and reads it with its loader.
fn file_case(
    tally: &mut Tally,
    world: &World,
    dir: &Path,
    file: &Shipped,
    label: String,
    bytes: &[u8],
    at_line: Option<usize>,
) {
    let path = dir.join(file.path.file_name().unwrap());
    std::fs::write(&path, bytes).unwrap();
    let lines = bytes.iter().filter(|&&c| c == b'\n').count();
    let start = Instant::now();
    let outcome = quietly(|| check_file(&file.kind, world, &path));
    tally.slowest = tally.slowest.max(start.elapsed());
    tally.record(label, &path, lines, outcome, false, at_line);
}

fn cut_and_noise_sweep() -> Tally {
    let world = world();
    let dir = tempfile::tempdir().unwrap();
    let mut tally = Tally::default();
    let mut rng = ChaCha20Rng::seed_from_u64(20_261_201);
    for file in shipped(&world) {
        let bytes = file.text.as_bytes();
        // Cut short every 97th byte (some cuts fall inside a multi-byte character).
        for cut in (0..bytes.len()).step_by(97) {
            let label = format!("{} cut at byte {cut}", file.path.display());
            file_case(
                &mut tally,
                &world,
                dir.path(),
                &file,
                label,
                &bytes[..cut],
                None,
            );
        }
        // A few bytes overwritten at random.
        for k in 0..6 {
            let mut b = bytes.to_vec();
            for _ in 0..3 {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
            let label = format!("{} with random bytes #{k}", file.path.display());
            file_case(&mut tally, &world, dir.path(), &file, label, &b, None);
        }
        // Wholly random bytes, and random printable text with RON's punctuation.
        for k in 0..4 {
            let n = rng.random_range(0..3_000);
            let b: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let label = format!("{} as random bytes #{k}", file.path.display());
            file_case(&mut tally, &world, dir.path(), &file, label, &b, None);
            let alphabet = b"()[]{},:\"'0123456789.-+eE abcxyz_\n\tNaNinf/*#";
            let t: Vec<u8> = (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let label = format!("{} as random text #{k}", file.path.display());
            file_case(&mut tally, &world, dir.path(), &file, label, &t, None);
        }
        // Invalid UTF-8 in the middle of the real text: the error is at that byte.
        for k in 0..4 {
            let i = rng.random_range(0..bytes.len());
            let i = (i..bytes.len())
                .find(|&i| file.text.is_char_boundary(i))
                .unwrap_or(0);
            let mut b = bytes.to_vec();
            b.insert(i, 0xFF);
            let (line, col) = line_col(bytes, i);
            let path = dir.path().join(file.path.file_name().unwrap());
            std::fs::write(&path, &b).unwrap();
            let errors = quietly(|| check_file(&file.kind, &world, &path)).unwrap();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(
                (errors[0].line, errors[0].col),
                (line, col),
                "{} with 0xFF #{k} at byte {i}: {}",
                file.path.display(),
                errors[0]
            );
            assert!(errors[0].message.contains("UTF-8"), "{}", errors[0]);
            tally.cases += 1;
            tally.rejected += 1;
        }
    }
    tally
}

#[test]
fn shipped_files_cut_short_or_full_of_random_bytes_are_refused_at_a_place() {
    let tally = within(Duration::from_secs(300), cut_and_noise_sweep);
    tally.assert_clean("cuts and noise");
    assert!(tally.cases > 300, "{}", tally.cases);
}

fn only_error(r: Result<(), crate::SpecErrors>) -> SpecError {
    let e = r.expect_err("should be refused").0;
    assert!(!e.is_empty());
    e.into_iter().next().unwrap()
}

fn scene_text(name: &str) -> String {
    std::fs::read_to_string(repo().join("scenes").join(format!("{name}.ron"))).unwrap()
}

#[test]
fn absurd_numbers_are_named_with_their_place_and_the_allowed_range() {
    let file = Path::new("scenes/t.ron");
    // A NaN in a walking path.
    let walk = scene_text("forest_trail_walk");
    let path = walk.find("path: (").expect("a walking scene has a path");
    let at = walk[path..].find("points: [").unwrap() + path + "points: [".len();
    let first = walk[at..].find('(').unwrap() + at + 1;
    let comma = walk[first..].find(',').unwrap() + first;
    let bad = format!("{}NaN{}", &walk[..first], &walk[comma..]);
    let e = only_error(SceneDef::parse(file, &bad).map(drop));
    let (line, col) = line_col(bad.as_bytes(), first);
    assert_eq!((e.line, e.col), (line, col), "{e}");
    assert!(e.message.contains("walk.path.points[0][0]"), "{e}");
    assert!(e.message.contains("NaN is not a number"), "{e}");
    assert!(e.message.contains("expected"), "{e}");

    // A lake with no centre.
    let lake = scene_text("mountain_lake");
    let at = lake.find("center: (").expect("mountain_lake has a lake") + "center: (".len();
    let comma = lake[at..].find(',').unwrap() + at;
    let bad = format!("{}NaN{}", &lake[..at], &lake[comma..]);
    let e = only_error(SceneDef::parse(file, &bad).map(drop));
    assert_eq!((e.line, e.col), line_col(bad.as_bytes(), at), "{e}");
    assert!(e.message.contains("water.shape.center[0]"), "{e}");

    // The same, and a good scene beside it: the catalogue keeps the good one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lake.ron"), &bad).unwrap();
    std::fs::write(dir.path().join("glade.ron"), scene_text("forest_glade")).unwrap();
    let cat = Catalog::open(dir.path()).unwrap();
    assert_eq!(cat.valid_names(), ["glade"]);
    assert!(cat.get("glade").is_ok());
    let e = cat.get("lake").unwrap_err().to_string();
    assert!(e.contains("lake.ron:"), "{e}");

    // A billion participants, like the --participants flag, is refused.
    let world = world();
    let protocol_file = repo().join("protocols/hmd_vs_screen.ron");
    let src = std::fs::read_to_string(&protocol_file).unwrap();
    let p = |src: &str| Protocol::parse(Path::new("p.ron"), src, &world.scenes, &world.levels);
    let bad = src.replace("participants: 16", "participants: 1000000000");
    let e = only_error(p(&bad).map(drop));
    let line = bad
        .lines()
        .position(|l| l.contains("participants:"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
    assert!(e.message.contains("10000"), "{e}");
    // The same at the limit is fine.
    assert!(p(&src.replace("participants: 16", "participants: 10000")).is_ok());

    // A negative washout.
    let walking = std::fs::read_to_string(repo().join("protocols/walking_repeated.ron")).unwrap();
    let bad = walking.replace("Minutes(15)", "Minutes(-1)");
    let e = only_error(p(&bad).map(drop));
    let line = bad.lines().position(|l| l.contains("washout:")).unwrap() + 1;
    assert_eq!(e.line, line, "{e}");
    assert!(e.message.contains("washout"), "{e}");
    assert!(e.message.contains("120"), "{e}");
    // And NaN where a rating interval goes.
    let bad = src.replace("every_min: 5, post", "every_min: NaN, post");
    let e = only_error(p(&bad).map(drop));
    assert!(e.message.contains("ratings.every_min"), "{e}");
}

#[test]
fn a_plan_that_contradicts_its_protocol_is_refused_at_its_cell() {
    let world = world();
    let path = repo().join("protocols/hmd_vs_screen.ron");
    let src = std::fs::read_to_string(&path).unwrap();
    let protocol = Protocol::parse(&path, &src, &world.scenes, &world.levels).unwrap();
    let tsv = protocol
        .plan(&Protocol::numbered(4), protocol.seed)
        .unwrap()
        .tsv();
    let file = Path::new("plan.tsv");
    let read = |t: &str| Plan::read_tsv(&protocol, file, t, 1);
    assert!(read(&tsv).is_ok());
    let mut rows: Vec<Vec<String>> = tsv
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    let join = |rows: &[Vec<String>]| rows.iter().map(|r| r.join("\t") + "\n").collect::<String>();
    // Both periods of P01 set to the same condition: a sequence "AA".
    let mut aa = rows.clone();
    aa[2][3] = aa[1][3].clone();
    aa[2][4] = aa[1][4].clone();
    aa[2][1] = "AA".into();
    aa[1][1] = "AA".into();
    let e = read(&join(&aa)).unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.col > 0, "{e}");
    // One period only.
    let mut one = rows.clone();
    one.remove(2);
    let e = read(&join(&one)).unwrap_err();
    assert!(e.line > 0 && e.col > 0, "{e}");
    assert!(
        e.message.contains("2 conditions") || e.message.contains("period"),
        "{e}"
    );
    // Three periods.
    let mut three = rows.clone();
    let mut extra = three[2].clone();
    extra[2] = "3".into();
    three.insert(3, extra);
    let e = read(&join(&three)).unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    // A display that the protocol does not give the condition.
    let display = if rows[1][4] == "headset" {
        "screen"
    } else {
        "headset"
    };
    rows[1][4] = display.into();
    let e = read(&join(&rows)).unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    let col = rows[1][..4].iter().map(|c| c.len() + 1).sum::<usize>() + 1;
    assert_eq!(e.col, col, "{e}");
    assert!(e.message.contains("display"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_scenes_folder_neither_hangs_nor_hides_the_good_scene() {
    let dir = tempfile::tempdir().unwrap();
    let scenes = dir.path().to_path_buf();
    std::fs::write(scenes.join("glade.ron"), scene_text("forest_glade")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(scenes.join("pipe.ron"))
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    std::fs::create_dir(scenes.join("folder.ron")).unwrap();
    std::os::unix::fs::symlink(scenes.join("glade.ron"), scenes.join("linked.ron")).unwrap();
    std::os::unix::fs::symlink(scenes.join("nowhere.ron"), scenes.join("dangling.ron")).unwrap();
    let at = scenes.clone();
    let cat = within(Duration::from_secs(10), move || Catalog::open(&at).unwrap());
    assert_eq!(cat.valid_names(), ["glade", "linked"]);
    for name in ["pipe", "folder", "dangling"] {
        if let Some(entry) = cat.entries.iter().find(|e| e.name == name) {
            let e = entry.def.as_ref().unwrap_err().to_string();
            assert!(e.contains(&format!("{name}.ron")), "{e}");
        }
    }
    let pipe = cat.get("pipe").unwrap_err().to_string();
    assert!(pipe.contains("not a regular file"), "{pipe}");
    // Asked for by name (`respite check scenes/pipe.ron`), the FIFO is refused, not opened.
    let fifo = scenes.join("pipe.ron");
    let e = within(Duration::from_secs(10), move || SceneDef::load(&fifo)).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
}

#[test]
fn the_sweep_finds_every_number() {
    let src = "(a: 1, b: -2.5, c: \"3\", d: Digit4, e: (1e3, 7)) // 8\n/* 9 */ [P01, 10]";
    let found: Vec<&str> = numbers(src).iter().map(|&(i, n)| &src[i..i + n]).collect();
    assert_eq!(found, ["1", "-2.5", "1e3", "7", "10"]);
    assert_eq!(line_col("ab\ncdé".as_bytes(), 7), (2, 4));
}
