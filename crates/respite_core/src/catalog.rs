//! The scenes folder: every `*.ron` file is one scene, named by its file stem. A broken file
//! is reported on its own and never hides the others: one that is not a regular file (a
//! FIFO, a folder, a dangling link) is refused without being opened, and one whose check
//! fails in an unforeseen way is reported as that file's error, not the command's.

use crate::error::{SpecError, SpecErrors};
use crate::scene::SceneDef;
use std::fmt;
use std::path::{Path, PathBuf};

/// One scene file and what came of reading it.
#[derive(Debug)]
pub struct SceneEntry {
    pub name: String,
    pub path: PathBuf,
    pub def: Result<SceneDef, SpecErrors>,
}

/// All scene files in one folder, sorted by name.
#[derive(Debug)]
pub struct Catalog {
    pub dir: PathBuf,
    pub entries: Vec<SceneEntry>,
}

/// Why a scene asked for by name cannot be had.
#[derive(Debug)]
pub enum LookupError {
    Unknown {
        name: String,
        available: Vec<String>,
    },
    Invalid(SpecErrors),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Unknown { name, available } if available.is_empty() => {
                write!(f, "unknown scene '{name}': no valid scenes were found")
            }
            LookupError::Unknown { name, available } => write!(
                f,
                "unknown scene '{name}'; available scenes: {}",
                available.join(", ")
            ),
            LookupError::Invalid(errors) => write!(f, "{errors}"),
        }
    }
}

impl std::error::Error for LookupError {}

/// One scene file, read so that nothing in it can stop the others being read: a panic in
/// its check (a bug, never an expected outcome) becomes this file's error.
fn load_alone(path: &Path) -> Result<SceneDef, SpecErrors> {
    std::panic::catch_unwind(|| SceneDef::load(path)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(SpecError::new(
            path,
            0,
            0,
            format!("checking this file failed inside Respite (please report it): {why}"),
        )
        .into())
    })
}

/// The `*.ron` files of a folder's listing, sorted by name.
pub(crate) fn ron_files(listing: std::fs::ReadDir) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    paths.sort();
    paths
}

impl Catalog {
    /// Reads every `*.ron` in `dir`. Fails only when the folder itself cannot be read.
    pub fn open(dir: &Path) -> Result<Catalog, SpecError> {
        let listing = std::fs::read_dir(dir).map_err(|e| {
            SpecError::new(dir, 0, 0, format!("cannot read the scenes folder: {e}"))
        })?;
        let entries = ron_files(listing)
            .into_iter()
            .map(|path| SceneEntry {
                name: path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                def: load_alone(&path),
                path,
            })
            .collect();
        Ok(Catalog {
            dir: dir.to_path_buf(),
            entries,
        })
    }

    /// Names of the scenes that parsed and validated.
    pub fn valid_names(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.def.is_ok())
            .map(|e| e.name.clone())
            .collect()
    }

    /// The scene called `name`, or why it cannot be had.
    pub fn get(&self, name: &str) -> Result<&SceneDef, LookupError> {
        match self.entries.iter().find(|e| e.name == name) {
            Some(SceneEntry { def: Ok(def), .. }) => Ok(def),
            Some(SceneEntry { def: Err(e), .. }) => Err(LookupError::Invalid(e.clone())),
            None => Err(LookupError::Unknown {
                name: name.to_string(),
                available: self.valid_names(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::tests::GOOD;

    #[test]
    fn every_shipped_scene_parses_and_validates() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes");
        let cat = Catalog::open(&dir).unwrap();
        assert!(!cat.entries.is_empty(), "no scenes in {}", dir.display());
        for entry in &cat.entries {
            if let Err(e) = &entry.def {
                panic!("{e}");
            }
        }
        assert!(cat.get("forest_glade").is_ok());
    }

    #[test]
    fn a_broken_file_does_not_hide_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("glade.ron"), GOOD).unwrap();
        std::fs::write(dir.path().join("broken.ron"), "(description: ").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a scene").unwrap();
        let cat = Catalog::open(dir.path()).unwrap();
        assert_eq!(cat.entries.len(), 2);
        assert_eq!(cat.valid_names(), vec!["glade".to_string()]);
        assert!(cat.get("glade").is_ok());
        match cat.get("broken") {
            Err(LookupError::Invalid(e)) => assert!(e.to_string().contains("broken.ron:1:"), "{e}"),
            other => panic!("{other:?}"),
        }
        let unknown = cat.get("meadow").unwrap_err().to_string();
        assert_eq!(unknown, "unknown scene 'meadow'; available scenes: glade");
    }
}
