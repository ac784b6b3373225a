//! What `respite report` writes: the tables with their data dictionary, the REDCap
//! dictionary and import file, the text, the plots (SVG and PNG), the ready-to-run analysis
//! scripts, and on request a BIDS export and a blinded version with its key kept apart.

use super::blinding::Blinding;
use super::data;
use super::dictionary as dict;
use super::report::{self, Report};
use super::{bids, plots};
use std::path::{Path, PathBuf};

/// The analysis scripts written beside the tables: they read `sessions.tsv` as it is.
pub const ANALYSIS_PY: &str = include_str!("scripts/analysis.py");
pub const ANALYSIS_R: &str = include_str!("scripts/analysis.R");

/// What a report run wrote.
pub struct ReportOut {
    pub files: Vec<PathBuf>,
    pub summary: String,
    /// Said to the user: a key drawn or read, folders not read.
    pub notes: Vec<String>,
}

/// Written into every folder a report makes: a folder holding it may be replaced by the
/// next report; one holding other files is never touched.
pub const MARKER: &str = ".respite-report";

/// `path` made absolute with its `.` and `..` resolved, and the symbolic links of the part
/// that exists followed: two paths to one place compare equal.
fn resolved(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut plain = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                plain.pop();
            }
            std::path::Component::CurDir => {}
            other => plain.push(other),
        }
    }
    // The longest part that exists, with its links followed, then the rest as written.
    let mut rest = Vec::new();
    let mut at = plain.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return plain,
        }
    }
}

/// Makes the folder `target` anew through `fill`, all or nothing: `fill` writes into a
/// hidden sibling, which then replaces `target`. A `target` that holds files no report
/// wrote (no [`MARKER`]) is refused and left as it is; a report's own folder is replaced
/// whole, so nothing of an earlier run (an unblinded export's motion, a plot no longer
/// drawn) survives beside the new one.
fn replace_dir<T>(
    flag: &str,
    target: &Path,
    fill: impl FnOnce(&Path) -> Result<T, String>,
) -> Result<T, String> {
    let at = |e: std::io::Error, p: &Path| format!("{flag} {}: {e}", p.display());
    if target.exists() {
        if !target.is_dir() {
            return Err(format!("{flag} {}: not a folder", target.display()));
        }
        let mut entries = std::fs::read_dir(target).map_err(|e| at(e, target))?;
        if entries.next().is_some() && !target.join(MARKER).is_file() {
            return Err(format!(
                "{flag} {}: the folder holds files no report wrote; give an empty or new folder                  (a report replaces its own folder whole)",
                target.display()
            ));
        }
    }
    let name = target
        .file_name()
        .ok_or_else(|| format!("{flag} {}: not a folder's name", target.display()))?
        .to_string_lossy()
        .to_string();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| at(e, parent))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.partial-{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| at(e, &tmp))?;
    let filled = fill(&tmp).and_then(|t| {
        data::write_atomic(&tmp.join(MARKER), "written by respite report\n")
            .map_err(|e| at(e, &tmp))?;
        Ok(t)
    });
    let t = match filled {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if target.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        std::fs::rename(target, &old).map_err(|e| at(e, target))?;
        if let Err(e) = std::fs::rename(&tmp, target) {
            let _ = std::fs::rename(&old, target);
            return Err(at(e, target));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, target).map_err(|e| at(e, target))?;
    }
    Ok(t)
}

/// The study's masks: the key file's when it exists, else drawn now from OS randomness
/// over the conditions and written there. The key never lives inside an output.
fn blinding_for(
    key: &Path,
    outputs: &[&Path],
    sessions: &[report::SessionResult],
    notes: &mut Vec<String>,
) -> Result<(Blinding, bool), String> {
    for o in outputs {
        if resolved(key).starts_with(resolved(o)) {
            return Err(format!(
                "--key {}: inside the output {}; the key must be kept apart from what the \
                 assessor sees",
                key.display(),
                o.display()
            ));
        }
    }
    let in_data: Vec<&str> = sessions.iter().map(|s| s.condition.as_str()).collect();
    if key.exists() {
        let b = Blinding::load_key(key)?;
        b.check_covers(in_data.iter().copied())
            .map_err(|e| format!("--key {}: {e}", key.display()))?;
        notes.push(format!("masks read from the key {}", key.display()));
        return Ok((b, false));
    }
    // Every condition of the protocol, not only those with data yet.
    let mut names: Vec<String> = sessions
        .iter()
        .flat_map(|s| s.conditions.iter().cloned())
        .chain(in_data.iter().map(|c| c.to_string()))
        .collect();
    names.sort();
    names.dedup();
    let b = Blinding::draw(&names);
    if let Some(dir) = key.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!(
            "--key {}: folder {} does not exist",
            key.display(),
            dir.display()
        ));
    }
    data::write_atomic(key, &b.key_tsv()).map_err(|e| format!("--key {}: {e}", key.display()))?;
    notes.push(format!(
        "masks drawn and written to the key {} (keep it from the assessor; give it back to \
         later reports)",
        key.display()
    ));
    Ok((b, true))
}

/// Reads `data`, writes the report to `out` (and a BIDS export to `bids_dir`); blinded
/// with the study's key at `blind_key` when given (read, or drawn and written there).
///
/// Each manifest is checked as closely as the run needs: every file hashed for an unblinded
/// BIDS export (which copies the motion), else every file but the per-frame recordings,
/// which are found and not re-read ([`data::Verify`]).
pub fn write_report(
    data_dir: &Path,
    out: &Path,
    blind_key: Option<&Path>,
    bids_dir: Option<&Path>,
) -> Result<ReportOut, String> {
    write_report_with(data_dir, out, blind_key, bids_dir, data::Verify::Read)
}

/// [`write_report`], hashing every file of every session when `verify` is
/// [`data::Verify::All`] (`respite report --verify`).
pub fn write_report_with(
    data_dir: &Path,
    out: &Path,
    blind_key: Option<&Path>,
    bids_dir: Option<&Path>,
    verify: data::Verify,
) -> Result<ReportOut, String> {
    write_report_and(data_dir, out, blind_key, bids_dir, verify, None)
}

/// More files a report writes into its folder, with the rest, all or nothing (a program's
/// course report): given the folder being made, the paths it wrote.
pub type Extra<'a> = &'a dyn Fn(&Path) -> Result<Vec<PathBuf>, String>;

/// [`write_report_with`], with `extra` files written into `--out` beside the report's own.
pub fn write_report_and(
    data_dir: &Path,
    out: &Path,
    blind_key: Option<&Path>,
    bids_dir: Option<&Path>,
    verify: data::Verify,
    extra: Option<Extra>,
) -> Result<ReportOut, String> {
    let copies_motion = bids_dir.is_some() && blind_key.is_none();
    let verify = if copies_motion {
        data::Verify::All
    } else {
        verify
    };
    let read = report::read_all_with(data_dir, verify)?;
    if read.is_empty() {
        return Err(format!(
            "{}: no sub-*/ses-* session folders",
            data_dir.display()
        ));
    }
    // Each folder is replaced whole: one inside the other would lose the first.
    if let Some(b) = bids_dir
        && (resolved(b).starts_with(resolved(out)) || resolved(out).starts_with(resolved(b)))
    {
        return Err(format!(
            "--bids {} and --out {}: one folder inside the other; give them apart",
            b.display(),
            out.display()
        ));
    }
    let mut notes = Vec::new();
    let mut files = Vec::new();
    let blinding = match blind_key {
        None => None,
        Some(key) => {
            let outputs: Vec<&Path> = std::iter::once(out).chain(bids_dir).collect();
            let (b, drawn) = blinding_for(key, &outputs, &read.sessions, &mut notes)?;
            if drawn {
                files.push(key.to_path_buf());
            }
            Some(b)
        }
    };
    let blinded = blinding.is_some();
    let report = Report::new(read, blinding);
    // Everything is worked out before anything is written.
    let sessions = report.sessions_tsv();
    let mut md = report.markdown();
    if blinded {
        // Paths as the data folder has them: its own name may name the conditions.
        let root = data_dir.display().to_string();
        md = md.replace(&format!("{}/", root.trim_end_matches('/')), "");
    }
    let texts: Vec<(&str, String)> = vec![
        (dict::SESSIONS.file, sessions.clone()),
        (dict::CONDITIONS.file, report.conditions_tsv()),
        (dict::CONTRASTS.file, report.contrasts_tsv()),
        (dict::TIMECOURSE.file, report.timecourse_tsv()),
        (dict::NRS_BY_MINUTE.file, report.nrs_by_minute_tsv()),
        (dict::RATINGS.file, report.ratings_tsv()),
        (dict::SCORES.file, report.scores_tsv()),
        (
            "data_dictionary.tsv",
            dict::dictionary_tsv(&dict::TABLES, blinded),
        ),
        (
            "data_dictionary.md",
            dict::dictionary_md(&dict::TABLES, blinded),
        ),
        (
            "redcap_dictionary.csv",
            dict::redcap_dictionary_csv(blinded),
        ),
        (
            "redcap_import.csv",
            dict::redcap_import_csv(&sessions, blinded)?,
        ),
        ("analysis.py", ANALYSIS_PY.to_string()),
        ("analysis.R", ANALYSIS_R.to_string()),
        ("report.md", md),
    ];
    let paired = report
        .contrasts
        .iter()
        .any(|c| c.method == "paired" && c.outcome == "post_nrs");
    let written = replace_dir("--out", out, |dir| {
        let mut names: Vec<String> = Vec::new();
        for (name, text) in &texts {
            let p = dir.join(name);
            data::write_atomic(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
            names.push(name.to_string());
        }
        let mut plots = plots::nrs_over_time(&report, &dir.join("nrs_over_time"))?;
        if paired {
            plots.extend(plots::paired_lines(&report, &dir.join("paired_post_nrs"))?);
        }
        if let Some(extra) = extra {
            plots.extend(extra(dir)?);
        }
        names.extend(
            plots
                .iter()
                .filter_map(|p| Some(p.file_name()?.to_string_lossy().to_string())),
        );
        Ok(names)
    })?;
    files.extend(written.iter().map(|n| out.join(n)));
    if let Some(dir) = bids_dir {
        let name = if blinded {
            "Respite study (blinded)".to_string()
        } else {
            data_dir
                .file_name()
                .map_or("Respite study".to_string(), |n| {
                    n.to_string_lossy().to_string()
                })
        };
        replace_dir("--bids", dir, |tmp| bids::export(&report, &name, tmp))?;
        files.push(dir.to_path_buf());
    }
    for skipped in &report.skipped {
        notes.push(format!("not read: {}", skipped.reason));
    }
    Ok(ReportOut {
        files,
        summary: report.summary_line(),
        notes,
    })
}

/// `respite plan --blind-key`: the study's masks, drawn once from OS randomness over the
/// protocol's conditions, written to `key`; an existing key is never overwritten.
pub fn write_key(conditions: &[String], key: &Path) -> Result<(), String> {
    if key.exists() {
        return Err(format!(
            "--blind-key {}: a key is there already; the masks are drawn once per study",
            key.display()
        ));
    }
    data::write_atomic(key, &Blinding::draw(conditions).key_tsv())
        .map_err(|e| format!("--blind-key {}: {e}", key.display()))
}
