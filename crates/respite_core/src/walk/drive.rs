//! How a walk is driven (its walking mode) and the patient's own movements that drive it.
//!
//! - `Passive`: the path carries the patient at the walk's pace (the walker's own ramps).
//! - `Interactive`: each arm swing (a hand controller or tracked hand swung forward, or one
//!   of two alternating keys or mouse buttons) is one step; the step's length follows the
//!   swing's amplitude, so faster and fuller swings walk faster. When the swings stop, the
//!   walker walks out the steps it was given and eases to a stop.
//! - `Wheelchair`: the same, with pushes of the rims instead of steps.
//! - `Film`: the place moves past at the walk's pace and no body is drawn.
//!
//! For patients with little hand function the input may instead be a held switch (a key, a
//! button or a trigger: walk while held) or head nods (a nod starts the walk, the next nod
//! stops it). Every driven speed change is eased: acceleration stays within
//! [`PLANNED_ACCEL`](super::PLANNED_ACCEL) and changes at a bounded rate.

use super::PLANNED_ACCEL;
use serde::Deserialize;

/// The walking mode: how a walk is driven, and whether a body walks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Walking {
    /// The path carries the patient at the walk's pace.
    #[default]
    Passive,
    /// The patient's own movement drives the steps.
    Interactive,
    /// Seated in a wheelchair whose rims the patient's own movement pushes.
    Wheelchair,
    /// The place moves past with no body: the passive-viewing control.
    Film,
}

/// What the patient does to drive an interactive or wheelchair walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Input {
    /// Arm swings: each swing one step (in a wheelchair, each push one push of the rims).
    #[default]
    Swings,
    /// Hold a key, a button or a trigger to walk; release to stop.
    Switch,
    /// A nod of the head starts the walk; the next nod stops it.
    Nod,
}

impl Walking {
    /// Whether the patient's own movement drives it.
    pub fn driven(self) -> bool {
        matches!(self, Walking::Interactive | Walking::Wheelchair)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// Something the patient did that may drive the walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cue {
    /// One arm swung forward (or, in a wheelchair, pushed the rim); amplitude 0–1, where 1
    /// is a full swing.
    Swing { side: Side, amplitude: f32 },
    /// The switch is pressed (true) or released.
    Switch(bool),
    /// The head nodded.
    Nod,
}

/// Eased deceleration the walker plans for when the given steps run out, m/s²: well under
/// [`PLANNED_ACCEL`], so the following below can always keep to it.
const BRAKE: f32 = 0.2;
/// How fast the acceleration itself may change, m/s³: no jolt when a walk starts or stops.
const JERK: f32 = 0.8;
/// How quickly the speed closes on what the swings ask for, 1/s.
const GAIN: f32 = 1.2;

/// Turns the patient's cues into the speed the walker should have, eased.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub walking: Walking,
    pub input: Input,
    /// Metres the counted swings have given that are not yet walked.
    owed_m: f32,
    /// Length of the latest step (or push), metres: the gait strides with it.
    pub step_m: f32,
    /// The switch is held (switch input) or the walk was nodded on (nod input).
    on: bool,
    /// The speed's rate of change, m/s².
    accel: f32,
    /// Swings (or pushes) that gave a step.
    pub counted: u64,
}

/// What a cue did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Taken {
    /// A step (or push) of this many metres was given.
    Step(f32),
    /// The walk goes (switch held, nodded on) or stops (released, nodded off).
    Go(bool),
    /// Not for this input (a swing while the input is the switch), or the walker is not
    /// walking just now (turning back, stopping at a goal, finished).
    Ignored,
}

impl Driver {
    /// A driver for a walk of this mode and input, with a body of natural step length
    /// `natural_step_m` (the gait's step at 1 m/s).
    pub fn new(walking: Walking, input: Input, natural_step_m: f32) -> Driver {
        Driver {
            walking,
            input,
            owed_m: 0.0,
            step_m: natural_step_m.max(0.1),
            on: false,
            accel: 0.0,
            counted: 0,
        }
    }

    /// Length of a step for a swing of this amplitude (0–1), for a body whose natural step
    /// (at 1 m/s) is `natural`: half of it for the smallest swing, all of it for a full one.
    /// A push of the rims glides twice as far as a step.
    pub fn step_for(&self, amplitude: f32, natural: f32) -> f32 {
        let a = if amplitude.is_finite() {
            amplitude.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let step = natural * (0.5 + 0.5 * a);
        match self.walking {
            Walking::Wheelchair => 2.0 * step,
            _ => step,
        }
    }

    /// Takes a cue. `walking` says whether the walker is walking (not turning back,
    /// stopping or done); `cruise` is the most the swings may reach, m/s.
    pub fn cue(&mut self, cue: Cue, walking: bool, cruise: f32, natural: f32) -> Taken {
        match (cue, self.input) {
            (Cue::Swing { amplitude, .. }, Input::Swings) => {
                if !walking {
                    return Taken::Ignored;
                }
                let step = self.step_for(amplitude, natural);
                self.step_m = step;
                self.counted += 1;
                // Never more owed than a stop from the top pace takes, and one step: swings
                // faster than the walk may go are counted but not saved up, so the walker
                // still stops soon after the swings do.
                let most = cruise * cruise / (2.0 * BRAKE) + step;
                self.owed_m = (self.owed_m.max(0.0) + step).min(most);
                Taken::Step(step)
            }
            (Cue::Switch(on), Input::Switch) => {
                self.on = on;
                Taken::Go(on)
            }
            // A nod while the walker cannot go (turning back, stopping, done) does nothing:
            // the walk would only be stopped again.
            (Cue::Nod, Input::Nod) if !walking => Taken::Ignored,
            (Cue::Nod, Input::Nod) => {
                self.on = !self.on;
                Taken::Go(self.on)
            }
            _ => Taken::Ignored,
        }
    }

    /// The walk was stopped by something else (a goal, a turn at the path's end, the
    /// session): what was owed is forgotten, and a nodded-on walk is off.
    pub fn reset(&mut self) {
        self.owed_m = 0.0;
        self.accel = 0.0;
        if self.input == Input::Nod {
            self.on = false;
        }
    }

    /// The speed the cues ask for now, m/s, at most `cruise`.
    pub fn target(&self, cruise: f32) -> f32 {
        match self.input {
            Input::Swings if self.owed_m > 0.0 => cruise.min((2.0 * BRAKE * self.owed_m).sqrt()),
            Input::Swings => 0.0,
            Input::Switch | Input::Nod if self.on => cruise,
            Input::Switch | Input::Nod => 0.0,
        }
    }

    /// The next speed after `dt` seconds at `speed`, following the target with bounded
    /// acceleration and jerk; the metres walked are paid off what the swings gave.
    pub fn follow(&mut self, speed: f32, cruise: f32, dt: f32) -> f32 {
        let target = self.target(cruise);
        let want = ((target - speed) * GAIN).clamp(-PLANNED_ACCEL, PLANNED_ACCEL);
        self.accel += (want - self.accel).clamp(-JERK * dt, JERK * dt);
        let mut next = speed + self.accel * dt;
        // Asked to stop and all but still (under 1 cm/s, slowing at under 0.012 m/s²): at
        // rest, rather than creeping for ever.
        if next <= 0.0 || (target == 0.0 && next < 0.01 && self.accel <= 0.0) {
            next = 0.0;
            if target == 0.0 {
                self.accel = 0.0;
            }
        }
        if self.input == Input::Swings {
            self.owed_m -= 0.5 * (speed + next) * dt;
        }
        next
    }
}

/// On the screen, two keys (or two mouse buttons) stand in for the two arms: only a press
/// of the other one than last time is a swing, so holding or hammering one key does not walk.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Alternation {
    last: Option<Side>,
}

impl Alternation {
    /// Whether a press of `side` is a swing.
    pub fn accept(&mut self, side: Side) -> bool {
        if self.last == Some(side) {
            return false;
        }
        self.last = Some(side);
        true
    }
}

/// Finds forward swings in one hand's movement: the hand's distance ahead of the body
/// (metres, along the way the body faces), sampled every frame. A swing is counted when
/// the hand, having moved forward at least [`SwingDetector::MIN_M`], turns back; its
/// amplitude is that travel over [`SwingDetector::FULL_M`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SwingDetector {
    /// Lowest point since the hand last turned forward, and the highest since.
    low: Option<f32>,
    high: Option<f32>,
}

impl SwingDetector {
    /// Forward travel that counts as a swing, metres.
    pub const MIN_M: f32 = 0.08;
    /// Forward travel of a full swing, metres.
    pub const FULL_M: f32 = 0.35;
    /// How far back a hand must come before the swing is counted, metres (noise stays below).
    const TURN_M: f32 = 0.02;

    /// A new sample; returns a swing's amplitude when one has just ended.
    pub fn sample(&mut self, ahead_m: f32) -> Option<f32> {
        if !ahead_m.is_finite() {
            return None;
        }
        let low = *self.low.get_or_insert(ahead_m);
        let high = self.high.get_or_insert(ahead_m);
        if ahead_m > *high {
            *high = ahead_m;
        }
        let high = *high;
        if ahead_m < low {
            self.low = Some(ahead_m);
            self.high = Some(ahead_m);
            return None;
        }
        if high - ahead_m >= Self::TURN_M {
            // Turned back: the swing forward (if big enough) is over; start looking for the
            // next one from here.
            let travel = high - low;
            self.low = Some(ahead_m);
            self.high = Some(ahead_m);
            if travel >= Self::MIN_M {
                return Some((travel / Self::FULL_M).min(1.0));
            }
        }
        None
    }
}

/// Finds nods in the head's pitch (radians, positive looking up), sampled every frame: the
/// head dips at least [`NodDetector::DIP`] below where it rested and comes back up within
/// [`NodDetector::WITHIN_S`]. Slowly looking down at one's legs is not a nod.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NodDetector {
    /// Where the head rests: the pitch followed slowly.
    rest: Option<f32>,
    /// When the current dip began, and its lowest pitch.
    dip: Option<(f32, f32)>,
    /// Time of the last sample.
    t: f32,
}

impl NodDetector {
    pub const DIP: f32 = 0.21; // 12°
    pub const WITHIN_S: f32 = 1.0;

    /// A new pitch `dt` seconds after the last; true when a nod has just ended.
    pub fn sample(&mut self, dt: f32, pitch: f32) -> bool {
        if !pitch.is_finite() || !dt.is_finite() || dt < 0.0 {
            return false;
        }
        self.t += dt;
        let rest = *self.rest.get_or_insert(pitch);
        let below = rest - pitch;
        let mut nodded = false;
        match self.dip {
            None if below > 0.35 * Self::DIP => self.dip = Some((self.t, pitch)),
            None => {}
            Some((start, lowest)) => {
                let lowest = lowest.min(pitch);
                self.dip = Some((start, lowest));
                if self.t - start > Self::WITHIN_S {
                    // Too slow for a nod: a new resting place (looking down at the legs).
                    self.dip = None;
                    self.rest = Some(pitch);
                    return false;
                }
                if rest - lowest >= Self::DIP && below < 0.35 * Self::DIP {
                    nodded = true;
                    self.dip = None;
                }
            }
        }
        if self.dip.is_none() {
            // The resting place follows the head over a couple of seconds.
            let k = (dt / 2.0).min(1.0);
            self.rest = Some(rest + (pitch - rest) * k);
        }
        nodded
    }
}
