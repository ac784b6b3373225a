//! Moving the viewer along the route: speed eased in and out (never more than
//! [`PLANNED_ACCEL`](super::PLANNED_ACCEL), starts and stops over at least two seconds), the
//! heading turned towards the path at a bounded rate, stops planned so they land exactly at
//! a path's end or a goal, and the markers a session logs. Time is stepped by the caller.

use super::body::Gait;
use super::drive::{Cue, Driver, Taken};
use super::path::{P2, Profile, Spline};
use super::{Goal, MIN_EASE_S, PLANNED_ACCEL, PathKind, Turning, WalkDef, WalkMode};
use crate::smoothstep;

/// The path as walked: its curve, its ground, and how it repeats.
#[derive(Debug, Clone)]
pub struct Route {
    pub spline: Spline,
    pub profile: Profile,
    pub kind: PathKind,
}

impl Route {
    /// The route of a walk over ground of height `ground(x, z)`.
    pub fn new(def: &WalkDef, ground: impl Fn(f32, f32) -> f32) -> Route {
        let spline = def.spline();
        let profile = Profile::new(&spline, ground);
        Route {
            spline,
            profile,
            kind: def.path.kind,
        }
    }

    pub fn length(&self) -> f32 {
        self.spline.length()
    }

    /// Where `odometer` metres of walking puts the walker: (distance along the path, +1
    /// outbound or −1 on the way back).
    pub fn place(&self, odometer: f64) -> (f32, f32) {
        let l = self.length() as f64;
        match self.kind {
            PathKind::Loop => (odometer.rem_euclid(l) as f32, 1.0),
            PathKind::ThereAndBack => {
                let m = odometer.rem_euclid(2.0 * l);
                if m <= l {
                    (m as f32, 1.0)
                } else {
                    ((2.0 * l - m) as f32, -1.0)
                }
            }
        }
    }

    /// The walking surface `s` metres along: [x, y, z].
    pub fn ground_at(&self, s: f32) -> [f32; 3] {
        let p = self.spline.at(s);
        [p.x, self.profile.height(s), p.z]
    }

    /// The odometer readings at which a point `at` metres along the path is passed, from
    /// `after` (exclusive) up to `until` (inclusive).
    fn passes(&self, at: f32, after: f64, until: f64) -> bool {
        let l = self.length() as f64;
        let at = at as f64;
        let crossed = |offset: f64, period: f64| {
            ((until - offset) / period).floor() > ((after - offset) / period).floor()
        };
        match self.kind {
            PathKind::Loop => crossed(at, l),
            PathKind::ThereAndBack => crossed(at, 2.0 * l) || crossed(2.0 * l - at, 2.0 * l),
        }
    }
}

/// Something a session logs about the walk.
#[derive(Debug, Clone, PartialEq)]
pub enum WalkEvent {
    /// The walk began easing into its pace; the goal in words.
    Started(String),
    /// The n-th time mark (a soft chime).
    Mark(u32),
    /// Passing a landmark: its index in the file and its name.
    Landmark(usize, String),
    /// Stopped at the end of an out-and-back path to turn round.
    TurnedBack,
    /// The session's goal is reached; the walker stands there.
    GoalReached,
    /// The walk is over (its time is up, its goal reached, or the session asked).
    Finished,
}

impl WalkEvent {
    /// Whether a soft chime marks it.
    pub fn chimes(&self) -> bool {
        matches!(
            self,
            WalkEvent::Mark(_) | WalkEvent::Landmark(..) | WalkEvent::GoalReached
        )
    }
}

/// One logged event with where the walk stood.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkLog {
    /// Seconds since the walk began.
    pub at_s: f32,
    pub event: WalkEvent,
    /// Metres walked so far.
    pub distance_m: f32,
    /// Steps taken so far.
    pub steps: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ramp {
    from: f32,
    to: f32,
    start: f32,
    seconds: f32,
}

impl Ramp {
    fn value(&self, t: f32) -> f32 {
        self.from + (self.to - self.from) * smoothstep((t - self.start) / self.seconds)
    }
    fn done(&self, t: f32) -> bool {
        t >= self.start + self.seconds
    }
}

/// Seconds to change speed by `dv` so the peak acceleration (1.5 Δv / T for the smoothstep
/// ease) stays at [`PLANNED_ACCEL`], and never less than [`MIN_EASE_S`].
pub fn ease_seconds(dv: f32) -> f32 {
    (1.5 * dv.abs() / PLANNED_ACCEL).max(MIN_EASE_S)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Why {
    PathEnd,
    Goal,
    Over,
    /// The session closed: the end was logged when it did; the walker only coasts to rest.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Walking,
    Stopping(f64, Why),
    /// Slowing with no place to land on: time is up, or the session asked.
    Halting(Why),
    TurningBack,
    Done,
}

/// Turn acceleration, radians/s²: a turn starts and ends softly.
const TURN_ACCEL: f32 = 0.2;

/// The walker: where it is on the route, how fast, which way it faces, its gait phase.
#[derive(Debug, Clone)]
pub struct Walker {
    cruise: f32,
    turning: Turning,
    gait: Gait,
    mode: WalkMode,
    /// The patient's own movement, for an interactive or wheelchair walk.
    driver: Option<Driver>,
    goal_odometer: Option<f64>,
    goal_seconds: Option<f32>,
    landmarks: Vec<(f32, String)>,
    state: State,
    ramp: Option<Ramp>,
    marks: u32,
    log: Vec<WalkLog>,
    /// Seconds since the walk began.
    pub time: f32,
    /// Metres walked.
    pub odometer: f64,
    /// Metres per second now.
    pub speed: f32,
    /// Which way the body faces (compass radians): the path's direction, followed at a
    /// bounded rate.
    pub heading: f32,
    turn_rate: f32,
    /// Which way the view faces: the heading, or the start's heading if turning is fixed.
    pub view_yaw: f32,
    /// Gait cycles (two steps each) since the start.
    pub phase: f64,
}

impl Walker {
    /// A walker at rest at the path's start, for session number `session` (1-based: it
    /// sets the graded goal).
    pub fn new(def: &WalkDef, route: &Route, gait: Gait, session: u32) -> Walker {
        let heading = route.spline.direction(0.0).heading();
        let mut landmarks: Vec<(f32, String)> = def
            .landmarks
            .iter()
            .map(|l| (l.at_m, l.name.clone()))
            .collect();
        landmarks.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (goal_odometer, goal_seconds, goal) = match &def.mode {
            WalkMode::TimeMarked { minutes, mark_s } => (
                None,
                Some(minutes * 60.0),
                format!("walk {minutes} min, a mark every {mark_s} s"),
            ),
            WalkMode::GoalDirected(g) => match g.for_session(session) {
                Goal::Landmarks { first, .. } => {
                    let (at, name) = &landmarks[(first as usize).clamp(1, landmarks.len()) - 1];
                    (
                        Some(*at as f64),
                        None,
                        format!("reach landmark {first} ({name})"),
                    )
                }
                Goal::Distance { first, .. } => {
                    (Some(first as f64), None, format!("walk {first} m"))
                }
                Goal::Minutes { first, .. } => {
                    (None, Some(first * 60.0), format!("walk {first} min"))
                }
            },
        };
        let driver = def
            .walking
            .driven()
            .then(|| Driver::new(def.walking, def.input, gait.step_m(1.0)));
        let goal = match &driver {
            Some(d) => format!("{goal}; {} by {}", d.walking.code(), d.input.code()),
            None => goal,
        };
        let mut walker = Walker {
            cruise: def.speed_m_s,
            turning: def.turning,
            gait,
            mode: def.mode.clone(),
            driver,
            goal_odometer,
            goal_seconds,
            landmarks,
            state: State::Walking,
            ramp: None,
            marks: 0,
            log: Vec::new(),
            time: 0.0,
            odometer: 0.0,
            speed: 0.0,
            heading,
            turn_rate: 0.0,
            view_yaw: heading,
            phase: 0.0,
        };
        // A driven walk stands until the patient moves.
        if walker.driver.is_none() {
            walker.change_speed(def.speed_m_s);
        }
        walker.record(WalkEvent::Started(goal));
        walker
    }

    /// How far this session's goal lies along the walk, metres, when it is a place (a
    /// landmark or a distance) rather than a time.
    pub fn goal_distance(&self) -> Option<f64> {
        self.goal_odometer
    }

    /// The pace the walker eases towards.
    pub fn cruise(&self) -> f32 {
        self.cruise
    }

    /// Whether the walk is over and the walker stands still.
    pub fn finished(&self) -> bool {
        self.state == State::Done && self.speed == 0.0
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        (self.phase * 2.0).floor() as u64
    }

    /// Takes the events logged since the last call.
    pub fn drain_log(&mut self) -> Vec<WalkLog> {
        std::mem::take(&mut self.log)
    }

    fn record(&mut self, event: WalkEvent) {
        self.log.push(WalkLog {
            at_s: self.time,
            event,
            distance_m: self.odometer as f32,
            steps: self.steps(),
        });
    }

    fn change_speed(&mut self, to: f32) {
        self.ramp = Some(Ramp {
            from: self.speed,
            to,
            start: self.time,
            seconds: ease_seconds(to - self.speed),
        });
    }

    /// A new pace (clamped to 0.3–1.4 m/s), eased in. In a driven walk it is the most the
    /// patient's movement may reach.
    pub fn set_cruise(&mut self, speed: f32) {
        self.cruise = speed.clamp(*super::SPEEDS.start(), *super::SPEEDS.end());
        if self.state == State::Walking && self.driver.is_none() {
            self.change_speed(self.cruise);
        }
    }

    /// The patient's movement: a swing, the switch, a nod. What it did is returned (a
    /// passive walk ignores every cue).
    pub fn cue(&mut self, cue: Cue) -> Taken {
        let walking = self.state == State::Walking;
        let natural = self.gait.step_m(1.0);
        let cruise = self.cruise;
        match &mut self.driver {
            Some(d) => d.cue(cue, walking, cruise, natural),
            None => Taken::Ignored,
        }
    }

    /// The driver of an interactive or wheelchair walk.
    pub fn driver(&self) -> Option<&Driver> {
        self.driver.as_ref()
    }

    /// The session is closing: the walk ends now (logged at once, since the app may exit
    /// before the walker is at rest) and the walker eases to a stop where it is.
    pub fn halt(&mut self) {
        if !matches!(self.state, State::Done | State::Halting(_)) {
            self.state = State::Halting(Why::Closed);
            self.change_speed(0.0);
            self.record(WalkEvent::Finished);
        }
    }

    /// The next place the walker must stand still: a goal or an out-and-back path's end.
    fn next_stop(&self, route: &Route) -> Option<(f64, Why)> {
        let end = match route.kind {
            PathKind::Loop => None,
            PathKind::ThereAndBack => {
                let l = route.length() as f64;
                Some((((self.odometer + 1e-6) / l).floor() + 1.0) * l)
            }
        };
        match (self.goal_odometer.filter(|g| *g > self.odometer), end) {
            (Some(g), Some(e)) if e < g => Some((e, Why::PathEnd)),
            (Some(g), _) => Some((g, Why::Goal)),
            (None, Some(e)) => Some((e, Why::PathEnd)),
            (None, None) => None,
        }
    }

    /// Advances the walk by `dt` seconds.
    pub fn step(&mut self, dt: f32, route: &Route) {
        if dt <= 0.0 {
            return;
        }
        let before = self.odometer;
        self.time += dt;
        if let WalkMode::TimeMarked { mark_s, .. } = self.mode {
            while self.time >= (self.marks + 1) as f32 * mark_s
                && self
                    .goal_seconds
                    .is_none_or(|end| (self.marks + 1) as f32 * mark_s <= end + 1e-3)
            {
                self.marks += 1;
                self.record(WalkEvent::Mark(self.marks));
            }
        }
        if let Some(end) = self.goal_seconds
            && self.time >= end
            && matches!(self.state, State::Walking | State::TurningBack)
        {
            // A time-marked walk simply ends; a time goal is reached.
            let why = match self.mode {
                WalkMode::TimeMarked { .. } => Why::Over,
                WalkMode::GoalDirected(_) => Why::Goal,
            };
            self.state = State::Halting(why);
            self.change_speed(0.0);
        }
        if self.state == State::Walking
            && self.speed > 0.0
            && let Some((at, why)) = self.next_stop(route)
        {
            let remaining = (at - self.odometer) as f32;
            let v = self.speed;
            if remaining <= v * ease_seconds(v) / 2.0 + v * dt {
                // Mean speed over a smoothstep ease is half the start: this lands on `at`.
                self.state = State::Stopping(at, why);
                self.ramp = Some(Ramp {
                    from: v,
                    to: 0.0,
                    start: self.time - dt,
                    seconds: (2.0 * remaining / v).max(dt),
                });
            }
        }
        let previous = self.speed;
        if let (State::Walking, Some(driver), None) = (self.state, &mut self.driver, self.ramp) {
            self.speed = driver.follow(self.speed, self.cruise, dt);
        } else if let Some(ramp) = self.ramp {
            self.speed = ramp.value(self.time).max(0.0);
            if ramp.done(self.time) {
                self.speed = ramp.to;
                self.ramp = None;
            }
        }
        // Pace is measured along the ground as walked: up or down a slope, the path's own
        // metres pass a little slower.
        let (s, dir) = route.place(self.odometer);
        let slope =
            (route.profile.height(s + 0.5 * dir) - route.profile.height(s - 0.5 * dir)).abs();
        self.odometer += ((previous + self.speed) * 0.5 * dt / (1.0 + slope * slope).sqrt()) as f64;
        match self.state {
            State::Stopping(at, why)
                if (self.odometer > at || (self.ramp.is_none() && self.speed == 0.0)) =>
            {
                self.odometer = at;
                self.speed = 0.0;
                self.ramp = None;
                self.arrive(why);
            }
            State::Halting(why) if self.ramp.is_none() && self.speed == 0.0 => self.arrive(why),
            _ => {}
        }
        for (i, (at, name)) in self.landmarks.clone().into_iter().enumerate() {
            if route.passes(at, before, self.odometer) {
                self.record(WalkEvent::Landmark(i, name));
            }
        }
        self.turn(dt, route);
        if self.state != State::Walking
            && let Some(d) = &mut self.driver
        {
            d.reset();
        }
        // A driven walk strides as long as the patient's latest step.
        let stride = match &self.driver {
            Some(d) => 2.0 * d.step_m,
            None => self.gait.stride_m(self.speed),
        };
        if self.speed > 0.01 && stride > 0.0 {
            self.phase += ((self.speed * dt) / stride) as f64;
        }
    }

    fn arrive(&mut self, why: Why) {
        match why {
            Why::PathEnd => {
                self.state = State::TurningBack;
                self.record(WalkEvent::TurnedBack);
            }
            Why::Goal => {
                self.state = State::Done;
                self.record(WalkEvent::GoalReached);
                self.record(WalkEvent::Finished);
            }
            Why::Over => {
                self.state = State::Done;
                self.record(WalkEvent::Finished);
            }
            Why::Closed => self.state = State::Done,
        }
    }

    /// Turns the heading towards the way ahead, within the rate the file allows.
    fn turn(&mut self, dt: f32, route: &Route) {
        let (s, dir) = route.place(self.odometer);
        let mut ahead = route.spline.direction(s) * dir;
        if self.state == State::TurningBack {
            ahead = ahead * -1.0;
        }
        let max_rate = match self.turning {
            Turning::Follow(deg) => deg.to_radians(),
            // The body still faces its way; only the view stays put.
            Turning::Fixed => 12f32.to_radians(),
        };
        let err = wrap_angle(ahead.heading() - self.heading);
        let wanted = (err * 1.5).clamp(-max_rate, max_rate);
        let dr = (wanted - self.turn_rate).clamp(-TURN_ACCEL * dt, TURN_ACCEL * dt);
        self.turn_rate += dr;
        self.heading = wrap_angle(self.heading + self.turn_rate * dt);
        if let Turning::Follow(_) = self.turning {
            self.view_yaw = self.heading;
        }
        if self.state == State::TurningBack
            && err.abs() < 1f32.to_radians()
            && self.turn_rate.abs() < 0.02
        {
            self.state = State::Walking;
            if self.driver.is_none() {
                self.change_speed(self.cruise);
            }
        }
    }

    /// The ground point under the walker and the direction it walks: ([x, y, z], unit
    /// direction of the heading).
    pub fn ground(&self, route: &Route) -> ([f32; 3], P2) {
        let (s, _) = route.place(self.odometer);
        (route.ground_at(s), P2::from_heading(self.heading))
    }
}

/// An angle folded into −π..π.
pub fn wrap_angle(a: f32) -> f32 {
    (a + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI
}
