//! Why the place is paused. The scene's clock stands still while any reason holds (the
//! therapist, a sickness check over its limit, a headset that stopped showing, a runtime
//! that was lost) and runs again only when none does: a headset coming back never resumes a
//! place the therapist or a sickness check paused. Whoever has a reason sends [`SetPause`];
//! one system keeps the set and the clock, and tells each reason's start and end
//! ([`PauseChanged`]) for the session's record.

use bevy::prelude::*;
pub use respite_core::session::PauseReason;
use respite_core::session::Who;
use respite_core::session::event::SessionEvent;
use std::collections::BTreeSet;

/// A reason to pause begins (`on`) or ends, with what the record should say of it.
#[derive(Message, Clone, Debug, PartialEq)]
pub struct SetPause {
    pub reason: PauseReason,
    pub on: bool,
    /// The `pause` or `resume` event for the record (the reasons still holding are added
    /// when it is applied).
    pub record: SessionEvent,
}

impl SetPause {
    pub fn on(reason: PauseReason) -> Self {
        Self {
            reason,
            on: true,
            record: SessionEvent::pause(reason),
        }
    }

    pub fn off(reason: PauseReason) -> Self {
        Self {
            reason,
            on: false,
            record: SessionEvent::resume(reason),
        }
    }

    /// A sickness answer at or over its limit.
    pub fn sickness(fms: u8, limit: u8) -> Self {
        let mut s = Self::on(PauseReason::SicknessCheck);
        if let SessionEvent::Pause {
            fms: f, limit: l, ..
        } = &mut s.record
        {
            (*f, *l) = (Some(fms), Some(limit));
        }
        s
    }

    /// The headset's state that began or ended it.
    pub fn state(mut self, code: &str) -> Self {
        if let SessionEvent::Pause { state, .. } | SessionEvent::Resume { state, .. } =
            &mut self.record
        {
            *state = Some(code.to_string());
        }
        self
    }

    /// The therapist ended it (going on on the screen, when `to_screen`).
    pub fn ended_by_therapist(mut self, to_screen: bool) -> Self {
        if let SessionEvent::Resume { ended_by, to, .. } = &mut self.record {
            *ended_by = Some(Who::Therapist);
            *to = to_screen.then(|| "screen".to_string());
        }
        self
    }

    /// It ended because the place closed.
    pub fn closing(mut self) -> Self {
        if let SessionEvent::Resume { closing, .. } = &mut self.record {
            *closing = Some(true);
        }
        self
    }
}

/// A reason began or ended; `holding` is every reason that holds after it.
#[derive(Message, Clone, Debug, PartialEq)]
pub struct PauseChanged {
    pub reason: PauseReason,
    pub on: bool,
    pub record: SessionEvent,
    pub holding: Vec<PauseReason>,
}

/// The reasons that hold now.
#[derive(Resource, Default, Debug, Clone, PartialEq)]
pub struct PauseReasons(BTreeSet<PauseReason>);

impl PauseReasons {
    pub fn holds(&self, reason: PauseReason) -> bool {
        self.0.contains(&reason)
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = PauseReason> + '_ {
        self.0.iter().copied()
    }

    /// "sickness check, headset not showing", for the console.
    pub fn words(&self) -> String {
        self.iter()
            .map(|r| r.words())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The system set that applies the reasons: writers of [`SetPause`] run before it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApplyPauses;

pub fn plugin(app: &mut App) {
    app.add_message::<SetPause>()
        .add_message::<PauseChanged>()
        .init_resource::<PauseReasons>()
        .add_systems(PostUpdate, apply_pauses.in_set(ApplyPauses));
}

/// Keeps the set of reasons and makes the scene's clock follow it.
fn apply_pauses(
    mut asks: MessageReader<SetPause>,
    mut reasons: ResMut<PauseReasons>,
    mut time: ResMut<Time<Virtual>>,
    mut changed: MessageWriter<PauseChanged>,
) {
    for a in asks.read() {
        let changes = if a.on {
            reasons.0.insert(a.reason)
        } else {
            reasons.0.remove(&a.reason)
        };
        if changes {
            changed.write(PauseChanged {
                reason: a.reason,
                on: a.on,
                record: a.record.clone(),
                holding: reasons.iter().collect(),
            });
        }
    }
    match (reasons.any(), time.is_paused()) {
        (true, false) => time.pause(),
        (false, true) => time.unpause(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins).add_plugins(plugin);
        app.update();
        app
    }

    fn send(app: &mut App, s: SetPause) {
        app.world_mut().write_message(s);
        app.update();
    }

    fn paused(app: &App) -> bool {
        app.world().resource::<Time<Virtual>>().is_paused()
    }

    #[test]
    fn the_place_runs_only_when_no_reason_holds() {
        let mut app = app();
        assert!(!paused(&app));
        send(&mut app, SetPause::sickness(14, 12));
        assert!(paused(&app));
        send(&mut app, SetPause::on(PauseReason::Headset));
        // The headset comes back: the sickness check still holds.
        send(&mut app, SetPause::off(PauseReason::Headset));
        assert!(paused(&app));
        // A reason that does not hold ends nothing.
        send(&mut app, SetPause::off(PauseReason::Therapist));
        assert!(paused(&app));
        send(&mut app, SetPause::off(PauseReason::SicknessCheck));
        assert!(!paused(&app));
        let changes: Vec<(PauseReason, bool, Vec<PauseReason>)> = app
            .world_mut()
            .resource_mut::<Messages<PauseChanged>>()
            .drain()
            .map(|c| (c.reason, c.on, c.holding))
            .collect();
        assert_eq!(
            changes.last(),
            Some(&(PauseReason::SicknessCheck, false, vec![]))
        );
    }
}
