//! The therapist's console (bevy_egui): on a screen it is a second window, so the patient's
//! stays clean; with a headset it is a panel beside the mirror of the headset's view. It
//! shows where the session stands (phase, time in the place and left, headset, sound, the
//! record being written), runs it (start, pause, resume, end, the emergency stop, recentre),
//! asks ratings now and takes the patient's spoken answer, sets markers with editable labels,
//! and the volume and walking pace. All of it goes through the same messages the keys use.

use crate::ActiveScene;
use crate::audio::{SoundReport, Volume};
use crate::display::{ActiveDisplay, DisplayReport};
use crate::session::autopilot::ConsoleWindow;
use crate::session::guides::{Attention, Pacer};
use crate::session::markers::Markers;
use crate::session::panel::Asking;
use crate::session::record::{RecordFolder, RecordHealth};
use crate::session::{
    CommandVia, ConsoleTyping, Phase, RunSettings, SessionClock, SessionCommand, TherapistAnswer,
};
use crate::walking::Walk;
use bevy::camera::RenderTarget;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::{WindowRef, WindowResolution};
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext,
};
use respite_core::session::{ImmersionLevel, Scale};

/// What the console shows about this run that the App knows from its start.
#[derive(Resource, Clone, Debug)]
pub struct ConsoleInfo {
    pub participant: Option<String>,
    pub level: ImmersionLevel,
    /// What can be picked before the place: every scene and level by name.
    pub scenes: Vec<String>,
    pub levels: Vec<String>,
    /// In a study: which session of whose sequence, in which condition. The protocol
    /// decides scene, level and minutes, so the console does not offer to change them.
    pub study: Option<String>,
}

/// The console's own editing state.
#[derive(Resource, Default)]
struct Edits {
    spoken: String,
    question: String,
    volume_db: f32,
    /// Picks before the place: `None` until first drawn.
    scene: Option<String>,
    level: Option<String>,
    minutes: Option<f32>,
    /// Picks in the place.
    place_scene: Option<String>,
    place_level: Option<String>,
    /// The scene and level the picks were made against.
    place_seen: Option<(String, String)>,
}

/// Keyboard shortcuts, as listed in the console and the README.
pub const SHORTCUTS: [(&str, &str); 12] = [
    (
        "Esc or Space",
        "emergency stop (any window; Esc works even while typing, no other key does)",
    ),
    ("F1–F8", "set the marker with that label"),
    ("P", "pause or resume"),
    ("R", "recentre the view"),
    ("B", "breathing pacer on or off"),
    ("T", "a round of the counting task"),
    ("0–9, ← →", "light an answer (1 then 0 quickly = 10)"),
    ("Enter", "confirm the lit answer"),
    ("↑ ↓", "walking pace ±0.1 m/s"),
    (
        "← → / mouse buttons",
        "an interactive walk's steps, alternating (patient)",
    ),
    ("W held", "a switch walk (patient)"),
    ("Page Up / Down", "tilt the screen view"),
];

pub(crate) fn plugin(app: &mut App) {
    app.add_plugins(EguiPlugin::default())
        .insert_resource(EguiGlobalSettings {
            auto_create_primary_context: false,
            ..default()
        })
        .init_resource::<Edits>()
        .init_resource::<ConsoleTyping>()
        .add_systems(Startup, open_console)
        .add_systems(EguiPrimaryContextPass, draw_console)
        .add_systems(Update, keys_for_the_therapist);
}

/// A second window on a screen; beside the mirror in the desktop window with a headset.
fn open_console(
    mut commands: Commands,
    display: Option<Res<DisplayReport>>,
    mirrors: Query<Entity, (With<Camera3d>, Without<bevy_mod_xr::camera::XrCamera>)>,
) {
    if display.is_some_and(|d| d.active == ActiveDisplay::Xr) {
        if let Some(mirror) = mirrors.iter().next() {
            commands.entity(mirror).insert(PrimaryEguiContext);
        }
        return;
    }
    let window = commands
        .spawn((
            Name::new("Console window"),
            ConsoleWindow,
            Window {
                title: "Respite: therapist console".into(),
                resolution: WindowResolution::new(600, 1000),
                ..default()
            },
        ))
        .id();
    commands.spawn((
        Name::new("Console camera"),
        Camera2d,
        Camera {
            clear_color: ClearColorConfig::Custom(Color::srgb(0.1, 0.11, 0.12)),
            ..default()
        },
        RenderTarget::Window(WindowRef::Entity(window)),
        PrimaryEguiContext,
    ));
}

/// Whether a Resume would end a pause: the therapist's own, or a sickness check's (a
/// headset that is not showing resumes by itself when it is back).
fn therapist_can_resume(reasons: &crate::pause::PauseReasons) -> bool {
    use crate::pause::PauseReason;
    reasons.holds(PauseReason::Therapist) || reasons.holds(PauseReason::SicknessCheck)
}

/// P pauses or resumes; R recentres.
fn keys_for_the_therapist(
    keys: Res<ButtonInput<KeyCode>>,
    reasons: Res<crate::pause::PauseReasons>,
    mut commands: MessageWriter<SessionCommand>,
) {
    if keys.just_pressed(KeyCode::KeyP) {
        commands.write(if therapist_can_resume(&reasons) {
            SessionCommand::Resume
        } else {
            SessionCommand::Pause
        });
    }
    if keys.just_pressed(KeyCode::KeyR) {
        commands.write(SessionCommand::Recenter);
    }
}

fn mmss(seconds: f32) -> String {
    let s = seconds.max(0.0).round() as u32;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Everything the console reads.
#[derive(SystemParam)]
struct Status<'w> {
    scene: Res<'w, ActiveScene>,
    info: Option<Res<'w, ConsoleInfo>>,
    settings: Res<'w, RunSettings>,
    phase: Res<'w, State<Phase>>,
    clock: Res<'w, SessionClock>,
    time: Res<'w, Time<Virtual>>,
    pauses: Res<'w, crate::pause::PauseReasons>,
    followup: Option<Res<'w, crate::session::questions::FollowupStatus>>,
    course: Option<Res<'w, crate::session::course::CourseStatus>>,
    display: Option<Res<'w, DisplayReport>>,
    sound: Res<'w, SoundReport>,
    record: Option<Res<'w, RecordFolder>>,
    health: Res<'w, RecordHealth>,
    asking: Option<Res<'w, Asking>>,
    pacer: Res<'w, Pacer>,
    patient: Res<'w, crate::session::breath::PatientBreath>,
    attention: Res<'w, Attention>,
    xr_state: Option<Res<'w, bevy_mod_xr::session::XrState>>,
}

fn draw_console(
    mut contexts: EguiContexts,
    mut edits: ResMut<Edits>,
    mut typing: ResMut<ConsoleTyping>,
    status: Status,
    mut markers: ResMut<Markers>,
    volume: Res<Volume>,
    walk: Option<Res<Walk>>,
    level_now: Option<Res<crate::place::CurrentLevel>>,
    switching: Option<Res<crate::place::Switching>>,
    mut commands: MessageWriter<SessionCommand>,
    mut answers: MessageWriter<TherapistAnswer>,
) -> Result {
    let Status {
        scene,
        info,
        settings,
        phase,
        clock,
        time,
        pauses,
        followup,
        course,
        display,
        sound,
        record,
        health,
        asking,
        pacer,
        patient,
        attention,
        xr_state,
    } = status;
    let ctx = contexts.ctx_mut()?.clone();
    typing.0 = ctx.egui_wants_keyboard_input();
    let xr = display
        .as_ref()
        .is_some_and(|d| d.active == ActiveDisplay::Xr);
    let mut root = egui::Ui::new(
        ctx.clone(),
        "console".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let body = |ui: &mut egui::Ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Respite: therapist console");
            let level = level_now
                .as_ref()
                .map(|l| l.0.clone())
                .or_else(|| info.as_ref().map(|i| i.level.clone()));
            ui.label(format!(
                "Participant {}  ·  scene {}  ·  level {}",
                info.as_ref()
                    .and_then(|i| i.participant.clone())
                    .unwrap_or_else(|| "(none)".into()),
                scene.name,
                level.as_ref().map_or("?", |l| l.name.as_str())
            ));
            ui.separator();

            // Where the session stands.
            let in_place = clock.in_place_s(&time);
            let planned = settings.plan.minutes * 60.0;
            let state = if pauses.any() {
                format!("{:?} (paused: {})", phase.get(), pauses.words())
            } else {
                format!("{:?}", phase.get())
            };
            egui::Grid::new("status").num_columns(2).show(ui, |ui| {
                ui.label("Phase");
                ui.label(RichText::new(state).strong());
                ui.end_row();
                ui.label("In the place");
                ui.label(format!(
                    "{} of {}  ({} left)",
                    mmss(in_place),
                    mmss(planned),
                    mmss(planned - in_place)
                ));
                ui.end_row();
                ui.label("Display");
                ui.label(match display.as_deref() {
                    Some(d) if d.active == ActiveDisplay::Xr => format!(
                        "headset: {} on {} ({})",
                        d.runtime.as_deref().unwrap_or("?"),
                        d.system.as_deref().unwrap_or("?"),
                        xr_state
                            .as_deref()
                            .map_or("starting".to_string(), |s| format!("{s:?}"))
                    ),
                    Some(d) => match &d.fallback_reason {
                        Some(why) => format!("screen (no headset: {why})"),
                        None => "screen".into(),
                    },
                    None => "?".into(),
                });
                ui.end_row();
                ui.label("Sound");
                ui.label(match (&sound.level, sound.device_playing) {
                    (None, _) => "none in this scene".to_string(),
                    (Some(_), Some(false)) => "no audio device: silent".to_string(),
                    (Some(l), Some(true)) => format!("playing, {}", l.describe()),
                    (Some(_), None) => "starting".to_string(),
                });
                ui.end_row();
                ui.label("Data");
                ui.label(match (record.as_deref(), health.failed()) {
                    (Some(_), Some(why)) => format!("NOT SAVED: {why}"),
                    (Some(r), None) => {
                        format!("{} events written to {}", health.lines(), r.0.dir.display())
                    }
                    (None, _) => "not recorded (no --record or --participant)".into(),
                });
                ui.end_row();
            });
            if let Some(alert) = &clock.alert {
                ui.colored_label(Color32::from_rgb(240, 190, 90), alert);
                ui.horizontal(|ui| {
                    if ui.button("Stop the session").clicked() {
                        commands.write(SessionCommand::End);
                    }
                    if xr {
                        if ui.button("Continue on the screen").clicked() {
                            commands.write(SessionCommand::ContinueOnScreen);
                        }
                        // Not once the runtime itself is gone: there is no headset to go back to.
                        let headset_left = xr_state
                            .as_deref()
                            .is_some_and(|s| *s != bevy_mod_xr::session::XrState::Unavailable);
                        if headset_left && ui.button("Continue in the headset").clicked() {
                            commands.write(SessionCommand::Resume);
                        }
                    } else if ui.button("Continue").clicked() {
                        commands.write(SessionCommand::Resume);
                    }
                });
            }
            let following = followup.as_ref().and_then(|f| f.0.clone());
            if let Some(f) = &following {
                ui.label(RichText::new(f).strong());
            }
            if let Some(study) = info.as_ref().and_then(|i| i.study.as_ref()) {
                ui.label(RichText::new(study).strong());
            }
            if let Some(now) = course.as_ref().and_then(|c| c.0.as_ref()) {
                ui.label(now);
            }
            // Before the place: the scene, level and minutes can still change (not in a
            // study, where the protocol sets them).
            if let (Some(info), Phase::Calibrate | Phase::Baseline) = (&info, phase.get())
                && info.study.is_none()
            {
                ui.separator();
                ui.label(RichText::new("Before the start").strong());
                let scene_now = edits
                    .scene
                    .get_or_insert_with(|| scene.name.clone())
                    .clone();
                let level_now = edits
                    .level
                    .get_or_insert_with(|| info.level.name.clone())
                    .clone();
                let mut scene_pick = scene_now.clone();
                let mut level_pick = level_now.clone();
                egui::ComboBox::from_label("scene")
                    .selected_text(&scene_pick)
                    .show_ui(ui, |ui| {
                        for s in &info.scenes {
                            ui.selectable_value(&mut scene_pick, s.clone(), s);
                        }
                    });
                egui::ComboBox::from_label("immersion level")
                    .selected_text(&level_pick)
                    .show_ui(ui, |ui| {
                        for l in &info.levels {
                            ui.selectable_value(&mut level_pick, l.clone(), l);
                        }
                    });
                edits.scene = Some(scene_pick.clone());
                edits.level = Some(level_pick.clone());
                let mut minutes = *edits.minutes.get_or_insert(settings.plan.minutes);
                let slider = ui.add(
                    egui::Slider::new(&mut minutes, 0.5..=120.0)
                        .text("minutes in the place")
                        .step_by(0.5),
                );
                // Only a person's change counts: the slider never rewrites the plan itself
                // (it snaps a planned 0.6 min to its 0.5 steps when first drawn).
                let by_hand = slider.dragged() || slider.has_focus() || slider.clicked();
                if slider.changed() && by_hand && minutes != settings.plan.minutes {
                    commands.write(SessionCommand::SetMinutes(minutes));
                }
                edits.minutes = Some(minutes);
                let changed = scene_pick != scene.name || level_pick != info.level.name;
                if ui
                    .add_enabled(changed, egui::Button::new("Start again with these"))
                    .clicked()
                {
                    commands.write(SessionCommand::Restart {
                        scene: scene_pick,
                        level: level_pick,
                    });
                }
            }
            // In the place: another scene (through the neutral) or level (in the place).
            if let (Some(info), Phase::Immersion) = (&info, phase.get())
                && info.study.is_none()
            {
                ui.separator();
                ui.label(RichText::new("Change the place").strong())
                    .on_hover_text(
                        "A scene fades through the calm neutral; a level applies at once",
                    );
                let level_name = level.as_ref().map_or(String::new(), |l| l.name.clone());
                // Picks start from what shows now, again after every change.
                let now_showing = (scene.name.clone(), level_name.clone());
                if edits.place_seen.as_ref() != Some(&now_showing) {
                    edits.place_scene = None;
                    edits.place_level = None;
                    edits.place_seen = Some(now_showing);
                }
                let mut scene_pick = edits
                    .place_scene
                    .get_or_insert_with(|| scene.name.clone())
                    .clone();
                let mut level_pick = edits
                    .place_level
                    .get_or_insert_with(|| level_name.clone())
                    .clone();
                match &switching {
                    Some(s) => {
                        ui.label(format!("Changing to {} behind the calm neutral…", s.to));
                    }
                    None => {
                        if pick_and_go(
                            ui,
                            "place scene",
                            &info.scenes,
                            &mut scene_pick,
                            &scene.name,
                            (
                                "Go to this scene",
                                "Fades to the calm neutral, builds it, fades in",
                            ),
                        ) {
                            commands.write(SessionCommand::SetScene {
                                name: scene_pick.clone(),
                                via: CommandVia::Console,
                            });
                        }
                    }
                }
                if pick_and_go(
                    ui,
                    "place level",
                    &info.levels,
                    &mut level_pick,
                    &level_name,
                    (
                        "Use this level",
                        "Applies in the place: field of view, motion, sound, body",
                    ),
                ) {
                    commands.write(SessionCommand::SetLevel {
                        name: level_pick.clone(),
                        via: CommandVia::Console,
                    });
                }
                edits.place_scene = Some(scene_pick);
                edits.place_level = Some(level_pick);
            }
            ui.separator();

            // Running it.
            let stop = egui::Button::new(
                RichText::new("EMERGENCY STOP  (Esc / Space)")
                    .size(20.0)
                    .color(Color32::WHITE),
            )
            .fill(Color32::from_rgb(170, 40, 40))
            .min_size(egui::vec2(ui.available_width(), 44.0));
            if ui.add(stop).clicked() {
                commands.write(SessionCommand::Emergency);
            }
            ui.horizontal(|ui| {
                if *phase.get() == Phase::Calibrate && ui.button("Start now").clicked() {
                    commands.write(SessionCommand::StartNow);
                }
                if therapist_can_resume(&pauses) {
                    if ui.button("Resume (P)").clicked() {
                        commands.write(SessionCommand::Resume);
                    }
                } else if ui.button("Pause (P)").clicked() {
                    commands.write(SessionCommand::Pause);
                }
                if *phase.get() == Phase::Immersion && ui.button("End session").clicked() {
                    commands.write(SessionCommand::End);
                }
                if following.is_some() && ui.button("End follow-up").clicked() {
                    commands.write(SessionCommand::End);
                }
                if ui.button("Recentre (R)").clicked() {
                    commands.write(SessionCommand::Recenter);
                }
            });
            ui.separator();

            // Ratings.
            ui.label(RichText::new("Ratings").strong());
            match asking.as_deref() {
                Some(a) if a.chosen.is_none() => {
                    ui.label(format!(
                        "On the panel: {} ({}) — \"{}\"",
                        a.timepoint,
                        a.scale.code(),
                        a.scale.question()
                    ));
                    ui.horizontal(|ui| {
                        ui.label("Patient says:");
                        let field = ui
                            .add(egui::TextEdit::singleline(&mut edits.spoken).desired_width(60.0));
                        let entered =
                            field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                        let parsed = parse_spoken(&edits.spoken, &a.scale);
                        if (ui.button("Enter").clicked() || entered) && parsed.is_some() {
                            answers.write(TherapistAnswer(parsed));
                            edits.spoken.clear();
                        }
                        if ui.button("Skip").clicked() {
                            answers.write(TherapistAnswer(None));
                            edits.spoken.clear();
                        }
                    });
                }
                _ => {
                    ui.label("No question on the panel.");
                }
            }
            let in_place_now = *phase.get() == Phase::Immersion;
            ui.add_enabled_ui(in_place_now, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Ask pain now").clicked() {
                        commands.write(SessionCommand::Ask(Scale::Nrs));
                    }
                    if ui.button("Ask sickness (FMS)").clicked() {
                        commands.write(SessionCommand::Ask(Scale::Fms));
                    }
                });
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut edits.question)
                            .hint_text("a yes/no question")
                            .desired_width(260.0),
                    );
                    if ui.button("Ask").clicked() && !edits.question.trim().is_empty() {
                        commands.write(SessionCommand::Ask(Scale::YesNo(
                            edits.question.trim().to_string(),
                        )));
                        edits.question.clear();
                    }
                });
            });
            ui.separator();

            // Guides.
            ui.label(RichText::new("Guides").strong());
            ui.horizontal(|ui| {
                let mut on = pacer.on;
                if ui.checkbox(&mut on, "Breathing pacer (B)").changed() {
                    commands.write(SessionCommand::Pacer(on));
                }
                let mut bpm = pacer.breaths_per_min;
                if ui
                    .add(
                        egui::Slider::new(&mut bpm, 3.0..=12.0)
                            .text("breaths/min")
                            .step_by(0.5),
                    )
                    .changed()
                {
                    commands.write(SessionCommand::PacerRate(bpm));
                }
            });
            if let Some(line) = patient.console_line() {
                ui.label(line);
            }
            ui.horizontal(|ui| {
                let can = *phase.get() == Phase::Immersion && !attention.busy();
                if ui
                    .add_enabled(can, egui::Button::new("Counting round (T)"))
                    .clicked()
                {
                    commands.write(SessionCommand::CountingRound);
                }
                ui.label(format!("{} round(s) so far", attention.rounds));
            });
            ui.separator();

            // Markers.
            ui.label(RichText::new(format!("Markers ({} set)", markers.count)).strong());
            for i in 0..markers.labels.len() {
                ui.horizontal(|ui| {
                    if ui.button(format!("F{}", i + 1)).clicked() {
                        commands.write(SessionCommand::Marker {
                            key: i,
                            via: CommandVia::Console,
                        });
                    }
                    ui.add(egui::TextEdit::singleline(&mut markers.labels[i]).desired_width(300.0));
                });
            }
            ui.separator();

            // Sound and pace.
            ui.label(RichText::new("Adjust").strong());
            edits.volume_db = volume.0;
            ui.add(
                egui::Slider::new(&mut edits.volume_db, -30.0..=6.0)
                    .text("volume, dB")
                    .step_by(1.0),
            );
            if edits.volume_db != volume.0 {
                commands.write(SessionCommand::SetVolume {
                    db: edits.volume_db,
                    via: CommandVia::Console,
                });
            }
            if let Some(walk) = &walk
                && let Some(d) = walk.walker.driver()
            {
                ui.label(format!(
                    "Walking {} by {}: {} {} counted, {:.2} m/s now (the pace below is the most)",
                    d.walking.code(),
                    d.input.code(),
                    d.counted,
                    if d.walking == respite_core::walk::Walking::Wheelchair {
                        "pushes"
                    } else {
                        "steps"
                    },
                    walk.walker.speed
                ));
            }
            if in_place_now && level.as_ref().is_none_or(|l| l.body) {
                ui.horizontal(|ui| {
                    ui.label("Touch in sync: stroke")
                        .on_hover_text("A soft light brushes down the virtual limb for 3 s: stroke the real one with it");
                    for (limb, label) in respite_core::walk::LIMBS.iter().zip([
                        "left leg",
                        "right leg",
                        "left arm",
                        "right arm",
                    ]) {
                        if ui.button(label).clicked() {
                            commands.write(SessionCommand::Stroke {
                                limb: limb.to_string(),
                                via: CommandVia::Console,
                            });
                        }
                    }
                });
            }
            if let Some(walk) = walk {
                let mut pace = walk.walker.cruise();
                let (lo, hi) = respite_core::walk::SPEEDS.into_inner();
                ui.add(
                    egui::Slider::new(&mut pace, lo..=hi)
                        .text("walking pace, m/s")
                        .step_by(0.1),
                );
                if (pace - walk.walker.cruise()).abs() > 1e-3 {
                    commands.write(SessionCommand::SetPace {
                        m_s: pace,
                        via: CommandVia::Console,
                    });
                }
            }
            if let Some(level) = &level {
                ui.label(format!(
                    "Level {}: field {}°, {}, motion {}, sound {}, body {}, gaze-reactive life {}",
                    level.name,
                    level.fov_deg,
                    format!("{:?}", level.stereo).to_lowercase(),
                    level.motion,
                    format!("{:?}", level.audio).to_lowercase(),
                    if level.body { "on" } else { "off" },
                    if level.interactive { "on" } else { "off" },
                ));
            }
            ui.separator();
            ui.label(RichText::new("Keys").strong());
            egui::Grid::new("keys").num_columns(2).show(ui, |ui| {
                for (k, what) in SHORTCUTS {
                    ui.monospace(k);
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
    };
    if xr {
        egui::Panel::right("console")
            .default_size(420.0)
            .show(&mut root, body);
    } else {
        egui::CentralPanel::default().show(&mut root, body);
    }
    Ok(())
}

/// A spoken answer as typed: a number on the scale, or yes/no for a yes/no question.
/// A picker over `names` and a button that is live only when the pick differs from what
/// shows now; true when the button was pressed.
fn pick_and_go(
    ui: &mut egui::Ui,
    id: &str,
    names: &[String],
    pick: &mut String,
    now: &str,
    (button, hover): (&str, &str),
) -> bool {
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt(id)
            .selected_text(pick.as_str())
            .show_ui(ui, |ui| {
                for n in names {
                    ui.selectable_value(pick, n.clone(), n);
                }
            });
        ui.add_enabled(pick != now, egui::Button::new(button))
            .on_hover_text(hover)
            .clicked()
    })
    .inner
}

fn parse_spoken(text: &str, scale: &Scale) -> Option<u8> {
    let t = text.trim().to_ascii_lowercase();
    match (scale, t.as_str()) {
        (Scale::YesNo(_), "y" | "yes") => Some(1),
        (Scale::YesNo(_), "n" | "no") => Some(0),
        _ => t.parse().ok().filter(|v| scale.values().contains(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_answer_must_be_on_the_scale() {
        assert_eq!(parse_spoken(" 7 ", &Scale::Nrs), Some(7));
        assert_eq!(parse_spoken("11", &Scale::Nrs), None);
        assert_eq!(parse_spoken("15", &Scale::Fms), Some(15));
        assert_eq!(parse_spoken("seven", &Scale::Nrs), None);
        let q = Scale::YesNo("Warm enough?".into());
        assert_eq!(parse_spoken("Yes", &q), Some(1));
        assert_eq!(parse_spoken("0", &q), Some(0));
    }
}
