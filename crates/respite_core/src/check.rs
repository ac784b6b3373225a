//! Checking a spec file's values: each problem is recorded with the line and column where the
//! value is written, and all of them are reported together. Scenes, walks, bodies, immersion
//! levels, protocols, questionnaires and scripts check themselves with it.

use crate::error::{SpecError, SpecErrors};
use crate::locate::{FieldPath, locate, locate_value};
use std::ops::RangeInclusive;
use std::path::Path;

/// Checks a value against its allowed range and records the problem where it is written.
pub(crate) struct Checker<'a> {
    file: &'a Path,
    src: &'a str,
    errors: Vec<SpecError>,
}

impl<'a> Checker<'a> {
    /// No problem found so far.
    pub(crate) fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn new(file: &'a Path, src: &'a str) -> Self {
        Self {
            file,
            src,
            errors: Vec::new(),
        }
    }

    /// Every problem found, or nothing.
    pub(crate) fn finish(self) -> Result<(), SpecErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors(self.errors))
        }
    }

    pub(crate) fn fail(&mut self, path: &FieldPath, message: String) {
        let (line, col) = locate(self.src, path);
        self.errors.push(SpecError::new(
            self.file,
            line,
            col,
            format!("{path}: {message}"),
        ));
    }

    /// Records a problem at `path` in the message's own words, without the path in front.
    pub(crate) fn fail_plain(&mut self, path: &FieldPath, message: String) {
        let (line, col) = locate_value(self.src, path);
        self.errors
            .push(SpecError::new(self.file, line, col, message));
    }

    /// A number within `allowed` (NaN and the infinities never are).
    pub(crate) fn range(
        &mut self,
        path: &FieldPath,
        value: f32,
        allowed: RangeInclusive<f32>,
        unit: &str,
    ) {
        let (lo, hi) = (*allowed.start(), *allowed.end());
        if value.is_nan() {
            self.fail(
                path,
                format!("NaN is not a number; expected between {lo} and {hi}{unit}"),
            );
        } else if value.is_infinite() {
            self.fail(
                path,
                format!("{value} is not a finite number; expected between {lo} and {hi}{unit}"),
            );
        } else if !allowed.contains(&value) {
            self.fail(
                path,
                format!("must be between {lo} and {hi}{unit}, found {value}"),
            );
        }
    }

    /// A compass direction, degrees (−360 to 360).
    pub(crate) fn angle(&mut self, path: &FieldPath, value: f32) {
        self.range(path, value, -360.0..=360.0, "°");
    }

    /// A point (x, z) on the ground, each within `limit` metres of the seat.
    pub(crate) fn ground_point(&mut self, path: &FieldPath, (x, z): (f32, f32), limit: f32) {
        for (k, v) in [x, z].into_iter().enumerate() {
            self.range(&path.index(k), v, -limit..=limit, " m (half the terrain)");
        }
    }

    /// A (smallest, largest) pair: both in range, and in that order.
    pub(crate) fn pair(
        &mut self,
        path: &FieldPath,
        (lo, hi): (f32, f32),
        allowed: RangeInclusive<f32>,
        unit: &str,
    ) {
        self.range(&path.index(0), lo, allowed.clone(), unit);
        self.range(&path.index(1), hi, allowed, unit);
        if lo > hi {
            self.fail(
                path,
                format!("smallest ({lo}) must not exceed largest ({hi})"),
            );
        }
    }

    pub(crate) fn count(
        &mut self,
        path: &FieldPath,
        value: usize,
        allowed: RangeInclusive<usize>,
        what: &str,
    ) {
        if !allowed.contains(&value) {
            self.fail(
                path,
                format!(
                    "needs {} to {} {what}, found {value}",
                    allowed.start(),
                    allowed.end()
                ),
            );
        }
    }
}
