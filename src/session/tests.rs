//! The session's flow with time stepped by hand, 50 ms a frame: no window, no GPU.

use super::panel::{Asking, GazeOverride};
use super::record::RecordFolder;
use super::*;
use crate::display::{Pointer, Recenter};
use bevy::state::app::StatesPlugin;
use bevy::time::TimeUpdateStrategy;
use bevy::transform::TransformPlugin;
use respite_core::research::data::SessionFiles;

const STEP_S: f32 = 0.05;

/// A rated session with this plan and nothing else asked.
fn rated(plan: SessionPlan) -> RunSettings {
    RunSettings {
        plan,
        ratings: true,
        show_only: false,
        ..RunSettings::show_only()
    }
}

fn session_app(plan: SessionPlan, folder: &std::path::Path) -> App {
    session_app_with(rated(plan), folder)
}

fn session_app_with(settings: RunSettings, folder: &std::path::Path) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        StatesPlugin,
        TransformPlugin,
        AssetPlugin::default(),
    ))
    .init_asset::<Mesh>()
    .init_asset::<StandardMaterial>()
    .init_asset::<Image>()
    .init_resource::<ButtonInput<KeyCode>>()
    .init_resource::<RenderReadiness>()
    .init_resource::<Pointer>()
    .add_message::<Recenter>()
    .add_message::<crate::display::ControllerSelect>()
    .add_message::<crate::display::ContinueOnScreen>()
    .add_message::<crate::display::RuntimeLost>()
    .insert_resource(RecordFolder(SessionFiles::plain(folder)))
    .insert_resource(settings)
    .insert_resource(TimeUpdateStrategy::ManualDuration(
        std::time::Duration::from_secs_f32(STEP_S),
    ))
    .add_plugins((crate::pause::plugin, plugin));
    app.insert_resource(crate::display::ViewpointSpec(
        respite_core::scene::Viewpoint {
            eye_height_m: 1.2,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            fov_deg: 100.0,
            behind_m: 0.0,
            side_m: 0.0,
        },
    ));
    let rig = app.world_mut().spawn(crate::display::Rig::default()).id();
    app.world_mut().spawn((
        Head,
        Transform::from_xyz(0.0, 1.2, 0.0),
        GlobalTransform::from_xyz(0.0, 1.2, 0.0),
        ChildOf(rig),
    ));
    app.finish();
    app.update();
    app
}

fn phase(app: &App) -> Phase {
    *app.world().resource::<State<Phase>>().get()
}

/// Runs frames until `until` holds (or `max_s` passes); the seconds it took.
fn run_until(app: &mut App, max_s: f32, until: impl Fn(&App) -> bool) -> f32 {
    let mut t = 0.0;
    while !until(app) && t < max_s {
        app.update();
        t += STEP_S;
    }
    assert!(
        until(app),
        "not reached in {max_s} s; phase {:?} asking {:?} message {:?}",
        phase(app),
        app.world()
            .get_resource::<Asking>()
            .map(|a| (a.timepoint, a.chosen)),
        app.world()
            .get_resource::<super::panel::PanelMessage>()
            .map(|m| m.0.clone())
    );
    t
}

fn command(app: &mut App, c: SessionCommand) {
    app.world_mut().write_message(c);
    app.update();
}

fn answer(app: &mut App, value: u8) {
    run_until(app, 2.0, |a| a.world().contains_resource::<Asking>());
    app.world_mut().write_message(TherapistAnswer(Some(value)));
    app.update();
}

/// Answers the next question, once the last one has gone.
fn answer_next(app: &mut App, value: u8) {
    // Gone, or already the next one (its answer not yet given): the panel may ask it in
    // the very frame the phase begins.
    run_until(app, 2.0, |a| {
        a.world()
            .get_resource::<Asking>()
            .is_none_or(|q| q.chosen.is_none())
    });
    answer(app, value);
}

fn press(app: &mut App, key: KeyCode) {
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .press(key);
    app.update();
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release(key);
    keys.clear();
}

/// The events table once everything recorded so far is on disk.
fn events(app: &App, folder: &std::path::Path) -> Vec<Vec<String>> {
    super::record::settle(app.world());
    std::fs::read_to_string(folder.join("events.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn short_plan() -> SessionPlan {
    SessionPlan {
        minutes: 0.2,
        rate_every_min: Some(0.1),
        fms_every_min: None,
        fms_pause_at: 10,
        max_minutes: 5.0,
    }
}

/// Brings a fresh session to `target`, answering what it asks on the way.
fn reach(app: &mut App, target: Phase) {
    let order = [
        Phase::Calibrate,
        Phase::Baseline,
        Phase::Immersion,
        Phase::Closing,
        Phase::Post,
    ];
    for p in order {
        if phase(app) == target {
            return;
        }
        assert_eq!(phase(app), p);
        match p {
            Phase::Calibrate => command(app, SessionCommand::StartNow),
            Phase::Baseline => answer(app, 5),
            Phase::Immersion => {
                // The place can be drawn: it fades into full view before it is ended.
                app.world_mut()
                    .resource_mut::<RenderReadiness>()
                    .force(true);
                run_until(app, FADE_S + 1.0, |a| a.world().resource::<Veil>().0 == 0.0);
                command(app, SessionCommand::End);
            }
            _ => {}
        }
        run_until(app, FADE_S + 1.0, |a| phase(a) != p);
    }
    assert_eq!(phase(app), target);
}

#[test]
fn the_emergency_stop_ends_every_state_within_a_second() {
    for target in [
        Phase::Calibrate,
        Phase::Baseline,
        Phase::Immersion,
        Phase::Closing,
        Phase::Post,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut app = session_app(short_plan(), dir.path());
        reach(&mut app, target);
        if target == Phase::Closing {
            // A second into a planned closing.
            for _ in 0..20 {
                app.update();
            }
            assert_eq!(phase(&app), Phase::Closing);
        }
        press(&mut app, KeyCode::Escape);
        let took = run_until(&mut app, 3.0, |a| a.should_exit().is_some());
        assert!(took <= 1.0, "{target:?}: the stop took {took} s");
        assert_eq!(*app.world().resource::<Closing>(), Closing::Emergency);
        let rows = events(&app, dir.path());
        let stop = rows
            .iter()
            .find(|r| r[2] == "emergency_stop")
            .unwrap_or_else(|| panic!("{target:?}: no stop recorded: {rows:?}"));
        assert_eq!(stop[5], format!("phase={target:?}"));
        let end = rows
            .iter()
            .find(|r| r[2] == "session_end")
            .unwrap_or_else(|| panic!("{target:?}: no end recorded: {rows:?}"));
        assert!(
            end[5].starts_with("how=Emergency completed=false"),
            "{end:?}"
        );
        // No post rating after an emergency.
        assert!(!rows.iter().any(|r| r[5] == "phase=Post") || target == Phase::Post);
    }
}

#[test]
fn no_hotkey_but_esc_acts_while_the_therapist_types() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    reach(&mut app, Phase::Immersion);
    app.insert_resource(ConsoleTyping(true));
    // A marker key, the pacer and pause: letters and keys meant for a text field.
    for key in [KeyCode::F1, KeyCode::KeyB, KeyCode::KeyP, KeyCode::Space] {
        press(&mut app, key);
    }
    let rows = events(&app, dir.path());
    assert!(
        !rows
            .iter()
            .any(|r| ["marker", "pacer", "pause"].contains(&r[2].as_str())),
        "{rows:?}"
    );
    assert_eq!(*app.world().resource::<Closing>(), Closing::Planned);
    // Typing done, F1 sets its marker again.
    app.insert_resource(ConsoleTyping(false));
    press(&mut app, KeyCode::F1);
    assert!(events(&app, dir.path()).iter().any(|r| r[2] == "marker"));
}

#[test]
fn space_stops_too_but_not_while_the_therapist_types() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    app.insert_resource(ConsoleTyping(true));
    press(&mut app, KeyCode::Space);
    assert_eq!(*app.world().resource::<Closing>(), Closing::Planned);
    press(&mut app, KeyCode::Escape);
    assert_eq!(*app.world().resource::<Closing>(), Closing::Emergency);
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    press(&mut app, KeyCode::Space);
    assert_eq!(*app.world().resource::<Closing>(), Closing::Emergency);
}

#[test]
fn a_whole_session_runs_its_states_in_order_with_every_rating_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    assert_eq!(phase(&app), Phase::Calibrate);
    // A steady head completes the calibration by itself.
    let took = run_until(&mut app, 5.0, |a| phase(a) == Phase::Baseline);
    assert!(
        (CALIBRATE_S - 0.1..CALIBRATE_S + 0.3).contains(&took),
        "{took}"
    );

    // Baseline by gaze: the look rests on 6 until its ring fills.
    run_until(&mut app, 1.0, |a| a.world().contains_resource::<Asking>());
    app.world_mut().resource_mut::<GazeOverride>().0 = Some(6);
    let took = run_until(&mut app, 4.0, |a| phase(a) == Phase::Immersion);
    assert!(took >= 1.5, "chosen after only {took} s of looking");

    // The scheduled minute: two keys and Enter.
    run_until(&mut app, 10.0, |a| {
        a.world()
            .get_resource::<Asking>()
            .is_some_and(|q| q.chosen.is_none())
    });
    press(&mut app, KeyCode::Digit3);
    press(&mut app, KeyCode::Enter);
    // A marker, then time runs out; the post rating comes after the closing fade.
    press(&mut app, KeyCode::F4);
    run_until(&mut app, 15.0, |a| phase(a) == Phase::Post);
    answer(&mut app, 2);
    run_until(&mut app, 2.0, |a| a.should_exit().is_some());

    let rows = events(&app, dir.path());
    let of = |event: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r[2] == event)
            .map(|r| r[5].clone())
            .collect()
    };
    assert_eq!(
        of("phase"),
        [
            "phase=Calibrate",
            "phase=Baseline",
            "phase=Immersion",
            "phase=Closing how=Planned",
            "phase=Post",
            "phase=Done how=Planned"
        ]
    );
    let ratings = of("rating");
    assert_eq!(ratings.len(), 3, "{ratings:?}");
    assert!(ratings[0].starts_with("timepoint=baseline scale=nrs value=6 by=patient via=gaze"));
    assert!(
        ratings[1].starts_with("timepoint=minute_0.1 scale=nrs value=3 by=patient via=keys"),
        "{}",
        ratings[1]
    );
    assert!(ratings[2].starts_with("timepoint=post scale=nrs value=2 by=therapist via=console"));
    let latency: f32 = ratings[0]
        .split("latency_s=")
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((1.9..3.0).contains(&latency), "gaze latency {latency}");
    assert_eq!(
        of("marker"),
        ["key=F4 label=\"tDCS on\" by=therapist via=keys"]
    );
    assert!(of("calibrate")[0].starts_with("eye_height_m=1.200"));
    assert!(of("session_end")[0].starts_with("how=Planned completed=true in_place_s=12"));
    // Every line is on disk as it happens: onsets only grow.
    let onsets: Vec<f32> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(onsets.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn a_sickness_answer_over_the_limit_pauses_for_the_therapist() {
    let dir = tempfile::tempdir().unwrap();
    let plan = SessionPlan {
        rate_every_min: None,
        fms_every_min: Some(0.05),
        fms_pause_at: 12,
        ..short_plan()
    };
    let mut app = session_app(plan, dir.path());
    reach(&mut app, Phase::Immersion);
    answer(&mut app, 4);
    assert!(!app.world().resource::<Time<Virtual>>().is_paused());
    run_until(&mut app, 10.0, |a| {
        a.world()
            .get_resource::<Asking>()
            .is_some_and(|q| q.chosen.is_none() && q.timepoint == Timepoint::at_minute(0.05))
    });
    app.world_mut().write_message(TherapistAnswer(Some(14)));
    app.update();
    app.update();
    assert!(app.world().resource::<Time<Virtual>>().is_paused());
    let alert = app
        .world()
        .resource::<SessionClock>()
        .alert
        .clone()
        .unwrap();
    assert!(alert.contains("Sickness 14 of 20 (limit 12)"), "{alert}");
    // Paused: the place's clock stands still.
    let before = app
        .world()
        .resource::<SessionClock>()
        .in_place_s(app.world().resource());
    for _ in 0..40 {
        app.update();
    }
    let after = app
        .world()
        .resource::<SessionClock>()
        .in_place_s(app.world().resource());
    assert_eq!(before, after);
    command(&mut app, SessionCommand::Resume);
    app.update();
    assert!(!app.world().resource::<Time<Virtual>>().is_paused());
    let rows = events(&app, dir.path());
    assert!(
        rows.iter()
            .any(|r| r[2] == "pause" && r[5].starts_with("by=sickness_check fms=14"))
    );
    // Its end is on record too, with who ended it.
    assert!(
        rows.iter()
            .any(|r| r[2] == "resume" && r[5] == "by=sickness_check ended_by=therapist"),
        "{rows:?}"
    );
}

#[test]
fn the_session_ends_at_its_maximum_length_even_while_paused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = SessionPlan {
        minutes: 1.0,
        rate_every_min: None,
        max_minutes: 0.1,
        ..short_plan()
    };
    let mut app = session_app(plan, dir.path());
    reach(&mut app, Phase::Immersion);
    command(&mut app, SessionCommand::Pause);
    let took = run_until(&mut app, 10.0, |a| phase(a) == Phase::Closing);
    assert!((5.5..6.5).contains(&took), "{took}");
    assert_eq!(*app.world().resource::<Closing>(), Closing::TimeLimit);
}

#[test]
fn fades_are_monotonic_and_reach_their_ends() {
    let fade = Fade {
        from: 0.0,
        to: 1.0,
        started: 10.0,
        seconds: FADE_S,
        held: false,
    };
    let mut last = -1.0;
    for i in 0..=40 {
        let v = fade_level(&fade, 10.0 + i as f32 * FADE_S / 40.0);
        assert!(v >= last, "fade went backwards at step {i}");
        last = v;
    }
    assert_eq!(fade_level(&fade, 9.0), 0.0);
    assert_eq!(fade_level(&fade, 10.0 + FADE_S), 1.0);
    // The largest step between 90 Hz frames stays small: no visible jump.
    let frame = 1.0 / 90.0;
    let worst = (0..(FADE_S / frame) as usize)
        .map(|i| {
            fade_level(&fade, 10.0 + (i + 1) as f32 * frame)
                - fade_level(&fade, 10.0 + i as f32 * frame)
        })
        .fold(0.0, f32::max);
    assert!(worst < 0.01, "largest per-frame change {worst}");
}

#[test]
fn a_counting_round_shows_its_lights_then_asks_and_scores_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let plan = SessionPlan {
        minutes: 5.0,
        rate_every_min: None,
        ..short_plan()
    };
    let mut app = session_app(plan, dir.path());
    reach(&mut app, Phase::Immersion);
    command(&mut app, SessionCommand::CountingRound);
    // Watch the light: it glows and goes, never above its soft ceiling.
    let mut lit_frames = 0;
    let mut brightest = 0.0f32;
    let mut t = 0.0;
    while !app
        .world()
        .get_resource::<Asking>()
        .is_some_and(|a| a.timepoint == Timepoint::Task(1))
    {
        app.update();
        t += STEP_S;
        assert!(t < 60.0, "no question after the round");
        let world = app.world_mut();
        let mut q = world.query_filtered::<(&guides::Glow, &Visibility), With<guides::TaskLight>>();
        let lit: Vec<f32> = q
            .iter(world)
            .filter(|(_, v)| **v != Visibility::Hidden)
            .map(|(p, _)| p.0)
            .collect();
        if let Some(a) = lit.first() {
            lit_frames += 1;
            brightest = brightest.max(*a);
        }
    }
    assert!(t >= 48.0, "asked after {t} s, before the round was over");
    assert!(
        lit_frames > 0 && brightest <= 0.9 + 1e-4,
        "{lit_frames} {brightest}"
    );
    let shown = app
        .world()
        .resource::<guides::Attention>()
        .awaiting
        .unwrap()
        .1;
    app.world_mut()
        .write_message(TherapistAnswer(Some(shown as u8 + 1)));
    app.update();
    app.update();
    let rows = events(&app, dir.path());
    let result = rows.iter().find(|r| r[2] == "attention_result").unwrap();
    assert_eq!(
        result[5],
        format!("round=1 shown={shown} answered={} error=1", shown + 1)
    );
    assert!(
        rows.iter()
            .any(|r| r[2] == "rating" && r[5].starts_with("timepoint=task_1 scale=count"))
    );
}

#[test]
fn the_pacer_comes_and_goes_gently_and_breathes_while_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    reach(&mut app, Phase::Immersion);
    command(&mut app, SessionCommand::Pacer(true));
    let mut sizes = Vec::new();
    for _ in 0..(12.0 / STEP_S) as usize {
        app.update();
        let world = app.world_mut();
        let mut q = world.query_filtered::<(&Transform, &Visibility), With<guides::PacerOrb>>();
        let (t, v) = q.single(world).unwrap();
        assert_ne!(*v, Visibility::Hidden);
        sizes.push(t.scale.x);
    }
    let (lo, hi) = sizes
        .iter()
        .fold((9.0f32, 0.0f32), |(a, b), s| (a.min(*s), b.max(*s)));
    assert!(lo < 0.75 && hi > 0.95, "the orb breathes: {lo}..{hi}");
    let worst = sizes
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(worst < 0.03, "no jumps: {worst} per 50 ms");
    command(&mut app, SessionCommand::Pacer(false));
    run_until(&mut app, 2.5, |a| {
        let world = a.world();
        world
            .iter_entities()
            .filter(|e| e.contains::<guides::PacerOrb>())
            .all(|e| e.get::<Visibility>() == Some(&Visibility::Hidden))
    });
    let rows = events(&app, dir.path());
    let pacer: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "pacer")
        .map(|r| r[5].as_str())
        .collect();
    assert_eq!(
        pacer,
        ["on=true breaths_per_min=6", "on=false breaths_per_min=6"]
    );
}

#[test]
fn a_restart_keeps_every_flag_but_the_ones_it_changes() {
    let args: Vec<String> = [
        "run",
        "--scene",
        "forest_glade",
        "--participant",
        "P01",
        "--immersion=gentle",
    ]
    .map(String::from)
    .to_vec();
    let out = with_flag(
        &with_flag(&args, "--scene", "beach_sunset"),
        "--immersion",
        "calm_view",
    );
    assert_eq!(
        out,
        [
            "run",
            "--participant",
            "P01",
            "--scene",
            "beach_sunset",
            "--immersion",
            "calm_view"
        ]
    );
}

#[test]
fn a_washout_then_questionnaires_come_in_order_and_are_scored() {
    use super::questions::{Questions, WashoutPlan};
    let dir = tempfile::tempdir().unwrap();
    let mut settings = rated(short_plan());
    settings.questions = Questions {
        ssq: true,
        ipq: true,
        ..Default::default()
    };
    settings.washout = Some(WashoutPlan::UntilBaseline {
        target: 5,
        within: 1,
        every_s: 0.5,
        max_s: 60.0,
    });
    let mut app = session_app_with(settings, dir.path());
    command(&mut app, SessionCommand::StartNow);
    run_until(&mut app, 2.0, |a| phase(a) == Phase::Baseline);
    // Pain 8 is not back near the first baseline (5 ± 1); 6 is.
    answer_next(&mut app, 8);
    answer_next(&mut app, 6);
    for i in 0..16 {
        answer_next(&mut app, (i % 4) as u8);
    }
    answer_next(&mut app, 5);
    run_until(&mut app, 2.0, |a| phase(a) == Phase::Immersion);
    command(&mut app, SessionCommand::End);
    run_until(&mut app, FADE_S + 1.0, |a| phase(a) == Phase::Post);
    answer_next(&mut app, 3);
    for _ in 0..16 {
        answer_next(&mut app, 1);
    }
    for _ in 0..14 {
        answer_next(&mut app, 3);
    }
    run_until(&mut app, 2.0, |a| phase(a) == Phase::Done);
    let rows = events(&app, dir.path());
    let asked: Vec<String> = rows
        .iter()
        .filter(|r| r[2] == "rating")
        .map(|r| {
            let d = &r[5];
            let f = |k: &str| {
                respite_core::research::data::field(d, k)
                    .unwrap_or("-")
                    .to_string()
            };
            format!("{}:{}:{}", f("timepoint"), f("scale"), r[3])
        })
        .collect();
    assert_eq!(asked[0], "washout_1:nrs:8");
    assert_eq!(asked[1], "washout_2:nrs:6");
    assert_eq!(asked[2], "pre:ssq:0");
    assert_eq!(asked[17], "pre:ssq:3");
    assert_eq!(asked[18], "baseline:nrs:5");
    assert_eq!(asked[19], "post:nrs:3");
    assert_eq!(
        asked[20..36].iter().filter(|a| *a == "post:ssq:1").count(),
        16
    );
    assert_eq!(
        asked[36..50].iter().filter(|a| *a == "post:ipq:3").count(),
        14
    );
    assert_eq!(asked.len(), 50, "{asked:?}");
    let end = rows.iter().find(|r| r[2] == "washout_end").unwrap();
    assert!(end[5].contains("back_to_baseline=true"), "{end:?}");
    let scores: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "questionnaire_score")
        .map(|r| r[5].as_str())
        .collect();
    assert_eq!(scores.len(), 3, "{scores:?}");
    // Every SSQ item 1 after: 21 raw points × 3.74.
    assert!(
        scores[1].starts_with("q=ssq timepoint=post nausea=66.78"),
        "{scores:?}"
    );
    assert!(scores[1].contains("total=78.54"), "{scores:?}");
    // Every IPQ item 3: reversing leaves 3.
    assert!(
        scores[2].contains("general=3.00 spatial=3.00 involvement=3.00 realism=3.00"),
        "{scores:?}"
    );
}

#[test]
fn a_timed_washout_shows_its_countdown_then_asks_the_baseline() {
    use super::panel::PanelMessage;
    use super::questions::WashoutPlan;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = rated(short_plan());
    settings.washout = Some(WashoutPlan::Wait { seconds: 2.0 });
    let mut app = session_app_with(settings, dir.path());
    command(&mut app, SessionCommand::StartNow);
    run_until(&mut app, 2.0, |a| phase(a) == Phase::Baseline);
    app.update();
    let shown = app.world().resource::<PanelMessage>().0.clone();
    assert!(
        shown
            .as_deref()
            .is_some_and(|m| m.starts_with("A rest before the next part: 0:0")),
        "{shown:?}"
    );
    assert!(!app.world().contains_resource::<Asking>());
    // Nothing is asked during the rest; the baseline comes after it.
    let waited = run_until(&mut app, 4.0, |a| a.world().contains_resource::<Asking>());
    assert!((1.5..=2.5).contains(&waited), "asked after {waited} s");
    let rows = events(&app, dir.path());
    let end = rows.iter().find(|r| r[2] == "washout_end").unwrap();
    assert!(end[5].starts_with("waited_s=2"), "{end:?}");
}

#[test]
fn the_opening_fade_never_snaps_back_when_something_compiles_mid_fade() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    reach(&mut app, Phase::Immersion);
    // Held on the neutral while the place cannot be drawn yet.
    for _ in 0..10 {
        app.update();
    }
    assert_eq!(app.world().resource::<Veil>().0, 1.0);
    app.world_mut()
        .resource_mut::<RenderReadiness>()
        .force(true);
    for _ in 0..8 {
        app.update();
    }
    let mid = app.world().resource::<Veil>().0;
    assert!(mid < 1.0 && mid > 0.0, "the fade is under way: {mid}");
    // A pipeline starts compiling mid-fade (a screenshot's, say): the fade goes on.
    app.world_mut()
        .resource_mut::<RenderReadiness>()
        .force(false);
    let mut last = mid;
    for _ in 0..80 {
        app.update();
        let v = app.world().resource::<Veil>().0;
        assert!(v <= last, "the veil went back up from {last} to {v}");
        last = v;
    }
    assert_eq!(last, 0.0, "the place is in full view");
}

#[test]
fn records_keep_no_folder_names() {
    use super::record::without_paths;
    assert_eq!(
        without_paths(
            "fallback=\"XR_RUNTIME_JSON names /home/jane/xr/rt.json, which does not exist\""
        ),
        "fallback=\"XR_RUNTIME_JSON names …/rt.json, which does not exist\""
    );
    assert_eq!(
        without_paths("file=/srv/data/p.ron n=2"),
        "file=…/p.ron n=2"
    );
    assert_eq!(
        without_paths("label=\"tDCS 2/3 on\" key=F4"),
        "label=\"tDCS 2/3 on\" key=F4"
    );
    assert_eq!(without_paths("phase=Immersion"), "phase=Immersion");
}

#[test]
fn a_session_resumed_after_its_place_ended_asks_only_what_is_left_and_keeps_its_time() {
    // Killed in the closing: the baseline and the minute rating were answered, the place had
    // run 12.3 s when its closing began (from the record, by `study::due`).
    let dir = tempfile::tempdir().unwrap();
    let settings = RunSettings {
        done: questions::Done {
            answered: vec![
                ("baseline".into(), "nrs".into(), None),
                ("minute_0.1".into(), "nrs".into(), None),
            ],
            place: true,
            in_place_s: 12.3,
            closing: Closing::Planned,
            resumed: true,
            ..Default::default()
        },
        ..rated(short_plan())
    };
    let mut app = session_app_with(settings, dir.path());
    command(&mut app, SessionCommand::StartNow);
    // Only the post rating is left: the place is not shown again.
    answer(&mut app, 2);
    run_until(&mut app, 3.0, |a| a.should_exit().is_some());
    let rows = events(&app, dir.path());
    let phases: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "phase")
        .map(|r| r[5].as_str())
        .collect();
    assert!(!phases.contains(&"phase=Immersion"), "{phases:?}");
    let asked: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "rating")
        .map(|r| r[5].split(' ').next().unwrap())
        .collect();
    assert_eq!(asked, ["timepoint=post"], "{rows:?}");
    let end = rows.iter().find(|r| r[2] == "session_end").unwrap();
    assert_eq!(end[5], "how=Planned completed=true in_place_s=12.3");
}

#[test]
fn a_volume_change_from_the_console_is_on_record_with_how_it_came() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = session_app(short_plan(), dir.path());
    app.init_resource::<crate::audio::Volume>()
        .add_systems(Update, crate::audio::change_volume);
    command(
        &mut app,
        SessionCommand::SetVolume {
            db: -6.0,
            via: super::CommandVia::Console,
        },
    );
    // Out of range is held to the range; not a number changes nothing.
    command(
        &mut app,
        SessionCommand::SetVolume {
            db: 40.0,
            via: super::CommandVia::Keys,
        },
    );
    command(
        &mut app,
        SessionCommand::SetVolume {
            db: f32::NAN,
            via: super::CommandVia::Console,
        },
    );
    assert_eq!(app.world().resource::<crate::audio::Volume>().0, 6.0);
    let rows = events(&app, dir.path());
    let volume: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "volume")
        .map(|r| r[5].as_str())
        .collect();
    assert_eq!(
        volume,
        [
            "db=-6.0 by=therapist via=console",
            "db=6.0 by=therapist via=keys"
        ]
    );
}

#[test]
fn the_names_in_records_are_pinned_not_taken_from_the_variants() {
    use crate::pause::PauseReason;
    use respite_core::session::Via;
    let phases: Vec<&str> = [
        Phase::Calibrate,
        Phase::Baseline,
        Phase::Immersion,
        Phase::Closing,
        Phase::Post,
        Phase::Done,
    ]
    .map(Phase::code)
    .into();
    assert_eq!(
        phases,
        [
            "Calibrate",
            "Baseline",
            "Immersion",
            "Closing",
            "Post",
            "Done"
        ]
    );
    let closings = [
        Closing::Planned,
        Closing::Ended,
        Closing::TimeLimit,
        Closing::Emergency,
    ];
    assert_eq!(
        closings.map(Closing::code),
        ["Planned", "Ended", "TimeLimit", "Emergency"]
    );
    for c in closings {
        assert_eq!(Closing::from_record(c.record()), Some(c));
    }
    assert_eq!(
        [
            Via::Gaze,
            Via::Keys,
            Via::Mouse,
            Via::Controller,
            Via::Console
        ]
        .map(Via::code),
        ["gaze", "keys", "mouse", "controller", "console"]
    );
    assert_eq!(
        [
            PauseReason::Therapist,
            PauseReason::SicknessCheck,
            PauseReason::Headset,
            PauseReason::RuntimeLost
        ]
        .map(PauseReason::code),
        ["therapist", "sickness_check", "headset", "runtime_lost"]
    );
    use crate::display::ActiveDisplay;
    assert_eq!(
        [
            ActiveDisplay::Xr,
            ActiveDisplay::Flat,
            ActiveDisplay::Offscreen
        ]
        .map(ActiveDisplay::code),
        ["Xr", "Flat", "Offscreen"]
    );
    assert_eq!(
        [
            super::CommandVia::Keys,
            super::CommandVia::Console,
            super::CommandVia::Autopilot
        ]
        .map(super::CommandVia::code),
        ["keys", "console", "autopilot"]
    );
}
