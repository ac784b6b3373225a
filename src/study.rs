//! What `respite run --protocol` needs: which session a participant is due, whether an
//! interrupted one may resume, and the washout before it. Engine-free; the binary calls
//! these before it builds the App. (`plan` and `report` live in the core's `research`.)

use crate::session::questions::{Done, WashoutPlan};
use crate::session::{Closing, Phase};
use respite_core::research::data::{self, SessionFiles};
use respite_core::research::protocol::{Condition, Protocol, Washout};
use respite_core::research::report;
use std::path::Path;

/// One participant's due session under a protocol.
#[derive(Debug, Clone)]
pub struct Due {
    pub condition: Condition,
    pub period: usize,
    pub periods: usize,
    pub sequence: String,
    pub files: SessionFiles,
    pub washout: Option<WashoutPlan>,
    /// Some when resuming an interrupted session.
    pub resume: Option<Done>,
}

/// The next session `participant` is due, from the plan.
pub fn due(
    protocol: &Protocol,
    plan: &respite_core::research::Plan,
    data: &Path,
    participant: &str,
    resume: bool,
) -> Result<Due, String> {
    let mine = plan.of(participant);
    if mine.is_empty() {
        return Err(format!(
            "--participant {participant}: not in the plan for study '{}' ({} participants: {}…)",
            protocol.study,
            plan.dealt.assignments.len(),
            plan.dealt
                .assignments
                .iter()
                .take(3)
                .map(|a| a.participant.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let periods = mine.len();
    for s in &mine {
        let files = SessionFiles::bids(data, participant, s.period, &protocol.task);
        if files.manifest().exists() {
            continue; // closed: completed or stopped
        }
        // An empty folder (a run that never started, from before folders were made with
        // the first event) is no session: it is started afresh.
        let resume = if files.dir.is_dir() && !data::is_empty_session(&files.dir) {
            let events = std::fs::read_to_string(files.file("events.tsv")).unwrap_or_default();
            let events = data::read_events(&events).unwrap_or_default();
            if !resume {
                let last = events.last().map_or("nothing".to_string(), |e| {
                    format!("{} {}", e.trial_type, e.detail)
                });
                return Err(format!(
                    "sub-{participant}/ses-{} was interrupted ({} events on record, the last: {last}). \
                     Add --resume to continue it from its last completed step",
                    s.period,
                    events.len()
                ));
            }
            Some(Done {
                answered: events
                    .iter()
                    .filter(|e| e.trial_type == "rating" && e.value.is_some())
                    .filter_map(|e| {
                        Some((
                            e.get("timepoint")?.to_string(),
                            e.get("scale")?.to_string(),
                            e.get("item").map(str::to_string),
                        ))
                    })
                    .collect(),
                place: place_s(&events).is_some(),
                in_place_s: place_s(&events).unwrap_or(0.0),
                closing: events
                    .iter()
                    .rev()
                    .find(|e| {
                        e.trial_type == "phase" && e.get("phase") == Some(Phase::Closing.code())
                    })
                    .and_then(|e| e.get("how"))
                    .and_then(Closing::from_code)
                    .unwrap_or(Closing::Planned),
                resumed: true,
                baseline: nrs_on_record(&events, "baseline"),
                post: nrs_on_record(&events, "post"),
                followup_done: events.iter().any(|e| e.trial_type == "followup_end"),
            })
        } else if resume {
            return Err(format!(
                "--resume: sub-{participant}/ses-{} has not started; run without --resume",
                s.period
            ));
        } else {
            None
        };
        let washout = if s.period > 1 && resume.is_none() {
            washout(protocol, data, participant, s.period)
        } else {
            None
        };
        return Ok(Due {
            condition: s.condition.clone(),
            period: s.period,
            periods,
            sequence: s.sequence.clone(),
            files,
            washout,
            resume,
        });
    }
    Err(format!(
        "--participant {participant} has finished all {periods} sessions of study '{}'",
        protocol.study
    ))
}

/// The last pain answer on record at `timepoint`, if any.
fn nrs_on_record(events: &[data::Event], timepoint: &str) -> Option<u8> {
    events
        .iter()
        .rev()
        .filter(|e| e.trial_type == "rating" && e.get("scale") == Some("nrs"))
        .filter(|e| e.get("timepoint") == Some(timepoint))
        .find_map(|e| e.value.as_deref()?.parse().ok())
}

/// Seconds in the place, when an attempt on record reached its closing: from the attempt's
/// last `phase=Immersion` to its `phase=Closing`, on that attempt's scene clock.
fn place_s(events: &[data::Event]) -> Option<f32> {
    let mut began = None;
    for e in events {
        match (e.trial_type.as_str(), e.get("phase")) {
            ("session_start", _) => began = None,
            ("phase", Some(p)) if p == Phase::Immersion.code() => began = Some(e.scene_s),
            ("phase", Some(p)) if p == Phase::Closing.code() => {
                if let Some(b) = began {
                    return Some((e.scene_s - b).max(0.0) as f32);
                }
            }
            _ => {}
        }
    }
    None
}

fn washout(
    protocol: &Protocol,
    data: &Path,
    participant: &str,
    period: usize,
) -> Option<WashoutPlan> {
    let previous = SessionFiles::bids(data, participant, period - 1, &protocol.task);
    match protocol.washout {
        Washout::None => None,
        Washout::Minutes(m) => {
            let ended = std::fs::metadata(previous.manifest())
                .ok()?
                .modified()
                .ok()?;
            let since = ended.elapsed().map_or(0.0, |d| d.as_secs_f32());
            let left = m * 60.0 - since;
            (left > 0.0).then_some(WashoutPlan::Wait { seconds: left })
        }
        Washout::UntilBaseline {
            within,
            every_min,
            max_min,
        } => {
            let first = SessionFiles::bids(data, participant, 1, &protocol.task);
            let baseline = report::read_session(&first.dir).ok()?.baseline?;
            Some(WashoutPlan::UntilBaseline {
                target: baseline.round() as u8,
                within,
                every_s: every_min * 60.0,
                max_s: max_min * 60.0,
            })
        }
    }
}

/// Participants from `--participants`: a count (P01…) or IDs separated by commas.
pub fn participants(arg: &str) -> Result<Vec<String>, String> {
    if let Ok(n) = arg.parse::<usize>() {
        let most = respite_core::research::protocol::MAX_PARTICIPANTS;
        if n == 0 || n > most {
            return Err(format!(
                "--participants {arg}: use 1 to {most}, or a list of IDs"
            ));
        }
        return Ok(Protocol::numbered(n));
    }
    Ok(arg.split(',').map(|s| s.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(f64, &str, &str)]) -> Vec<data::Event> {
        let mut text = format!("{}\n", data::EVENTS_HEADER);
        for (scene_s, event, detail) in rows {
            text.push_str(&data::event_line(*scene_s, *scene_s, event, detail));
        }
        data::read_events(&text).unwrap()
    }

    #[test]
    fn the_time_in_the_place_is_read_from_the_attempt_that_reached_its_closing() {
        // A first attempt killed mid-place, a second that reached its closing at 70.5 s of
        // its own clock after entering the place at 10.0 s.
        let events = table(&[
            (0.0, "session_start", "participant=P01"),
            (5.0, "phase", "phase=Immersion"),
            (40.0, "rating", "timepoint=minute_1 scale=nrs value=4"),
            (0.0, "session_start", "participant=P01"),
            (10.0, "phase", "phase=Immersion"),
            (70.5, "phase", "phase=Closing how=Ended"),
        ]);
        assert_eq!(place_s(&events), Some(60.5));
        // Killed before any closing: the place is shown again.
        assert_eq!(place_s(&events[..3]), None);
    }
}
