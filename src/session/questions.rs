//! What is asked around the place, in order: before it (a washout when the protocol has
//! one, then the SSQ, then the baseline pain rating) and after it (the post rating, the SSQ
//! again, the IPQ). One queue per phase: each answer asks the next question; when the
//! queue is empty the session moves on. A finished questionnaire's scores go to the record
//! next to its raw items.

use super::panel::{Answered, AskRating, PanelMessage};
use super::record::Record;
use super::{Phase, RunSettings};
use bevy::prelude::*;
use respite_core::research::scoring::{Questionnaire, SCORING_VERSION};
use respite_core::session::{Scale, Timepoint};
use std::collections::{HashMap, VecDeque};

/// Questionnaires around the place.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Questions {
    /// SSQ before the baseline and after the post rating.
    pub ssq: bool,
    /// IPQ after the post rating.
    pub ipq: bool,
    /// A study's protocol may leave out the baseline or the post pain rating (both are asked
    /// whenever ratings are on, unless left out here).
    pub no_baseline: bool,
    pub no_post: bool,
}

/// Minutes and seconds left, for the panel.
fn mmss(seconds: f32) -> String {
    let s = seconds.max(0.0);
    format!("{}:{:02}", (s / 60.0) as u32, (s % 60.0) as u32)
}

/// A rest between conditions, before anything is asked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WashoutPlan {
    /// Wait this many real seconds.
    Wait { seconds: f32 },
    /// Ask pain every `every_s` until within `within` of `target`, for at most `max_s`.
    UntilBaseline {
        target: u8,
        within: u8,
        every_s: f32,
        max_s: f32,
    },
}

/// What a resumed session already has on record, so it is not asked again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Done {
    /// (timepoint, scale code, item) of every answer on record.
    pub answered: Vec<(String, String, Option<String>)>,
    /// The time in the place came to its end (its closing began) before the interruption:
    /// a resumed session does not show it again.
    pub place: bool,
    /// Seconds in the place on record when it came to its end (0 when it did not).
    pub in_place_s: f32,
    /// How that time came to its end.
    pub closing: super::Closing,
    /// This run continues an interrupted session.
    pub resumed: bool,
}

impl Done {
    fn has(&self, ask: &AskRating) -> bool {
        let key = (
            ask.timepoint.to_string(),
            ask.scale.code().to_string(),
            ask.scale.item().map(|i| i.code.to_string()),
        );
        self.answered.contains(&key)
    }
}

#[derive(Resource, Default)]
struct Queue(VecDeque<AskRating>);

#[derive(Resource, Default)]
struct Answers(HashMap<(Questionnaire, String), Vec<Option<u8>>>);

#[derive(Resource, Debug)]
struct Washing {
    plan: WashoutPlan,
    started: f32,
    next_ask: f32,
    asked: u32,
    waiting_answer: bool,
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Queue>()
        .init_resource::<Answers>()
        .add_systems(OnEnter(Phase::Baseline), start_before)
        .add_systems(OnEnter(Phase::Post), start_after)
        .add_systems(
            Update,
            (
                run_washout.run_if(resource_exists::<Washing>),
                next_question,
            )
                .chain()
                .run_if(in_state(Phase::Baseline).or_else(in_state(Phase::Post))),
        );
}

fn items(q: Questionnaire, timepoint: Timepoint) -> impl Iterator<Item = AskRating> {
    (0..q.items().len()).map(move |n| AskRating {
        timepoint,
        scale: Scale::Item(q, n),
    })
}

fn before(settings: &RunSettings) -> VecDeque<AskRating> {
    let mut q = VecDeque::new();
    if settings.questions.ssq {
        q.extend(items(Questionnaire::Ssq, Timepoint::Pre));
    }
    if settings.ratings && !settings.questions.no_baseline {
        q.push_back(AskRating {
            timepoint: Timepoint::Baseline,
            scale: Scale::Nrs,
        });
    }
    q.retain(|a| !settings.done.has(a));
    q
}

fn after(settings: &RunSettings) -> VecDeque<AskRating> {
    let mut q = VecDeque::new();
    if settings.ratings && !settings.questions.no_post {
        q.push_back(AskRating {
            timepoint: Timepoint::Post,
            scale: Scale::Nrs,
        });
    }
    if settings.questions.ssq {
        q.extend(items(Questionnaire::Ssq, Timepoint::Post));
    }
    if settings.questions.ipq {
        q.extend(items(Questionnaire::Ipq, Timepoint::Post));
    }
    q.retain(|a| !settings.done.has(a));
    q
}

fn start_before(
    mut commands: Commands,
    settings: Res<RunSettings>,
    mut queue: ResMut<Queue>,
    real: Res<Time<Real>>,
    mut records: MessageWriter<Record>,
) {
    match settings.washout {
        Some(plan) => {
            let now = real.elapsed_secs();
            records.write(Record::new(
                "washout_start",
                match plan {
                    WashoutPlan::Wait { seconds } => format!("rule=minutes wait_s={seconds:.0}"),
                    WashoutPlan::UntilBaseline {
                        target,
                        within,
                        every_s,
                        max_s,
                    } => format!(
                        "rule=until_baseline target={target} within={within} every_s={every_s:.0} max_s={max_s:.0}"
                    ),
                },
            ));
            commands.insert_resource(Washing {
                plan,
                started: now,
                next_ask: now,
                asked: 0,
                waiting_answer: false,
            });
            queue.0.clear();
        }
        None => queue.0 = before(&settings),
    }
}

fn start_after(settings: Res<RunSettings>, mut queue: ResMut<Queue>) {
    queue.0 = after(&settings);
}

fn end_washout(
    commands: &mut Commands,
    queue: &mut Queue,
    settings: &RunSettings,
    records: &mut MessageWriter<Record>,
    message: &mut PanelMessage,
    detail: String,
) {
    commands.remove_resource::<Washing>();
    message.0 = None;
    records.write(Record::new("washout_end", detail));
    queue.0 = before(settings);
}

/// The rest between conditions: a countdown, or pain asked until it is back near the first
/// baseline.
fn run_washout(
    mut commands: Commands,
    mut washing: ResMut<Washing>,
    mut queue: ResMut<Queue>,
    settings: Res<RunSettings>,
    real: Res<Time<Real>>,
    mut answers: MessageReader<Answered>,
    mut asks: MessageWriter<AskRating>,
    mut records: MessageWriter<Record>,
    mut message: ResMut<PanelMessage>,
) {
    let now = real.elapsed_secs();
    let waited = now - washing.started;
    match washing.plan {
        WashoutPlan::Wait { seconds } => {
            let left = (seconds - waited).max(0.0);
            message.0 = Some(format!("A rest before the next part: {}", mmss(left)));
            if left <= 0.0 {
                end_washout(
                    &mut commands,
                    &mut queue,
                    &settings,
                    &mut records,
                    &mut message,
                    format!("waited_s={waited:.0}"),
                );
            }
        }
        WashoutPlan::UntilBaseline {
            target,
            within,
            every_s,
            max_s,
        } => {
            for a in answers.read() {
                if !matches!(a.timepoint, Timepoint::Washout(_)) {
                    continue;
                }
                washing.waiting_answer = false;
                let back = a.value.is_some_and(|v| v.abs_diff(target) <= within);
                if back || waited >= max_s {
                    end_washout(
                        &mut commands,
                        &mut queue,
                        &settings,
                        &mut records,
                        &mut message,
                        format!(
                            "waited_s={waited:.0} back_to_baseline={back} target={target} within={within}"
                        ),
                    );
                    return;
                }
                washing.next_ask = now + every_s;
            }
            if !washing.waiting_answer && now >= washing.next_ask {
                washing.asked += 1;
                washing.waiting_answer = true;
                message.0 = None;
                asks.write(AskRating {
                    timepoint: Timepoint::Washout(washing.asked),
                    scale: Scale::Nrs,
                });
            } else if !washing.waiting_answer {
                let left = (washing.next_ask - now).max(0.0);
                message.0 = Some(format!(
                    "A rest before the next part. Next question in {}",
                    mmss(left)
                ));
            }
        }
    }
}

/// Asks the next question when the last was answered; an empty queue moves the phase on.
fn next_question(
    washing: Option<Res<Washing>>,
    mut queue: ResMut<Queue>,
    mut kept: ResMut<Answers>,
    settings: Res<RunSettings>,
    phase: Res<State<Phase>>,
    mut answers: MessageReader<Answered>,
    mut asks: MessageWriter<AskRating>,
    mut next: ResMut<NextState<Phase>>,
    mut records: MessageWriter<Record>,
    mut asked: Local<bool>,
) {
    if washing.is_some() {
        *asked = false;
        return;
    }
    for a in answers.read() {
        if let Scale::Item(q, n) = a.scale {
            let list = kept
                .0
                .entry((q, a.timepoint.to_string()))
                .or_insert_with(|| vec![None; q.items().len()]);
            list[n] = a.value;
            if n + 1 == q.items().len() {
                let all: Option<Vec<u8>> = list.iter().copied().collect();
                let detail = match all.map(|v| q.scores(&v)) {
                    Some(Ok(scores)) => scores
                        .iter()
                        .map(|(k, v)| format!("{k}={v:.2}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    _ => "complete=false".to_string(),
                };
                records.write(Record::new(
                    "questionnaire_score",
                    format!(
                        "q={} timepoint={} {detail} version={SCORING_VERSION}",
                        q.code(),
                        a.timepoint
                    ),
                ));
            }
        }
        if matches!(
            a.timepoint,
            Timepoint::Pre | Timepoint::Baseline | Timepoint::Post
        ) {
            *asked = false;
        }
    }
    if *asked {
        return;
    }
    match queue.0.pop_front() {
        Some(ask) => {
            asks.write(ask);
            *asked = true;
        }
        None => next.set(match phase.get() {
            Phase::Baseline if settings.done.place => Phase::Post,
            Phase::Baseline => Phase::Immersion,
            _ => Phase::Done,
        }),
    }
}
