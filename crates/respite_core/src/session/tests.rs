use super::*;
use std::path::Path;

fn shipped_levels() -> ImmersionLevels {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../immersion.ron");
    ImmersionLevels::load(&file).unwrap_or_else(|e| panic!("{e}"))
}

fn scene(name: &str) -> crate::SceneDef {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../scenes/{name}.ron"));
    crate::SceneDef::load(&file).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn shipped_levels_run_from_calm_to_full_presence() {
    let levels = shipped_levels();
    assert!(levels.levels.len() >= 4);
    let first = &levels.levels[0];
    let last = levels.levels.last().unwrap();
    assert!(first.fov_deg < last.fov_deg);
    assert!(first.motion < last.motion);
    assert_eq!(first.stereo, Stereo::Mono);
    assert_eq!(first.audio, AudioStage::Plain);
    assert!(!first.body && last.body && last.interactive);
    // Each step is at least as immersive as the one before in field and motion.
    for pair in levels.levels.windows(2) {
        assert!(pair[0].fov_deg <= pair[1].fov_deg, "{}", pair[1].name);
        assert!(pair[0].motion <= pair[1].motion, "{}", pair[1].name);
    }
    assert_eq!(levels.get(None).unwrap().name, "immersive");
}

#[test]
fn an_override_changes_only_its_field_and_bad_ones_say_why() {
    let levels = shipped_levels();
    let base = levels.get(Some("gentle")).unwrap();
    let lvl = levels
        .resolve(
            Some("gentle"),
            &[
                "fov_deg=70".into(),
                "stereo=mono".into(),
                "body = off".into(),
            ],
        )
        .unwrap();
    assert_eq!(lvl.fov_deg, 70.0);
    assert_eq!(lvl.stereo, Stereo::Mono);
    assert!(!lvl.body);
    assert_eq!((lvl.motion, lvl.audio), (base.motion, base.audio));
    assert!(
        lvl.to_string()
            .contains("level=gentle fov_deg=70 stereo=mono")
    );

    let err = |o: &str| levels.resolve(None, &[o.to_string()]).unwrap_err();
    assert!(
        err("fov_deg=20").contains("outside 40 to 110"),
        "{}",
        err("fov_deg=20")
    );
    assert!(err("motion=lots").contains("not a number"));
    assert!(err("colour=red").contains("fov_deg, stereo"));
    assert!(err("stereo").contains("KEY=VALUE"));
    assert!(err("audio=loud").contains("spatial or plain"));
    let unknown = levels.get(Some("max")).unwrap_err();
    assert!(
        unknown.contains("calm_view, gentle, immersive, full_presence"),
        "{unknown}"
    );
}

#[test]
fn a_level_thins_the_life_in_a_scene_and_sets_its_view() {
    let levels = shipped_levels();
    let full = scene("forest_glade");
    let mut calm = full.clone();
    levels
        .get(Some("calm_view"))
        .unwrap()
        .shape_scene(&mut calm);
    assert_eq!(calm.viewpoint.fov_deg, 60.0);
    let count = |s: &crate::SceneDef| {
        s.particles.iter().map(|p| p.count).sum::<u32>()
            + s.fauna.iter().map(|f| f.count).sum::<u32>()
    };
    let (a, b) = (count(&full), count(&calm));
    assert!(a > 0);
    assert!(
        (b as f32 - a as f32 * 0.25).abs() <= 2.0 + full.fauna.len() as f32,
        "{a} → {b}"
    );

    let mut walk = scene("beach_shore_walk");
    let mut lvl = levels.get(Some("gentle")).unwrap();
    lvl.walk_vignette = 0.8;
    lvl.shape_scene(&mut walk);
    assert_eq!(walk.walk.unwrap().vignette, 0.8);
}

#[test]
fn a_bad_levels_file_names_line_and_column() {
    let src = r#"(default: "b", levels: [
    (name: "a", description: "x", fov_deg: 300.0, stereo: Stereo, motion: 1.0,
     audio: Spatial, interactive: false, body: true, walk_vignette: 0.3),
    (name: "a", description: "y", fov_deg: 90.0, stereo: Stereo, motion: 1.0,
     audio: Spatial, interactive: false, body: true, walk_vignette: 0.3),
])"#;
    let e = ImmersionLevels::parse(Path::new("levels.ron"), src)
        .unwrap_err()
        .to_string();
    assert!(e.contains("levels.ron:2:"), "{e}");
    assert!(
        e.contains("fov_deg: must be between 40 and 110°, found 300"),
        "{e}"
    );
    assert!(
        e.contains("levels.ron:4:") && e.contains("named twice"),
        "{e}"
    );
    assert!(e.contains("'b' is not one of the levels"), "{e}");
    let typo = ImmersionLevels::parse(Path::new("l.ron"), "(default: \"a\", levls: [])")
        .unwrap_err()
        .to_string();
    assert!(typo.starts_with("l.ron:1:"), "{typo}");
}

#[test]
fn a_ten_minute_session_rates_pain_at_five_and_checks_sickness_when_asked() {
    let plan = SessionPlan::default();
    let p = plan.prompts();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].at_min, p[0].timepoint),
        (5.0, Timepoint::at_minute(5.0))
    );
    let plan = SessionPlan {
        rate_every_min: Some(4.0),
        fms_every_min: Some(2.0),
        ..SessionPlan::for_minutes(10.0)
    };
    let got: Vec<(f32, &str)> = plan
        .prompts()
        .iter()
        .map(|p| (p.at_min, p.scale.code()))
        .collect();
    assert_eq!(
        got,
        [
            (2.0, "fms"),
            (4.0, "nrs"),
            (4.0, "fms"),
            (6.0, "fms"),
            (8.0, "nrs"),
            (8.0, "fms")
        ]
    );
    assert!(plan.too_sick(10) && !plan.too_sick(9));
    assert_eq!(plan.max_minutes, 20.0);
}

#[test]
fn number_keys_pick_values_and_two_quick_digits_make_ten() {
    let nrs = Scale::Nrs.values();
    let mut k = KeyEntry::default();
    k.digit(7, 0.0, &nrs);
    assert_eq!(k.highlight, Some(7));
    k.digit(1, 2.0, &nrs);
    assert_eq!(k.highlight, Some(1), "a slow second digit starts again");
    k.digit(0, 2.5, &nrs);
    assert_eq!(k.highlight, Some(10));
    k.digit(3, 2.7, &nrs);
    assert_eq!(
        k.highlight,
        Some(3),
        "after two digits the next starts afresh"
    );
    k.digit(5, 2.9, &nrs);
    assert_eq!(
        k.highlight,
        Some(5),
        "35 is off the scale: the new digit alone"
    );
    k.step(1, &nrs);
    k.step(1, &nrs);
    assert_eq!(k.highlight, Some(7));
    let mut fresh = KeyEntry::default();
    fresh.step(-1, &nrs);
    assert_eq!(
        fresh.highlight,
        Some(5),
        "the first arrow lights the middle"
    );
    for _ in 0..10 {
        k.step(1, &nrs);
    }
    assert_eq!(k.highlight, Some(10));

    let fms = Scale::Fms.values();
    let mut k = KeyEntry::default();
    k.digit(1, 0.0, &fms);
    k.digit(7, 0.4, &fms);
    assert_eq!(k.highlight, Some(17));
    let yes_no = Scale::YesNo("Is it comfortable?".into());
    let mut k = KeyEntry::default();
    k.digit(4, 0.0, &yes_no.values());
    assert_eq!(k.highlight, None, "4 is no answer to a yes/no question");
    k.step(1, &yes_no.values());
    assert_eq!(yes_no.label(k.highlight.unwrap()), "No");
    k.step(1, &yes_no.values());
    assert_eq!(yes_no.label(k.highlight.unwrap()), "Yes");
}

#[test]
fn a_rating_record_says_what_when_who_and_how() {
    let r = Rating {
        timepoint: Timepoint::at_minute(5.0),
        scale: Scale::Nrs,
        value: Some(4),
        who: Who::Patient,
        via: Via::Gaze,
        latency_s: 2.345,
    };
    assert_eq!(
        super::event::SessionEvent::rating(&r).detail(),
        "timepoint=minute_5 scale=nrs value=4 by=patient via=gaze latency_s=2.35"
    );
    let skipped = Rating {
        timepoint: Timepoint::Asked(2),
        scale: Scale::YesNo("Warm enough?".into()),
        value: None,
        who: Who::Therapist,
        via: Via::Console,
        latency_s: 9.0,
    };
    let skipped = super::event::SessionEvent::rating(&skipped).detail();
    assert!(skipped.contains("timepoint=asked_2 scale=yes_no value=n/a by=therapist"));
    assert!(skipped.ends_with("question=\"Warm enough?\""));
    let rows = Scale::Fms.rows();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.concat(), (0..=20).collect::<Vec<u8>>());
}

#[test]
fn the_pacer_breathes_six_times_a_minute_without_a_jump() {
    // In at 4 s, out by 10 s.
    assert!(breath(0.0, 6.0) < 1e-6);
    assert!((breath(4.0, 6.0) - 1.0).abs() < 1e-6);
    assert!(breath(9.99, 6.0) < 1e-3);
    assert!((breath(14.0, 6.0) - 1.0).abs() < 1e-6);
    let dt = 1.0 / 90.0;
    let worst = (0..(60.0 / dt) as usize)
        .map(|i| (breath((i + 1) as f32 * dt, 6.0) - breath(i as f32 * dt, 6.0)).abs())
        .fold(0.0, f32::max);
    assert!(worst < 0.01, "largest step per frame {worst}");
}

#[test]
fn fractional_rating_intervals_give_distinct_timepoints() {
    let plan = SessionPlan {
        minutes: 2.0,
        rate_every_min: Some(0.5),
        fms_every_min: None,
        fms_pause_at: 10,
        max_minutes: 5.0,
    };
    let labels: Vec<String> = plan
        .prompts()
        .iter()
        .map(|p| p.timepoint.to_string())
        .collect();
    assert_eq!(labels, ["minute_0.5", "minute_1", "minute_1.5"]);
    let third = SessionPlan {
        rate_every_min: Some(0.25),
        minutes: 0.6,
        ..plan
    };
    let labels: Vec<String> = third
        .prompts()
        .iter()
        .map(|p| p.timepoint.to_string())
        .collect();
    assert_eq!(labels, ["minute_0.25", "minute_0.5"]);
}
