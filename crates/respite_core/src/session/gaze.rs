//! Choosing without hands: looking at one button for [`DWELL_S`] chooses it, while a ring
//! fills to show how long is left. A glance away shorter than [`GRACE_S`] (a blink, a
//! tracking wobble) keeps the fill; a longer one starts afresh on whatever is looked at.

/// Seconds of looking that choose a button.
pub const DWELL_S: f32 = 1.5;
/// A look away shorter than this does not reset the fill.
pub const GRACE_S: f32 = 0.25;

#[derive(Debug, Clone, Default)]
pub struct Dwell {
    target: Option<usize>,
    filled: f32,
    away: f32,
}

impl Dwell {
    /// One frame: `hit` is the button the gaze is on, if any. Returns the button chosen on
    /// this frame, if one was.
    pub fn step(&mut self, hit: Option<usize>, dt: f32) -> Option<usize> {
        if hit.is_some() && hit == self.target {
            self.filled += dt;
            self.away = 0.0;
        } else {
            self.away += dt;
            if self.away > GRACE_S || self.target.is_none() {
                self.target = hit;
                self.filled = 0.0;
                self.away = 0.0;
            }
        }
        if self.filled >= DWELL_S {
            let chosen = self.target;
            *self = Dwell::default();
            return chosen;
        }
        None
    }

    /// The button being looked at and how full its ring is (0–1).
    pub fn progress(&self) -> Option<(usize, f32)> {
        self.target.map(|t| (t, (self.filled / DWELL_S).min(1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DT: f32 = 1.0 / 72.0;

    fn look(d: &mut Dwell, hit: Option<usize>, seconds: f32) -> Option<usize> {
        // Stops at a choice, as the panel closes on one.
        (0..(seconds / DT).round() as usize).find_map(|_| d.step(hit, DT))
    }

    #[test]
    fn a_steady_look_of_one_and_a_half_seconds_chooses() {
        let mut d = Dwell::default();
        assert_eq!(look(&mut d, Some(4), 1.4), None);
        let (t, p) = d.progress().unwrap();
        assert_eq!(t, 4);
        assert!((0.9..1.0).contains(&p), "ring at {p}");
        assert_eq!(look(&mut d, Some(4), 0.15), Some(4));
        assert!(d.progress().is_none(), "a choice starts afresh");
    }

    #[test]
    fn a_blink_keeps_the_fill_and_a_real_look_away_resets_it() {
        let mut d = Dwell::default();
        look(&mut d, Some(2), 1.0);
        look(&mut d, None, 0.15);
        assert!(d.progress().unwrap().1 > 0.6, "a blink lost the fill");
        assert_eq!(look(&mut d, Some(2), 0.55), Some(2));

        look(&mut d, Some(2), 1.0);
        look(&mut d, Some(3), 0.5);
        let (t, p) = d.progress().unwrap();
        assert_eq!(t, 3, "the gaze moved on");
        assert!(p < 0.25, "the new button starts from empty: {p}");
    }

    #[test]
    fn sweeping_across_the_buttons_chooses_nothing() {
        let mut d = Dwell::default();
        let mut chosen = None;
        for k in 0..200 {
            // 0.5 s on each button in turn, as a searching look does.
            chosen = chosen.or(look(&mut d, Some(k % 11), 0.5));
        }
        assert_eq!(chosen, None);
    }
}
