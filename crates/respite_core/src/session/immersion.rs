//! Immersion levels: named presets of concrete, measurable parameters (the field of view,
//! stereo or mono, how much moves in the place, spatial or plain sound, whether life reacts
//! to the gaze, the virtual body), read from a RON file. A level can be changed field by
//! field (`fov_deg=70`) from the command line or a protocol; the active values are written
//! with every session.

use crate::check::Checker;
use crate::error::SpecErrors;
use crate::locate::FieldPath;
use crate::scene::SceneDef;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Allowed visible field of view, degrees horizontally.
pub const FOV_RANGE: std::ops::RangeInclusive<f32> = 40.0..=110.0;

/// Both eyes' own views, or both drawn from the centre of the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Stereo {
    /// Each eye sees from where it is: depth from disparity.
    Stereo,
    /// Both eyes see the picture from the centre of the head: no disparity. On a screen the
    /// picture is mono anyway.
    Mono,
}

/// How the soundscape places its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum AudioStage {
    /// Each source from its place around the listener, following the head.
    Spatial,
    /// The same sources, centred in both ears: plain stereo that ignores the head.
    Plain,
}

/// One named preset.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImmersionLevel {
    /// A label: lower case letters, digits and `_`.
    pub name: String,
    /// One line for the therapist.
    pub description: String,
    /// Visible field of view, degrees horizontally (40–110): the camera's on a screen; in a
    /// headset a soft vignette narrows the headset's own field to it.
    pub fov_deg: f32,
    pub stereo: Stereo,
    /// Ambient motion: the share of the scene's particles and animals shown (0–1).
    pub motion: f32,
    pub audio: AudioStage,
    /// Life reacts to the gaze: a butterfly comes to land where the patient looks.
    pub interactive: bool,
    /// The virtual body is drawn (walking scenes).
    pub body: bool,
    /// Strength of the comfort vignette while walking (0–1).
    pub walk_vignette: f32,
}

/// The field names an override may set, in the order they are written.
pub const FIELDS: [&str; 7] = [
    "fov_deg",
    "stereo",
    "motion",
    "audio",
    "interactive",
    "body",
    "walk_vignette",
];

impl ImmersionLevel {
    /// Sets one field from `key=value`, as typed on a command line or in a protocol.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let (key, value) = assignment
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| format!("'{assignment}' is not KEY=VALUE"))?;
        let number = |lo: f32, hi: f32| -> Result<f32, String> {
            let v: f32 = value
                .parse()
                .map_err(|_| format!("{key}: '{value}' is not a number"))?;
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(format!("{key}: {v} is outside {lo} to {hi}"))
            }
        };
        let flag = || -> Result<bool, String> {
            match value.to_ascii_lowercase().as_str() {
                "true" | "on" | "yes" => Ok(true),
                "false" | "off" | "no" => Ok(false),
                _ => Err(format!("{key}: '{value}' is not on or off")),
            }
        };
        match key {
            "fov_deg" => self.fov_deg = number(*FOV_RANGE.start(), *FOV_RANGE.end())?,
            "motion" => self.motion = number(0.0, 1.0)?,
            "walk_vignette" => self.walk_vignette = number(0.0, 1.0)?,
            "interactive" => self.interactive = flag()?,
            "body" => self.body = flag()?,
            "stereo" => {
                self.stereo = match value.to_ascii_lowercase().as_str() {
                    "stereo" => Stereo::Stereo,
                    "mono" => Stereo::Mono,
                    _ => return Err(format!("stereo: '{value}' is not stereo or mono")),
                }
            }
            "audio" => {
                self.audio = match value.to_ascii_lowercase().as_str() {
                    "spatial" => AudioStage::Spatial,
                    "plain" => AudioStage::Plain,
                    _ => return Err(format!("audio: '{value}' is not spatial or plain")),
                }
            }
            _ => {
                return Err(format!(
                    "'{key}' is not a level's field; one of {}",
                    FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Fits a scene to this level: the screen's field of view, and only a share of the
    /// drifting particles and animals. (The body, stereo, sound and gaze are the App's.)
    pub fn shape_scene(&self, scene: &mut SceneDef) {
        scene.viewpoint.fov_deg = self.fov_deg;
        let share = |n: u32| (n as f32 * self.motion).round() as u32;
        for p in &mut scene.particles {
            p.count = share(p.count);
        }
        scene.particles.retain(|p| p.count > 0);
        for f in &mut scene.fauna {
            f.count = share(f.count);
        }
        if let Some(walk) = scene.walk.as_mut() {
            walk.vignette = self.walk_vignette;
        }
    }

    fn validate(&self, c: &mut Checker, at: &FieldPath) {
        let good_name = !self.name.is_empty()
            && self.name.len() <= 32
            && self
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !good_name {
            c.fail(
                &at.field("name"),
                format!(
                    "'{}' must be 1 to 32 lower case letters, digits or _",
                    self.name
                ),
            );
        }
        let d = self.description.trim();
        if d.is_empty() || d.contains('\n') || d.len() > 160 {
            c.fail(
                &at.field("description"),
                "must be one line of 1 to 160 characters".into(),
            );
        }
        c.range(&at.field("fov_deg"), self.fov_deg, FOV_RANGE, "°");
        c.range(&at.field("motion"), self.motion, 0.0..=1.0, "");
        c.range(
            &at.field("walk_vignette"),
            self.walk_vignette,
            0.0..=1.0,
            "",
        );
    }
}

/// Every field as `key=value`, space-separated: the form session records use.
impl fmt::Display for ImmersionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "level={} fov_deg={} stereo={} motion={} audio={} interactive={} body={} walk_vignette={}",
            self.name,
            self.fov_deg,
            match self.stereo {
                Stereo::Stereo => "stereo",
                Stereo::Mono => "mono",
            },
            self.motion,
            match self.audio {
                AudioStage::Spatial => "spatial",
                AudioStage::Plain => "plain",
            },
            self.interactive,
            self.body,
            self.walk_vignette
        )
    }
}

/// The levels file: the presets, calmest first, and the one a session uses by default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImmersionLevels {
    pub default: String,
    pub levels: Vec<ImmersionLevel>,
}

impl ImmersionLevels {
    pub fn parse(file: &Path, src: &str) -> Result<Self, SpecErrors> {
        let levels: ImmersionLevels =
            ron::from_str(src).map_err(|e| crate::error::ron_error(file, &e))?;
        let mut c = Checker::new(file, src);
        let root = FieldPath::default();
        c.count(&root.field("levels"), levels.levels.len(), 1..=32, "levels");
        for (i, level) in levels.levels.iter().enumerate().take(32) {
            let at = root.field("levels").index(i);
            level.validate(&mut c, &at);
            if levels.levels[..i].iter().any(|l| l.name == level.name) {
                c.fail(
                    &at.field("name"),
                    format!("'{}' is named twice", level.name),
                );
            }
        }
        if !levels.levels.iter().any(|l| l.name == levels.default) {
            c.fail(
                &root.field("default"),
                format!("'{}' is not one of the levels", levels.default),
            );
        }
        c.finish()?;
        Ok(levels)
    }

    pub fn load(file: &Path) -> Result<Self, SpecErrors> {
        Self::parse(file, &crate::error::read_spec(file)?)
    }

    /// The level called `name` (the default when `None`), or why not, naming the valid ones.
    pub fn get(&self, name: Option<&str>) -> Result<ImmersionLevel, String> {
        let name = name.unwrap_or(&self.default);
        self.levels
            .iter()
            .find(|l| l.name == name)
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = self.levels.iter().map(|l| l.name.as_str()).collect();
                format!(
                    "no immersion level '{name}'; the levels are {}",
                    names.join(", ")
                )
            })
    }

    /// The level with each `key=value` applied in order; an error names the one that failed.
    pub fn resolve(
        &self,
        name: Option<&str>,
        overrides: &[String],
    ) -> Result<ImmersionLevel, String> {
        let mut level = self.get(name)?;
        for o in overrides {
            level.set(o)?;
        }
        Ok(level)
    }
}
