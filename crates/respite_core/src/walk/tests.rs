//! Whole walks simulated with manual time steps: what a patient would feel and see.

use super::drive::{Alternation, NodDetector, SwingDetector};
use super::*;
use crate::SceneDef;
use crate::terrain::HeightField;
use std::path::Path;

const DT: f32 = 1.0 / 90.0;

fn scene(name: &str) -> SceneDef {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../scenes/{name}.ron"));
    SceneDef::load(&file).unwrap_or_else(|e| panic!("{e}"))
}

const WALKS: [&str; 3] = [
    "forest_trail_walk",
    "beach_shore_walk",
    "lakeside_path_walk",
];

/// The walk of a scene on its own ground, for session `session`.
fn walk_of(def: &SceneDef, session: u32) -> (HeightField, Route, Walker, Gait) {
    let field = HeightField::for_scene(def);
    let walk = def.walk.as_ref().expect("a walking scene");
    let route = field.route().expect("the ground knows the path").clone();
    let gait = Gait::new(&BodyProfile::default());
    let walker = Walker::new(walk, &route, gait, session);
    (field, route, walker, gait)
}

fn world(walker: &Walker, route: &Route) -> [f32; 3] {
    walker.ground(route).0
}

#[test]
fn every_walking_scene_parses_and_its_path_stays_on_dry_level_ground() {
    for name in WALKS {
        let def = scene(name);
        let (field, route, ..) = walk_of(&def, 1);
        assert!(route.length() > 140.0, "{name}: {} m", route.length());
        let mut steepest = (0.0f32, 0.0);
        for k in 0..(route.length() as usize) {
            let s = k as f32;
            let [x, y, z] = route.ground_at(s);
            assert!(field.dry(x, z), "{name}: wet {s} m along");
            // The drawn ground meets the walking surface under the path.
            assert!((field.height(x, z) - y).abs() < 0.01, "{name}: {s} m along");
            let slope = (route.profile.height(s + 1.0) - y).abs();
            if slope > steepest.0 {
                steepest = (slope, s);
            }
        }
        eprintln!("{name}: steepest {:.3} at {}", steepest.0, steepest.1);
        assert!(
            steepest.0 < 0.1,
            "{name}: a {:.0} % slope {} m along",
            steepest.0 * 100.0,
            steepest.1
        );
        assert!(!field.clear_of_path(route.ground_at(10.0)[0], route.ground_at(10.0)[2], 0.5));
    }
}

#[test]
fn the_viewer_is_near_every_point_of_the_path_and_far_from_the_corners() {
    for name in WALKS {
        let def = scene(name);
        let (field, route, ..) = walk_of(&def, 1);
        // The path's farthest point is far from the seat but right under the walker's eyes.
        let from_seat = |s: f32| {
            let [x, _, z] = route.ground_at(s);
            (x * x + z * z).sqrt()
        };
        let far = (0..route.length() as usize - 1)
            .map(|s| s as f32)
            .max_by(|a, b| from_seat(*a).total_cmp(&from_seat(*b)))
            .unwrap();
        let [x, _, z] = route.ground_at(far);
        assert!(from_seat(far) > 30.0, "{name}: the path stays by the seat");
        assert!(
            field.viewer_distance(x, z) < 0.5,
            "{name}: {}",
            field.viewer_distance(x, z)
        );
        // 5 m beside the path, 5 m from the viewer.
        let [x1, _, z1] = route.ground_at(far + 1.0);
        let (dx, dz) = (x1 - x, z1 - z);
        let n = (dx * dx + dz * dz).sqrt();
        let (sx, sz) = (x - dz / n * 5.0, z + dx / n * 5.0);
        assert!((field.viewer_distance(sx, sz) - 5.0).abs() < 0.3, "{name}");
        // A corner of the ground is far from the seat and from the whole path.
        let corner = def.terrain.size_m * 0.49;
        assert!(field.viewer_distance(corner, corner) > 60.0, "{name}");
    }
    // Without a path, the distance is to the seat.
    let def = scene("mountain_lake");
    let field = HeightField::for_scene(&def);
    assert_eq!(field.viewer_distance(30.0, -40.0), 50.0);
}

/// Speeds and accelerations from world positions 0.1 s apart, over a whole walk.
#[test]
fn speed_and_acceleration_stay_within_limits_over_whole_walks() {
    for name in WALKS {
        let def = scene(name);
        // Session 3 walks furthest: the lighthouse and back, the longest goals.
        let (_, route, mut walker, _) = walk_of(&def, 3);
        let cruise = walker.cruise();
        let mut samples = vec![world(&walker, &route)];
        let mut frames = 0;
        while !walker.finished() && frames < 90 * 60 * 20 {
            walker.step(DT, &route);
            frames += 1;
            if frames % 9 == 0 {
                samples.push(world(&walker, &route));
            }
        }
        assert!(walker.finished(), "{name}: still walking after 20 min");
        let v: Vec<[f32; 3]> = samples
            .windows(2)
            .map(|w| std::array::from_fn(|i| (w[1][i] - w[0][i]) / 0.1))
            .collect();
        let mut top_speed: f32 = 0.0;
        let mut top_accel: f32 = 0.0;
        for (i, w) in v.windows(2).enumerate() {
            let speed = w[0].iter().map(|c| c * c).sum::<f32>().sqrt();
            let accel = (0..3)
                .map(|k| ((w[1][k] - w[0][k]) / 0.1).powi(2))
                .sum::<f32>()
                .sqrt();
            top_speed = top_speed.max(speed);
            top_accel = top_accel.max(accel);
            assert!(
                accel <= MAX_ACCEL,
                "{name}: {accel:.3} m/s² at {:.1} s",
                i as f32 * 0.1
            );
        }
        assert!(top_speed <= cruise * 1.02, "{name}: {top_speed} m/s");
        assert!(
            top_speed >= cruise * 0.95,
            "{name}: never reached its pace: {top_speed}"
        );
        assert!(
            top_accel > 0.05,
            "{name}: the measurement saw no acceleration at all"
        );
    }
}

#[test]
fn starts_and_stops_take_at_least_two_seconds() {
    let def = scene("beach_shore_walk");
    let (_, route, mut walker, _) = walk_of(&def, 1);
    let mut reached = None;
    let mut slowing = None;
    let mut stopped = None;
    while !walker.finished() {
        let before = walker.speed;
        walker.step(DT, &route);
        if reached.is_none() && walker.speed >= walker.cruise() * 0.99 {
            reached = Some(walker.time);
        }
        if reached.is_some() && slowing.is_none() && walker.speed < before {
            slowing = Some(walker.time);
        }
        if walker.finished() {
            stopped = Some(walker.time);
        }
    }
    let reached = reached.unwrap();
    assert!(reached >= MIN_EASE_S, "at pace after {reached} s");
    let stop = stopped.unwrap() - slowing.unwrap();
    assert!(stop >= MIN_EASE_S, "stopped over {stop} s");
}

#[test]
fn an_out_and_back_walk_stops_at_the_end_turns_gently_and_comes_back() {
    let mut def = scene("beach_shore_walk");
    def.walk.as_mut().unwrap().mode = WalkMode::TimeMarked {
        minutes: 5.0,
        mark_s: 60.0,
    };
    let (_, route, mut walker, _) = walk_of(&def, 1);
    let end = route.length() as f64;
    let mut turned_at = None;
    let mut last_heading = walker.heading;
    let mut fastest_turn: f32 = 0.0;
    while !walker.finished() {
        walker.step(DT, &route);
        assert!(
            walker.odometer <= end + 1e-3 || turned_at.is_some(),
            "ran past the end"
        );
        let rate = walker::wrap_angle(walker.heading - last_heading).abs() / DT;
        fastest_turn = fastest_turn.max(rate);
        last_heading = walker.heading;
        for log in walker.drain_log() {
            if log.event == WalkEvent::TurnedBack {
                // At the far end, then back at the start.
                let expect = if turned_at.is_none() { end } else { 2.0 * end };
                assert!(
                    (log.distance_m as f64 - expect).abs() < 0.01,
                    "{log:?} vs {expect}"
                );
                turned_at.get_or_insert(log.at_s);
            }
        }
    }
    assert!(turned_at.is_some(), "never turned back");
    assert!(
        walker.odometer > end + 20.0,
        "did not walk back: {}",
        walker.odometer
    );
    let (s, dir) = route.place(walker.odometer);
    assert!(dir < 0.0 && s < route.length() - 20.0);
    assert!(
        fastest_turn <= 12f32.to_radians() * 1.01,
        "{} °/s",
        fastest_turn.to_degrees()
    );
}

#[test]
fn a_time_marked_walk_marks_every_minute_and_ends_on_time() {
    let def = scene("forest_trail_walk");
    let (_, route, mut walker, _) = walk_of(&def, 1);
    let mut log = walker.drain_log();
    while !walker.finished() {
        walker.step(DT, &route);
        log.extend(walker.drain_log());
    }
    let marks: Vec<(u32, f32)> = log
        .iter()
        .filter_map(|l| match l.event {
            WalkEvent::Mark(n) => Some((n, l.at_s)),
            _ => None,
        })
        .collect();
    assert_eq!(marks.len(), 10, "{marks:?}");
    for (i, (n, at)) in marks.iter().enumerate() {
        assert_eq!(*n as usize, i + 1);
        assert!(
            (at - 60.0 * (i + 1) as f32).abs() <= DT * 1.5,
            "mark {n} at {at}"
        );
    }
    assert!(matches!(log[0].event, WalkEvent::Started(_)));
    let end = log.last().unwrap();
    assert_eq!(end.event, WalkEvent::Finished);
    // Eased to a stop after the tenth minute; 10 min at 0.8 m/s, less the eases.
    assert!(end.at_s > 600.0 && end.at_s < 606.0, "{}", end.at_s);
    assert!(
        end.distance_m > 470.0 && end.distance_m < 482.0,
        "{}",
        end.distance_m
    );
    // Steps: about 91 a minute at 0.8 m/s.
    let per_min = end.steps as f32 / 10.0;
    assert!((85.0..95.0).contains(&per_min), "{per_min} steps a minute");
    // Landmarks passed on the loop are logged each time round.
    let benches = log
        .iter()
        .filter(|l| matches!(&l.event, WalkEvent::Landmark(_, n) if n.contains("bench")))
        .count();
    assert_eq!(benches, (470.0 / route.length() + 0.7) as usize);
}

#[test]
fn a_goal_directed_walk_stops_at_its_landmark_and_the_goal_grows_by_session() {
    let def = scene("beach_shore_walk");
    for (session, at, name) in [
        (1, 60.0, "bench"),
        (2, 140.0, "lighthouse"),
        (5, 140.0, "lighthouse"),
    ] {
        let (_, route, mut walker, _) = walk_of(&def, session);
        let mut log = walker.drain_log();
        while !walker.finished() {
            walker.step(DT, &route);
            log.extend(walker.drain_log());
        }
        let goal = log
            .iter()
            .find(|l| l.event == WalkEvent::GoalReached)
            .expect("goal reached");
        assert!(
            (goal.distance_m - at).abs() < 0.01,
            "session {session}: stopped at {}",
            goal.distance_m
        );
        let reached = log
            .iter()
            .filter_map(|l| match &l.event {
                WalkEvent::Landmark(_, n) => Some(n.as_str()),
                _ => None,
            })
            .next_back()
            .unwrap();
        assert!(reached.contains(name), "session {session}: {reached}");
        assert!(matches!(&log[0].event, WalkEvent::Started(g) if g.contains(name)));
    }
    let lake = scene("lakeside_path_walk");
    let WalkMode::GoalDirected(goal) = lake.walk.as_ref().unwrap().mode else {
        panic!()
    };
    assert_eq!(
        goal.for_session(4),
        Goal::Minutes {
            first: 11.0,
            grow: 2.0,
            most: 15.0
        }
    );
    assert_eq!(
        goal.for_session(40),
        Goal::Minutes {
            first: 15.0,
            grow: 2.0,
            most: 15.0
        }
    );
}

#[test]
fn gait_cadence_and_step_length_follow_speed() {
    let def = scene("forest_trail_walk");
    let (_, route, _, gait) = walk_of(&def, 1);
    let mut last = (0.0, 0.0);
    for speed in [0.4, 0.8, 1.2] {
        let mut walk = def.walk.clone().unwrap();
        walk.speed_m_s = speed;
        let mut walker = Walker::new(&walk, &route, gait, 1);
        // At pace after the ease; then count steps over 30 s.
        for _ in 0..(90 * 10) {
            walker.step(DT, &route);
        }
        let (p0, d0) = (walker.phase, walker.odometer);
        for _ in 0..(90 * 30) {
            walker.step(DT, &route);
        }
        let cadence = ((walker.phase - p0) * 2.0 / 30.0) as f32;
        let step = ((walker.odometer - d0) / ((walker.phase - p0) * 2.0)) as f32;
        assert!(
            (cadence - gait.cadence(speed)).abs() < 0.01,
            "{speed}: {cadence}/s"
        );
        assert!(
            (step - gait.step_m(speed)).abs() < 0.005,
            "{speed}: {step} m"
        );
        assert!(
            cadence > last.0 && step > last.1,
            "{speed}: {cadence} {step} vs {last:?}"
        );
        last = (cadence, step);
    }
    // Standing still, the legs stand still.
    let walk = def.walk.clone().unwrap();
    let mut walker = Walker::new(&walk, &route, gait, 1);
    walker.halt();
    for _ in 0..(90 * 10) {
        walker.step(DT, &route);
    }
    let phase = walker.phase;
    walker.step(DT, &route);
    assert_eq!(walker.phase, phase);
}

#[test]
fn feet_touch_the_ground_while_they_carry_the_body_and_clear_it_while_they_swing() {
    for name in WALKS {
        let def = scene(name);
        let (field, route, mut walker, gait) = walk_of(&def, 3);
        let ground = |x: f32, z: f32| field.height(x, z);
        let d = gait.dims;
        let mut stance = 0;
        let mut swing = 0;
        let mut highest: f32 = 0.0;
        for frame in 0..(90 * 120) {
            walker.step(DT, &route);
            if frame % 7 != 0 {
                continue;
            }
            let (at, heading) = walker.ground(&route);
            let pose = gait.pose(walker.phase, walker.speed, at, heading, &ground);
            for (i, foot) in pose.feet.iter().enumerate() {
                for p in [foot.heel, foot.toe] {
                    let gap = p[1] - ground(p[0], p[2]);
                    if foot.swing {
                        assert!(
                            gap > -0.03,
                            "{name}: swinging foot {i} {gap} m into the ground"
                        );
                        highest = highest.max(gap);
                    } else {
                        assert!(gap.abs() <= 0.03, "{name}: planted foot {i} off by {gap} m");
                    }
                }
                if foot.swing {
                    swing += 1;
                } else {
                    stance += 1;
                }
                // The legs are the body's own length, however they bend.
                let thigh = dist(pose.hips[i], pose.knees[i]);
                let shin = dist(pose.knees[i], foot.ankle);
                assert!((thigh - d.thigh).abs() < 1e-3, "{name}: thigh {thigh}");
                assert!((shin - d.shin).abs() < 1e-3, "{name}: shin {shin}");
                // Knees bend forward, never backward.
                let ahead = (pose.knees[i][0] - (pose.hips[i][0] + foot.ankle[0]) / 2.0)
                    * heading.x
                    + (pose.knees[i][2] - (pose.hips[i][2] + foot.ankle[2]) / 2.0) * heading.z;
                assert!(ahead >= -1e-3, "{name}: knee bent backwards by {ahead}");
            }
            // The hips stay under the eyes, at most a stoop below standing height.
            let standing = at[1] + d.ankle_height + d.thigh + d.shin;
            assert!(pose.pelvis[1] <= standing + 0.01 && pose.pelvis[1] > standing - 0.15);
        }
        // 60 % of a stride on the ground, 40 % in the air.
        let share = stance as f32 / (stance + swing) as f32;
        assert!((share - 0.6).abs() < 0.05, "{name}: {share}");
        assert!(highest > 0.05, "{name}: feet never lift ({highest} m)");
    }
}

fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[test]
fn following_a_path_is_seeded_and_deterministic() {
    let def = scene("lakeside_path_walk");
    let run = |def: &SceneDef| {
        let (_, route, mut walker, _) = walk_of(def, 2);
        let mut trace = Vec::new();
        for frame in 0..(90 * 90) {
            walker.step(DT, &route);
            if frame % 45 == 0 {
                trace.push((world(&walker, &route), walker.heading, walker.phase));
            }
        }
        trace
    };
    let a = run(&def);
    assert_eq!(a, run(&def), "two walks of one file differ");
    // The ground (and so the walk's rise and fall) comes from the scene's seed.
    let mut other = def.clone();
    other.seed += 1;
    let b = run(&other);
    assert!(
        a.iter()
            .zip(&b)
            .any(|(p, q)| (p.0[1] - q.0[1]).abs() > 0.01)
    );
}

#[test]
fn bad_walks_are_refused_at_their_line() {
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/forest_trail_walk.ron"),
    )
    .unwrap();
    let parse = |src: &str| {
        SceneDef::parse(Path::new("t.ron"), src)
            .unwrap_err()
            .to_string()
    };
    let fast = good.replace("speed_m_s: 0.8", "speed_m_s: 2.5");
    let e = parse(&fast);
    assert!(
        e.contains("walk.speed_m_s: must be between 0.3 and 1.4 m/s, found 2.5"),
        "{e}"
    );
    let line = fast
        .lines()
        .position(|l| l.contains("speed_m_s: 2.5"))
        .unwrap()
        + 1;
    assert!(e.starts_with(&format!("t.ron:{line}:")), "{e}");
    // A hairpin.
    let tight = good.replace(
        "(18.0, -30.0), (14.0, -68.0)",
        "(18.0, -30.0), (19.0, -30.5), (14.0, -68.0)",
    );
    let e = parse(&tight);
    assert!(e.contains("the path turns too tightly"), "{e}");
    // Into the stream.
    let wet = good.replace("(18.0, -30.0)", "(44.0, -45.0)");
    let e = parse(&wet);
    assert!(e.contains("of the water"), "{e}");
    let goal = scene("beach_shore_walk");
    assert_eq!(goal.walk.as_ref().unwrap().landmarks.len(), 2);
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/beach_shore_walk.ron"),
    )
    .unwrap();
    let e = parse(&src.replace("most: 2", "most: 3"));
    assert!(e.contains("the landmarks in this file"), "{e}");
}

/// A walk of `name` driven as `walking` by `input`, for session 1.
fn driven(name: &str, walking: Walking, input: Input) -> (Route, Walker) {
    let mut def = scene(name);
    let walk = def.walk.as_mut().expect("a walking scene");
    walk.walking = walking;
    walk.input = input;
    let (_, route, walker, _) = walk_of(&def, 1);
    (route, walker)
}

/// The most acceleration felt, from world positions 0.1 s apart (as the whole-walk test
/// measures it), over samples taken every 9 frames.
fn top_accel(samples: &[[f32; 3]]) -> f32 {
    let v: Vec<[f32; 3]> = samples
        .windows(2)
        .map(|w| std::array::from_fn(|i| (w[1][i] - w[0][i]) / 0.1))
        .collect();
    v.windows(2)
        .map(|w| {
            (0..3)
                .map(|k| ((w[1][k] - w[0][k]) / 0.1).powi(2))
                .sum::<f32>()
                .sqrt()
        })
        .fold(0.0, f32::max)
}

/// Swings alternating left and right every `every_s` seconds for `for_s` seconds, then
/// none for `rest_s`: (mean speed over the last half of the swinging, samples, swings
/// counted, steps walked).
fn swing_walk(
    every_s: f32,
    amplitude: f32,
    for_s: f32,
    rest_s: f32,
) -> (f32, Vec<[f32; 3]>, Walker) {
    let (route, mut walker) = driven("forest_trail_walk", Walking::Interactive, Input::Swings);
    let mut samples = vec![world(&walker, &route)];
    let (mut t, mut next, mut side) = (0.0f32, 0.0f32, Side::Left);
    let mut speeds = Vec::new();
    let mut frames = 0u32;
    while t < for_s + rest_s {
        if t < for_s && t >= next {
            walker.cue(Cue::Swing { side, amplitude });
            side = if side == Side::Left {
                Side::Right
            } else {
                Side::Left
            };
            next += every_s;
        }
        walker.step(DT, &route);
        t += DT;
        frames += 1;
        if frames % 9 == 0 {
            samples.push(world(&walker, &route));
        }
        if t > for_s / 2.0 && t < for_s {
            speeds.push(walker.speed);
        }
    }
    let mean = speeds.iter().sum::<f32>() / speeds.len() as f32;
    (mean, samples, walker)
}

#[test]
fn swings_drive_the_steps_faster_swings_walk_faster_and_no_swings_ease_to_a_stop() {
    // A walker that is never swung for stands still.
    let (_, samples, walker) = swing_walk(1.0, 1.0, 0.0, 10.0);
    assert_eq!(walker.odometer, 0.0);
    assert_eq!(samples.first(), samples.last());
    // One swing a second against two: the faster rhythm walks faster (both under the
    // walk's 0.8 m/s pace, which caps it).
    let (slow, ..) = swing_walk(1.0, 1.0, 30.0, 0.0);
    let (fast, ..) = swing_walk(0.5, 1.0, 30.0, 0.0);
    let (small, ..) = swing_walk(1.0, 0.2, 30.0, 0.0);
    eprintln!("swings 1/s: {slow:.3} m/s; 2/s: {fast:.3} m/s; 1/s small: {small:.3} m/s");
    // A step of a 1.70 m body at 1 m/s is about 0.6 m: one a second is ~0.6 m/s.
    assert!((0.5..0.7).contains(&slow), "{slow}");
    assert!(fast > slow + 0.1 && fast <= 0.8 + 1e-3, "{fast} vs {slow}");
    assert!(
        small < slow - 0.15,
        "smaller swings, shorter steps: {small} vs {slow}"
    );
    // Twenty swings, then none: the walker walks out its steps and stops, eased, within a
    // few seconds; each swing was one step.
    let (_, samples, walker) = swing_walk(0.8, 1.0, 16.0, 12.0);
    let counted = walker.driver().expect("driven").counted;
    assert_eq!(counted, 20);
    assert_eq!(walker.speed, 0.0, "still moving 12 s after the last swing");
    let steps = walker.steps() as i64;
    assert!((steps - 20).abs() <= 2, "{steps} steps for 20 swings");
    let accel = top_accel(&samples);
    assert!(accel <= MAX_ACCEL, "{accel} m/s²");
    assert!(accel > 0.05, "no acceleration measured");
}

#[test]
fn a_driven_walk_comes_to_rest_soon_after_the_last_swing_and_never_lurches() {
    let (route, mut walker) = driven("forest_trail_walk", Walking::Interactive, Input::Swings);
    let mut t = 0.0f32;
    let mut side = Side::Left;
    let mut last_swing = 0.0;
    // Hammering: ten swings a second for ten seconds is capped at the walk's pace and
    // saves up no more than a stop's worth.
    let mut top: f32 = 0.0;
    let mut rest_at = None;
    let mut samples = vec![world(&walker, &route)];
    let mut frames = 0;
    while t < 30.0 {
        if t < 10.0 && frames % 9 == 0 {
            walker.cue(Cue::Swing {
                side,
                amplitude: 1.0,
            });
            side = if side == Side::Left {
                Side::Right
            } else {
                Side::Left
            };
            last_swing = t;
        }
        walker.step(DT, &route);
        t += DT;
        frames += 1;
        top = top.max(walker.speed);
        if frames % 9 == 0 {
            samples.push(world(&walker, &route));
        }
        if t > 10.0 && walker.speed == 0.0 && rest_at.is_none() {
            rest_at = Some(t);
        }
    }
    assert!(top <= walker.cruise() + 1e-3, "{top}");
    let stopped = rest_at.expect("came to rest") - last_swing;
    eprintln!("at rest {stopped:.1} s after the last swing");
    assert!((2.0..9.0).contains(&stopped), "{stopped} s");
    assert!(top_accel(&samples) <= MAX_ACCEL);
}

#[test]
fn a_held_switch_walks_and_a_nod_starts_and_stops_the_walk() {
    for input in [Input::Switch, Input::Nod] {
        let (route, mut walker) = driven("beach_shore_walk", Walking::Interactive, input);
        // A swing does nothing when the input is a switch or a nod.
        assert_eq!(
            walker.cue(Cue::Swing {
                side: Side::Left,
                amplitude: 1.0
            }),
            Taken::Ignored
        );
        let go = match input {
            Input::Switch => Cue::Switch(true),
            _ => Cue::Nod,
        };
        let stop = match input {
            Input::Switch => Cue::Switch(false),
            _ => Cue::Nod,
        };
        assert_eq!(walker.cue(go), Taken::Go(true));
        let mut samples = vec![world(&walker, &route)];
        for f in 0..(90 * 12) {
            walker.step(DT, &route);
            if f % 9 == 8 {
                samples.push(world(&walker, &route));
            }
        }
        assert!(
            (walker.speed - walker.cruise()).abs() < 0.02,
            "{input:?}: {}",
            walker.speed
        );
        assert_eq!(walker.cue(stop), Taken::Go(false));
        for f in 0..(90 * 10) {
            walker.step(DT, &route);
            if f % 9 == 8 {
                samples.push(world(&walker, &route));
            }
        }
        assert_eq!(walker.speed, 0.0, "{input:?}: still walking after release");
        assert!(top_accel(&samples) <= MAX_ACCEL, "{input:?}");
        // The session closes: a nod then starts nothing (the record must not say it did).
        walker.halt();
        if input == Input::Nod {
            assert_eq!(walker.cue(Cue::Nod), Taken::Ignored);
        }
    }
}

#[test]
fn a_passive_walk_ignores_cues_and_a_wheelchair_push_glides_twice_a_step() {
    let (route, mut walker) = driven("forest_trail_walk", Walking::Passive, Input::Swings);
    assert_eq!(walker.cue(Cue::Nod), Taken::Ignored);
    walker.step(DT, &route);
    assert!(walker.speed > 0.0, "a passive walk sets off by itself");
    let (_, mut chair) = driven("forest_trail_walk", Walking::Wheelchair, Input::Swings);
    let (_, mut feet) = driven("forest_trail_walk", Walking::Interactive, Input::Swings);
    let swing = Cue::Swing {
        side: Side::Right,
        amplitude: 0.5,
    };
    let (Taken::Step(push), Taken::Step(step)) = (chair.cue(swing), feet.cue(swing)) else {
        panic!("both take the swing");
    };
    assert!((push - 2.0 * step).abs() < 1e-5, "{push} {step}");
    // Half a swing: three quarters of the natural step of a 1.70 m body (≈0.6 m).
    assert!((0.40..0.50).contains(&step), "{step}");
}

#[test]
fn alternation_takes_only_the_other_key_and_detectors_find_swings_and_nods() {
    let mut alt = Alternation::default();
    let presses = [Side::Left, Side::Left, Side::Right, Side::Right, Side::Left];
    let taken: Vec<bool> = presses.iter().map(|s| alt.accept(*s)).collect();
    assert_eq!(taken, [true, false, true, false, true]);
    // A hand swung ±15 cm at 0.8 Hz for 10 s swings forward 8 times, each nearly full
    // (30 cm of 35).
    let mut hand = SwingDetector::default();
    let mut swings = Vec::new();
    for f in 0..900 {
        let t = f as f32 / 90.0;
        if let Some(a) = hand.sample(0.15 * (std::f32::consts::TAU * 0.8 * t).sin()) {
            swings.push(a);
        }
    }
    assert_eq!(swings.len(), 8, "{swings:?}");
    assert!(
        swings.iter().skip(1).all(|a| (0.8..=0.9).contains(a)),
        "{swings:?}"
    );
    // A tremor of ±2 cm is no swing; NaN is ignored.
    let mut still = SwingDetector::default();
    let tremor = (0..900).filter(|f| still.sample(0.02 * (*f as f32 * 0.7).sin()).is_some());
    assert_eq!(tremor.count(), 0);
    assert_eq!(still.sample(f32::NAN), None);
    // Two nods (a 20° dip and back within half a second), then slowly looking down at the
    // legs (30° over three seconds) and staying there: two nods, not three.
    let mut head = NodDetector::default();
    let pitch_at = |t: f32| -> f32 {
        let nod = |c: f32| {
            let x = (t - c) / 0.25;
            if x.abs() < 1.0 {
                -0.35 * (1.0 - x * x)
            } else {
                0.0
            }
        };
        let look = -0.52 * crate::smoothstep((t - 6.0) / 3.0);
        nod(2.0) + nod(4.0) + look
    };
    let nods = (0..(12 * 90))
        .filter(|f| head.sample(DT, pitch_at(*f as f32 * DT)))
        .count();
    assert_eq!(nods, 2);
}

#[test]
fn a_stroke_runs_down_the_limb_from_hip_through_knee_to_ankle() {
    let gait = Gait::new(&BodyProfile::default());
    let pose = gait.pose(0.3, 0.8, [0.0, 0.0, 0.0], P2::new(0.0, -1.0), &|_, _| 0.0);
    for limb in 0..4 {
        let (a, b, c) = if limb < 2 {
            (pose.hips[limb], pose.knees[limb], pose.feet[limb].ankle)
        } else {
            let arm = pose.arms[limb - 2];
            (arm[0], arm[1], arm[2])
        };
        assert!(dist(pose.along(limb, 0.0), a) < 1e-5, "{limb}");
        assert!(dist(pose.along(limb, 1.0), c) < 1e-5, "{limb}");
        // The joint is where the first bone's share of the length ends.
        let share = dist(a, b) / (dist(a, b) + dist(b, c));
        assert!(dist(pose.along(limb, share), b) < 1e-4, "{limb}");
        // Out-of-range and non-finite fractions stay on the limb.
        assert!(dist(pose.along(limb, 7.0), c) < 1e-5);
        assert!(dist(pose.along(limb, f32::NAN), a) < 1e-5);
    }
}
