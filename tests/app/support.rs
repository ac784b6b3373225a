//! Running the binary and reading its pictures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `respite` binary, run from the project root with the shipped scenes.
pub fn respite() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_respite"));
    c.current_dir(ROOT).env_remove("RESPITE_SCENES");
    c
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Window tests must not pass by not running: without a display they fail and say why.
pub fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "this test opens a window: run the tests under xvfb-run, as the README's test command does"
    );
}

/// Scene names shipped in `scenes/`.
pub fn shipped_scenes() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("scenes"))
        .expect("scenes folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An RGB picture with the measures the tests use.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pixels: Vec<[u8; 3]>,
}

impl Picture {
    pub fn load(path: &Path) -> Picture {
        let img = image::open(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()))
            .to_rgb8();
        Picture {
            width: img.width(),
            height: img.height(),
            pixels: img.pixels().map(|p| p.0).collect(),
        }
    }

    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.pixels[(y * self.width + x) as usize]
    }

    fn region(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> impl Iterator<Item = [u8; 3]> + '_ {
        let (w, h) = (self.width as f32, self.height as f32);
        let (xa, xb) = ((x0 * w) as u32, ((x1 * w) as u32).min(self.width));
        let (ya, yb) = ((y0 * h) as u32, ((y1 * h) as u32).min(self.height));
        (ya..yb).flat_map(move |y| (xa..xb).map(move |x| self.at(x, y)))
    }

    /// Mean colour of a region given in fractions of the picture (0..1).
    pub fn mean(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> [f32; 3] {
        let mut sum = [0.0f64; 3];
        let mut n = 0.0f64;
        for p in self.region(x0, y0, x1, y1) {
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
        sum.map(|s| (s / n.max(1.0)) as f32)
    }

    /// Fraction of a region's pixels that pass `test`.
    pub fn share(&self, x0: f32, y0: f32, x1: f32, y1: f32, test: impl Fn([u8; 3]) -> bool) -> f32 {
        let (mut hit, mut n) = (0usize, 0usize);
        for p in self.region(x0, y0, x1, y1) {
            n += 1;
            hit += usize::from(test(p));
        }
        hit as f32 / n.max(1) as f32
    }

    /// Standard deviation of luminance over the whole picture (0–255 scale).
    pub fn luminance_spread(&self) -> f32 {
        let lum: Vec<f64> = self.pixels.iter().map(|p| luminance(*p)).collect();
        let mean = lum.iter().sum::<f64>() / lum.len() as f64;
        (lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64).sqrt() as f32
    }

    /// Share of the picture taken by its single most common colour.
    pub fn largest_flat_share(&self) -> f32 {
        let mut counts = std::collections::HashMap::new();
        for p in &self.pixels {
            *counts.entry(*p).or_insert(0usize) += 1;
        }
        *counts.values().max().unwrap_or(&0) as f32 / self.pixels.len() as f32
    }

    pub fn distinct_colours(&self) -> usize {
        self.pixels
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    }

    /// Mean absolute per-channel difference to another picture over a region.
    pub fn difference(&self, other: &Picture, x0: f32, y0: f32, x1: f32, y1: f32) -> f32 {
        assert_eq!((self.width, self.height), (other.width, other.height));
        let (mut sum, mut n) = (0.0f64, 0.0f64);
        for (a, b) in self
            .region(x0, y0, x1, y1)
            .zip(other.region(x0, y0, x1, y1))
        {
            for c in 0..3 {
                sum += (f64::from(a[c]) - f64::from(b[c])).abs();
            }
            n += 3.0;
        }
        (sum / n.max(1.0)) as f32
    }
}

pub fn luminance(p: [u8; 3]) -> f64 {
    0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
}

/// Where test pictures go: kept after the run (under the target folder) so a person can
/// look at what the tests saw.
pub fn picture_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pictures");
    std::fs::create_dir_all(&dir).expect("picture folder");
    dir
}

/// Runs `respite screenshot` and returns the process output and the picture.
pub fn screenshot(scene: &str, display: &str, envs: &[(&str, &str)]) -> (Output, Picture) {
    require_display();
    let out_path = picture_dir().join(format!("{scene}-{display}.png"));
    let _ = std::fs::remove_file(&out_path);
    let out = respite()
        .args([
            "screenshot",
            "--scene",
            scene,
            "--display",
            display,
            "--size",
            "640x360",
            "--frames",
            "8",
            "--out",
        ])
        .arg(&out_path)
        .envs(envs.iter().copied())
        .output()
        .expect("run respite");
    assert!(
        out.status.success(),
        "screenshot of {scene} ({display}) failed: {:?}\n{}",
        out.status,
        stderr(&out)
    );
    let picture = Picture::load(&out_path);
    (out, picture)
}

/// The flat forest glade picture, taken once and shared by the tests that compare with it.
pub fn glade_flat() -> &'static Picture {
    static PICTURE: OnceLock<Picture> = OnceLock::new();
    PICTURE.get_or_init(|| screenshot("forest_glade", "flat", &[]).1)
}

/// Synthetic breathing at `rate` a minute for `seconds` (with a voice over it when
/// `speech`), written by `respite breathing --synthesise`.
pub fn synthesise_breath(wav: &Path, rate: u32, seconds: u32, speech: bool) {
    let made = respite()
        .args(["breathing", "--rate", &rate.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .args(if speech { &["--speech"][..] } else { &[][..] })
        .arg("--synthesise")
        .arg(wav)
        .output()
        .expect("run respite breathing");
    assert!(made.status.success(), "{}", stderr(&made));
}

/// The outside tool an environment variable names (`.ci/run` sets each): `None` here, said
/// on stderr, when unset; never in CI.
pub fn tool_from_env(var: &str, skipped: &str) -> Option<std::ffi::OsString> {
    let tool = std::env::var_os(var);
    if tool.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set {var} (see .ci/run)"
        );
        eprintln!("{var} is not set: {skipped}");
    }
    tool
}
