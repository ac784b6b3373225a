use super::*;
use crate::color::Rgb;
use crate::research::data;

/// One event of every kind, with values the record keeps exactly (to its decimals).
fn one_of_each() -> Vec<SessionEvent> {
    use SessionEvent as E;
    let walked = (12.25, 30, 15.5);
    vec![
        E::Clock {
            zero_unix_s: 1_796_000_000.125,
            source: "system_clock".into(),
        },
        E::SessionStart {
            participant: Some("P01".into()),
            scene: "forest_clearing".into(),
            minutes: 10.0,
            ratings: true,
            rate_every_min: Some(2.5),
            fms_every_min: None,
            fms_pause_at: 10,
            max_minutes: 20.0,
            time_scale: 1.0,
        },
        E::Immersion {
            level: "calm_view".into(),
            fov_deg: 60.0,
            stereo: Stereo::Mono,
            motion: 0.25,
            audio: AudioStage::Plain,
            interactive: false,
            body: true,
            walk_vignette: 0.6,
        },
        E::SessionResumed {
            answered_before: 3,
            place_done: false,
        },
        E::Display {
            requested: "auto".into(),
            active: ActiveDisplay::Flat,
            runtime: None,
            fallback: "no runtime answered: XR_ERROR_RUNTIME_UNAVAILABLE".into(),
        },
        E::DisplayLost {
            reason: "runtime 'Monado' exited".into(),
            to: "screen".into(),
            paused: true,
        },
        E::DisplaySwitch {
            to: "screen".into(),
            by: Who::Therapist,
        },
        E::Phase {
            phase: Phase::Closing,
            how: Some(Closing::Ended),
        },
        E::Pause {
            by: PauseReason::SicknessCheck,
            fms: Some(14),
            limit: Some(12),
            state: None,
        },
        E::Resume {
            by: PauseReason::Headset,
            ended_by: None,
            to: None,
            closing: None,
            state: Some("focused".into()),
            still_paused_by: vec![PauseReason::SicknessCheck, PauseReason::Therapist],
        },
        E::EmergencyStop {
            phase: Phase::Immersion,
        },
        E::Plan {
            minutes: 12.5,
            max_minutes: 22.5,
            by: Who::Therapist,
        },
        E::Restart {
            scene: "beach_sunset".into(),
            level: "gentle".into(),
            by: Who::Therapist,
            pid: 4242,
        },
        E::SceneSwitch {
            from: "forest_clearing".into(),
            to: "mountain_lake".into(),
            by: Who::Therapist,
            via: CommandVia::Autopilot,
        },
        E::SceneShown {
            scene: "mountain_lake".into(),
            built_frames: 7,
            switch_s: 4.25,
        },
        E::LevelSwitch {
            from: "immersive".into(),
            to: "calm_view".into(),
            by: Who::Therapist,
            via: CommandVia::Console,
        },
        E::SessionEnd {
            how: Closing::Planned,
            completed: true,
            in_place_s: 600.5,
        },
        E::Calibrate {
            eye_height_m: 1.125,
            head_yaw_deg: -3.5,
        },
        E::Faded {
            to: "neutral".into(),
            fade_s: 0.75,
        },
        E::Rating {
            timepoint: Timepoint::Asked(2),
            scale: "yes_no".into(),
            value: None,
            by: Who::Therapist,
            via: Via::Console,
            latency_s: 9.0,
            question: Some("Warm enough?".into()),
            item: None,
        },
        E::WashoutStart {
            rule: "until_baseline".into(),
            wait_s: None,
            target: Some(4),
            within: Some(1),
            every_s: Some(120.0),
            max_s: Some(1800.0),
        },
        E::WashoutEnd {
            waited_s: 360.0,
            back_to_baseline: Some(true),
            target: Some(4),
            within: Some(1),
        },
        E::FollowupStart {
            every_min: 5.0,
            within: 1,
            max_min: 40.0,
            baseline: 6,
        },
        E::FollowupAsk {
            scheduled_min: 10.0,
            at_min: 10.25,
        },
        E::FollowupEnd {
            every_min: 5.0,
            within: 1,
            max_min: 40.0,
            baseline: None,
            back_to_baseline: None,
            after_min: 0.0,
            reason: "no_baseline".into(),
        },
        E::QuestionnaireScore {
            q: "ssq".into(),
            timepoint: Timepoint::Post,
            scores: Scores(vec![("total".into(), 14.96), ("nausea".into(), 9.54)]),
            complete: None,
            version: "respite-scoring-1".into(),
        },
        E::Volume {
            db: -6.0,
            by: Who::Therapist,
            via: CommandVia::Console,
        },
        E::Sound {
            device: "none".into(),
            waited_s: Some(3.0),
        },
        E::RecordFault {
            reason: "motion: No space left on device (os error 28)".into(),
            lost: Some(12),
            at_s: 61.25,
        },
        E::Pacer {
            on: true,
            breaths_per_min: 6.0,
        },
        E::BreathInput {
            source: "mic".into(),
            state: "stopped".into(),
            reason: Some("the input device delivered no sound for 3 s".into()),
        },
        E::Breath {
            phase: "exhale".into(),
            start_s: 12.5,
            end_s: 15.25,
            level_db: 31.5,
            rate_per_min: Some(6.25),
        },
        E::BreathMinute {
            minute: 2,
            exhales: 6,
            rate_per_min: None,
            pacer_per_min: Some(6.0),
            off_pacer_per_min: Some(-0.5),
        },
        E::AttentionStart {
            round: 1,
            lights: 5,
        },
        E::AttentionResult {
            round: 1,
            shown: 5,
            answered: Some(4),
            error: Some(-1),
        },
        E::AttentionAbandoned { round: 2 },
        E::MarkersUnavailable {
            source: "udp".into(),
            port: Some(5005),
            reason: "Address in use (os error 98)".into(),
        },
        E::Marker {
            key: None,
            source: Some("udp".into()),
            label: "tDCS on".into(),
            by: None,
            via: None,
            received_s: Some(12.5),
            lsl_s: None,
            lsl_offset_s: None,
        },
        E::Marker {
            key: None,
            source: Some("lsl".into()),
            label: "tDCS on".into(),
            by: None,
            via: None,
            received_s: Some(14.25),
            lsl_s: Some(54_321.123_456),
            lsl_offset_s: Some(-0.000_125),
        },
        E::LslClock {
            zero_lsl_s: 54_307.5,
        },
        E::LslStream {
            role: "in".into(),
            name: "Stimulator Markers".into(),
            stream_type: "Markers".into(),
            source_id: "stim-01".into(),
            state: "lost".into(),
            reason: Some("the stream's outlet went away".into()),
        },
        E::MarkersRefused {
            source: "stdin".into(),
            over_rate: 3,
            not_utf8: 0,
            cut_long: 1,
            total_over_rate: 30,
            total_not_utf8: 2,
            total_cut_long: 1,
        },
        E::GazeVisit {
            x: 1.5,
            z: -4.25,
            distance_m: 4.5,
        },
        E::Body {
            height_m: 1.62,
            build: Build::Female,
            legwear: Legwear::Shorts,
            skin: Rgb([0x8d, 0x5a, 0x3b]),
            shirt: Rgb([0x33, 0x66, 0x99]),
            trousers: Rgb([0x5a, 0x78, 0x9c]),
            shoes: Rgb([0x6e, 0x52, 0x3c]),
            eye_height_m: 1.5,
            tone: Some(5),
            hair: Some(Rgb([0x20, 0x18, 0x10])),
            sleeves: Some(Sleeves::Long),
            seat: Some(Seat::Wheelchair),
            shown: Some(true),
        },
        E::WalkSettings {
            path_m: 120.5,
            kind: PathKind::ThereAndBack,
            speed_m_s: 0.75,
            turn_deg_s: None,
            view: "first_person".into(),
            session: 2,
            vignette: 0.35,
            head_bob: false,
            walking: Some(Walking::Interactive),
            input: Some(Input::Swings),
        },
        E::WalkCue {
            cue: "swing".into(),
            side: Some(Side::Left),
            amplitude: Some(0.75),
            step_m: Some(0.52),
            go: None,
            taken: true,
            via: Via::Keys,
        },
        E::WalkCue {
            cue: "nod".into(),
            side: None,
            amplitude: None,
            step_m: None,
            go: Some(false),
            taken: true,
            via: Via::Head,
        },
        E::StrokeStart {
            limb: "left_leg".into(),
            seconds: 3.0,
            by: Who::Therapist,
            via: CommandVia::Console,
        },
        E::StrokeEnd {
            limb: "left_leg".into(),
        },
        E::WalkPace {
            speed_m_s: 0.9,
            by: Who::Therapist,
            via: CommandVia::Keys,
        },
        E::WalkStart {
            goal: "3_landmarks".into(),
            walked_m: 0.0,
            steps: 0,
            walking_s: 0.0,
        },
        E::WalkMark {
            mark: 1,
            walked_m: walked.0,
            steps: walked.1,
            walking_s: walked.2,
        },
        E::WalkLandmark {
            landmark: 0,
            name: "the old bench".into(),
            walked_m: walked.0,
            steps: walked.1,
            walking_s: walked.2,
        },
        E::WalkTurnBack {
            walked_m: walked.0,
            steps: walked.1,
            walking_s: walked.2,
        },
        E::WalkGoalReached {
            walked_m: walked.0,
            steps: walked.1,
            walking_s: walked.2,
        },
        E::Course {
            program: "relief8wk".into(),
            session: 2,
            of: 24,
            name: "learn_and_breathe".into(),
            day: "2026-12-03".into(),
            attempt: 1,
            repeat: false,
            missed_days: 1,
            level: "gentle".into(),
        },
        E::CourseMissed {
            day: "2026-12-02".into(),
        },
        E::ModuleStart {
            index: 1,
            kind: "lesson".into(),
            lesson: Some("what_pain_is_for".into()),
            minutes: None,
        },
        E::ModuleEnd {
            index: 1,
            kind: "lesson".into(),
            module_s: 64.5,
        },
        E::LessonCard {
            lesson: "what_pain_is_for".into(),
            card: 2,
            of: 4,
            by: Who::Patient,
            via: Via::Gaze,
            read_s: 12.5,
        },
        E::LessonCheck {
            lesson: "what_pain_is_for".into(),
            answer: Some(1),
            correct: Some(false),
            by: Who::Patient,
            via: Via::Keys,
            latency_s: 3.25,
        },
        E::BreathingGuide {
            step: "settle".into(),
        },
        E::WalkEnd {
            walked_m: walked.0,
            steps: walked.1,
            walking_s: walked.2,
        },
    ]
}

#[test]
fn every_kind_of_event_reads_back_as_it_was_written() {
    let events = one_of_each();
    let mut names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    names.sort_unstable();
    names.dedup();
    let mut all = SessionEvent::NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(names, all, "a sample of every kind");
    for e in &events {
        let detail = e.detail();
        assert!(!detail.contains('\t') && !detail.contains('\n'), "{detail}");
        assert_eq!(
            SessionEvent::parse(e.name(), &detail).as_ref(),
            Ok(e),
            "{} {detail}",
            e.name()
        );
        // Through a whole events table, as resume and the report read it.
        let text = format!(
            "{}\n{}",
            data::EVENTS_HEADER,
            data::event_line(1.0, 1.0, e.name(), &detail)
        );
        let rows = data::read_events(&text).unwrap();
        assert_eq!(rows[0].typed().as_ref(), Ok(e));
    }
}

#[test]
fn the_record_keeps_its_format() {
    // Lines other tools and older readers parse: pinned character for character.
    let cases: Vec<(SessionEvent, &str, &str)> = vec![
        (
            SessionEvent::rating(&Rating {
                timepoint: Timepoint::at_minute(5.0),
                scale: Scale::Nrs,
                value: Some(4),
                who: Who::Patient,
                via: Via::Gaze,
                latency_s: 2.31,
            }),
            "rating",
            "timepoint=minute_5 scale=nrs value=4 by=patient via=gaze latency_s=2.31",
        ),
        (
            SessionEvent::Phase {
                phase: Phase::Immersion,
                how: None,
            },
            "phase",
            "phase=Immersion",
        ),
        (
            SessionEvent::Phase {
                phase: Phase::Done,
                how: Some(Closing::Emergency),
            },
            "phase",
            "phase=Done how=Emergency",
        ),
        (
            SessionEvent::Volume {
                db: -6.0,
                by: Who::Therapist,
                via: CommandVia::Console,
            },
            "volume",
            "db=-6.0 by=therapist via=console",
        ),
        (
            SessionEvent::Marker {
                key: Some("F2".into()),
                source: None,
                label: "reports \"more\" pain".into(),
                by: Some(Who::Therapist),
                via: Some(CommandVia::Keys),
                received_s: None,
                lsl_s: None,
                lsl_offset_s: None,
            },
            "marker",
            "key=F2 label=\"reports 'more' pain\" by=therapist via=keys",
        ),
        (
            SessionEvent::SessionEnd {
                how: Closing::Planned,
                completed: true,
                in_place_s: 600.04,
            },
            "session_end",
            "how=Planned completed=true in_place_s=600.0",
        ),
        (
            SessionEvent::QuestionnaireScore {
                q: "ssq".into(),
                timepoint: Timepoint::Post,
                scores: Scores(vec![("total".into(), 14.96)]),
                complete: None,
                version: "respite-scoring-1".into(),
            },
            "questionnaire_score",
            "q=ssq timepoint=post total=14.96 version=respite-scoring-1",
        ),
        (
            SessionEvent::Resume {
                by: PauseReason::Headset,
                ended_by: None,
                to: None,
                closing: None,
                state: None,
                still_paused_by: vec![PauseReason::SicknessCheck],
            },
            "resume",
            "by=headset still_paused_by=sickness_check",
        ),
    ];
    for (e, name, detail) in cases {
        assert_eq!((e.name(), e.detail().as_str()), (name, detail));
    }
}

#[test]
fn the_codes_in_the_record_are_pinned() {
    // Renaming a variant cannot change the data: each code is written out above, and here.
    let codes = |all: Vec<&'static str>| all.join(" ");
    assert_eq!(
        codes(Phase::ALL.iter().map(|p| p.code()).collect()),
        "Calibrate Baseline Immersion Closing Post Done"
    );
    assert_eq!(
        codes(Closing::ALL.iter().map(|c| c.code()).collect()),
        "Planned Ended TimeLimit Emergency Restart"
    );
    assert_eq!(
        codes(PauseReason::ALL.iter().map(|c| c.code()).collect()),
        "therapist sickness_check headset runtime_lost switching"
    );
    assert_eq!(
        codes(CommandVia::ALL.iter().map(|c| c.code()).collect()),
        "keys console autopilot protocol"
    );
    assert_eq!(
        codes(Via::ALL.iter().map(|c| c.code()).collect()),
        "gaze keys mouse controller console timer head"
    );
    assert_eq!(
        codes(ActiveDisplay::ALL.iter().map(|c| c.code()).collect()),
        "Xr Flat Offscreen"
    );
    assert_eq!(
        codes(Walking::ALL.iter().map(|c| c.code()).collect()),
        "passive interactive wheelchair film"
    );
    assert_eq!(
        codes(Input::ALL.iter().map(|c| c.code()).collect()),
        "swings switch nod"
    );
    assert_eq!(
        codes(Legwear::ALL.iter().map(|c| c.code()).collect()),
        "Trousers Shorts Skirt Dress"
    );
    for p in Phase::ALL {
        assert_eq!(Phase::from_code(p.code()), Some(*p));
    }
}

#[test]
fn a_damaged_detail_is_refused_naming_the_field() {
    let bad = [
        ("phase", "phase=Imersion", "phase: 'Imersion' is not one of"),
        (
            "session_end",
            "how=Planned completed=yes in_place_s=1",
            "completed",
        ),
        (
            "session_end",
            "how=Planned completed=true in_place_s=NaN",
            "not a finite",
        ),
        (
            "rating",
            "timepoint=minute_x scale=nrs value=4 by=patient via=gaze latency_s=1",
            "timepoint",
        ),
        ("volume", "by=therapist via=console", "db: missing"),
        (
            "questionnaire_score",
            "q=ssq timepoint=post total=inf version=1",
            "total",
        ),
        ("no_such_event", "", "not an event"),
    ];
    for (name, detail, says) in bad {
        let e = SessionEvent::parse(name, detail).unwrap_err();
        assert!(e.contains(says), "{name} {detail}: {e}");
    }
}
