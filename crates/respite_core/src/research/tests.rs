use super::data::{self, Sidecar};
use super::design::{self, Design};
use super::protocol::Protocol;
use super::report::{Report, Status};
use super::scoring::{self, NrsChange, Questionnaire};
use super::stats;
use std::path::Path;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn williams_squares_are_latin_and_carry_over_balanced_for_2_to_6() {
    for n in 2..=6 {
        let rows = design::williams(n);
        let copies = if n % 2 == 0 { 1 } else { 2 };
        assert_eq!(rows.len(), n * copies, "n={n}");
        for r in &rows {
            let mut s = r.clone();
            s.sort_unstable();
            assert_eq!(
                s,
                (0..n).collect::<Vec<_>>(),
                "each row an order of all n, n={n}"
            );
        }
        // Every condition equally often in every period.
        for period in 0..n {
            for c in 0..n {
                let k = rows.iter().filter(|r| r[period] == c).count();
                assert_eq!(k, copies, "n={n} period={period} condition={c}");
            }
        }
        // Every condition directly after every other equally often, never after itself.
        for a in 0..n {
            for b in 0..n {
                let k = rows
                    .iter()
                    .flat_map(|r| r.windows(2))
                    .filter(|w| w[0] == a && w[1] == b)
                    .count();
                assert_eq!(k, if a == b { 0 } else { copies }, "n={n} {a}->{b}");
            }
        }
    }
    assert_eq!(design::williams(2), vec![vec![0, 1], vec![1, 0]]);
    assert_eq!(
        design::williams(4),
        vec![
            vec![0, 1, 3, 2],
            vec![1, 2, 0, 3],
            vec![2, 3, 1, 0],
            vec![3, 0, 2, 1]
        ]
    );
}

const PROTOCOL: &str = r#"Protocol(
    study: "demo",
    title: "Headset vs screen",
    task: "distraction",
    participants: 16,
    seed: 2021,
    conditions: [
        Condition(name: "hmd", scene: "forest_glade", display: Headset, minutes: 5),
        Condition(name: "screen", scene: "forest_glade", display: Screen, minutes: 5),
    ],
    design: AbBa,
    washout: UntilBaseline(within: 1, every_min: 5, max_min: 30),
    ratings: Ratings(baseline: true, every_min: 1, post: true),
    questionnaires: Questionnaires(ssq: true, ipq: true),
)"#;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn protocol(src: &str) -> Result<Protocol, String> {
    Protocol::parse(
        Path::new("p.ron"),
        src,
        &names(&["forest_glade", "beach_sunset"]),
        &names(&["calm_view", "immersive"]),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn plans_are_balanced_and_the_same_bytes_for_a_seed() {
    let p = protocol(PROTOCOL).unwrap();
    let ids = Protocol::numbered(16);
    let plan = p.plan(&ids, 2021).unwrap();
    assert!(plan.dealt.balanced, "{}", plan.dealt.note);
    let tsv = plan.tsv();
    assert_eq!(tsv.lines().count(), 1 + 32);
    let ab = tsv.lines().filter(|l| l.contains("\tAB\t1\t")).count();
    let ba = tsv.lines().filter(|l| l.contains("\tBA\t1\t")).count();
    assert_eq!((ab, ba), (8, 8), "{tsv}");
    // Same seed, same bytes; the bytes themselves are fixed (ChaCha20 + our sampler), so a
    // plan made on another machine or with another `rand` is identical.
    assert_eq!(p.plan(&ids, 2021).unwrap().tsv(), tsv);
    assert_eq!(
        data::sha256_hex(tsv.as_bytes()),
        "39372c1de4c695bc8bf30f1194b1cdbe63633a2b870d6f97b28d89bdb1241912",
        "{tsv}"
    );
    assert_ne!(p.plan(&ids, 2022).unwrap().tsv(), tsv);
    // Every participant meets both conditions, one per period.
    for id in &ids {
        let mine = plan.of(id);
        assert_eq!(mine.len(), 2);
        assert_ne!(mine[0].condition.name, mine[1].condition.name);
    }
}

#[test]
fn plans_say_when_they_cannot_balance_and_refuse_bad_participants() {
    let p = protocol(PROTOCOL).unwrap();
    let plan = p.plan(&Protocol::numbered(7), 1).unwrap();
    assert!(!plan.dealt.balanced);
    assert!(
        plan.dealt.note.contains("3 or 4 times"),
        "{}",
        plan.dealt.note
    );
    let e = p.plan(&names(&["P01", "P02", "P01"]), 1).unwrap_err();
    assert!(e.contains("'P01' is listed twice"), "{e}");
    let e = p.plan(&names(&["P-01"]), 1).unwrap_err();
    assert!(e.contains("letters and digits"), "{e}");
    // Williams with 3 conditions: 6 sequences; 12 participants use each twice.
    let three = PROTOCOL
        .replace("design: AbBa", "design: Williams")
        .replace(
            "    ],\n    design",
            "        Condition(name: \"beach\", scene: \"beach_sunset\", display: Screen, minutes: 5),\n    ],\n    design",
        );
    let p3 = protocol(&three).unwrap();
    let plan = p3.plan(&Protocol::numbered(12), 5).unwrap();
    assert!(plan.dealt.balanced, "{}", plan.dealt.note);
    for s in 1..=6 {
        assert_eq!(
            plan.dealt
                .assignments
                .iter()
                .filter(|a| a.sequence == s)
                .count(),
            2
        );
    }
    // A blocked random design over 3 conditions uses all 6 orders equally.
    let pr = protocol(&three.replace("design: Williams", "design: Random(blocked: true)")).unwrap();
    let plan = pr.plan(&Protocol::numbered(18), 5).unwrap();
    assert!(plan.dealt.balanced);
    assert_eq!(plan.dealt.sequences.len(), 6);
}

#[test]
fn bad_protocols_name_the_file_line_and_column() {
    let e = protocol(&PROTOCOL.replacen("scene: \"forest_glade\"", "scene: \"moon_base\"", 1))
        .unwrap_err();
    assert!(
        e.starts_with("p.ron:8:39: unknown scene 'moon_base'"),
        "{e}"
    );
    let e = protocol(&PROTOCOL.replace(
        "display: Headset,",
        "display: Headset, immersion: \"vivid\",",
    ))
    .unwrap_err();
    assert!(e.contains("unknown immersion level 'vivid'"), "{e}");
    let e = protocol(&PROTOCOL.replace("design: AbBa", "design: Latin")).unwrap_err();
    assert!(e.starts_with("p.ron:"), "{e}");
    let e = protocol(&PROTOCOL.replace("name: \"screen\"", "name: \"hmd\"")).unwrap_err();
    assert!(e.contains("named twice"), "{e}");
    let e = protocol(&PROTOCOL.replace("\"hmd\"", "\"h m d\"")).unwrap_err();
    assert!(e.contains("letters and digits"), "{e}");
}

#[test]
fn ssq_scores_match_hand_computed_vectors() {
    let zero = scoring::ssq(&[0; 16]).unwrap();
    assert_eq!(zero.total, 0.0);
    let ones = scoring::ssq(&[1; 16]).unwrap();
    // Each cluster has 7 items: 7 × 9.54, 7 × 7.58, 7 × 13.92, 21 × 3.74.
    assert!(close(ones.nausea, 66.78, 1e-9));
    assert!(close(ones.oculomotor, 53.06, 1e-9));
    assert!(close(ones.disorientation, 97.44, 1e-9));
    assert!(close(ones.total, 78.54, 1e-9));
    // Items 1..16 = 1 0 2 0 1 0 0 3 0 0 1 0 0 2 1 0:
    // N = 1+0+0+3+0+1+0 = 5, O = 1+0+2+0+1+0+1 = 5, D = 1+3+0+1+0+0+2 = 7.
    let s = scoring::ssq(&[1, 0, 2, 0, 1, 0, 0, 3, 0, 0, 1, 0, 0, 2, 1, 0]).unwrap();
    assert!(close(s.nausea, 47.70, 1e-9), "{s:?}");
    assert!(close(s.oculomotor, 37.90, 1e-9), "{s:?}");
    assert!(close(s.disorientation, 97.44, 1e-9), "{s:?}");
    assert!(close(s.total, 63.58, 1e-9), "{s:?}");
    assert!(scoring::ssq(&[0; 15]).is_err());
    assert!(scoring::ssq(&[4; 16]).unwrap_err().contains("ssq01 = 4"));
}

#[test]
fn ipq_scores_reverse_sp2_inv3_real1() {
    // G1 5; SP 4, (6−2), 5, 3, 6 → 4.4; INV 1, 2, (6−4), 5 → 2.5; REAL (6−3), 2, 1, 0 → 1.5.
    let s = scoring::ipq(&[5, 4, 2, 5, 3, 6, 1, 2, 4, 5, 3, 2, 1, 0]).unwrap();
    assert!(close(s.general, 5.0, 1e-12));
    assert!(close(s.spatial, 4.4, 1e-12), "{s:?}");
    assert!(close(s.involvement, 2.5, 1e-12), "{s:?}");
    assert!(close(s.realism, 1.5, 1e-12), "{s:?}");
    // All at the top: reversed items pull their subscale down.
    let top = scoring::ipq(&[6; 14]).unwrap();
    assert!(close(top.spatial, 4.8, 1e-12) && close(top.involvement, 4.5, 1e-12));
    assert!(close(top.realism, 4.5, 1e-12));
    assert_eq!(Questionnaire::ipq().items().len(), 14);
    assert!(scoring::ipq(&[7; 14]).is_err());
}

#[test]
fn nrs_change_uses_immpact_thresholds() {
    let c = NrsChange::new(6.0, 3.0);
    assert_eq!((c.absolute, c.percent), (-3.0, Some(-50.0)));
    assert_eq!(c.immpact(), "substantial");
    assert_eq!(NrsChange::new(10.0, 7.0).immpact(), "moderate");
    assert_eq!(NrsChange::new(5.0, 4.0).immpact(), "minimal");
    assert_eq!(NrsChange::new(4.0, 5.0).immpact(), "none");
    assert_eq!(NrsChange::new(0.0, 2.0).percent, None);
    assert_eq!(scoring::fms_summary(&[0, 3, 1]), Some((3, 4.0 / 3.0)));
}

#[test]
fn statistics_agree_with_tables() {
    assert!(close(stats::t975(1), 12.706, 1e-9));
    assert!(close(stats::t975(15), 2.131, 1e-9));
    assert!(close(stats::t975(60), 2.0003, 5e-4));
    assert!(close(stats::t975(120), 1.9799, 5e-4));
    let s = stats::summary(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert!(close(s.mean, 3.0, 1e-12));
    assert!(close(s.sd.unwrap(), 1.581_138_8, 1e-6));
    let (lo, hi) = s.ci95.unwrap();
    // 3 ± 2.776 × 1.5811 / √5 = 3 ± 1.963
    assert!(
        close(lo, 1.037, 1e-3) && close(hi, 4.963, 1e-3),
        "{lo} {hi}"
    );
    assert_eq!(stats::percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
}

#[test]
fn events_fields_and_manifest() {
    let d = "timepoint=baseline scale=yes_no value=1 question=\"Warm = enough?\" by=patient";
    assert_eq!(data::field(d, "value"), Some("1"));
    assert_eq!(data::field(d, "question"), Some("Warm = enough?"));
    assert_eq!(data::field(d, "by"), Some("patient"));
    assert_eq!(data::field(d, "via"), None);
    let line = data::event_line(1.5, 0.25, "rating", "scale=nrs value=7");
    assert_eq!(line, "1.5000\t0\trating\t7\t0.2500\tscale=nrs value=7\n");
    let events =
        data::read_events(&format!("{}\n{line}1.6\t0\ttorn", data::EVENTS_HEADER)).unwrap();
    assert_eq!(events.len(), 1, "the torn last line is skipped");
    assert_eq!(events[0].value.as_deref(), Some("7"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.tsv"), "x\n").unwrap();
    assert_eq!(data::check_manifest(dir.path()), None);
    data::write_manifest(dir.path()).unwrap();
    assert_eq!(data::check_manifest(dir.path()), Some(vec![]));
    let text = std::fs::read_to_string(dir.path().join(data::MANIFEST)).unwrap();
    // sha256("x\n")
    assert_eq!(
        text,
        "0a5442a4a6a8e4ef0b7f3b5a0c4a1a0fd0f5c0a2f3b0a0f1f0d0e0a0b0c0d0e0  a.tsv\n".replace(
            "0a5442a4a6a8e4ef0b7f3b5a0c4a1a0fd0f5c0a2f3b0a0f1f0d0e0a0b0c0d0e0",
            &data::sha256_hex(b"x\n")
        )
    );
    assert_eq!(
        data::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    std::fs::write(dir.path().join("a.tsv"), "y\n").unwrap();
    assert_eq!(
        data::check_manifest(dir.path()),
        Some(vec!["a.tsv".to_string()])
    );
}

/// A synthetic cross-over: 16 participants, AB/BA, headset pain falls more than screen
/// pain (Austin-like: post 2 vs 3.5 from a baseline of 6), one session stopped and one
/// killed mid-way.
pub(crate) fn synthetic_crossover(data_dir: &Path) {
    let p = protocol(PROTOCOL).unwrap();
    let plan = p.plan(&Protocol::numbered(16), 7).unwrap();
    for (k, row) in plan.rows().iter().enumerate() {
        let files = data::SessionFiles::bids(data_dir, row.participant, row.period, &p.task);
        std::fs::create_dir_all(&files.dir).unwrap();
        let headset = row.condition.display == super::protocol::Display::Headset;
        let side = Sidecar {
            app: "respite".into(),
            participant: row.participant.into(),
            session: row.period,
            task: p.task.clone(),
            study: Some(p.study.clone()),
            condition: Some(row.condition.name.clone()),
            period: Some(row.period),
            sequence: Some(row.sequence.clone()),
            scene: row.condition.scene.clone(),
            display: row.condition.display.code().into(),
            ..Default::default()
        };
        std::fs::write(files.file("session.json"), side.to_json()).unwrap();
        // Baselines 5–8 per participant; relief 60 % in the headset and 35 % on the screen,
        // give or take a point; a small second-period effect.
        let person = (k / 2) as f64;
        let base = 5.0 + (person * 7.0) % 4.0;
        let noise = ((k * 13) % 7) as f64 * 0.3 - 0.9;
        let post =
            (base * if headset { 0.4 } else { 0.65 } + noise + (row.period as f64 - 1.0) * 0.3)
                .clamp(0.0, 10.0);
        let mut ev = format!("{}\n", data::EVENTS_HEADER);
        let mut t = 0.0;
        let mut add = |e: &str, d: String| {
            t += 10.0;
            ev.push_str(&data::event_line(t, t, e, &d));
        };
        for (i, item) in Questionnaire::ssq().items().iter().enumerate() {
            add(
                "rating",
                format!(
                    "timepoint=pre scale=ssq item={} value={} by=patient via=gaze latency_s=1.00",
                    item.code,
                    (i + k) % 2
                ),
            );
        }
        add(
            "rating",
            format!("timepoint=baseline scale=nrs value={base} by=patient via=gaze latency_s=1.00"),
        );
        let killed = row.participant == "P05" && row.period == 2;
        for m in 1..=5 {
            let v = base + (post - base) * m as f64 / 5.0;
            add(
                "rating",
                format!(
                    "timepoint=minute_{m} scale=nrs value={} by=patient via=gaze latency_s=1.00",
                    v.round()
                ),
            );
            if killed && m == 3 {
                break;
            }
        }
        if !killed {
            let stopped = row.participant == "P09" && row.period == 1;
            if !stopped {
                add(
                    "rating",
                    format!(
                        "timepoint=post scale=nrs value={} by=patient via=gaze latency_s=1.00",
                        post.round()
                    ),
                );
                for (i, item) in Questionnaire::ssq().items().iter().enumerate() {
                    add(
                        "rating",
                        format!(
                            "timepoint=post scale=ssq item={} value={} by=patient via=gaze latency_s=1.00",
                            item.code,
                            (i + k + 1) % 3
                        ),
                    );
                }
                for (i, item) in Questionnaire::ipq().items().iter().enumerate() {
                    let v = if headset {
                        4 + (i + k) % 3
                    } else {
                        1 + (i + k) % 3
                    };
                    add(
                        "rating",
                        format!(
                            "timepoint=post scale=ipq item={} value={v} by=patient via=gaze latency_s=1.00",
                            item.code
                        ),
                    );
                }
            }
            add(
                "session_end",
                format!(
                    "how={} completed={}",
                    if stopped { "Emergency" } else { "Planned" },
                    !stopped
                ),
            );
        }
        std::fs::write(files.file("events.tsv"), ev).unwrap();
        std::fs::write(files.file("motion.tsv"), "frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw\n1\t0.0\t0\t1.2\t0\t0\t0\t0\t1\n2\t0.0111\t0\t1.2\t0\t0\t0.01\t0\t0.99995\n").unwrap();
        if !killed {
            data::write_manifest(&files.dir).unwrap();
        }
    }
}

#[test]
fn a_report_on_a_synthetic_crossover_has_the_table_ci_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    synthetic_crossover(dir.path());
    let read = super::report::read_all(dir.path()).unwrap();
    assert_eq!(read.skipped, vec![]);
    let sessions = read.sessions;
    assert_eq!(sessions.len(), 32);
    let killed = sessions
        .iter()
        .find(|s| s.participant == "P05" && s.session == 2)
        .unwrap();
    assert_eq!(killed.status, Status::Incomplete);
    assert_eq!(killed.during.len(), 3, "ratings before the kill are read");
    // 16 SSQ items, the baseline and 3 minutes, 10 s apart: the last at 200 s.
    assert_eq!(
        killed.reason.as_deref(),
        Some("no session_end: the record stops at 200.0 s")
    );
    let stopped = sessions
        .iter()
        .find(|s| s.participant == "P09" && s.session == 1)
        .unwrap();
    assert_eq!(stopped.status, Status::Stopped);
    let report = Report::new(sessions, None);
    let table = report.sessions_tsv();
    assert_eq!(table.lines().count(), 33);
    assert!(
        table.lines().any(|l| l.starts_with("P05\t2\t")
            && l.ends_with("\tincomplete\tnone\tno session_end: the record stops at 200.0 s")),
        "{table}"
    );
    // 14 participants completed both; hmd − screen on post NRS is about −0.25 × baseline.
    let find = |outcome: &str, method: &str| {
        report
            .contrasts
            .iter()
            .find(|c| c.outcome == outcome && c.method == method)
            .unwrap_or_else(|| panic!("{outcome} {method}: {:?}", report.contrasts))
    };
    let post = find("post_nrs", "paired");
    assert_eq!(post.label, "hmd − screen");
    assert_eq!(post.estimate.n, 14);
    assert!(
        post.estimate.estimate < -1.0 && post.estimate.estimate > -2.5,
        "{post:?}"
    );
    let (lo, hi) = post.estimate.ci95;
    assert!(
        lo < post.estimate.estimate && hi > post.estimate.estimate && hi < 0.0,
        "{lo} {hi}"
    );
    // The cross-over analysis counts participants, not sessions.
    let treatment = find("post_nrs", "crossover_treatment");
    assert_eq!(treatment.estimate.n, 14);
    assert!(treatment.estimate.estimate < -1.0, "{treatment:?}");
    assert_eq!(
        find("post_nrs", "crossover_period").label,
        "period 1 − period 2"
    );
    assert_eq!(
        find("change", "crossover_carryover").label,
        "hmd first − screen first"
    );
    let md = report.markdown();
    assert!(md.contains("- post_nrs (hmd − screen): "), "{md}");
    assert!(
        md.contains("- treatment: post_nrs (hmd − screen): "),
        "{md}"
    );
    assert!(
        md.contains("- period: post_nrs (period 1 − period 2): ")
            && md.contains("- carry-over: post_nrs (hmd first − screen first): "),
        "{md}"
    );
    assert!(!md.contains("headset − screen"), "no display split: {md}");
    assert!(
        md.contains(
            "- sub-P05 ses-2: no session_end: the record stops at 200.0 s (20 events on record)"
        ),
        "{md}"
    );
    let out = std::env::var_os("RESPITE_KEEP_REPORT").map_or(dir.path().join("out"), Into::into);
    std::fs::create_dir_all(&out).unwrap();
    let mut drawn = super::plots::nrs_over_time(&report, &out.join("nrs_over_time")).unwrap();
    drawn.extend(super::plots::paired_lines(&report, &out.join("paired_post_nrs")).unwrap());
    assert_eq!(drawn.len(), 4);
    for f in ["nrs_over_time.png", "paired_post_nrs.png"] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{f}: {} bytes",
            bytes.len()
        );
    }
    for f in ["nrs_over_time.svg", "paired_post_nrs.svg"] {
        let svg = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("hmd"), "{f}");
    }
    // Blinded: no condition or display name anywhere in the tables.
    let key = super::blinding::Blinding::new(&names(&["hmd", "screen"]), 99);
    let blind = Report::new(report.sessions.clone(), Some(key.clone()));
    let t = blind.sessions_tsv() + &blind.conditions_tsv() + &blind.markdown();
    assert!(
        !t.contains("hmd") && !t.contains("headset") && !t.contains("screen"),
        "{t}"
    );
    assert!(t.contains("X1") && t.contains("X2"));
    let key = key.key_tsv();
    assert!(key.contains("hmd") && key.contains("screen"), "{key}");
    // The BIDS export has the files the validator looks for.
    let bids = out.join("bids");
    super::bids::export(&report, "demo", &bids).unwrap();
    for f in [
        "dataset_description.json",
        "participants.tsv",
        "task-distraction_beh.json",
        "sub-P01/ses-1/beh/sub-P01_ses-1_task-distraction_beh.tsv",
        "sub-P01/sub-P01_sessions.tsv",
        "sub-P01/ses-1/beh/sub-P01_ses-1_task-distraction_events.tsv",
        "sub-P01/ses-1/motion/sub-P01_ses-1_task-distraction_tracksys-headset_motion.tsv",
    ] {
        assert!(bids.join(f).is_file(), "{f}");
    }
    let beh = std::fs::read_to_string(
        bids.join("sub-P01/ses-1/beh/sub-P01_ses-1_task-distraction_beh.tsv"),
    )
    .unwrap();
    assert!(beh.contains("ssq\tpre\tssq01\t"), "{beh}");
    assert!(
        beh.starts_with("measure\ttimepoint\titem\tvalue\tderived\tby\tvia\tlatency_s\n")
            && beh.contains("ipq\tpost\tipq_spatial\t")
            && beh.contains("\ttrue\tn/a\tn/a\tn/a\n"),
        "{beh}"
    );
}

#[test]
fn shipped_protocols_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../protocols");
    let scenes = crate::Catalog::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes"))
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect::<Vec<_>>();
    let levels = crate::session::ImmersionLevels::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../immersion.ron"),
    )
    .unwrap()
    .levels
    .into_iter()
    .map(|l| l.name)
    .collect::<Vec<_>>();
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = Protocol::load(&e.path(), &scenes, &levels).unwrap_or_else(|e| panic!("{e}"));
        let plan = p.plan(&Protocol::numbered(p.participants), p.seed).unwrap();
        assert!(
            plan.dealt.balanced,
            "{}: {}",
            e.path().display(),
            plan.dealt.note
        );
        n += 1;
    }
    assert!(n >= 2);
    let _ = Design::Williams;
}

#[test]
fn events_tables_keep_what_they_can_and_name_each_line_they_drop() {
    let ok = data::event_line(
        1.0,
        1.0,
        "rating",
        "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
    );
    let end = data::event_line(2.0, 2.0, "session_end", "how=Planned completed=true");
    // Line 3 is a torn line from a run that died, then resumed (CRLF as an editor saves).
    let text = format!(
        "{}\r\n{ok}1.5\t0\tra\nnot\ta\tnumber\t1\tx\ty\n{end}2.5\t0\trat",
        data::EVENTS_HEADER
    );
    let t = data::parse_events(text.as_bytes()).unwrap();
    assert_eq!(
        t.events
            .iter()
            .map(|e| (e.line, e.trial_type.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "rating"), (5, "session_end")]
    );
    assert_eq!(
        t.notes,
        vec![
            (3, "3 cells, expected 6; line skipped".to_string()),
            (
                4,
                "onset \"not\" or scene_s \"x\" is not a number; line skipped".to_string()
            ),
            (
                6,
                "torn last line (no line end: the write was cut off), ignored".to_string()
            ),
        ]
    );
    // A binary file is refused at its first line; a middle line that is not UTF-8 is
    // skipped; an empty file is an empty table.
    let e = data::parse_events(b"\x00\xff\xfe\x01\n\x80\x81").unwrap_err();
    assert_eq!(
        e,
        (
            1,
            "not an events table: the first line is not UTF-8 text (a binary or damaged file)"
                .to_string()
        )
    );
    let mut bytes = format!("{}\n", data::EVENTS_HEADER).into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\n");
    bytes.extend_from_slice(ok.as_bytes());
    let t = data::parse_events(&bytes).unwrap();
    assert_eq!(t.events.len(), 1);
    assert_eq!(
        t.notes,
        vec![(2, "not UTF-8 text; line skipped".to_string())]
    );
    assert_eq!(
        data::parse_events(b"").unwrap(),
        data::EventsTable::default()
    );
    let e = data::parse_events(b"time,event\n1,a\n").unwrap_err();
    assert!(
        e.1.starts_with("not an events table: expected the header"),
        "{e:?}"
    );
    // Labels: what goes into a path.
    assert!(data::is_label("P01") && data::is_label(&"a".repeat(32)));
    for bad in ["", "../P01", "P 01", "P-01", "P01/..", &"a".repeat(33)] {
        assert!(!data::is_label(bad), "{bad:?}");
    }
    let e = data::SessionFiles::try_bids(Path::new("data"), "../../x", 1, "rest").unwrap_err();
    assert_eq!(
        e,
        "participant \"../../x\" is not a label (letters and digits only, 1 to 32 of them)"
    );
    assert!(data::SessionFiles::try_bids(Path::new("data"), "P01", 1, "a/b").is_err());
    // A manifest that names a path outside its folder is never followed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.tsv"), "x\n").unwrap();
    std::fs::write(
        dir.path().join(data::MANIFEST),
        format!("{}  ../a.tsv\n", data::sha256_hex(b"x\n")),
    )
    .unwrap();
    assert_eq!(
        data::check_manifest(dir.path()),
        Some(vec!["../a.tsv".to_string()])
    );
}

/// Writes `events` (and `sidecar` when given) as `sub-<p>/ses-<n>` under `data`, task
/// "rest", closing it with a manifest when `close`.
fn put_session(data: &Path, p: &str, n: usize, sidecar: Option<&str>, events: &[u8], close: bool) {
    let files = data::SessionFiles::bids(data, p, n, "rest");
    std::fs::create_dir_all(&files.dir).unwrap();
    if let Some(s) = sidecar {
        std::fs::write(files.file("session.json"), s).unwrap();
    }
    std::fs::write(files.file("events.tsv"), events).unwrap();
    if close {
        data::write_manifest(&files.dir).unwrap();
    }
}

fn sidecar_json(p: &str, condition: &str, display: &str) -> String {
    Sidecar {
        participant: p.into(),
        session: 1,
        task: "rest".into(),
        condition: Some(condition.into()),
        display: display.into(),
        ..Default::default()
    }
    .to_json()
}

fn table(rows: &[(f64, &str, &str)]) -> String {
    let mut t = format!("{}\n", data::EVENTS_HEADER);
    for (at, e, d) in rows {
        t.push_str(&data::event_line(*at, *at, e, d));
    }
    t
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        out.push(p.clone());
        if p.is_dir() {
            files_under(&p, out);
        }
    }
}

#[test]
fn a_report_reads_the_good_sessions_and_names_every_bad_one() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let d = data_dir.as_path();
    let ses = |p: &str, n: usize| d.join(format!("sub-{p}/ses-{n}"));
    let file = |p: &str, n: usize, what: &str| {
        ses(p, n)
            .join(format!("sub-{p}_ses-{n}_task-rest_{what}"))
            .display()
            .to_string()
    };
    // P01 ses-1: a good session. Baseline 6, minutes 5 and 4, post 3, FMS 2.
    put_session(
        d,
        "P01",
        1,
        Some(&sidecar_json("P01", "hmd", "headset")),
        table(&[
            (
                10.0,
                "rating",
                "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
            ),
            (
                70.0,
                "rating",
                "timepoint=minute_1 scale=nrs value=5 by=patient via=gaze latency_s=1.00",
            ),
            (
                100.0,
                "rating",
                "timepoint=minute_1 scale=fms value=2 by=patient via=gaze latency_s=1.00",
            ),
            (
                130.0,
                "rating",
                "timepoint=minute_2 scale=nrs value=4 by=patient via=gaze latency_s=1.00",
            ),
            (
                190.0,
                "rating",
                "timepoint=post scale=nrs value=3 by=patient via=gaze latency_s=1.00",
            ),
            // The breath, minute by minute; minute 2 twice (a resume): the later stands.
            (
                60.0,
                "breath_minute",
                "minute=1 exhales=7 rate_per_min=7.50 pacer_per_min=6.0 off_pacer_per_min=1.50",
            ),
            (
                120.0,
                "breath_minute",
                "minute=2 exhales=9 rate_per_min=9.00 pacer_per_min=6.0 off_pacer_per_min=3.00",
            ),
            (
                121.0,
                "breath_minute",
                "minute=2 exhales=6 rate_per_min=6.50 pacer_per_min=6.0 off_pacer_per_min=0.50",
            ),
            (
                180.0,
                "breath_minute",
                "minute=3 exhales=0 rate_per_min=n/a pacer_per_min=6.0 off_pacer_per_min=n/a",
            ),
            (
                185.0,
                "breath_minute",
                "minute=4 exhales=5 rate_per_min=5.00 pacer_per_min=6.0 off_pacer_per_min=-1.00",
            ),
            (200.0, "session_end", "how=Planned completed=true"),
        ])
        .as_bytes(),
        true,
    );
    // P01 ses-2: an empty folder; ses-3: only the events header (a run that died at once).
    std::fs::create_dir_all(ses("P01", 2)).unwrap();
    put_session(d, "P01", 3, None, table(&[]).as_bytes(), false);
    let good = sidecar_json("P02", "hmd", "headset");
    // P02: a binary events file.
    put_session(
        d,
        "P02",
        1,
        Some(&good),
        b"\x00\xff\xfe\x01\n\x80\x81",
        false,
    );
    // P03: session.json is a folder.
    let fine = table(&[(
        10.0,
        "rating",
        "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
    )]);
    put_session(d, "P03", 1, None, fine.as_bytes(), false);
    std::fs::create_dir_all(file("P03", 1, "session.json")).unwrap();
    // P04: session.json is not JSON.
    put_session(
        d,
        "P04",
        1,
        Some("{ \"participant\": \"P04\","),
        fine.as_bytes(),
        false,
    );
    // P05: a participant that walks out of the folder.
    put_session(
        d,
        "P05",
        1,
        Some(&sidecar_json("../../../escaped/P01", "hmd", "headset")),
        fine.as_bytes(),
        true,
    );
    // P06: answers outside their scales, a broken row and a torn last line.
    let mut bad = table(&[
        (
            10.0,
            "rating",
            "timepoint=baseline scale=nrs value=NaN by=patient via=gaze latency_s=1.00",
        ),
        (
            70.0,
            "rating",
            "timepoint=minute_1 scale=nrs value=inf by=patient via=gaze latency_s=1.00",
        ),
        (
            130.0,
            "rating",
            "timepoint=minute_2 scale=nrs value=4 by=patient via=gaze latency_s=1.00",
        ),
    ]);
    bad.push_str("oops\tonly\n");
    bad.push_str(
        &table(&[
            (
                190.0,
                "rating",
                "timepoint=post scale=nrs value=99 by=patient via=gaze latency_s=1.00",
            ),
            (
                195.0,
                "rating",
                "timepoint=minute_3 scale=fms value=-5 by=patient via=gaze latency_s=1.00",
            ),
            (
                196.0,
                "rating",
                "timepoint=pre scale=ssq item=ssq03 value=4 by=patient via=gaze latency_s=1.00",
            ),
            (
                197.0,
                "rating",
                "timepoint=minute_3 scale=nrs value=-5 by=patient via=gaze latency_s=1.00",
            ),
            (200.0, "session_end", "how=Planned completed=true"),
        ])[data::EVENTS_HEADER.len() + 1..],
    );
    bad.push_str("210.0\t0\trat");
    put_session(
        d,
        "P06",
        1,
        Some(&sidecar_json("P06", "screen", "screen")),
        bad.as_bytes(),
        true,
    );
    // P07: a failed write, then an end and a manifest: still not the whole record.
    put_session(
        d,
        "P07",
        1,
        Some(&sidecar_json("P07", "hmd", "headset")),
        table(&[
            (10.0, "rating", "timepoint=baseline scale=nrs value=5 by=patient via=gaze latency_s=1.00"),
            (
                30.0,
                "record_fault",
                "reason=\"write failed: No space left on device (os error 28)\" lines_delayed=3 lost=2",
            ),
            (40.0, "session_end", "how=Planned completed=true"),
        ])
        .as_bytes(),
        true,
    );
    // P08: an events file with not even its header; P09: events.tsv is a folder.
    put_session(
        d,
        "P08",
        1,
        Some(&sidecar_json("P08", "hmd", "headset")),
        b"",
        false,
    );
    put_session(
        d,
        "P09",
        1,
        Some(&sidecar_json("P09", "hmd", "headset")),
        b"",
        false,
    );
    std::fs::remove_file(file("P09", 1, "events.tsv")).unwrap();
    std::fs::create_dir_all(file("P09", 1, "events.tsv")).unwrap();
    // P10: a session.json that claims another participant.
    put_session(
        d,
        "P10",
        1,
        Some(&sidecar_json("P01", "hmd", "headset")),
        fine.as_bytes(),
        false,
    );

    let read = super::report::read_all(d).unwrap();
    let reasons: Vec<String> = read.skipped.iter().map(|s| s.reason.clone()).collect();
    let empty = |p: &str, n: usize| {
        format!(
            "{}: empty session folder (no session.json, no events recorded): not a session",
            ses(p, n).display()
        )
    };
    // serde_json's own words after the file's name; the place is what matters.
    let json = format!(
        "{}: not a valid session.json: ",
        file("P04", 1, "session.json")
    );
    assert!(
        reasons[4].starts_with(&json) && reasons[4].ends_with(" at line 1 column 23"),
        "{}",
        reasons[4]
    );
    assert_eq!(
        reasons,
        vec![
            empty("P01", 2),
            empty("P01", 3),
            format!(
                "{}:1: not an events table: the first line is not UTF-8 text (a binary or damaged file)",
                file("P02", 1, "events.tsv")
            ),
            format!("{}: a folder, not a file", file("P03", 1, "session.json")),
            reasons[4].clone(),
            format!(
                "{}: participant \"../../../escaped/P01\" is not a label (letters and digits only, 1 to 32 of them)",
                file("P05", 1, "session.json")
            ),
            format!(
                "{}: a folder, not an events table",
                file("P09", 1, "events.tsv")
            ),
            format!(
                "{}: participant P01 is not its folder's (sub-P10)",
                file("P10", 1, "session.json")
            ),
        ]
    );
    let who: Vec<(&str, usize, Status)> = read
        .sessions
        .iter()
        .map(|s| (s.participant.as_str(), s.session, s.status))
        .collect();
    assert_eq!(
        who,
        vec![
            ("P01", 1, Status::Completed),
            ("P06", 1, Status::Completed),
            ("P07", 1, Status::Incomplete),
            ("P08", 1, Status::Incomplete),
        ]
    );
    let p06 = &read.sessions[1];
    assert_eq!((p06.baseline, p06.post), (None, None));
    assert_eq!(p06.during, vec![(2.0, 4.0)]);
    assert_eq!((p06.fms.len(), p06.ssq_pre.is_none()), (0, true));
    let n = "sub-P06_ses-1_task-rest_events.tsv";
    assert_eq!(
        p06.notes,
        vec![
            format!("{n}:2: nrs answer NaN is not a finite number; refused"),
            format!("{n}:3: nrs answer inf is not a finite number; refused"),
            format!("{n}:5: 2 cells, expected 6; line skipped"),
            format!("{n}:6: nrs answer 99 is outside 0–10; refused"),
            format!("{n}:7: fms answer -5 is outside 0–20; refused"),
            format!("{n}:8: ssq03 answer 4 is outside 0–3; refused"),
            format!("{n}:9: nrs answer -5 is outside 0–10; refused"),
            format!("{n}:11: torn last line (no line end: the write was cut off), ignored"),
        ]
    );
    assert_eq!(
        read.sessions[2].reason.as_deref(),
        Some("write failed: No space left on device (os error 28) (at 30.0 s, 2 lines lost)")
    );
    assert_eq!(
        read.sessions[3].reason.as_deref(),
        Some("no session_end: no events recorded")
    );

    let report = Report::new(read, None);
    let rows = report.sessions_tsv();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(
        rows[1],
        // sound level unknown; no SSQ or IPQ; FMS 2; no follow-up; no minutes on record, so
        // the place ends at its last rating (2 min): 30 % (≤ 4.2) and 50 % (≤ 3) at 2 min;
        // AUC: 1·(0 − 1)/2 + 1·(−1 − 2)/2 = −2. Breath: 4 minutes; rates 7.5, 6.5, 5.0
        // (minute 3 none): 19/3 = 6.33; off the pacer |1.5|, |0.5|, |−1.0|: 3/3 = 1.00.
        "P01\t1\tn/a\tn/a\thmd\theadset\tn/a\t6\t4.50\t3\t-3\t-50.0\tsubstantial\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\t2\tn/a\tn/a\t2.00\t2.00\t-2.00\t4\t6.33\t1.00\tcompleted\tok\tn/a"
    );
    assert_eq!(
        rows[2],
        "P06\t1\tn/a\tn/a\tscreen\tscreen\tn/a\tn/a\t4.00\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tcompleted\tok\t8 notes: see report.md"
    );
    assert!(
        rows[3].ends_with("\tincomplete\tok\twrite failed: No space left on device (os error 28) (at 30.0 s, 2 lines lost)"),
        "{}",
        rows[3]
    );
    let md = report.markdown();
    assert!(
        md.contains("\n| sub-P01 ses-1 | hmd | 4 | 6.33 | 1.00 |\n"),
        "the breath's summary in report.md:\n{md}"
    );
    assert_eq!(
        md.matches("| sub-P0").count(),
        1,
        "only P01 listened to its breath"
    );
    let cond = report.conditions_tsv();
    for line in [
        "hmd\tpost_nrs\t1\t3.00\tn/a\tn/a\tn/a",
        "screen\tbaseline_nrs\t0\tn/a\tn/a\tn/a\tn/a",
        "screen\tduring_nrs\t1\t4.00\tn/a\tn/a\tn/a",
        "screen\tpost_nrs\t0\tn/a\tn/a\tn/a\tn/a",
    ] {
        assert!(cond.lines().any(|l| l == line), "{line}\n{cond}");
    }
    let md = report.markdown();
    assert!(
        md.contains("Sessions: 4 (2 completed, 0 stopped, 2 incomplete) from "),
        "{md}"
    );
    assert!(
        md.contains("**8 session folders could not be read**"),
        "{md}"
    );
    for r in &reasons {
        assert!(md.contains(&format!("- {r}\n")), "{r}\n{md}");
    }
    assert!(
        md.contains("- sub-P07 ses-1: write failed: No space left on device (os error 28) (at 30.0 s, 2 lines lost) (3 events on record)"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- sub-P06 ses-1: {n}:6: nrs answer 99 is outside 0–10; refused"
        )),
        "{md}"
    );
    assert_eq!(
        report.summary_line(),
        "4 sessions (2 completed, 0 stopped, 2 incomplete); 8 session folders not read (listed in report.md)"
    );

    // The export writes inside its folder only, and only the readable sessions.
    let bids = root.path().join("out/bids");
    super::bids::export(&report, "faults", &bids).unwrap();
    let mut all = Vec::new();
    files_under(root.path(), &mut all);
    let outside: Vec<_> = all
        .iter()
        .filter(|p| !p.starts_with(&data_dir) && !p.starts_with(&bids))
        .filter(|p| **p != root.path().join("out"))
        .collect();
    assert_eq!(outside, Vec::<&std::path::PathBuf>::new());
    assert!(!all.iter().any(|p| p.to_string_lossy().contains("escaped")));
    let mut subjects: Vec<String> = std::fs::read_dir(&bids)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("sub-"))
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["sub-P01", "sub-P06", "sub-P07", "sub-P08"]);
    // P06's events keep the rows that were read, as written; its answers only the minute-2 4.
    let events =
        std::fs::read_to_string(bids.join("sub-P06/ses-1/beh/sub-P06_ses-1_task-rest_events.tsv"))
            .unwrap();
    assert_eq!(
        events,
        table(&[
            (
                130.0,
                "rating",
                "timepoint=minute_2 scale=nrs value=4 by=patient via=gaze latency_s=1.00"
            ),
            (200.0, "session_end", "how=Planned completed=true"),
        ])
    );
    let beh =
        std::fs::read_to_string(bids.join("sub-P06/ses-1/beh/sub-P06_ses-1_task-rest_beh.tsv"))
            .unwrap();
    assert_eq!(
        beh,
        "measure\ttimepoint\titem\tvalue\tderived\tby\tvia\tlatency_s\nnrs\tminute_2\tnrs\t4\tfalse\tpatient\tgaze\t1.00\n"
    );
}

#[test]
fn empty_session_folders_take_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(data::next_session(d, "P01"), 1);
    put_session(
        d,
        "P01",
        1,
        Some(&sidecar_json("P01", "a", "screen")),
        table(&[]).as_bytes(),
        false,
    );
    // Nothing but a folder, or only headers and no session.json: not a session.
    std::fs::create_dir_all(d.join("sub-P01/ses-2")).unwrap();
    assert!(data::is_empty_session(&d.join("sub-P01/ses-2")));
    assert_eq!(data::next_session(d, "P01"), 2);
    put_session(d, "P01", 2, None, table(&[]).as_bytes(), false);
    std::fs::write(
        d.join("sub-P01/ses-2/sub-P01_ses-2_task-rest_motion.tsv"),
        "frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw\n",
    )
    .unwrap();
    assert!(data::is_empty_session(&d.join("sub-P01/ses-2")));
    assert_eq!(data::next_session(d, "P01"), 2);
    // One row, or a session.json (even with header-only events), makes it a session.
    assert!(!data::is_empty_session(&d.join("sub-P01/ses-1")));
    put_session(
        d,
        "P01",
        2,
        None,
        table(&[(1.0, "phase", "phase=Baseline")]).as_bytes(),
        false,
    );
    assert!(!data::is_empty_session(&d.join("sub-P01/ses-2")));
    assert_eq!(data::next_session(d, "P01"), 3);
    // A file where a folder should be is not free.
    std::fs::write(d.join("sub-P01/ses-3"), "x").unwrap();
    assert_eq!(data::next_session(d, "P01"), 4);
}

#[test]
fn a_report_with_only_bad_folders_still_says_which_and_draws_its_axes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir_all(d.join("sub-P01/ses-1")).unwrap();
    let read = super::report::read_all(&d).unwrap();
    assert!(!read.is_empty() && read.sessions.is_empty());
    let report = Report::new(read, None);
    let md = report.markdown();
    assert!(
        md.contains("Sessions: 0 (0 completed, 0 stopped, 0 incomplete) from 0 participants."),
        "{md}"
    );
    assert!(
        md.contains("**1 session folder could not be read** and is in no table"),
        "{md}"
    );
    assert!(md.contains(&format!(
        "- {}: empty session folder (no session.json, no events recorded): not a session\n",
        d.join("sub-P01/ses-1").display()
    )));
    let png = dir.path().join("nrs.png");
    super::plots::nrs_over_time(&report, &dir.path().join("nrs")).unwrap();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(
        super::bids::export(&report, "x", &dir.path().join("bids")).unwrap(),
        4
    );
}

#[test]
fn participant_ids_refuse_names_and_follow_a_protocols_pattern() {
    let p = protocol(PROTOCOL).unwrap();
    // Without a pattern: letters and digits with at least one digit.
    for name in ["JaneDoe", "pilot"] {
        let e = p.plan(&names(&[name]), 1).unwrap_err();
        assert!(e.contains("at least one digit"), "{e}");
    }
    assert!(p.plan(&names(&["1042", "P7"]), 1).is_ok());
    // With one: exactly its form.
    let patterned = protocol(&PROTOCOL.replace(
        "    seed: 2021,",
        "    seed: 2021,\n    participant_ids: \"P##\",",
    ))
    .unwrap();
    assert!(patterned.plan(&Protocol::numbered(16), 1).is_ok());
    for bad in ["P1", "P001", "Q01", "PA1"] {
        let e = patterned.plan(&names(&[bad]), 1).unwrap_err();
        assert!(e.contains("have the form P##"), "{bad}: {e}");
    }
    // A pattern that cannot take the plan's own IDs, or is not a pattern, is refused at its
    // place.
    for (pattern, says) in [
        ("SCI###", "does not take the plan's default ID P01"),
        ("P-##", "must be 1 to 32 of letters"),
        ("PX", "must be 1 to 32 of letters"),
    ] {
        let e = protocol(&PROTOCOL.replace(
            "    seed: 2021,",
            &format!("    seed: 2021,\n    participant_ids: \"{pattern}\","),
        ))
        .unwrap_err();
        assert!(e.contains("p.ron:7:") && e.contains(says), "{pattern}: {e}");
    }
}

/// The hand-computed cross-over (film vs walk, 5 AB and 4 BA; see `analysis.rs` for the
/// arithmetic): (participant, sequence, [(baseline, post) in period 1, in period 2]).
type Participant = (&'static str, &'static str, [(f64, f64); 2]);
const CROSSOVER: [Participant; 9] = [
    ("P01", "AB", [(7.0, 6.0), (6.0, 4.0)]),
    ("P02", "BA", [(6.0, 3.0), (7.0, 6.0)]),
    ("P03", "AB", [(8.0, 7.0), (8.0, 5.0)]),
    ("P04", "BA", [(7.0, 5.0), (6.0, 6.0)]),
    ("P05", "AB", [(6.0, 5.0), (7.0, 4.0)]),
    ("P06", "BA", [(8.0, 4.0), (8.0, 7.0)]),
    ("P07", "AB", [(8.0, 8.0), (7.0, 5.0)]),
    ("P08", "BA", [(5.0, 2.0), (5.0, 4.0)]),
    ("P09", "AB", [(5.0, 4.0), (7.0, 3.0)]),
];

/// Writes the cross-over as a study's data folder, with everything a real record has that
/// would tell a blinded assessor which condition is which: the display and its runtime,
/// the input device, the scene and level, the motion files' rates.
fn write_crossover(data_dir: &Path) {
    for (p, seq, periods) in CROSSOVER {
        for (i, (baseline, post)) in periods.iter().enumerate() {
            let period = i + 1;
            let film = (seq == "AB") == (period == 1);
            let condition = if film { "film" } else { "walk" };
            let files = data::SessionFiles::bids(data_dir, p, period, "walking");
            std::fs::create_dir_all(&files.dir).unwrap();
            let side = Sidecar {
                app: "respite".into(),
                participant: p.into(),
                session: period,
                task: "walking".into(),
                study: Some("walkfilm".into()),
                condition: Some(condition.into()),
                conditions: names(&["film", "walk"]),
                period: Some(period),
                sequence: Some(seq.into()),
                scene: "forest_trail_walk".into(),
                display: if film { "screen" } else { "headset" }.into(),
                display_parameters: [("runtime".to_string(), "Monado".to_string())].into(),
                immersion: [(
                    "name".to_string(),
                    if film { "calm_view" } else { "immersive" }.to_string(),
                )]
                .into(),
                audio: [("level_mode".to_string(), "fixed".to_string())].into(),
                minutes: 10.0,
                ..Default::default()
            };
            std::fs::write(files.file("session.json"), side.to_json()).unwrap();
            let via = if film { "mouse" } else { "gaze" };
            let display = if film {
                "requested=flat active=Flat runtime=n/a"
            } else {
                "requested=xr active=Xr runtime=\"Monado (null compositor)\""
            };
            let rows = [
                (
                    0.0,
                    "session_start",
                    format!("participant={p} scene=forest_trail_walk"),
                ),
                (0.5, "display", display.to_string()),
                (
                    0.6,
                    "immersion",
                    format!(
                        "level={} body={}",
                        if film { "calm_view" } else { "immersive" },
                        !film
                    ),
                ),
                (
                    5.0,
                    "rating",
                    format!(
                        "timepoint=baseline scale=nrs value={baseline} by=patient via={via} latency_s=2.00"
                    ),
                ),
                (6.0, "phase", "phase=Immersion".into()),
                (
                    7.0,
                    "marker",
                    format!("label=\"{condition} started\" source=stdin"),
                ),
                (
                    306.0,
                    "rating",
                    format!(
                        "timepoint=minute_5 scale=nrs value={} by=patient via={via} latency_s=1.50",
                        (baseline + post) / 2.0
                    ),
                ),
                (606.0, "phase", "phase=Closing how=Planned".into()),
                (
                    615.0,
                    "rating",
                    format!(
                        "timepoint=post scale=nrs value={post} by=therapist via=console latency_s=3.25"
                    ),
                ),
                (
                    620.0,
                    "session_end",
                    "how=Planned completed=true in_place_s=600.0".into(),
                ),
            ];
            let mut ev = format!("{}\n", data::EVENTS_HEADER);
            for (t, e, d) in rows {
                ev.push_str(&data::event_line(t, t, e, &d));
            }
            std::fs::write(files.file("events.tsv"), ev).unwrap();
            let rate = if film { 60.0 } else { 90.0 };
            let mut motion = String::from("frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw\n");
            for f in 0..30 {
                motion.push_str(&format!(
                    "{f}\t{:.4}\t0\t1.2\t0\t0\t0\t0\t1\n",
                    f as f64 / rate
                ));
            }
            std::fs::write(files.file("motion.tsv"), motion).unwrap();
            data::write_manifest(&files.dir).unwrap();
        }
    }
}

fn contrast<'a>(r: &'a Report, outcome: &str, method: &str) -> &'a super::report::Contrast {
    r.contrasts
        .iter()
        .find(|c| c.outcome == outcome && c.method == method)
        .unwrap_or_else(|| panic!("{outcome} {method}: {:#?}", r.contrasts))
}

#[test]
fn the_crossover_analysis_equals_the_hand_computed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    write_crossover(dir.path());
    let report = Report::new(super::report::read_all(dir.path()).unwrap(), None);
    assert_eq!(report.order, names(&["film", "walk"]));
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // Paired film − walk on post NRS: differences 2 3 2 1 1 3 3 2 1, mean 2, SD √0.75,
    // SE √0.75/3 = 0.288675; t(8) = 6.928203, p = 0.000121; CI 2 ± 2.306004·SE.
    let p = contrast(&report, "post_nrs", "paired");
    assert_eq!((p.label.as_str(), p.estimate.n), ("film − walk", 9));
    let e = p.estimate;
    assert!(near(e.estimate, 2.0) && near(e.se, 0.288675134595), "{e:?}");
    assert!(
        near(e.ci95.0, 1.334313945894) && near(e.ci95.1, 2.665686054106),
        "{e:?}"
    );
    assert!(
        near(e.t, 6.928203230276) && near(e.p, 0.000121040206),
        "{e:?}"
    );
    assert_eq!(e.df, 8.0);
    // Hills–Armitage: half period differences AB 1 1 0.5 1.5 0.5 (mean 0.9), BA −1.5 −0.5
    // −1.5 −1 (mean −1.125); pooled s² = 1.3875/7, SE = √(s²·(1/5 + 1/4)) = 0.298658.
    let t = contrast(&report, "post_nrs", "crossover_treatment").estimate;
    assert!(
        near(t.estimate, 2.025) && near(t.se, 0.298657711388),
        "{t:?}"
    );
    assert!(
        near(t.ci95.0, 1.318786732727) && near(t.ci95.1, 2.731213267273),
        "{t:?}"
    );
    assert!(near(t.p, 0.000257777) && t.df == 7.0 && t.n == 9, "{t:?}");
    let period = contrast(&report, "post_nrs", "crossover_period").estimate;
    assert!(
        near(period.estimate, -0.225) && near(period.se, 0.298657711388),
        "{period:?}"
    );
    // Carry-over: totals AB 10 12 9 13 7 (mean 10.2), BA 9 11 11 6 (mean 9.25): 0.95.
    let carry = contrast(&report, "post_nrs", "crossover_carryover").estimate;
    assert!(
        near(carry.estimate, 0.95) && near(carry.se, 1.594522),
        "{carry:?}"
    );
    // The baseline-adjusted change, paired: film changes −1 −1 −1 0 −1 −1 0 −1 −1 and walk
    // −2 −3 −3 −2 −3 −4 −2 −3 −4; differences 1 2 2 2 2 3 2 2 3, mean 19/9.
    let c = contrast(&report, "change", "paired").estimate;
    assert!(near(c.estimate, 19.0 / 9.0), "{c:?}");
    let md = report.markdown();
    assert!(
        md.contains("- treatment: post_nrs (film − walk): 2.02, 95% CI 1.32 to 2.73, t(7) = 6.78, p = 0.0003, n = 9"),
        "{md}"
    );
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    files_under(dir, &mut all);
    let mut out: Vec<_> = all
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Whether `word` stands in `text` as a word of its own (letters and digits around it do
/// not count: `walking` holds no `walk`, `trail_walk` does).
fn has_word(text: &str, word: &str) -> bool {
    let lower = text.to_lowercase();
    let w = word.to_lowercase();
    lower.match_indices(&w).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + w.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric()) && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

/// Every table a report wrote has its dictionary's header, and every cell is `n/a` or a
/// value its column allows: the dictionary describes what is written.
fn tables_follow_the_dictionary(out: &Path) {
    for table in super::dictionary::TABLES {
        let text = std::fs::read_to_string(out.join(table.file)).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            format!("{}\n", lines.next().unwrap()),
            table.header(),
            "{}",
            table.file
        );
        for (i, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                cells.len(),
                table.columns.len(),
                "{}:{}: {line}",
                table.file,
                i + 2
            );
            for (cell, col) in cells.iter().zip(table.columns) {
                if *cell != super::dictionary::MISSING {
                    col.allowed
                        .check(cell)
                        .unwrap_or_else(|e| panic!("{}:{} {}: {e}", table.file, i + 2, col.name));
                }
            }
        }
    }
    // The REDCap import is made from sessions.tsv and follows its dictionary.
    let csv = std::fs::read_to_string(out.join("redcap_import.csv")).unwrap();
    assert!(
        csv.starts_with("record_id,redcap_repeat_instrument,redcap_repeat_instance,participant,")
    );
}

#[test]
fn blinded_reports_are_the_same_bytes_from_one_key_and_name_no_condition_under_any_key() {
    let root = tempfile::tempdir().unwrap();
    // The data folder's own name says nothing here; the outputs must not rely on that.
    let data_dir = root.path().join("study");
    write_crossover(&data_dir);
    let revealing = [
        "film",
        "walk",
        "headset",
        "screen",
        "xr",
        "flat",
        "monado",
        "gaze",
        "mouse",
        "keys",
        "controller",
        "console",
        "forest_trail_walk",
        "immersive",
        "calm_view",
    ];
    for (k, masks) in [["film", "walk"], ["walk", "film"]].iter().enumerate() {
        let key = root.path().join(format!("key{k}.tsv"));
        std::fs::write(
            &key,
            format!("mask\tcondition\nX1\t{}\nX2\t{}\n", masks[0], masks[1]),
        )
        .unwrap();
        let mut runs = Vec::new();
        for run in ["a", "b"] {
            let out = root.path().join(format!("out{k}{run}"));
            let bids = root.path().join(format!("bids{k}{run}"));
            let wrote =
                super::output::write_report(&data_dir, &out, Some(&key), Some(&bids)).unwrap();
            assert!(
                !wrote.files.contains(&key),
                "an existing key is read, not written"
            );
            tables_follow_the_dictionary(&out);
            runs.push((tree(&out), tree(&bids)));
        }
        assert_eq!(runs[0], runs[1], "two blinded reports from one key differ");
        let (out, bids) = &runs[0];
        assert!(out.iter().any(|(p, _)| p.ends_with("nrs_over_time.svg")));
        assert!(
            !bids
                .iter()
                .any(|(p, _)| p.to_string_lossy().contains("motion")),
            "a blinded export leaves motion out"
        );
        for (path, bytes) in out.iter().chain(bids) {
            let name = path.to_string_lossy();
            // A PNG is its SVG rasterised (the SVG, checked, holds its words); its bytes
            // are compressed pixels.
            if name.ends_with(".png") {
                assert!(
                    out.iter().any(|(p, _)| *p == path.with_extension("svg")),
                    "{name} without its SVG"
                );
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            for w in revealing {
                assert!(
                    !has_word(&text, w) && !has_word(&name, w),
                    "key {masks:?}: {name} names '{w}':\n{text}"
                );
            }
        }
        // The contrast is X1 − X2 whatever it hides: film − walk is +2.025, so the sign
        // follows the key.
        let contrasts = String::from_utf8_lossy(
            &out.iter()
                .find(|(p, _)| p.ends_with("contrasts.tsv"))
                .unwrap()
                .1,
        )
        .to_string();
        let sign = if masks[0] == "film" { "" } else { "-" };
        assert!(
            contrasts.contains(&format!(
                "post_nrs\tX1 − X2\tcrossover_treatment\t9\t{sign}2.025000\t"
            )) && contrasts.contains(&format!("post_nrs\tX1 − X2\tpaired\t9\t{sign}2.000000\t")),
            "{contrasts}"
        );
        assert!(!contrasts.contains("X2 − X1"), "{contrasts}");
        let sessions = String::from_utf8_lossy(
            &out.iter()
                .find(|(p, _)| p.ends_with("sessions.tsv"))
                .unwrap()
                .1,
        )
        .to_string();
        // P01 had film first: its sequence is the masks in period order.
        let p01 = if masks[0] == "film" { "X1X2" } else { "X2X1" };
        assert!(
            sessions.contains(&format!("P01\t1\t1\t{p01}\t")),
            "{sessions}"
        );
    }
    if let Some(keep) = std::env::var_os("RESPITE_KEEP_REPORT") {
        let keep = std::path::PathBuf::from(keep).join("blinded");
        super::output::write_report(&data_dir, &keep, Some(&root.path().join("key0.tsv")), None)
            .unwrap();
    }
    // Without a key, one is drawn and written (apart from the outputs), and read back next
    // time: the same masks again.
    let key = root.path().join("drawn-key.tsv");
    let out = root.path().join("drawn");
    let first = super::output::write_report(&data_dir, &out, Some(&key), None).unwrap();
    assert!(first.files.contains(&key));
    let drawn = std::fs::read(&key).unwrap();
    let before = tree(&out);
    super::output::write_report(&data_dir, &out, Some(&key), None).unwrap();
    assert_eq!(std::fs::read(&key).unwrap(), drawn);
    assert_eq!(tree(&out), before);
    // A key inside the outputs is refused, and so is a key that does not cover the data.
    let inside = out.join("key.tsv");
    let e = super::output::write_report(&data_dir, &out, Some(&inside), None)
        .err()
        .unwrap();
    assert!(e.contains("inside the output"), "{e}");
    let other = root.path().join("other-key.tsv");
    std::fs::write(&other, "mask\tcondition\nX1\tfilm\nX2\tstill\n").unwrap();
    let e = super::output::write_report(&data_dir, &out, Some(&other), None)
        .err()
        .unwrap();
    assert!(e.contains("no mask for condition 'walk'"), "{e}");
}

#[test]
fn contrasts_follow_ups_and_sound_levels_are_checked_at_their_place() {
    let with = |extra: &str| protocol(&PROTOCOL.replace("\n)", &format!("\n{extra}\n)")));
    let p = with(
        "    contrasts: [(\"screen\", \"hmd\")],\n    followup: Followup(every_min: 5, within: 1, max_min: 40),",
    )
    .unwrap();
    assert_eq!(
        p.contrast_pairs(),
        vec![("screen".to_string(), "hmd".to_string())]
    );
    assert_eq!(p.followup.unwrap().max_min, 40.0);
    // Without contrasts: the two conditions in the protocol's order.
    let plain = protocol(PROTOCOL).unwrap();
    assert_eq!(
        plain.contrast_pairs(),
        vec![("hmd".to_string(), "screen".to_string())]
    );
    // Three conditions: every pair.
    assert_eq!(
        super::protocol::all_pairs(&names(&["walk", "film", "still"])),
        vec![
            ("walk".to_string(), "film".to_string()),
            ("walk".to_string(), "still".to_string()),
            ("film".to_string(), "still".to_string())
        ]
    );
    let line = PROTOCOL.lines().count();
    for (extra, at, what) in [
        (
            "    contrasts: [(\"hmd\", \"walk\")],",
            format!("p.ron:{line}:"),
            "condition 'walk'",
        ),
        (
            "    contrasts: [(\"hmd\", \"hmd\")],",
            format!("p.ron:{line}:"),
            "with itself",
        ),
        (
            "    followup: Followup(every_min: 0.1, within: 1, max_min: 40),",
            format!("p.ron:{line}:"),
            "every_min",
        ),
        (
            "    followup: Followup(every_min: 5, within: 11, max_min: 40),",
            format!("p.ron:{line}:"),
            "within",
        ),
        (
            "    followup: Followup(every_min: 5, within: 1, max_min: 400),",
            format!("p.ron:{line}:"),
            "max_min",
        ),
    ] {
        let e = with(extra).unwrap_err();
        assert!(e.contains(&at) && e.contains(what), "{extra}: {e}");
    }
    let loud = PROTOCOL.replace(
        "display: Screen, minutes: 5)",
        "display: Screen, minutes: 5, sound_level: AboveAmbient(db: 50.0))",
    );
    let e = protocol(&loud).unwrap_err();
    assert!(e.contains("p.ron:9:") && e.contains("db"), "{e}");
    let fixed = PROTOCOL.replace(
        "display: Screen, minutes: 5)",
        "display: Screen, minutes: 5, sound_level: Fixed)",
    );
    assert_eq!(
        protocol(&fixed).unwrap().conditions[1].sound_level,
        Some(crate::scene::LevelMode::Fixed)
    );
}

/// The ready-to-run Python analysis (statsmodels MixedLM) on the report's own tables: its
/// unadjusted condition term is the Hills–Armitage treatment effect (walk the reference, so
/// the term is film − walk = 2.025, the report's sign). `RESPITE_ANALYSIS_PYTHON` names a Python with pandas and
/// statsmodels (`.ci/run` installs them); without it the check is skipped, never in CI.
#[test]
fn the_python_analysis_runs_on_the_report_and_agrees_with_it() {
    let Some(python) = std::env::var_os("RESPITE_ANALYSIS_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set RESPITE_ANALYSIS_PYTHON (see .ci/run)"
        );
        eprintln!("analysis.py: RESPITE_ANALYSIS_PYTHON is not set, the script is not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    write_crossover(&data_dir);
    let out = dir.path().join("report");
    super::output::write_report(&data_dir, &out, None, None).unwrap();
    let run = std::process::Command::new(python)
        .arg(out.join("analysis.py"))
        .output()
        .expect("run python");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "{said}");
    let table = std::fs::read_to_string(out.join("analysis_python.tsv")).unwrap();
    let term = |model: &str, term: &str| -> f64 {
        table
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|c| c[0] == model && c[1] == term)
            .unwrap_or_else(|| panic!("{model} {term}:\n{table}"))[2]
            .parse()
            .unwrap()
    };
    let report = std::fs::read_to_string(out.join("contrasts.tsv")).unwrap();
    let ha: f64 = report
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|c| c[0] == "post_nrs" && c[2] == "crossover_treatment")
        .unwrap()[4]
        .parse()
        .unwrap();
    assert!((ha - 2.025).abs() < 1e-6, "{report}");
    let mixed = term("unadjusted", "C(condition)[T.film]");
    assert!(
        (mixed - ha).abs() < 1e-4,
        "MixedLM {mixed} vs Hills–Armitage {ha}\n{table}"
    );
    // The primary model (baseline-adjusted) runs too and gives a finite estimate.
    assert!(
        term("adjusted", "C(condition)[T.film]").is_finite(),
        "{table}"
    );
}

/// A synthetic three-condition walking study after Moseley 2007 (12 participants, a
/// Williams square): pain every minute for 10 minutes, the post rating, then every 5
/// minutes until back within a point of the baseline (at most 40). Relief is deepest and
/// lasts longest after walking, less after the film, least after sitting still.
fn write_walking_study(data_dir: &Path) {
    let conditions = ["walk", "film", "still"];
    let orders = design::williams(3);
    for k in 0..12usize {
        let p = format!("P{:02}", k + 1);
        let order = &orders[k % orders.len()];
        let seq: String = order.iter().map(|c| design::letter(*c)).collect();
        let base = 6.0 + (k % 3) as f64;
        for (i, c) in order.iter().enumerate() {
            let period = i + 1;
            let name = conditions[*c];
            // Depth of relief (fraction of baseline) and how long it lasts after (min).
            let (depth, lasts) = [(0.5, 30.0), (0.3, 12.0), (0.15, 4.0)][*c];
            let wobble = ((k * 7 + i * 3) % 5) as f64 * 0.2 - 0.4;
            let at = |t: f64| {
                let during = (t / 10.0).min(1.0);
                let after = if t > 10.0 {
                    (-(t - 10.0) / lasts).exp()
                } else {
                    1.0
                };
                (base * (1.0 - depth * during * after) + wobble)
                    .round()
                    .clamp(0.0, 10.0)
            };
            let files = data::SessionFiles::bids(data_dir, &p, period, "walking");
            std::fs::create_dir_all(&files.dir).unwrap();
            let side = Sidecar {
                participant: p.clone(),
                session: period,
                task: "walking".into(),
                condition: Some(name.into()),
                conditions: names(&conditions),
                contrasts: vec![
                    ("walk".into(), "film".into()),
                    ("walk".into(), "still".into()),
                ],
                followup: Some(super::protocol::Followup {
                    every_min: 5.0,
                    within: 1,
                    max_min: 40.0,
                }),
                period: Some(period),
                sequence: Some(seq.clone()),
                display: if name == "film" { "screen" } else { "headset" }.into(),
                minutes: 10.0,
                ..Default::default()
            };
            std::fs::write(files.file("session.json"), side.to_json()).unwrap();
            let mut ev = format!("{}\n", data::EVENTS_HEADER);
            let mut row = |t: f64, e: &str, d: String| ev.push_str(&data::event_line(t, t, e, &d));
            row(
                1.0,
                "rating",
                format!(
                    "timepoint=baseline scale=nrs value={base} by=patient via=gaze latency_s=1.00"
                ),
            );
            for m in 1..=10 {
                let t = 5.0 + 60.0 * m as f64;
                row(
                    t,
                    "rating",
                    format!(
                        "timepoint=minute_{m} scale=nrs value={} by=patient via=gaze latency_s=1.00",
                        at(m as f64)
                    ),
                );
            }
            row(
                610.0,
                "rating",
                format!(
                    "timepoint=post scale=nrs value={} by=patient via=gaze latency_s=1.00",
                    at(10.0)
                ),
            );
            let mut after = 0.0;
            while after < 40.0 {
                after += 5.0;
                let v = at(10.0 + after);
                let t = 610.0 + 60.0 * after;
                row(
                    t,
                    "rating",
                    format!(
                        "timepoint=after_{after} scale=nrs value={v} by=patient via=gaze latency_s=1.00"
                    ),
                );
                if (v - base).abs() <= 1.0 {
                    break;
                }
            }
            row(
                3100.0,
                "session_end",
                "how=Planned completed=true in_place_s=600.0".into(),
            );
            std::fs::write(files.file("events.tsv"), ev).unwrap();
            data::write_manifest(&files.dir).unwrap();
        }
    }
}

#[test]
fn a_three_condition_study_reports_its_contrasts_and_the_time_course_never_a_display_split() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    write_walking_study(&data_dir);
    let report = Report::new(super::report::read_all(&data_dir).unwrap(), None);
    assert_eq!(report.order, names(&["walk", "film", "still"]));
    let labels: Vec<(&str, &str)> = report
        .contrasts
        .iter()
        .map(|c| (c.label.as_str(), c.method))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("walk − film", "paired"),
            ("walk − film", "paired"),
            ("walk − still", "paired"),
            ("walk − still", "paired")
        ],
        "the protocol's contrasts, paired; no cross-over terms with three conditions"
    );
    let walk_film = contrast(&report, "post_nrs", "paired");
    assert_eq!(walk_film.estimate.n, 12);
    assert!(walk_film.estimate.ci95.1 < 0.0, "{walk_film:?}");
    // Walking: relief lasts ~30 min, so pain is back within a point later than after the
    // film, and never before the place ends.
    let mean_back = |c: &str| {
        let v: Vec<f64> = report
            .sessions
            .iter()
            .filter(|s| s.condition == c)
            .filter_map(|s| super::timecourse::course(s).minutes_to_baseline)
            .collect();
        stats::mean(&v).unwrap()
    };
    assert!(mean_back("walk") > mean_back("film") && mean_back("film") >= mean_back("still"));
    let table = report.nrs_by_minute_tsv();
    assert!(
        table.starts_with(&super::dictionary::NRS_BY_MINUTE.header()),
        "{table}"
    );
    assert!(table.contains("walk\tafter\t5\t12\t"), "{table}");
    let conditions = report.conditions_tsv();
    assert!(
        conditions.contains("film\tminutes_to_baseline\t12\t"),
        "{conditions}"
    );
    assert!(!report.markdown().contains("headset − screen"));
    let out = std::env::var_os("RESPITE_KEEP_REPORT").map_or(dir.path().join("out"), |d| {
        std::path::PathBuf::from(d).join("walking")
    });
    let wrote = super::output::write_report(&data_dir, &out, None, None).unwrap();
    tables_follow_the_dictionary(&out);
    assert!(wrote.files.iter().any(|f| f.ends_with("nrs_over_time.svg")));
    let svg = std::fs::read_to_string(out.join("nrs_over_time.svg")).unwrap();
    assert!(
        svg.contains("walk (n = 12)") && svg.contains("95% CI"),
        "the legend"
    );
}

#[test]
fn reports_outside_a_study_and_on_hostile_folders_are_whole_or_refused() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("plain");
    // Outside a study the scene is the condition (a name with `_`); one session has no
    // session.json at all, another an `auto` display with no answer on record.
    let side = |p: &str, display: &str| {
        Sidecar {
            participant: p.into(),
            session: 1,
            task: "rest".into(),
            scene: "forest_glade".into(),
            display: display.into(),
            ..Default::default()
        }
        .to_json()
    };
    let rows = table(&[
        (
            1.0,
            "rating",
            "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
        ),
        (
            70.0,
            "rating",
            "timepoint=post scale=nrs value=3 by=patient via=gaze latency_s=1.00",
        ),
        (80.0, "session_end", "how=Planned completed=true"),
    ]);
    put_session(
        &d,
        "P01",
        1,
        Some(&side("P01", "screen")),
        rows.as_bytes(),
        true,
    );
    put_session(
        &d,
        "P02",
        1,
        Some(&side("P02", "auto")),
        rows.as_bytes(),
        true,
    );
    put_session(&d, "P03", 1, None, rows.as_bytes(), true);
    let out = root.path().join("out");
    super::output::write_report(&d, &out, None, None).unwrap();
    let sessions = std::fs::read_to_string(out.join("sessions.tsv")).unwrap();
    assert!(
        sessions.contains("P01\t1\tn/a\tn/a\tforest_glade\tscreen\t"),
        "{sessions}"
    );
    assert!(
        sessions.contains("P02\t1\tn/a\tn/a\tforest_glade\tn/a\t"),
        "{sessions}"
    );
    assert!(
        sessions.contains("P03\t1\tn/a\tn/a\tn/a\tn/a\t"),
        "{sessions}"
    );
    tables_follow_the_dictionary(&out);
    // Blinded, its key reads back, and the second report is the first one's bytes.
    let key = root.path().join("key.tsv");
    let blind = root.path().join("blind");
    super::output::write_report(&d, &blind, Some(&key), None).unwrap();
    let first = tree(&blind);
    super::output::write_report(&d, &blind, Some(&key), None).unwrap();
    assert_eq!(tree(&blind), first);
    // A key reached through a link into the output is inside it.
    #[cfg(unix)]
    {
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&blind, &link).unwrap();
        let e = super::output::write_report(&d, &blind, Some(&link.join("k.tsv")), None)
            .err()
            .unwrap();
        assert!(e.contains("inside the output"), "{e}");
        assert!(!blind.join("k.tsv").exists());
    }
    // A folder holding someone else's files is refused and left as it was.
    let theirs = root.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("thesis.docx"), "mine").unwrap();
    let e = super::output::write_report(&d, &theirs, None, None)
        .err()
        .unwrap();
    assert!(e.contains("holds files no report wrote"), "{e}");
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 1);
    // The report and the BIDS export in one folder (or one inside the other) are refused.
    for bids in [out.clone(), out.join("bids")] {
        let e = super::output::write_report(&d, &out, None, Some(&bids))
            .err()
            .unwrap();
        assert!(e.contains("one folder inside the other"), "{e}");
    }
    assert!(
        out.join("sessions.tsv").is_file(),
        "the last report is left as it was"
    );
    // An unblinded export's motion does not survive a blinded one into the same folder.
    let cross = root.path().join("cross");
    write_crossover(&cross);
    let bids = root.path().join("bids");
    super::output::write_report(&cross, &out, None, Some(&bids)).unwrap();
    let motion = |b: &Path| {
        tree(b)
            .iter()
            .filter(|(p, _)| p.to_string_lossy().contains("motion"))
            .count()
    };
    assert!(motion(&bids) > 0);
    super::output::write_report(&cross, &out, Some(&root.path().join("k2.tsv")), Some(&bids))
        .unwrap();
    assert_eq!(motion(&bids), 0, "stale motion in a blinded export");
    assert!(!out.join("timecourse.tsv.partial").exists());
}

#[test]
fn follow_up_minutes_that_are_not_minutes_are_refused_and_named() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("data");
    let rows = table(&[
        (
            1.0,
            "rating",
            "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
        ),
        (
            70.0,
            "rating",
            "timepoint=post scale=nrs value=3 by=patient via=gaze latency_s=1.00",
        ),
        (
            80.0,
            "rating",
            "timepoint=after_NaN scale=nrs value=5 by=patient via=gaze latency_s=1.00",
        ),
        (
            81.0,
            "rating",
            "timepoint=after_-5 scale=nrs value=7 by=patient via=gaze latency_s=1.00",
        ),
        (
            82.0,
            "rating",
            "timepoint=after_1e3 scale=nrs value=7 by=patient via=gaze latency_s=1.00",
        ),
        (
            83.0,
            "rating",
            "timepoint=after_5 scale=nrs value=4 by=patient via=gaze latency_s=1.00",
        ),
        (
            90.0,
            "session_end",
            "how=Planned completed=true in_place_s=inf",
        ),
    ]);
    let side = Sidecar {
        participant: "P01".into(),
        session: 1,
        task: "rest".into(),
        condition: Some("a".into()),
        minutes: 1e30,
        ..Default::default()
    }
    .to_json();
    put_session(&d, "P01", 1, Some(&side), rows.as_bytes(), true);
    let read = super::report::read_all(&d).unwrap();
    let s = &read.sessions[0];
    assert_eq!(s.after, vec![(5.0, 4.0)], "{:?}", s.notes);
    for bad in ["after_NaN", "after_-5", "after_1e3"] {
        assert!(
            s.notes.iter().any(|n| n.contains(bad)),
            "{bad}: {:?}",
            s.notes
        );
    }
    assert!(
        s.minutes <= 120.0 && s.place_min.is_none_or(f64::is_finite),
        "{s:?}"
    );
    let out = root.path().join("out");
    super::output::write_report(&d, &out, None, None).unwrap();
    tables_follow_the_dictionary(&out);
}

#[test]
fn blinded_contrasts_are_every_pair_and_an_interim_williams_study_is_no_crossover() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("walk");
    write_walking_study(&d);
    let key = super::blinding::Blinding::new(&names(&["walk", "film", "still"]), 5);
    let blind = Report::new(super::report::read_all(&d).unwrap(), Some(key));
    let labels: Vec<&str> = blind
        .contrasts
        .iter()
        .filter(|c| c.outcome == "post_nrs")
        .map(|c| c.label.as_str())
        .collect();
    // The protocol's (walk − film, walk − still) would point at walk: blinded, every pair.
    assert_eq!(labels, ["X1 − X2", "X1 − X3", "X2 − X3"]);
    // Without the third condition's sessions yet, two conditions in three periods are not a
    // two-period cross-over.
    for e in std::fs::read_dir(&d).unwrap().flatten() {
        for s in std::fs::read_dir(e.path()).unwrap().flatten() {
            let json = std::fs::read_to_string(s.path().join(format!(
                "{}_{}_task-walking_session.json",
                e.file_name().to_string_lossy(),
                s.file_name().to_string_lossy()
            )))
            .unwrap();
            if json.contains("\"condition\": \"still\"") {
                std::fs::remove_dir_all(s.path()).unwrap();
            }
        }
    }
    let interim = Report::new(super::report::read_all(&d).unwrap(), None);
    assert_eq!(interim.order, names(&["walk", "film"]));
    assert!(
        interim.contrasts.iter().all(|c| c.method == "paired"),
        "{:?}",
        interim.contrasts
    );
}

#[test]
fn a_rating_the_session_reader_cannot_read_is_refused_by_the_report() {
    let root = tempfile::tempdir().unwrap();
    let files = data::SessionFiles::plain(root.path());
    std::fs::create_dir_all(&files.dir).unwrap();
    let mut ev = format!("{}\n", data::EVENTS_HEADER);
    for (t, e, d) in [
        (
            1.0,
            "rating",
            "timepoint=baseline scale=nrs value=6 by=patient via=gaze latency_s=1.00",
        ),
        // No one said who answered, nor how: not a rating this program wrote.
        (2.0, "rating", "timepoint=minute_1 scale=nrs value=5"),
        (
            3.0,
            "rating",
            "timepoint=post scale=nrs value=3 by=someone via=gaze latency_s=1.00",
        ),
    ] {
        ev.push_str(&data::event_line(t, t, e, d));
    }
    std::fs::write(files.file("events.tsv"), ev).unwrap();
    let r = super::read::read_session(root.path()).unwrap();
    assert_eq!(r.baseline, Some(6.0));
    assert_eq!((r.during.len(), r.post), (0, None));
    assert_eq!(
        r.notes[r.notes.len() - 2..],
        [
            "events.tsv:3: rating: by: missing; refused".to_string(),
            "events.tsv:4: rating: by: 'someone' is not one of patient, therapist; refused"
                .to_string(),
        ]
    );
}

#[test]
fn a_conditions_changes_of_place_are_checked_where_they_are_written() {
    let with = |changes: &str| {
        PROTOCOL.replace(
            "display: Headset, minutes: 5),",
            &format!("display: Headset, minutes: 5,\n            changes: [{changes}]),"),
        )
    };
    let p = protocol(&with(
        "(at_min: 2.0, scene: Some(\"beach_sunset\")), (at_min: 3.5, immersion: Some(\"calm_view\"))",
    ))
    .unwrap();
    let changes = &p.conditions[0].changes;
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].scene.as_deref(), Some("beach_sunset"));
    assert_eq!(changes[1].immersion.as_deref(), Some("calm_view"));
    for (bad, says) in [
        (
            "(at_min: 5.0, scene: Some(\"beach_sunset\"))",
            "at_min 5 is not inside the condition's 5 minutes",
        ),
        (
            "(at_min: 0.0, scene: Some(\"beach_sunset\"))",
            "at_min 0 is not inside",
        ),
        (
            "(at_min: 2.0, scene: Some(\"moon_base\"))",
            "unknown scene 'moon_base'",
        ),
        (
            "(at_min: 2.0, immersion: Some(\"vivid\"))",
            "unknown immersion level 'vivid'",
        ),
        (
            "(at_min: 2.0)",
            "a change names a scene, an immersion level or both",
        ),
    ] {
        let e = protocol(&with(bad)).unwrap_err();
        assert!(e.starts_with("p.ron:") && e.contains(says), "{bad}: {e}");
    }
}
