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

/// `path` made absolute and its `.` and `..` resolved, without touching the disk.
fn plain(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
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
        if plain(key).starts_with(plain(o)) {
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
pub fn write_report(
    data_dir: &Path,
    out: &Path,
    blind_key: Option<&Path>,
    bids_dir: Option<&Path>,
) -> Result<ReportOut, String> {
    let read = report::read_all(data_dir)?;
    if read.is_empty() {
        return Err(format!(
            "{}: no sub-*/ses-* session folders",
            data_dir.display()
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
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let mut put = |name: &str, text: &str| -> Result<(), String> {
        let p = out.join(name);
        data::write_atomic(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        files.push(p);
        Ok(())
    };
    let sessions = report.sessions_tsv();
    put(dict::SESSIONS.file, &sessions)?;
    put(dict::CONDITIONS.file, &report.conditions_tsv())?;
    put(dict::CONTRASTS.file, &report.contrasts_tsv())?;
    put(dict::TIMECOURSE.file, &report.timecourse_tsv())?;
    put(dict::NRS_BY_MINUTE.file, &report.nrs_by_minute_tsv())?;
    put(dict::RATINGS.file, &report.ratings_tsv())?;
    put(dict::SCORES.file, &report.scores_tsv())?;
    put(
        "data_dictionary.tsv",
        &dict::dictionary_tsv(&dict::TABLES, blinded),
    )?;
    put(
        "data_dictionary.md",
        &dict::dictionary_md(&dict::TABLES, blinded),
    )?;
    put(
        "redcap_dictionary.csv",
        &dict::redcap_dictionary_csv(blinded),
    )?;
    put(
        "redcap_import.csv",
        &dict::redcap_import_csv(&sessions, blinded)?,
    )?;
    put("analysis.py", ANALYSIS_PY)?;
    put("analysis.R", ANALYSIS_R)?;
    let mut md = report.markdown();
    if blinded {
        // Paths as the data folder has them: its own name may name the conditions.
        md = md.replace(&format!("{}/", data_dir.display()), "");
    }
    put("report.md", &md)?;
    files.extend(plots::nrs_over_time(&report, &out.join("nrs_over_time"))?);
    if report
        .contrasts
        .iter()
        .any(|c| c.method == "paired" && c.outcome == "post_nrs")
    {
        files.extend(plots::paired_lines(&report, &out.join("paired_post_nrs"))?);
    }
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
        bids::export(&report, &name, dir)?;
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
