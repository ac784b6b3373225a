//! What `respite run --protocol` needs: which session a participant is due, whether an
//! interrupted one may resume, and the washout before it. Engine-free; the binary calls
//! these before it builds the App. (`plan` and `report` live in the core's `research`.)

use crate::session::Closing;
use crate::session::questions::{Done, WashoutPlan};
use respite_core::research::data::{self, SessionFiles};
use respite_core::research::protocol::{Condition, Protocol, Washout};
use respite_core::research::report;
use respite_core::session::event::{self, SessionEvent};
use respite_core::session::{Scale, Timepoint};
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
            Some(done_on_record(&events))
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

/// What an interrupted session has on record, read through the session's one reader: a
/// row it cannot read (a damaged line) counts for nothing, so that step is done again.
pub fn done_on_record(rows: &[data::Event]) -> Done {
    let events: Vec<(f64, SessionEvent)> = rows
        .iter()
        .filter_map(|e| Some((e.scene_s, e.typed().ok()?)))
        .collect();
    let nrs = |at: Timepoint| {
        events.iter().rev().find_map(|(_, e)| match e {
            SessionEvent::Rating {
                timepoint,
                scale,
                value: Some(v),
                ..
            } if *timepoint == at && scale == Scale::Nrs.code() => Some(*v),
            _ => None,
        })
    };
    let place = place_s(&events);
    Done {
        answered: events
            .iter()
            .filter_map(|(_, e)| match e {
                SessionEvent::Rating {
                    timepoint,
                    scale,
                    value: Some(_),
                    item,
                    ..
                } => Some((timepoint.to_string(), scale.clone(), item.clone())),
                _ => None,
            })
            .collect(),
        place: place.is_some(),
        in_place_s: place.unwrap_or(0.0),
        closing: events
            .iter()
            .rev()
            .find_map(|(_, e)| match e {
                SessionEvent::Phase {
                    phase: event::Phase::Closing,
                    how: Some(how),
                } => Closing::from_record(*how),
                _ => None,
            })
            .unwrap_or(Closing::Planned),
        resumed: true,
        baseline: nrs(Timepoint::Baseline),
        post: nrs(Timepoint::Post),
        followup_done: events
            .iter()
            .any(|(_, e)| matches!(e, SessionEvent::FollowupEnd { .. })),
    }
}

/// Seconds in the place, when an attempt on record reached its closing: from the attempt's
/// last `phase=Immersion` to its `phase=Closing`, on that attempt's scene clock.
fn place_s(events: &[(f64, SessionEvent)]) -> Option<f32> {
    let mut began = None;
    for (scene_s, e) in events {
        match e {
            SessionEvent::SessionStart { .. } => began = None,
            SessionEvent::Phase {
                phase: event::Phase::Immersion,
                ..
            } => began = Some(*scene_s),
            SessionEvent::Phase {
                phase: event::Phase::Closing,
                ..
            } => {
                if let Some(b) = began {
                    return Some((scene_s - b).max(0.0) as f32);
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

    fn table(rows: &[(f64, &str, &str)]) -> Vec<(f64, SessionEvent)> {
        let mut text = format!("{}\n", data::EVENTS_HEADER);
        for (scene_s, event, detail) in rows {
            text.push_str(&data::event_line(*scene_s, *scene_s, event, detail));
        }
        data::read_events(&text)
            .unwrap()
            .iter()
            .map(|e| (e.scene_s, e.typed().unwrap()))
            .collect()
    }

    #[test]
    fn the_time_in_the_place_is_read_from_the_attempt_that_reached_its_closing() {
        // A first attempt killed mid-place, a second that reached its closing at 70.5 s of
        // its own clock after entering the place at 10.0 s.
        let start = "participant=P01 scene=forest_clearing minutes=1 ratings=true \
                     rate_every_min=1 fms_every_min=n/a fms_pause_at=10 max_minutes=11 time_scale=1";
        let rating = "timepoint=minute_1 scale=nrs value=4 by=patient via=gaze latency_s=1.00";
        let events = table(&[
            (0.0, "session_start", start),
            (5.0, "phase", "phase=Immersion"),
            (40.0, "rating", rating),
            (0.0, "session_start", start),
            (10.0, "phase", "phase=Immersion"),
            (70.5, "phase", "phase=Closing how=Ended"),
        ]);
        assert_eq!(place_s(&events), Some(60.5));
        // Killed before any closing: the place is shown again.
        assert_eq!(place_s(&events[..3]), None);
        let rows: Vec<data::Event> = {
            let mut text = format!("{}\n", data::EVENTS_HEADER);
            for (scene_s, name, detail) in [
                (0.0, "session_start", start),
                (5.0, "phase", "phase=Immersion"),
                (40.0, "rating", rating),
                (70.5, "phase", "phase=Closing how=Ended"),
            ] {
                text.push_str(&data::event_line(scene_s, scene_s, name, detail));
            }
            data::read_events(&text).unwrap()
        };
        let done = done_on_record(&rows);
        assert_eq!(done.closing, Closing::Ended);
        assert_eq!(done.in_place_s, 65.5);
        assert_eq!(
            done.answered,
            vec![("minute_1".to_string(), "nrs".to_string(), None)]
        );
    }
}
