//! What is asked around the place, in order: before it (a washout when the protocol has
//! one, then the SSQ, then the baseline pain rating) and after it (the post rating, the SSQ
//! again, the IPQ). One queue per phase: each answer asks the next question; when the
//! queue is empty the session moves on. A finished questionnaire's scores go to the record
//! next to its raw items. A protocol's follow-up comes last: pain asked at a fixed interval
//! after the place until it is back near the baseline (or its maximum time).

use super::panel::{Answered, AskRating, PanelMessage};
use super::record::Record;
use super::{Phase, RunSettings};
use bevy::prelude::*;
use respite_core::research::protocol::Followup;
use respite_core::research::scoring::{Questionnaire, SCORING_VERSION};
use respite_core::session::event::{Scores, SessionEvent};
use respite_core::session::{Scale, Timepoint};
use std::collections::{HashMap, VecDeque};

/// Questionnaires around the place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Questions {
    /// SSQ before the baseline and after the post rating.
    pub ssq: bool,
    /// IPQ after the post rating.
    pub ipq: bool,
    /// A study's protocol may leave out the baseline or the post pain rating (both are asked
    /// whenever ratings are on, unless left out here).
    pub no_baseline: bool,
    pub no_post: bool,
    /// Other questionnaires: before the baseline (after the SSQ) and after the place (after
    /// the IPQ).
    pub before: Vec<Questionnaire>,
    pub after: Vec<Questionnaire>,
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
    /// The baseline and post pain answers on record (for a resumed follow-up).
    pub baseline: Option<u8>,
    pub post: Option<u8>,
    /// The follow-up's end is on record: it is not asked again.
    pub followup_done: bool,
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

/// The pain answers the follow-up compares with.
#[derive(Resource, Default, Debug)]
struct Given {
    baseline: Option<u8>,
    post: Option<u8>,
    /// Real seconds when the place ended (the post phase began).
    place_ended: f32,
    followup_over: bool,
}

/// Where a running follow-up stands, for the therapist's console.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct FollowupStatus(pub Option<String>);

/// Pain asked after the place until it is back near the baseline.
#[derive(Resource, Debug)]
struct FollowingUp {
    plan: Followup,
    baseline: u8,
    /// Follow-ups asked (the next is at `(asked + 1) × every_min`).
    asked: u32,
    waiting_answer: bool,
}

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
        .init_resource::<Given>()
        .init_resource::<FollowupStatus>()
        .add_systems(OnEnter(Phase::Baseline), start_before)
        .add_systems(OnEnter(Phase::Post), start_after)
        .add_systems(
            Update,
            (
                run_washout.run_if(resource_exists::<Washing>),
                note_answers,
                run_followup.run_if(resource_exists::<FollowingUp>),
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
        q.extend(items(Questionnaire::ssq(), Timepoint::Pre));
    }
    for extra in &settings.questions.before {
        q.extend(items(*extra, Timepoint::Pre));
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
        q.extend(items(Questionnaire::ssq(), Timepoint::Post));
    }
    if settings.questions.ipq {
        q.extend(items(Questionnaire::ipq(), Timepoint::Post));
    }
    for extra in &settings.questions.after {
        q.extend(items(*extra, Timepoint::Post));
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
            records.write(Record(match plan {
                WashoutPlan::Wait { seconds } => SessionEvent::WashoutStart {
                    rule: "minutes".into(),
                    wait_s: Some(seconds),
                    target: None,
                    within: None,
                    every_s: None,
                    max_s: None,
                },
                WashoutPlan::UntilBaseline {
                    target,
                    within,
                    every_s,
                    max_s,
                } => SessionEvent::WashoutStart {
                    rule: "until_baseline".into(),
                    wait_s: None,
                    target: Some(target),
                    within: Some(within),
                    every_s: Some(every_s),
                    max_s: Some(max_s),
                },
            }));
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

fn start_after(
    settings: Res<RunSettings>,
    mut queue: ResMut<Queue>,
    mut given: ResMut<Given>,
    real: Res<Time<Real>>,
) {
    queue.0 = after(&settings);
    given.place_ended = real.elapsed_secs();
    given.baseline = given.baseline.or(settings.done.baseline);
    given.post = given.post.or(settings.done.post);
    given.followup_over = settings.done.followup_done;
}

/// Keeps the baseline and post pain answers for the follow-up.
fn note_answers(mut answers: MessageReader<Answered>, mut given: ResMut<Given>) {
    for a in answers.read() {
        if a.scale != Scale::Nrs || a.value.is_none() {
            continue;
        }
        match a.timepoint {
            Timepoint::Baseline => given.baseline = a.value,
            Timepoint::Post => given.post = a.value,
            _ => {}
        }
    }
}

/// Minutes since the place ended, on the real clock (sped up with the scene's clock in
/// tests and demonstrations, never paused: relief is timed in the patient's minutes).
fn minutes_after(given: &Given, real: &Time<Real>, scene: &Time<Virtual>) -> f32 {
    (real.elapsed_secs() - given.place_ended) * scene.relative_speed() / 60.0
}

/// Starts the follow-up once everything after the place is answered; false when there is
/// none to run (none planned, already done, or nothing to compare with).
fn begin_followup(
    commands: &mut Commands,
    settings: &RunSettings,
    given: &mut Given,
    records: &mut MessageWriter<Record>,
) -> bool {
    let Some(plan) = settings.followup.filter(|_| !given.followup_over) else {
        return false;
    };
    given.followup_over = true;
    let Some(baseline) = given.baseline else {
        records.write(Record(followup_end(&plan, None, None, 0.0, "no_baseline")));
        return false;
    };
    if given
        .post
        .is_some_and(|p| p.abs_diff(baseline) <= plan.within)
    {
        records.write(Record(followup_end(
            &plan,
            Some(baseline),
            Some(true),
            0.0,
            "post",
        )));
        return false;
    }
    records.write(Record(SessionEvent::FollowupStart {
        every_min: plan.every_min,
        within: plan.within,
        max_min: plan.max_min,
        baseline,
    }));
    commands.insert_resource(FollowingUp {
        plan,
        baseline,
        asked: 0,
        waiting_answer: false,
    });
    true
}

/// The follow-up: a rest with a countdown, pain asked at each interval after the place,
/// until an answer is back within `within` of the baseline, the maximum time has passed,
/// or the therapist ends it.
fn run_followup(
    mut commands: Commands,
    mut following: ResMut<FollowingUp>,
    given: Res<Given>,
    real: Res<Time<Real>>,
    scene: Res<Time<Virtual>>,
    mut answers: MessageReader<Answered>,
    mut orders: MessageReader<super::SessionCommand>,
    mut asks: MessageWriter<AskRating>,
    mut records: MessageWriter<Record>,
    mut message: ResMut<PanelMessage>,
    mut status: ResMut<FollowupStatus>,
    mut next: ResMut<NextState<Phase>>,
) {
    let now = minutes_after(&given, &real, &scene);
    let due = (following.asked + 1) as f32 * following.plan.every_min;
    status.0 = Some(format!(
        "Follow-up: {} after the place (at most {} min); pain back within {} of {}; {}",
        mmss(now * 60.0),
        following.plan.max_min,
        following.plan.within,
        following.baseline,
        if following.waiting_answer {
            "asking now".to_string()
        } else {
            format!("next question in {}", mmss((due - now) * 60.0))
        }
    ));
    let (plan, baseline) = (following.plan, following.baseline);
    let mut end = |how: &str, back: bool, at: f32| {
        records.write(Record(followup_end(
            &plan,
            Some(baseline),
            Some(back),
            at,
            how,
        )));
        commands.remove_resource::<FollowingUp>();
        message.0 = None;
        status.0 = None;
        next.set(Phase::Done);
    };
    if orders.read().any(|c| *c == super::SessionCommand::End) {
        end("ended_by_therapist", false, now);
        return;
    }
    for a in answers.read() {
        let Timepoint::After { hundredths } = a.timepoint else {
            continue;
        };
        following.waiting_answer = false;
        let at = hundredths as f32 / 100.0;
        if a.value.is_some_and(|v| v.abs_diff(baseline) <= plan.within) {
            end("back", true, at);
            return;
        }
        if at + plan.every_min > plan.max_min + 1e-3 {
            end("max_min", false, at);
            return;
        }
    }
    if following.waiting_answer {
        return;
    }
    let due = (following.asked + 1) as f32 * plan.every_min;
    if now >= due {
        following.asked += 1;
        following.waiting_answer = true;
        message.0 = None;
        records.write(Record(SessionEvent::FollowupAsk {
            scheduled_min: due,
            at_min: now,
        }));
        asks.write(AskRating {
            timepoint: Timepoint::after_minute(due),
            scale: Scale::Nrs,
        });
    } else {
        message.0 = Some(format!(
            "Please rest here. The next question comes in {}",
            mmss((due - now) * 60.0)
        ));
    }
}

/// The end of a follow-up, on record.
fn followup_end(
    plan: &Followup,
    baseline: Option<u8>,
    back_to_baseline: Option<bool>,
    after_min: f32,
    reason: &str,
) -> SessionEvent {
    SessionEvent::FollowupEnd {
        every_min: plan.every_min,
        within: plan.within,
        max_min: plan.max_min,
        baseline,
        back_to_baseline,
        after_min,
        reason: reason.to_string(),
    }
}

fn end_washout(
    commands: &mut Commands,
    queue: &mut Queue,
    settings: &RunSettings,
    records: &mut MessageWriter<Record>,
    message: &mut PanelMessage,
    end: SessionEvent,
) {
    commands.remove_resource::<Washing>();
    message.0 = None;
    records.write(Record(end));
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
                    SessionEvent::WashoutEnd {
                        waited_s: waited,
                        back_to_baseline: None,
                        target: None,
                        within: None,
                    },
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
                        SessionEvent::WashoutEnd {
                            waited_s: waited,
                            back_to_baseline: Some(back),
                            target: Some(target),
                            within: Some(within),
                        },
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
    mut commands: Commands,
    washing: Option<Res<Washing>>,
    following: Option<Res<FollowingUp>>,
    mut given: ResMut<Given>,
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
    if washing.is_some() || following.is_some() {
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
                let (scores, complete) = match all.map(|v| q.scores(&v)) {
                    Some(Ok(scores)) => (
                        scores.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                        None,
                    ),
                    _ => (Vec::new(), Some(false)),
                };
                records.write(Record(SessionEvent::QuestionnaireScore {
                    q: q.code().to_string(),
                    timepoint: a.timepoint,
                    scores: Scores(scores),
                    complete,
                    version: SCORING_VERSION.to_string(),
                }));
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
        None if *phase.get() == Phase::Post
            && begin_followup(&mut commands, &settings, &mut given, &mut records) =>
        {
            *asked = false;
        }
        None => next.set(match phase.get() {
            Phase::Baseline if settings.done.place => Phase::Post,
            Phase::Baseline => Phase::Immersion,
            _ => Phase::Done,
        }),
    }
}
