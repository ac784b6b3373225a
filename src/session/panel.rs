//! The rating panel: a calm board in the place, 1.5 m before the eyes, that asks one
//! question at a time (pain 0–10, yes/no, sickness 0–20). It is answered without hands by
//! resting the gaze on a number for 1.5 s while a ring fills around it, or by the mouse
//! (hover the same way, or click), the number keys (Enter confirms), or the therapist typing
//! what the patient said. Each answer goes to the record with its timepoint, value, who
//! entered it, how, and how long it took. The panel is UI drawn into a texture on a quad,
//! so the headset and the screen show the same thing; between questions it can show a
//! message (how to sit for calibration).

use super::{PANEL_LAYER, Record};
use crate::display::{ControllerSelect, Head, Pointer, PointerKind};
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::camera::visibility::RenderLayers;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use respite_core::session::event::SessionEvent;
use respite_core::session::{Dwell, KeyEntry, Rating, Scale, Timepoint, Via, Who};
use std::collections::VecDeque;

/// Ask a question on the panel (queued behind any already asked).
#[derive(Message, Clone, Debug)]
pub struct AskRating {
    pub timepoint: Timepoint,
    pub scale: Scale,
}

/// A question was answered (or skipped: `value` is `None`).
#[derive(Message, Clone, Debug)]
pub struct Answered {
    pub timepoint: Timepoint,
    pub scale: Scale,
    pub value: Option<u8>,
}

/// The therapist entered the patient's spoken answer (`None` skips the question).
#[derive(Message, Clone, Copy, Debug)]
pub struct TherapistAnswer(pub Option<u8>);

/// A message to show while no question is asked.
#[derive(Resource, Default, Clone, Debug)]
pub struct PanelMessage(pub Option<String>);

/// Tests and demos look at a value's button as a patient would (the gaze ray goes from the
/// head to that button); `None` leaves the gaze to the headset or the mouse.
#[derive(Resource, Default, Clone, Copy, Debug)]
pub struct GazeOverride(pub Option<u8>);

/// The question on the panel now, for the console and the input systems.
#[derive(Resource, Clone, Debug)]
pub struct Asking {
    pub timepoint: Timepoint,
    pub scale: Scale,
    /// Real seconds when the question appeared.
    pub asked_at: f32,
    pub keys: KeyEntry,
    pub dwell: Dwell,
    /// The value chosen and when: the panel shows it briefly, then goes.
    pub chosen: Option<(Option<u8>, f32)>,
}

#[derive(Resource, Default)]
struct Queue(VecDeque<AskRating>);

/// Panel size in metres and texture pixels (1 px = 1 mm).
const SIZE_M: Vec2 = Vec2::new(1.2, 0.6);
const SIZE_PX: UVec2 = UVec2::new(1200, 600);
const DISTANCE_M: f32 = 1.5;
/// The question text sits where the eyes are when the panel appears, above the buttons, so
/// nothing is chosen by the gaze simply arriving.
const TEXT_ABOVE_CENTRE_M: f32 = 0.19;
/// The gaze starts to count this long after the panel appears.
const SETTLE_S: f32 = 0.5;
/// The chosen value stays lit this long before the panel goes.
const CONFIRM_S: f32 = 0.7;

const BOARD: Color = Color::srgb(0.10, 0.15, 0.17);
const BUTTON: Color = Color::srgb(0.20, 0.29, 0.31);
const LOOKED_AT: Color = Color::srgb(0.31, 0.45, 0.46);
const CHOSEN: Color = Color::srgb(0.50, 0.70, 0.55);
const INK: Color = Color::srgb(0.93, 0.95, 0.92);
const SOFT_INK: Color = Color::srgb(0.70, 0.77, 0.76);
const RING: Color = Color::srgb(0.98, 0.86, 0.55);

#[derive(Clone, Debug, PartialEq)]
enum Shows {
    Message(String),
    Question(Timepoint, &'static str),
}

#[derive(Component)]
struct Panel {
    shows: Shows,
    /// Each button's value, its rectangle in texture pixels and its UI node.
    buttons: Vec<(u8, Rect, Entity)>,
    ui_root: Entity,
    ui_camera: Entity,
    ring: Entity,
    ring_mesh: Handle<Mesh>,
}

/// The panel's font: DejaVu Sans (`assets/fonts/`, its licence beside it), carried in the
/// binary so the panel reads the same on every machine.
#[derive(Resource, Clone)]
pub struct PanelFont(pub Handle<Font>);

const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn load_panel_font(mut commands: Commands, fonts: Option<ResMut<Assets<Font>>>) {
    // Apps without text (the session's own tests) have no font assets.
    if let Some(mut fonts) = fonts {
        commands.insert_resource(PanelFont(fonts.add(Font::from_bytes(FONT_BYTES.to_vec()))));
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(PreStartup, load_panel_font)
        .add_systems(OnExit(super::Phase::Immersion), drop_lessons);
    app.add_message::<AskRating>()
        .add_message::<Answered>()
        .add_message::<TherapistAnswer>()
        .init_resource::<PanelMessage>()
        .init_resource::<GazeOverride>()
        .init_resource::<Queue>()
        .add_systems(
            Update,
            (
                queue_questions,
                show_what_is_due,
                answer_by_gaze_or_mouse,
                answer_by_keys,
                answer_by_therapist,
                move_on_timed_cards,
                light_the_buttons,
                close_when_confirmed,
                super::lesson_art::follow_the_setting,
            )
                .chain(),
        );
}

fn queue_questions(mut asks: MessageReader<AskRating>, mut queue: ResMut<Queue>) {
    for a in asks.read() {
        info!("rating: asking {} ({})", a.timepoint, a.scale.code());
        queue.0.push_back(a.clone());
    }
}

/// Shows the first queued question, else the message, else nothing.
fn show_what_is_due(
    mut commands: Commands,
    queue: Res<Queue>,
    message: Res<PanelMessage>,
    asking: Option<Res<Asking>>,
    panels: Query<(Entity, &Panel)>,
    heads: Query<&GlobalTransform, With<Head>>,
    time: Res<Time<Real>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut images: ResMut<Assets<Image>>,
    font: Option<Res<PanelFont>>,
) {
    if asking.is_some_and(|a| a.chosen.is_some()) {
        return;
    }
    let due = match (queue.0.front(), &message.0) {
        (Some(q), _) => Some(Shows::Question(q.timepoint, q.scale.code())),
        (None, Some(m)) => Some(Shows::Message(m.clone())),
        (None, None) => None,
    };
    let current = panels.iter().next();
    if current.map(|(_, p)| &p.shows) == due.as_ref() {
        return;
    }
    if let Some((entity, panel)) = current {
        despawn_panel(&mut commands, entity, panel);
    }
    let Some(due) = due else { return };
    let Ok(head) = heads.single() else { return };
    if let (Shows::Question(..), Some(q)) = (&due, queue.0.front()) {
        commands.insert_resource(Asking {
            timepoint: q.timepoint,
            scale: q.scale.clone(),
            asked_at: time.elapsed_secs(),
            keys: KeyEntry::default(),
            dwell: Dwell::default(),
            chosen: None,
        });
    }
    let scale = queue.0.front().map(|q| q.scale.clone());
    let board = spawn_panel(
        &mut commands,
        due,
        scale.as_ref(),
        font.map(|f| f.0.clone()).unwrap_or_default(),
        head,
        &mut meshes,
        &mut materials,
        &mut images,
    );
    if let Some(Scale::Card { art: Some(art), .. }) = &scale {
        super::lesson_art::spawn(
            &mut commands,
            board,
            *art,
            time.elapsed_secs(),
            &mut meshes,
            &mut materials,
        );
    }
}

fn despawn_panel(commands: &mut Commands, entity: Entity, panel: &Panel) {
    commands.entity(panel.ui_root).despawn();
    commands.entity(panel.ui_camera).despawn();
    commands.entity(entity).despawn();
}

/// Where the buttons go on the texture, in pixels.
fn layout(scale: &Scale) -> Vec<(u8, Rect)> {
    let rows = scale.rows();
    let (w, h, gap, top) = match scale {
        Scale::Nrs | Scale::Count(_) => (92.0, 110.0, 10.0, 250.0),
        Scale::YesNo(_) => (300.0, 130.0, 80.0, 250.0),
        Scale::Fms => (130.0, 80.0, 14.0, 200.0),
        // A questionnaire item: 4 or 7 answers in one row, below a longer question.
        Scale::Item(..) if rows[0].len() <= 4 => (200.0, 110.0, 40.0, 300.0),
        Scale::Item(..) => (140.0, 110.0, 20.0, 300.0),
        // A lesson card: one "Next" button, bottom right, below the card's words.
        Scale::Card { .. } => {
            return vec![(0, Rect::new(880.0, 470.0, 1140.0, 560.0))];
        }
        // A check question: one wide button an option.
        Scale::Choice { .. } => (900.0, 84.0, 16.0, 180.0),
    };
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let n = row.len() as f32;
        let left = (SIZE_PX.x as f32 - (n * w + (n - 1.0) * gap)) / 2.0;
        let y = top + r as f32 * (h + gap);
        for (i, &v) in row.iter().enumerate() {
            let x = left + i as f32 * (w + gap);
            out.push((v, Rect::new(x, y, x + w, y + h)));
        }
    }
    out
}

fn spawn_panel(
    commands: &mut Commands,
    shows: Shows,
    scale: Option<&Scale>,
    font: Handle<Font>,
    head: &GlobalTransform,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    images: &mut Assets<Image>,
) -> Entity {
    let mut image = Image::new_fill(
        Extent3d {
            width: SIZE_PX.x,
            height: SIZE_PX.y,
            ..default()
        },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Bgra8UnormSrgb,
        RenderAssetUsages::default(),
    );
    image.texture_descriptor.usage =
        TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_DST | TextureUsages::RENDER_ATTACHMENT;
    let image = images.add(image);
    let ui_camera = commands
        .spawn((
            Name::new("Rating panel camera"),
            Camera2d,
            Camera {
                order: -1,
                clear_color: ClearColorConfig::Custom(BOARD),
                ..default()
            },
            RenderTarget::Image(image.clone().into()),
        ))
        .id();
    let text = |s: &str, size: f32, color: Color| {
        (
            Text::new(s),
            TextFont {
                font: FontSource::Handle(font.clone()),
                font_size: FontSize::Px(size),
                ..default()
            },
            TextColor(color),
            TextLayout::justify(Justify::Center),
        )
    };
    let full = Node {
        width: percent(100),
        height: percent(100),
        position_type: PositionType::Absolute,
        ..default()
    };
    let ui_root = commands
        .spawn((
            Name::new("Rating panel"),
            full.clone(),
            UiTargetCamera(ui_camera),
        ))
        .id();
    let mut buttons = Vec::new();
    match (&shows, scale) {
        // A lesson card: its words large, left-aligned, with room around them; where it is
        // in the lesson; "Next" at the bottom right.
        (
            Shows::Question(..),
            Some(Scale::Card {
                text: words,
                card,
                of,
                ..
            }),
        ) => {
            let mut body = text(words, 52.0, INK);
            body.3 = TextLayout::justify(Justify::Left);
            commands.entity(ui_root).with_child((
                Node {
                    position_type: PositionType::Absolute,
                    top: px(44),
                    left: px(64),
                    right: px(64),
                    ..default()
                },
                children![body],
            ));
            commands.entity(ui_root).with_child((
                Node {
                    position_type: PositionType::Absolute,
                    bottom: px(58),
                    left: px(64),
                    ..default()
                },
                children![text(&format!("{card} of {of}"), 28.0, SOFT_INK)],
            ));
            for (value, rect) in layout(scale.expect("a card has its scale")) {
                let button = button_at(commands, ui_root, rect);
                commands
                    .entity(button)
                    .with_child(text("Next  ›", 44.0, INK));
                buttons.push((value, rect, button));
            }
        }
        (Shows::Question(..), Some(scale)) => {
            commands.entity(ui_root).with_child((
                Node {
                    position_type: PositionType::Absolute,
                    top: px(40),
                    width: percent(100),
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                children![text(&scale.question(), 46.0, INK)],
            ));
            let rects = layout(scale);
            for (value, rect) in rects {
                let button = button_at(commands, ui_root, rect);
                let size = match scale {
                    Scale::Fms => 40.0,
                    Scale::Choice { .. } => 36.0,
                    _ => 50.0,
                };
                commands
                    .entity(button)
                    .with_child(text(&scale.label(value), size, INK));
                buttons.push((value, rect, button));
            }
            let (lo, hi) = scale.anchors();
            let bottom = buttons.iter().map(|(_, r, _)| r.max.y).fold(0.0, f32::max);
            for (words, left) in [(lo, true), (hi, false)] {
                if words.is_empty() {
                    continue;
                }
                commands.entity(ui_root).with_child((
                    Node {
                        position_type: PositionType::Absolute,
                        top: px(bottom + 22.0),
                        left: if left { px(44) } else { auto() },
                        right: if left { auto() } else { px(44) },
                        ..default()
                    },
                    children![text(words, 30.0, SOFT_INK)],
                ));
            }
            commands.entity(ui_root).with_child((
                Node {
                    position_type: PositionType::Absolute,
                    bottom: px(24),
                    width: percent(100),
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                children![text(
                    "Rest your eyes on your answer, or say it aloud.",
                    24.0,
                    SOFT_INK
                )],
            ));
        }
        _ => {
            let m = match &shows {
                Shows::Message(m) => m.clone(),
                Shows::Question(..) => String::new(),
            };
            commands.entity(ui_root).with_child((
                Node {
                    width: percent(100),
                    height: percent(100),
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::Center,
                    ..default()
                },
                children![text(&m, 54.0, INK)],
            ));
        }
    }

    // In the place: straight ahead of the eyes, upright, facing them, the question text
    // where the gaze already is.
    let eye = head.translation();
    let forward = head.forward().as_vec3();
    let gaze_point = eye + forward * DISTANCE_M;
    let mut t = Transform::from_translation(gaze_point);
    // +Z of the quad faces the viewer.
    t.look_at(gaze_point + (gaze_point - eye), Vec3::Y);
    t.translation -= t.up() * TEXT_ABOVE_CENTRE_M;
    let ring_mesh = meshes.add(arc(0.0, 0.05, 0.062));
    let ring = commands
        .spawn((
            Name::new("Gaze ring"),
            Mesh3d(ring_mesh.clone()),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: RING,
                unlit: true,
                fog_enabled: false,
                cull_mode: None,
                ..default()
            })),
            Transform::from_xyz(0.0, 0.0, 0.004),
            Visibility::Hidden,
            RenderLayers::layer(PANEL_LAYER),
            NotShadowCaster,
            NotShadowReceiver,
        ))
        .id();
    commands
        .spawn((
            Name::new("Rating panel board"),
            Panel {
                shows,
                buttons,
                ui_root,
                ui_camera,
                ring,
                ring_mesh,
            },
            Mesh3d(meshes.add(Rectangle::new(SIZE_M.x, SIZE_M.y))),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color_texture: Some(image),
                unlit: true,
                fog_enabled: false,
                ..default()
            })),
            t,
            RenderLayers::layer(PANEL_LAYER),
            NotShadowCaster,
            NotShadowReceiver,
        ))
        .add_child(ring)
        .id()
}

/// A button's rounded box at `rect` (texture pixels) on the panel's UI; its words go inside.
fn button_at(commands: &mut Commands, ui_root: Entity, rect: Rect) -> Entity {
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                left: px(rect.min.x),
                top: px(rect.min.y),
                width: px(rect.width()),
                height: px(rect.height()),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                border_radius: BorderRadius::all(px(14)),
                ..default()
            },
            BackgroundColor(BUTTON),
            ChildOf(ui_root),
        ))
        .id()
}

/// [`arc`], for the lessons' illustrations.
pub(super) fn arc_mesh(fill: f32, inner: f32, outer: f32) -> Mesh {
    arc(fill, inner, outer)
}

/// A flat ring from angle 0 to `fill` turns (clockwise from the top), between two radii.
fn arc(fill: f32, inner: f32, outer: f32) -> Mesh {
    let seg = 48;
    let n = ((fill.clamp(0.0, 1.0) * seg as f32).ceil() as usize).max(1);
    let mut positions = Vec::new();
    for k in 0..=n {
        let a = -(k as f32 / n as f32) * fill * std::f32::consts::TAU;
        let (s, c) = (a + std::f32::consts::FRAC_PI_2).sin_cos();
        positions.push([inner * c, inner * s, 0.0]);
        positions.push([outer * c, outer * s, 0.0]);
    }
    let mut indices = Vec::new();
    for k in 0..n as u32 {
        let (a, b, c, d) = (2 * k, 2 * k + 1, 2 * k + 2, 2 * k + 3);
        indices.extend([a, c, b, b, c, d]);
    }
    let normals = vec![[0.0, 0.0, 1.0]; positions.len()];
    let mut mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    );
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.insert_attribute(Mesh::ATTRIBUTE_NORMAL, normals);
    mesh.insert_indices(Indices::U32(indices));
    mesh
}

/// Texture pixel → the panel's local metres (centre origin, +Y up).
fn local_of(p: Vec2) -> Vec2 {
    Vec2::new(
        (p.x / SIZE_PX.x as f32 - 0.5) * SIZE_M.x,
        (0.5 - p.y / SIZE_PX.y as f32) * SIZE_M.y,
    )
}

/// The button a ray rests on, if any.
fn button_hit(ray: Ray3d, panel: &Panel, at: &GlobalTransform) -> Option<usize> {
    let normal = at.back();
    let distance = ray.intersect_plane(at.translation(), InfinitePlane3d::new(*normal))?;
    let hit = ray.get_point(distance);
    let local = at.affine().inverse().transform_point3(hit);
    let px = Vec2::new(
        (local.x / SIZE_M.x + 0.5) * SIZE_PX.x as f32,
        (0.5 - local.y / SIZE_M.y) * SIZE_PX.y as f32,
    );
    panel.buttons.iter().position(|(_, r, _)| r.contains(px))
}

/// The gaze (or the mouse, on a screen) resting on a button fills its ring and chooses it;
/// a click chooses at once.
fn answer_by_gaze_or_mouse(
    asking: Option<ResMut<Asking>>,
    pointer: Res<Pointer>,
    gaze_override: Res<GazeOverride>,
    mouse: Option<Res<ButtonInput<MouseButton>>>,
    mut controller: MessageReader<ControllerSelect>,
    time: Res<Time<Real>>,
    heads: Query<&GlobalTransform, With<Head>>,
    panels: Query<(&Panel, &GlobalTransform)>,
    mut rings: Query<(&mut Transform, &mut Visibility)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut answers: MessageWriter<Answered>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut asking) = asking else { return };
    let Ok((panel, at)) = panels.single() else {
        return;
    };
    if asking.chosen.is_some() || time.elapsed_secs() - asking.asked_at < SETTLE_S {
        return;
    }
    // A simulated look goes from the head to the button, like a real one.
    let (ray, kind) = match (gaze_override.0, heads.single()) {
        (Some(v), Ok(head)) => {
            let target = panel.buttons.iter().find(|(value, _, _)| *value == v);
            let ray = target.and_then(|(_, r, _)| {
                let world = at.transform_point(local_of(r.center()).extend(0.0));
                Dir3::new(world - head.translation())
                    .ok()
                    .map(|d| Ray3d::new(head.translation(), d))
            });
            (ray, PointerKind::Gaze)
        }
        _ => (pointer.ray, pointer.kind),
    };
    let hit = ray.and_then(|r| button_hit(r, panel, at));
    let clicked = kind == PointerKind::Mouse
        && mouse.is_some_and(|m| m.just_pressed(MouseButton::Left))
        && hit.is_some();
    // A controller's trigger chooses what the gaze rests on at once.
    let triggered = controller.read().count() > 0 && hit.is_some();
    // A mouse left resting where "Next" comes up would turn every card after two seconds,
    // read or not: on a card the mouse must click.
    let resting_mouse = kind == PointerKind::Mouse && matches!(asking.scale, Scale::Card { .. });
    let chosen = if clicked || triggered {
        hit
    } else {
        // A frame that took long (a hitch) counts as at most 0.1 s of looking: nobody
        // knows where the eyes were meanwhile, and a hitch must not choose for the patient.
        let looked = if resting_mouse { None } else { hit };
        asking.dwell.step(looked, time.delta_secs().min(0.1))
    };
    // The ring follows the look and fills.
    if let Ok((mut t, mut vis)) = rings.get_mut(panel.ring) {
        match asking.dwell.progress() {
            Some((i, fill)) if fill > 0.0 => {
                let c = local_of(panel.buttons[i].1.center());
                t.translation = c.extend(0.004);
                meshes.insert(&panel.ring_mesh, arc(fill, 0.05, 0.062)).ok();
                vis.set_if_neq(Visibility::Inherited);
            }
            _ => {
                vis.set_if_neq(Visibility::Hidden);
            }
        }
    }
    if let Some(i) = chosen {
        let via = match kind {
            _ if triggered => Via::Controller,
            PointerKind::Gaze => Via::Gaze,
            PointerKind::Mouse => Via::Mouse,
        };
        let value = panel.buttons[i].0;
        give(
            &mut asking,
            Some(value),
            Who::Patient,
            via,
            &time,
            &mut answers,
            &mut records,
        );
    }
}

/// Number keys light a value (two quick digits make 10–20), arrows move it, Enter confirms.
fn answer_by_keys(
    asking: Option<ResMut<Asking>>,
    keys: Res<ButtonInput<KeyCode>>,
    display: Option<Res<crate::display::DisplayReport>>,
    time: Res<Time<Real>>,
    mut answers: MessageWriter<Answered>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut asking) = asking else { return };
    if asking.chosen.is_some() {
        return;
    }
    let values = asking.scale.values();
    let now = time.elapsed_secs();
    let who = match display.as_ref().map(|d| d.active) {
        Some(crate::display::ActiveDisplay::Xr) => Who::Therapist,
        _ => Who::Patient,
    };
    if matches!(asking.scale, Scale::Card { .. })
        && keys.any_just_pressed([KeyCode::Enter, KeyCode::NumpadEnter, KeyCode::ArrowRight])
    {
        give(
            &mut asking,
            Some(0),
            who,
            Via::Keys,
            &time,
            &mut answers,
            &mut records,
        );
        return;
    }
    // A check's options carry no numbers: it is answered by the arrows and Enter.
    let digits = !matches!(asking.scale, Scale::Choice { .. });
    for key in keys.get_just_pressed() {
        if let Some(d) = digit(*key).filter(|_| digits) {
            asking.keys.digit(d, now, &values);
        }
        match key {
            KeyCode::ArrowLeft => asking.keys.step(-1, &values),
            KeyCode::ArrowRight => asking.keys.step(1, &values),
            KeyCode::KeyY if matches!(asking.scale, Scale::YesNo(_)) => {
                asking.keys.highlight = Some(1);
            }
            KeyCode::KeyN if matches!(asking.scale, Scale::YesNo(_)) => {
                asking.keys.highlight = Some(0);
            }
            _ => {}
        }
    }
    let confirm = keys.any_just_pressed([KeyCode::Enter, KeyCode::NumpadEnter]);
    // On a screen the keyboard is the patient's; with a headset on, the therapist's.
    if let (true, Some(v)) = (confirm, asking.keys.highlight) {
        give(
            &mut asking,
            Some(v),
            who,
            Via::Keys,
            &time,
            &mut answers,
            &mut records,
        );
    }
}

fn digit(key: KeyCode) -> Option<u8> {
    use KeyCode::*;
    let d = match key {
        Digit0 | Numpad0 => 0,
        Digit1 | Numpad1 => 1,
        Digit2 | Numpad2 => 2,
        Digit3 | Numpad3 => 3,
        Digit4 | Numpad4 => 4,
        Digit5 | Numpad5 => 5,
        Digit6 | Numpad6 => 6,
        Digit7 | Numpad7 => 7,
        Digit8 | Numpad8 => 8,
        Digit9 | Numpad9 => 9,
        _ => return None,
    };
    Some(d)
}

fn answer_by_therapist(
    asking: Option<ResMut<Asking>>,
    mut entries: MessageReader<TherapistAnswer>,
    time: Res<Time<Real>>,
    mut answers: MessageWriter<Answered>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut asking) = asking else {
        entries.clear();
        return;
    };
    for TherapistAnswer(value) in entries.read() {
        if asking.chosen.is_some() {
            break;
        }
        let value = value.filter(|v| asking.scale.values().contains(v));
        give(
            &mut asking,
            value,
            Who::Therapist,
            Via::Console,
            &time,
            &mut answers,
            &mut records,
        );
    }
}

/// A lesson's cards belong to the place: when it ends (its minutes, the end button, the
/// emergency stop) any still on the panel go, and the questions after the place come next.
fn drop_lessons(mut commands: Commands, asking: Option<Res<Asking>>, mut queue: ResMut<Queue>) {
    let lesson = |s: &Scale| matches!(s, Scale::Card { .. } | Scale::Choice { .. });
    if asking.is_some_and(|a| lesson(&a.scale)) {
        commands.remove_resource::<Asking>();
        queue.0.pop_front();
    }
    queue.0.retain(|q| !lesson(&q.scale));
}

/// A lesson paced by time: its card moves on when its seconds are up (the patient may move
/// on sooner).
fn move_on_timed_cards(
    asking: Option<ResMut<Asking>>,
    time: Res<Time<Real>>,
    pauses: Option<Res<crate::pause::PauseReasons>>,
    mut answers: MessageWriter<Answered>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut asking) = asking else { return };
    let Scale::Card {
        timed_s: Some(s), ..
    } = asking.scale
    else {
        return;
    };
    // Paused (the headset off, a sickness check), the card's time stands still.
    if pauses.is_some_and(|p| p.any()) {
        asking.asked_at += time.delta_secs();
        return;
    }
    if asking.chosen.is_none() && time.elapsed_secs() - asking.asked_at >= f32::from(s) {
        give(
            &mut asking,
            Some(0),
            Who::Patient,
            Via::Timer,
            &time,
            &mut answers,
            &mut records,
        );
    }
}

/// Records the answer and lights it; the panel goes once it has been seen.
fn give(
    asking: &mut Asking,
    value: Option<u8>,
    who: Who,
    via: Via,
    time: &Time<Real>,
    answers: &mut MessageWriter<Answered>,
    records: &mut MessageWriter<Record>,
) {
    let now = time.elapsed_secs();
    let latency_s = now - asking.asked_at;
    let lesson_event = match &asking.scale {
        Scale::Card {
            lesson, card, of, ..
        } => Some(SessionEvent::LessonCard {
            lesson: lesson.clone(),
            card: usize::from(*card),
            of: usize::from(*of),
            by: who,
            via,
            read_s: latency_s,
        }),
        Scale::Choice { lesson, answer, .. } => Some(SessionEvent::LessonCheck {
            lesson: lesson.clone(),
            answer: value,
            correct: value.map(|v| v == *answer),
            by: who,
            via,
            latency_s,
        }),
        _ => None,
    };
    if let Some(e) = lesson_event {
        records.write(Record(e));
        answers.write(Answered {
            timepoint: asking.timepoint,
            scale: asking.scale.clone(),
            value,
        });
        asking.chosen = Some((value, now));
        return;
    }
    let rating = Rating {
        timepoint: asking.timepoint,
        scale: asking.scale.clone(),
        value,
        who,
        via,
        latency_s: now - asking.asked_at,
    };
    records.write(Record(SessionEvent::rating(&rating)));
    answers.write(Answered {
        timepoint: asking.timepoint,
        scale: asking.scale.clone(),
        value,
    });
    asking.chosen = Some((value, now));
}

fn light_the_buttons(
    asking: Option<Res<Asking>>,
    panels: Query<&Panel>,
    mut backgrounds: Query<&mut BackgroundColor>,
) {
    let (Some(asking), Ok(panel)) = (asking, panels.single()) else {
        return;
    };
    let looked = asking.dwell.progress().map(|(i, _)| panel.buttons[i].0);
    for (value, _, node) in &panel.buttons {
        let color = match asking.chosen {
            Some((Some(v), _)) if v == *value => CHOSEN,
            Some(_) => BUTTON,
            None if Some(*value) == asking.keys.highlight || Some(*value) == looked => LOOKED_AT,
            None => BUTTON,
        };
        if let Ok(mut bg) = backgrounds.get_mut(*node) {
            bg.set_if_neq(BackgroundColor(color));
        }
    }
}

fn close_when_confirmed(
    mut commands: Commands,
    asking: Option<Res<Asking>>,
    mut queue: ResMut<Queue>,
    mut gaze_override: ResMut<GazeOverride>,
    time: Res<Time<Real>>,
    panels: Query<(Entity, &Panel)>,
) {
    let Some(asking) = asking else { return };
    let Some((_, at)) = asking.chosen else { return };
    if time.elapsed_secs() - at < CONFIRM_S {
        return;
    }
    queue.0.pop_front();
    gaze_override.0 = None;
    commands.remove_resource::<Asking>();
    for (entity, panel) in &panels {
        despawn_panel(&mut commands, entity, panel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_sit_on_the_board_apart_and_below_the_question() {
        for scale in [Scale::Nrs, Scale::Fms, Scale::YesNo("Warm enough?".into())] {
            let b = layout(&scale);
            assert_eq!(b.len(), scale.values().count(), "{scale:?}");
            let board = Rect::new(0.0, 0.0, SIZE_PX.x as f32, SIZE_PX.y as f32);
            for (i, (_, r)) in b.iter().enumerate() {
                assert!(
                    board.contains(r.min) && board.contains(r.max),
                    "{scale:?} {r:?}"
                );
                // Below the question text's line, and at least 5 cm (2° at 1.5 m) across.
                assert!(r.min.y >= 150.0 && r.width() >= 80.0, "{scale:?} {r:?}");
                for (_, other) in &b[i + 1..] {
                    assert!(r.intersect(*other).is_empty(), "{scale:?} overlap");
                }
            }
        }
    }

    #[test]
    fn the_look_that_opens_the_panel_rests_on_the_question_not_a_button() {
        for scale in [Scale::Nrs, Scale::Fms, Scale::YesNo("?".into())] {
            let panel_centre_px = SIZE_PX.as_vec2() / 2.0;
            let gaze_px =
                panel_centre_px - Vec2::new(0.0, TEXT_ABOVE_CENTRE_M / SIZE_M.y * SIZE_PX.y as f32);
            assert!(
                layout(&scale).iter().all(|(_, r)| !r.contains(gaze_px)),
                "{scale:?}"
            );
        }
    }

    #[test]
    fn a_ring_fills_clockwise_from_the_top() {
        let m = arc(0.25, 0.05, 0.06);
        let Some(bevy::mesh::VertexAttributeValues::Float32x3(p)) =
            m.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            panic!("positions")
        };
        let first = Vec2::new(p[1][0], p[1][1]);
        let last = Vec2::new(p[p.len() - 1][0], p[p.len() - 1][1]);
        assert!(first.x.abs() < 1e-5 && first.y > 0.0, "{first}");
        assert!(
            last.x > 0.059 && last.y.abs() < 1e-3,
            "quarter turn ends at 3 o'clock: {last}"
        );
    }
}
