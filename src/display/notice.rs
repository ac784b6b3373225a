//! A calm notice at the top of the desktop window: why the headset is not in use, or that it
//! stopped. Text and timing live in the [`Notice`] resource; the panel follows it.

use super::RenderReadiness;
use bevy::prelude::*;

/// What the window should say, if anything.
#[derive(Resource, Clone, Debug, Default)]
pub struct Notice {
    pub text: Option<String>,
    /// Seconds after which the notice fades away; `None` keeps it.
    pub hide_after_s: Option<f32>,
}

impl Notice {
    pub fn timed(text: impl Into<String>, seconds: f32) -> Self {
        Self {
            text: Some(text.into()),
            hide_after_s: Some(seconds),
        }
    }
    pub fn lasting(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            hide_after_s: None,
        }
    }
    /// Adds a line under whatever the notice already says.
    /// A lasting notice stays lasting; a timed one stays up for the longer of the two.
    pub fn append(&mut self, line: &str, seconds: f32) {
        self.hide_after_s = match (&self.text, self.hide_after_s) {
            (None, _) => Some(seconds),
            (Some(_), None) => None,
            (Some(_), Some(s)) => Some(s.max(seconds)),
        };
        self.text = Some(match self.text.take() {
            Some(t) => format!("{t}\n{line}"),
            None => line.to_string(),
        });
    }
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[derive(Component)]
struct NoticePanel {
    /// When the notice was first readable: the first settled frame after it was set, so a
    /// slow start (pipelines compiling) does not eat into the time it stays up.
    shown_at: Option<f32>,
}

#[derive(Component)]
struct NoticeText;

const PANEL: Color = Color::srgba(0.07, 0.11, 0.13, 0.82);
const TEXT: Color = Color::srgb(0.91, 0.94, 0.91);
/// A notice leaves slowly: nothing on screen changes suddenly.
const FADE_S: f32 = 2.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Notice>()
        .add_systems(Startup, spawn_panel)
        .add_systems(
            Update,
            (show_notice.run_if(resource_changed::<Notice>), fade_notice).chain(),
        );
}

fn spawn_panel(mut commands: Commands) {
    commands
        .spawn((
            Name::new("Notice row"),
            Node {
                position_type: PositionType::Absolute,
                top: px(24),
                width: percent(100),
                justify_content: JustifyContent::Center,
                ..default()
            },
        ))
        .with_child((
            Name::new("Notice"),
            NoticePanel { shown_at: None },
            Node {
                max_width: percent(80),
                padding: UiRect::axes(px(22), px(14)),
                border_radius: BorderRadius::all(px(10)),
                ..default()
            },
            BackgroundColor(PANEL),
            Visibility::Hidden,
            children![(
                NoticeText,
                Text::new(""),
                TextFont {
                    font_size: FontSize::Px(20.0),
                    ..default()
                },
                TextColor(TEXT),
            )],
        ));
}

fn show_notice(
    notice: Res<Notice>,
    mut panels: Query<(&mut NoticePanel, &mut Visibility, &mut BackgroundColor)>,
    mut texts: Query<(&mut Text, &mut TextColor), With<NoticeText>>,
) {
    let Ok((mut panel, mut visibility, mut bg)) = panels.single_mut() else {
        return;
    };
    let Ok((mut text, mut color)) = texts.single_mut() else {
        return;
    };
    match &notice.text {
        Some(t) => {
            text.0.clone_from(t);
            panel.shown_at = None;
            *visibility = Visibility::Inherited;
            *bg = BackgroundColor(PANEL);
            *color = TextColor(TEXT);
        }
        None => *visibility = Visibility::Hidden,
    }
}

fn fade_notice(
    notice: Res<Notice>,
    time: Res<Time<Real>>,
    readiness: Res<RenderReadiness>,
    mut panels: Query<(&mut NoticePanel, &mut Visibility, &mut BackgroundColor)>,
    mut texts: Query<&mut TextColor, With<NoticeText>>,
) {
    let Some(after) = notice.hide_after_s else {
        return;
    };
    let Ok((mut panel, mut visibility, mut bg)) = panels.single_mut() else {
        return;
    };
    if *visibility == Visibility::Hidden || !readiness.is_settled() {
        return;
    }
    let shown_at = *panel.shown_at.get_or_insert(time.elapsed_secs());
    let t = time.elapsed_secs() - shown_at - after;
    if t <= 0.0 {
        return;
    }
    let keep = (1.0 - t / FADE_S).clamp(0.0, 1.0);
    bg.0 = PANEL.with_alpha(PANEL.alpha() * keep);
    for mut c in &mut texts {
        c.0 = TEXT.with_alpha(keep);
    }
    if keep == 0.0 {
        *visibility = Visibility::Hidden;
    }
}
