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
    assert_eq!(Questionnaire::Ipq.items().len(), 14);
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
        for (i, item) in scoring::SSQ_ITEMS.iter().enumerate() {
            add(
                "rating",
                format!(
                    "timepoint=pre scale=ssq item={} value={}",
                    item.code,
                    (i + k) % 2
                ),
            );
        }
        add(
            "rating",
            format!("timepoint=baseline scale=nrs value={base}"),
        );
        let killed = row.participant == "P05" && row.period == 2;
        for m in 1..=5 {
            let v = base + (post - base) * m as f64 / 5.0;
            add(
                "rating",
                format!("timepoint=minute_{m} scale=nrs value={}", v.round()),
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
                    format!("timepoint=post scale=nrs value={}", post.round()),
                );
                for (i, item) in scoring::SSQ_ITEMS.iter().enumerate() {
                    add(
                        "rating",
                        format!(
                            "timepoint=post scale=ssq item={} value={}",
                            item.code,
                            (i + k + 1) % 3
                        ),
                    );
                }
                for (i, item) in scoring::IPQ_ITEMS.iter().enumerate() {
                    let v = if headset {
                        4 + (i + k) % 3
                    } else {
                        1 + (i + k) % 3
                    };
                    add(
                        "rating",
                        format!("timepoint=post scale=ipq item={} value={v}", item.code),
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
    let sessions = super::report::read_all(dir.path()).unwrap();
    assert_eq!(sessions.len(), 32);
    let killed = sessions
        .iter()
        .find(|s| s.participant == "P05" && s.session == 2)
        .unwrap();
    assert_eq!(killed.status, Status::Incomplete);
    assert_eq!(killed.during.len(), 3, "ratings before the kill are read");
    let stopped = sessions
        .iter()
        .find(|s| s.participant == "P09" && s.session == 1)
        .unwrap();
    assert_eq!(stopped.status, Status::Stopped);
    let report = Report::new(sessions, None);
    let table = report.sessions_tsv();
    assert_eq!(table.lines().count(), 33);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("P05\t2\t") && l.ends_with("\tincomplete\tnone")),
        "{table}"
    );
    // 14 participants completed both; headset − screen on post NRS is about −0.25 × baseline.
    let post = report
        .paired
        .iter()
        .find(|p| p.outcome == "post_nrs")
        .unwrap();
    assert_eq!(post.summary.n, 14);
    assert!(
        post.summary.mean < -1.0 && post.summary.mean > -2.5,
        "{post:?}"
    );
    let (lo, hi) = post.summary.ci95.unwrap();
    assert!(
        lo < post.summary.mean && hi > post.summary.mean && hi < 0.0,
        "{lo} {hi}"
    );
    let md = report.markdown();
    assert!(md.contains("post_nrs (headset − screen)"), "{md}");
    assert!(
        md.contains("period 1") && md.contains("sequence AB") && md.contains("sequence BA"),
        "{md}"
    );
    assert!(md.contains("sub-P05 ses-2"), "{md}");
    let out = std::env::var_os("RESPITE_KEEP_REPORT").map_or(dir.path().join("out"), Into::into);
    std::fs::create_dir_all(&out).unwrap();
    super::plots::nrs_over_time(&report, &out.join("nrs_over_time.png")).unwrap();
    super::plots::paired_lines(&report, &out.join("paired_post_nrs.png")).unwrap();
    for f in ["nrs_over_time.png", "paired_post_nrs.png"] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{f}: {} bytes",
            bytes.len()
        );
    }
    // Blinded: no condition or display name anywhere in the tables.
    let blind = Report::new(report.sessions.clone(), Some(99));
    let t = blind.sessions_tsv() + &blind.conditions_tsv() + &blind.markdown();
    assert!(
        !t.contains("hmd") && !t.contains("headset") && !t.contains("screen\t"),
        "{t}"
    );
    assert!(t.contains("X1") && t.contains("X2"));
    let key = blind.blinding.as_ref().unwrap().key_tsv();
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
        beh.contains("ipq\tpost\tipq_spatial\t") && beh.contains("\ttrue\n"),
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
