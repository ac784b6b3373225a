//! A program's session in the place: its modules run one after another once the place is
//! in view. A lesson's cards and its check question go to the panel (the patient moves on
//! by gaze, keys or controller, or each card stays its time); a breathing practice turns the
//! pacer on at six breaths a minute with its guided script and asks pain after it; a place
//! module is time to rest or walk. A lesson takes as long as the patient reads: the place's
//! minutes wait for it, and the record says by how much they grew.

use super::panel::{Answered, AskRating, PanelMessage};
use super::record::Record;
use super::{Phase, RunSettings, SessionClock, SessionCommand};
use bevy::prelude::*;
use respite_core::course::lesson::Lesson;
use respite_core::course::program::Module;
use respite_core::session::event::SessionEvent;
use respite_core::session::{Scale, Timepoint, Who};

/// A program's session, as the App runs it.
#[derive(Resource, Clone, Debug, Default)]
pub struct CourseRun {
    /// The modules in order, each lesson with its cards.
    pub modules: Vec<(Module, Option<Lesson>)>,
    /// Modules (0-based) a resumed sitting already has on record: not run again.
    pub done: Vec<usize>,
    /// Written after the session's start: where this sitting stands in the course
    /// (`course`, `course_missed`).
    pub start_events: Vec<SessionEvent>,
}

/// Where the course's session stands, for the console.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct CourseStatus(pub Option<String>);

/// The breathing practice's guided script: (step's code, seconds into the practice, words).
/// The last step comes its seconds before the end. Slow breathing with the out-breath longer
/// than the in-breath, near six breaths a minute (the pacer's own rhythm: in 40 %, out 60 %).
pub const GUIDE: [(&str, f32, &str); 4] = [
    (
        "settle",
        0.0,
        "Let yourself settle into the seat.\nLet your shoulders soften.",
    ),
    (
        "slow_out",
        20.0,
        "Breathe in gently through your nose,\nand let the breath out slowly,\na little longer than the breath in.",
    ),
    (
        "follow",
        45.0,
        "Follow the light: in as it grows,\nout as it fades.\nAbout six breaths a minute.",
    ),
    (
        "return",
        -20.0,
        "Now let your breathing find\nits own easy rhythm again.",
    ),
];

/// The most a session's maximum length grows while lessons are read and answers awaited,
/// real minutes: a patient who stops answering never keeps a session open for ever.
pub const MAX_WAIT_MIN: f32 = 30.0;

/// Seconds each step of the script stays on the panel.
const GUIDE_SHOWN_S: f32 = 12.0;

#[derive(Resource, Debug, Default)]
struct Running {
    /// The module running now (0-based); `None` before the first.
    index: Option<usize>,
    /// Seconds in the place when it began.
    began_s: f32,
    /// A lesson: cards asked so far (counted across the session's lessons), and the next
    /// card of this lesson to ask (one at a time, so a sickness check asked meanwhile waits
    /// behind one card only).
    cards_asked: u32,
    next_card: usize,
    /// A lesson: its check answered, its explanation asked.
    explained: bool,
    /// A breathing practice: script steps shown, and when the last came (real seconds).
    guide_shown: usize,
    guide_at: Option<f32>,
    /// A breathing practice: the pain asked after it, waiting for its answer.
    rating_asked: bool,
    /// Real minutes the session's maximum has grown by while it waited (kept across
    /// modules; at most [`MAX_WAIT_MIN`]).
    grown_min: f32,
    finished: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CourseStatus>()
        .init_resource::<CourseRun>()
        .init_resource::<Running>()
        .add_systems(OnExit(Phase::Immersion), stop_what_runs)
        .add_systems(
            Update,
            (run_modules, show_status)
                .chain()
                .run_if(in_state(Phase::Immersion))
                .before(super::EndAfterMinutes),
        );
}

/// Whether the place is in view (the fade in has begun): modules start then.
fn in_view(clock: &SessionClock) -> bool {
    clock.immersion_scene.is_some()
}

fn run_modules(
    run: Res<CourseRun>,
    mut state: ResMut<Running>,
    mut settings: ResMut<RunSettings>,
    clock: Res<SessionClock>,
    scene: Res<Time<Virtual>>,
    real: Res<Time<Real>>,
    mut answers: MessageReader<Answered>,
    mut asks: MessageWriter<AskRating>,
    mut commands: MessageWriter<SessionCommand>,
    mut message: ResMut<PanelMessage>,
    mut records: MessageWriter<Record>,
) {
    let answered: Vec<Answered> = answers.read().cloned().collect();
    if state.finished || !in_view(&clock) || run.modules.is_empty() {
        return;
    }
    let now_s = clock.in_place_s(&scene);
    let Some(i) = state.index else {
        start(
            0,
            &run,
            &mut state,
            now_s,
            &mut settings,
            &mut asks,
            &mut commands,
            &mut records,
        );
        return;
    };
    let (module, lesson) = &run.modules[i];
    let elapsed = now_s - state.began_s;
    // While the patient reads or answers, the place's minutes wait: the timed modules still
    // to come all fit after it.
    let rest: f32 = run.modules[i + 1..].iter().map(|(m, _)| m.minutes()).sum();
    let waiting = matches!(module, Module::Lesson(_)) || state.rating_asked;
    if waiting {
        let hold = now_s / 60.0 + rest + 0.05;
        if settings.plan.minutes < hold {
            let by = hold - settings.plan.minutes;
            grow_max(&mut settings, &mut state, by);
            settings.plan.minutes = hold;
        }
    }
    let over = match (module, lesson) {
        (Module::Lesson(name), Some(lesson)) => {
            let mut over = false;
            for a in &answered {
                match (&a.scale, a.timepoint) {
                    // A card read: the next, or after the last the check question.
                    (Scale::Card { lesson: l, .. }, _) if l == name && !state.explained => {
                        if state.next_card < lesson.cards.len() {
                            state.cards_asked += 1;
                            asks.write(AskRating {
                                timepoint: Timepoint::Card(state.cards_asked),
                                scale: lesson.card_scale(name, state.next_card),
                            });
                            state.next_card += 1;
                        } else {
                            asks.write(AskRating {
                                timepoint: Timepoint::Check((i + 1) as u32),
                                scale: lesson.check_scale(name),
                            });
                        }
                    }
                    (Scale::Choice { .. }, Timepoint::Check(n)) if n as usize == i + 1 => {
                        state.cards_asked += 1;
                        asks.write(AskRating {
                            timepoint: Timepoint::Card(state.cards_asked),
                            scale: lesson.explanation(name, a.value),
                        });
                        state.explained = true;
                    }
                    (
                        Scale::Card {
                            lesson: l,
                            card,
                            of,
                            ..
                        },
                        _,
                    ) if l == name && card == of && state.explained => {
                        over = true;
                    }
                    _ => {}
                }
            }
            over
        }
        (
            Module::Breathing {
                minutes,
                rate_after,
            },
            _,
        ) => {
            let total = minutes * 60.0;
            let t = real.elapsed_secs();
            if let Some((code, at, words)) = GUIDE.get(state.guide_shown) {
                let due = if *at < 0.0 { total + at } else { *at };
                if elapsed >= due {
                    message.0 = Some((*words).to_string());
                    records.write(Record(SessionEvent::BreathingGuide {
                        step: (*code).to_string(),
                    }));
                    state.guide_shown += 1;
                    state.guide_at = Some(t);
                }
            }
            if state.guide_at.is_some_and(|at| t - at >= GUIDE_SHOWN_S) {
                message.0 = None;
                state.guide_at = None;
            }
            if elapsed >= total && !state.rating_asked {
                message.0 = None;
                commands.write(SessionCommand::Pacer(false));
                if *rate_after && settings.ratings {
                    asks.write(AskRating {
                        timepoint: Timepoint::Module((i + 1) as u32),
                        scale: Scale::Nrs,
                    });
                    state.rating_asked = true;
                    false
                } else {
                    true
                }
            } else {
                state.rating_asked
                    && answered
                        .iter()
                        .any(|a| a.timepoint == Timepoint::Module((i + 1) as u32))
            }
        }
        (Module::Place { minutes }, _) => elapsed >= minutes * 60.0,
        (Module::Lesson(_), None) => true,
    };
    if !over {
        return;
    }
    if waiting {
        // The minutes as they now stand: the timed modules still to come, after the time
        // the reading or the answer took.
        let minutes = now_s / 60.0 + rest;
        let by = minutes - settings.plan.minutes;
        grow_max(&mut settings, &mut state, by);
        settings.plan.minutes = minutes;
        records.write(Record(SessionEvent::Plan {
            minutes,
            max_minutes: settings.plan.max_minutes,
            by: Who::Patient,
        }));
    }
    records.write(Record(SessionEvent::ModuleEnd {
        index: i + 1,
        kind: module.code().into(),
        module_s: elapsed,
    }));
    start(
        i + 1,
        &run,
        &mut state,
        now_s,
        &mut settings,
        &mut asks,
        &mut commands,
        &mut records,
    );
}

/// The place ended (its minutes, the end button, the emergency stop): a breathing practice
/// stops its pacer and script.
fn stop_what_runs(
    run: Res<CourseRun>,
    mut state: ResMut<Running>,
    mut message: ResMut<PanelMessage>,
    mut commands: MessageWriter<SessionCommand>,
) {
    if let Some(i) = state.index
        && matches!(run.modules.get(i), Some((Module::Breathing { .. }, _)))
    {
        commands.write(SessionCommand::Pacer(false));
        message.0 = None;
    }
    state.finished = true;
}

/// The maximum length follows the planned minutes by `by`, until it has grown by
/// [`MAX_WAIT_MIN`] in all (a shrink always applies).
fn grow_max(settings: &mut RunSettings, state: &mut Running, by: f32) {
    let by = by.min(MAX_WAIT_MIN - state.grown_min);
    if by > 0.0 {
        state.grown_min += by;
    }
    settings.plan.max_minutes += by;
}

/// Starts module `i` (or the next not yet on record); past the last, the place simply
/// runs to its minutes.
fn start(
    i: usize,
    run: &CourseRun,
    state: &mut Running,
    now_s: f32,
    settings: &mut RunSettings,
    asks: &mut MessageWriter<AskRating>,
    commands: &mut MessageWriter<SessionCommand>,
    records: &mut MessageWriter<Record>,
) {
    let Some(i) = (i..run.modules.len()).find(|j| !run.done.contains(j)) else {
        state.finished = true;
        state.index = None;
        return;
    };
    let (module, lesson) = &run.modules[i];
    *state = Running {
        index: Some(i),
        began_s: now_s,
        cards_asked: state.cards_asked,
        grown_min: state.grown_min,
        ..default()
    };
    // A module begins on the frame the last one ended, a moment after its planned end: the
    // minutes left must still hold this one and those after it in full.
    let need = now_s / 60.0
        + run.modules[i..]
            .iter()
            .map(|(m, _)| m.minutes())
            .sum::<f32>()
        + 1e-3;
    if settings.plan.minutes < need {
        let by = need - settings.plan.minutes;
        grow_max(settings, state, by);
        settings.plan.minutes = need;
    }
    records.write(Record(SessionEvent::ModuleStart {
        index: i + 1,
        kind: module.code().into(),
        lesson: match module {
            Module::Lesson(name) => Some(name.clone()),
            _ => None,
        },
        minutes: match module {
            Module::Lesson(_) => None,
            m => Some(m.minutes()),
        },
    }));
    match (module, lesson) {
        (Module::Lesson(name), Some(lesson)) => {
            state.cards_asked += 1;
            asks.write(AskRating {
                timepoint: Timepoint::Card(state.cards_asked),
                scale: lesson.card_scale(name, 0),
            });
            state.next_card = 1;
        }
        (Module::Breathing { .. }, _) => {
            commands.write(SessionCommand::PacerRate(
                respite_core::session::PACER_BREATHS_PER_MIN,
            ));
            commands.write(SessionCommand::Pacer(true));
        }
        _ => {}
    }
}

fn show_status(
    run: Res<CourseRun>,
    state: Res<Running>,
    clock: Res<SessionClock>,
    scene: Res<Time<Virtual>>,
    mut status: ResMut<CourseStatus>,
) {
    let n = run.modules.len();
    let line = match state.index {
        _ if state.finished => Some(format!("All {n} modules done; the place runs to its end")),
        Some(i) => {
            let (m, lesson) = &run.modules[i];
            let what = match (m, lesson) {
                (Module::Lesson(_), Some(l)) => format!("lesson \"{}\"", l.title),
                (m, _) => {
                    let left = m.minutes() * 60.0 - (clock.in_place_s(&scene) - state.began_s);
                    format!("{}, {:.0} s left", m.words(), left.max(0.0))
                }
            };
            Some(format!("Module {} of {n}: {what}", i + 1))
        }
        None => None,
    };
    if status.0 != line {
        status.0 = line;
    }
}
