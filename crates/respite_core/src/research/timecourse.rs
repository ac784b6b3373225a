//! The pain time course of one session (Moseley 2007: relief that outlasts the place), on
//! one axis of minutes since the place began: the baseline at 0, each rating in the place
//! at its minute, the post rating at the place's end, each follow-up that many minutes
//! later. IMMPACT's thresholds (Dworkin et al. 2005) mark relief: ≥ 30 % and ≥ 50 % below
//! the baseline.

use super::read::SessionResult;
use super::stats::{self, Summary};

/// One session's course.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Course {
    /// Minutes from the start of the place to the first rating ≥ 30 % (≥ 50 %) below the
    /// baseline; none without a baseline above 0 or when no rating got there.
    pub minutes_to_30pct: Option<f64>,
    pub minutes_to_50pct: Option<f64>,
    /// Minutes after the place until pain was back within the follow-up's `within` points
    /// of the baseline (0 when the post rating already was); none when not reached.
    pub minutes_to_baseline: Option<f64>,
    /// Whether it got back: none without a follow-up or a baseline.
    pub back_to_baseline: Option<bool>,
    /// Minutes after the place of the last follow-up answer.
    pub last_followup_min: Option<f64>,
    /// ∫ (NRS − baseline) dt by the trapezoid rule from the place's start (change 0) to the
    /// last rating, NRS·min: negative is relief. With a follow-up, over one window for every
    /// session, to the follow-up's end (`max_min` after the place): a session whose pain came
    /// back carries that last rating on to it (its follow-up stopped because it was back).
    pub auc_change: Option<f64>,
}

/// The points of a session on the common axis: (minutes since the place began, NRS).
pub fn points(s: &SessionResult) -> Vec<(f64, f64)> {
    let end = place_end(s);
    let mut pts: Vec<(f64, f64)> = s.during.clone();
    if let Some(p) = s.post {
        pts.push((end, p));
    }
    pts.extend(s.after.iter().map(|(m, v)| (end + m, *v)));
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

/// Minutes from the place's start to its end: as recorded, else as planned, else (a
/// record without either) its last rating in the place.
pub fn place_end(s: &SessionResult) -> f64 {
    s.place_min
        .or(Some(s.minutes).filter(|m| *m > 0.0))
        .unwrap_or_else(|| s.during.iter().map(|d| d.0).fold(0.0, f64::max))
}

/// The course of one session.
pub fn course(s: &SessionResult) -> Course {
    let Some(base) = s.baseline else {
        return Course::default();
    };
    let pts = points(s);
    let first_below = |fraction: f64| {
        (base > 0.0)
            .then(|| {
                pts.iter()
                    .find(|(t, v)| *t > 0.0 && (base - v) / base >= fraction - 1e-12)
                    .map(|p| p.0)
            })
            .flatten()
    };
    let (minutes_to_baseline, back_to_baseline) = match s.followup {
        None => (None, None),
        Some(f) => {
            let within = f64::from(f.within);
            let back = |v: f64| (v - base).abs() <= within + 1e-9;
            match s.post {
                Some(p) if back(p) => (Some(0.0), Some(true)),
                _ => match s.after.iter().find(|(_, v)| back(*v)) {
                    Some((m, _)) => (Some(*m), Some(true)),
                    None if s.post.is_some() || !s.after.is_empty() => (None, Some(false)),
                    None => (None, None),
                },
            }
        }
    };
    let horizon = s
        .followup
        .filter(|_| back_to_baseline == Some(true))
        .map(|f| place_end(s) + f64::from(f.max_min));
    let auc_change = (!pts.is_empty()).then(|| {
        let mut area = 0.0;
        let mut last = (0.0, 0.0);
        for (t, v) in &pts {
            let change = v - base;
            area += (t - last.0) * (change + last.1) / 2.0;
            last = (*t, change);
        }
        if let Some(h) = horizon.filter(|h| *h > last.0) {
            area += (h - last.0) * last.1;
        }
        area
    });
    Course {
        minutes_to_30pct: first_below(0.3),
        minutes_to_50pct: first_below(0.5),
        minutes_to_baseline,
        back_to_baseline,
        last_followup_min: s.after.last().map(|a| a.0),
        auc_change,
    }
}

/// One cell of the NRS-by-minute table: a condition's ratings at one place in the course.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteRow {
    pub condition: String,
    /// `before`, `during` or `after`.
    pub phase: &'static str,
    /// Since the place began (during), since it ended (after), 0 before.
    pub minute: f64,
    pub summary: Summary,
}

/// The median minutes back to baseline after the place by Kaplan–Meier: a session back
/// at m is an event at m; one never back is censored at its last follow-up (so the sessions
/// with the longest relief are not left out). None when fewer than half came back.
pub fn median_to_baseline(sessions: &[&SessionResult]) -> Option<f64> {
    let mut times: Vec<(f64, bool)> = sessions
        .iter()
        .filter_map(|s| {
            let c = course(s);
            match c.back_to_baseline? {
                true => Some((c.minutes_to_baseline?, true)),
                false => Some((c.last_followup_min.unwrap_or(0.0), false)),
            }
        })
        .collect();
    // At one time, events before censorings (the usual convention).
    times.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = times.len() as f64;
    let mut survival = 1.0;
    for (t, event) in times {
        if event {
            survival *= 1.0 - 1.0 / at_risk;
            if survival <= 0.5 + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= 1.0;
    }
    None
}

/// NRS by minute for the sessions of one condition: the baseline, each minute in the
/// place, the post rating (after, minute 0) and each follow-up. A session whose follow-up
/// stopped because pain was back counts at that last rating at the later follow-up minutes
/// (up to its `max_min`), so the later means are not of the slowest to recover alone.
pub fn by_minute(condition: &str, sessions: &[&SessionResult]) -> Vec<MinuteRow> {
    let mut cells: Vec<(&'static str, f64, Vec<f64>)> = Vec::new();
    let mut put = |phase: &'static str, minute: f64, v: f64| match cells
        .iter_mut()
        .find(|c| c.0 == phase && (c.1 - minute).abs() < 1e-9)
    {
        Some(c) => c.2.push(v),
        None => cells.push((phase, minute, vec![v])),
    };
    for s in sessions {
        if let Some(b) = s.baseline {
            put("before", 0.0, b);
        }
        for (m, v) in &s.during {
            put("during", *m, *v);
        }
        if let Some(p) = s.post {
            put("after", 0.0, p);
        }
        for (m, v) in &s.after {
            put("after", *m, *v);
        }
    }
    let mut grid: Vec<f64> = sessions
        .iter()
        .flat_map(|s| s.after.iter().map(|a| a.0))
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    for s in sessions {
        let (Some(f), Some(&(last_m, last_v))) = (s.followup, s.after.last()) else {
            continue;
        };
        if course(s).back_to_baseline != Some(true) {
            continue;
        }
        for m in grid
            .iter()
            .filter(|m| **m > last_m + 1e-9 && **m <= f64::from(f.max_min) + 1e-9)
        {
            put("after", *m, last_v);
        }
    }
    let order = |p: &str| match p {
        "before" => 0,
        "during" => 1,
        _ => 2,
    };
    cells.sort_by(|a, b| order(a.0).cmp(&order(b.0)).then(a.1.total_cmp(&b.1)));
    cells
        .into_iter()
        .filter_map(|(phase, minute, v)| {
            Some(MinuteRow {
                condition: condition.to_string(),
                phase,
                minute,
                summary: stats::summary(&v)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::research::protocol::Followup;
    use crate::research::read::Status;

    fn session(
        baseline: Option<f64>,
        during: &[(f64, f64)],
        post: Option<f64>,
        after: &[(f64, f64)],
    ) -> SessionResult {
        SessionResult {
            dir: "d".into(),
            participant: "P01".into(),
            session: 1,
            period: Some(1),
            sequence: None,
            condition: "walk".into(),
            display: "headset".into(),
            baseline,
            during: during.to_vec(),
            post,
            after: after.to_vec(),
            followup: Some(Followup {
                every_min: 5.0,
                within: 1,
                max_min: 40.0,
            }),
            minutes: 10.0,
            place_min: None,
            sound_level: "fixed".into(),
            conditions: vec![],
            contrasts: vec![],
            ratings: vec![],
            ssq_pre: None,
            ssq_post: None,
            ipq: None,
            questionnaires: vec![],
            fms: vec![],
            breath: vec![],
            status: Status::Completed,
            reason: None,
            notes: vec![],
            manifest: Some(vec![]),
            verify: crate::research::data::Verify::Read,
            events: 0,
            task: "walking".into(),
        }
    }

    #[test]
    fn a_moseley_like_course_matches_the_hand_computed_numbers() {
        // Baseline 8; in the place 7 at 2 min, 5 at 5, 4 at 8; post 3 at 10 min; follow-ups
        // 4 at +5, 6 at +10, 7 at +15 (back within 1 of 8), 8 at +20.
        let s = session(
            Some(8.0),
            &[(2.0, 7.0), (5.0, 5.0), (8.0, 4.0)],
            Some(3.0),
            &[(5.0, 4.0), (10.0, 6.0), (15.0, 7.0), (20.0, 8.0)],
        );
        let c = course(&s);
        // 30 % below 8 is ≤ 5.6: first at 5 min (5). 50 % is ≤ 4: first at 8 min (4).
        assert_eq!(c.minutes_to_30pct, Some(5.0));
        assert_eq!(c.minutes_to_50pct, Some(8.0));
        // |7 − 8| ≤ 1 first at 15 min after the place.
        assert_eq!(c.minutes_to_baseline, Some(15.0));
        assert_eq!(c.back_to_baseline, Some(true));
        assert_eq!(c.last_followup_min, Some(20.0));
        // Changes: (0,0) (2,−1) (5,−3) (8,−4) (10,−5) (15,−4) (20,−2) (25,−1) (30,0).
        // Trapezoids: 2·(−0.5) = −1; 3·(−2) = −6; 3·(−3.5) = −10.5; 2·(−4.5) = −9;
        // 5·(−4.5) = −22.5; 5·(−3) = −15; 5·(−1.5) = −7.5; 5·(−0.5) = −2.5. Sum −74; the
        // last change (0 at +20) carried on to the follow-up's end (+40) adds nothing.
        assert!((c.auc_change.unwrap() - -74.0).abs() < 1e-9, "{c:?}");
        // Back at +15 with pain 7 and no later answer: −1 carried from minute 25 to 50 (the
        // place's 10 + 40) adds −25 to the −71.5 up to then.
        let early = session(
            Some(8.0),
            &[(2.0, 7.0), (5.0, 5.0), (8.0, 4.0)],
            Some(3.0),
            &[(5.0, 4.0), (10.0, 6.0), (15.0, 7.0)],
        );
        assert!((course(&early).auc_change.unwrap() - -96.5).abs() < 1e-9);
    }

    #[test]
    fn courses_without_relief_or_baseline_say_so() {
        // Never back within the time asked: not reached, and said so.
        let s = session(
            Some(6.0),
            &[(5.0, 5.0)],
            Some(2.0),
            &[(5.0, 3.0), (10.0, 4.0)],
        );
        let c = course(&s);
        assert_eq!(
            (c.minutes_to_baseline, c.back_to_baseline),
            (None, Some(false))
        );
        // 30 % below 6 is ≤ 4.2: post, at the place's end (10 min).
        assert_eq!(c.minutes_to_30pct, Some(10.0));
        // Back already at the post rating: 0 minutes.
        let s = session(Some(6.0), &[], Some(5.0), &[]);
        assert_eq!(course(&s).minutes_to_baseline, Some(0.0));
        // No pain at baseline: no percentage relief.
        let s = session(Some(0.0), &[(5.0, 0.0)], Some(0.0), &[]);
        assert_eq!(course(&s).minutes_to_30pct, None);
        assert_eq!(course(&s).auc_change, Some(0.0));
        assert_eq!(
            course(&session(None, &[], Some(3.0), &[])),
            Course::default()
        );
        // The place ended early (at 4 min): the post rating and follow-ups sit after it.
        let mut s = session(Some(6.0), &[(2.0, 5.0)], Some(3.0), &[(5.0, 6.0)]);
        s.place_min = Some(4.0);
        assert_eq!(points(&s), vec![(2.0, 5.0), (4.0, 3.0), (9.0, 6.0)]);
    }

    #[test]
    fn the_median_time_back_counts_those_never_back() {
        // Back at 5, 10 and 15; never back by 40 (twice). Kaplan–Meier: S = 4/5 after 5,
        // 3/5 after 10, 2/5 after 15: the median is 15 (the mean of those back, 10, would
        // leave out the two longest reliefs).
        let back = |m: f64| session(Some(8.0), &[], Some(3.0), &[(m, 8.0)]);
        let never = session(Some(8.0), &[], Some(3.0), &[(40.0, 4.0)]);
        let all = [back(5.0), back(10.0), back(15.0), never.clone(), never];
        let refs: Vec<&SessionResult> = all.iter().collect();
        assert_eq!(median_to_baseline(&refs), Some(15.0));
        assert_eq!(median_to_baseline(&refs[3..]), None);
    }

    #[test]
    fn nrs_by_minute_groups_each_place_in_the_course() {
        let a = session(Some(8.0), &[(5.0, 5.0)], Some(3.0), &[(5.0, 4.0)]);
        let b = session(Some(6.0), &[(5.0, 4.0)], Some(4.0), &[]);
        let rows = by_minute("walk", &[&a, &b]);
        let cells: Vec<(&str, f64, usize, f64)> = rows
            .iter()
            .map(|r| (r.phase, r.minute, r.summary.n, r.summary.mean))
            .collect();
        assert_eq!(
            cells,
            vec![
                ("before", 0.0, 2, 7.0),
                ("during", 5.0, 2, 4.5),
                ("after", 0.0, 2, 3.5),
                ("after", 5.0, 1, 4.0)
            ]
        );
        // Two values 8 and 6: SD √2, 95 % CI 7 ± 12.706 · √2/√2.
        let (lo, hi) = rows[0].summary.ci95.unwrap();
        assert!((lo - (7.0 - 12.706)).abs() < 1e-9 && (hi - (7.0 + 12.706)).abs() < 1e-9);
    }
}
