//! `bench`: each scene measured in a process of its own, and the table of the results.

use super::*;

/// `respite bench`: each scene (and Bevy's bare scene first) in a child process, then one
/// table with every scene's figures as ratios to the bare scene's.
pub(crate) fn bench(dir: &Path, args: BenchArgs) -> ExitCode {
    if let Some(out) = &args.out
        && let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Fail::input(format!(
            "--out {}: folder {} does not exist",
            out.display(),
            parent.display()
        ))
        .report();
    }
    if let Some(data) = &args.report {
        return bench_report(data, &args);
    }
    let names: Vec<String> = if args.all {
        match open_catalog(dir) {
            Ok(c) => c.entries.into_iter().map(|e| e.name).collect(),
            Err(fail) => return fail.report(),
        }
    } else {
        let name = args.scene.clone().unwrap_or_default();
        if let Err(fail) = load_scene(dir, &name) {
            return fail.report();
        }
        vec![name]
    };
    if args.how.display == BenchDisplay::Flat
        && let Err(e) = window_system_present()
    {
        return Fail::missing(format!("--display flat: {e}")).report();
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            return Fail::failure(format!(
                "cannot find this program to run the measurements: {e}"
            ))
            .report();
        }
    };
    let work = std::env::temp_dir().join(format!("respite-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&work) {
        return Fail::failure(format!("{}: {e}", work.display())).report();
    }
    let how = &args.how;
    let mut rows = Vec::new();
    for name in std::iter::once(respite::bench::BARE.to_string()).chain(names) {
        eprintln!("bench: {name} …");
        let report = work.join(format!("{name}.tsv"));
        let log = work.join(format!("{name}.log"));
        let status = std::fs::File::create(&log).and_then(|log_file| {
            std::process::Command::new(&exe)
                .arg("--scenes-dir")
                .arg(dir)
                .args(["bench-one", "--scene", &name])
                .args([
                    "--frames",
                    &how.frames.to_string(),
                    "--warmup",
                    &how.warmup.to_string(),
                ])
                .args([
                    "--display",
                    match how.display {
                        BenchDisplay::Flat => "flat",
                        BenchDisplay::OffscreenXr => "offscreen-xr",
                    },
                ])
                .args(["--size", &format!("{}x{}", how.size.0, how.size.1)])
                .args([
                    "--eye-size",
                    &format!("{}x{}", how.eye_size.0, how.eye_size.1),
                ])
                .args(how.preload.then_some("--preload"))
                .args([
                    "--clock",
                    match how.clock {
                        BenchClock::Headset => "headset",
                        BenchClock::Wall => "wall",
                    },
                ])
                .arg("--report")
                .arg(&report)
                .arg("--samples")
                .arg(work.join(format!("{name}-samples")))
                .stdout(log_file.try_clone()?)
                .stderr(log_file)
                .status()
        });
        match status.map_err(|e| e.to_string()).and_then(|s| {
            if s.success() {
                respite::bench::Row::read(&name, &report)
            } else {
                Err(format!("exited with {s}; its log is {}", log.display()))
            }
        }) {
            Ok(row) => rows.push(row),
            Err(e) => {
                return Fail::failure(format!("bench of '{name}' failed: {e}")).report();
            }
        }
    }
    let table = respite::bench::tsv(&rows);
    print_table(&table);
    println!(
        "display: {}; {} frames after {} warm-up frames; ratios are to the bare scene in this run",
        match how.display {
            BenchDisplay::Flat => format!("flat window {}x{}", how.size.0, how.size.1),
            BenchDisplay::OffscreenXr =>
                format!("offscreen eyes 2 x {}x{}", how.eye_size.0, how.eye_size.1),
        },
        how.frames,
        how.warmup
    );
    println!(
        "switch: neutral -> place, as when a session's place fades in ({}); switch_x_frame = the longest frame from the switch until nothing compiles / frame p50",
        if how.preload {
            "--preload: the place drawn behind the neutral first (sessions warm up with a view of their own)"
        } else {
            "not preloaded (a session warms up with a view of its own before the place)"
        }
    );
    println!(
        "clock: {}; a walk is measured {WALK_UNDER_WAY_S:.0} s along its path, under way",
        match how.clock {
            BenchClock::Headset =>
                "headset (scene time 1/90 s a frame, as at 90 Hz, however long a frame takes to draw)",
            BenchClock::Wall =>
                "wall (scene time advances by each frame's own time, at most 0.25 s)",
        }
    );
    let schedules = respite::bench::schedule_tsv(&rows);
    println!(
        "\nwhere the main world's time goes, by schedule (ms a frame; over_bare = mean beyond the bare scene's):"
    );
    print_table(&schedules);
    if cfg!(feature = "profile") {
        println!(
            "\nthe main world's systems that cost most beyond the bare scene (--features profile; its spans slow every frame):"
        );
        print_table(&respite::bench::profile_tsv(&rows, 20));
    }
    let schedules_out = args
        .out
        .as_deref()
        .map(|o| o.with_extension("schedules.tsv"));
    if let Err(fail) = write_table(args.out.as_deref(), &table)
        .and_then(|()| write_table(schedules_out.as_deref(), &schedules))
    {
        return fail.report();
    }
    let _ = std::fs::remove_dir_all(&work);
    ExitCode::SUCCESS
}

/// `respite bench --report DATA`: `--runs` reports over the folder, each into a fresh
/// folder and timed from the first read to the last file written, as `respite report`
/// does them; the table of the figures (seconds, nearest-rank percentiles).
fn bench_report(data: &Path, args: &BenchArgs) -> ExitCode {
    use respite_core::research::{data as rdata, output};
    let verify = if args.verify {
        rdata::Verify::All
    } else {
        rdata::Verify::Read
    };
    let (files, bytes) = folder_size(data);
    let work = std::env::temp_dir().join(format!("respite-bench-report-{}", std::process::id()));
    let mut wall = Vec::new();
    let mut sessions = String::new();
    for run in 1..=args.runs {
        let out = work.join(format!("run{run}"));
        let started = std::time::Instant::now();
        match output::write_report_with(data, &out, None, None, verify) {
            Ok(o) => {
                let s = started.elapsed().as_secs_f64();
                eprintln!(
                    "bench: report {run} of {}: {s:.3} s ({})",
                    args.runs, o.summary
                );
                sessions = o.summary;
                wall.push(s);
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&work);
                return Fail::input(e).report();
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    let _ = std::fs::remove_dir_all(&work);
    let mut sorted = wall.clone();
    sorted.sort_by(f64::total_cmp);
    let p = |q| respite_core::bench::percentile(&sorted, q);
    let table = format!(
        "data\tfiles\tgb\truns\tverify\twall_min_s\twall_p50_s\twall_max_s\tpeak_mib\n\
         {}\t{files}\t{:.2}\t{}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.0}\n",
        data.display(),
        bytes as f64 / 1e9,
        args.runs,
        if args.verify { "all" } else { "read" },
        p(0.0),
        p(50.0),
        p(100.0),
        respite::bench::peak_memory_mib(),
    );
    print_table(&table);
    println!(
        "report: {sessions}; {} (the first run reads from disk what the page cache lacks)",
        if args.verify {
            "every file hashed against its manifest"
        } else {
            "recordings found, not re-read (give --verify to hash them too)"
        }
    );
    if let Err(fail) = write_table(args.out.as_deref(), &table) {
        return fail.report();
    }
    ExitCode::SUCCESS
}

/// The table to `--out`, whole or not at all (a temporary name, then renamed).
fn write_table(out: Option<&Path>, table: &str) -> Result<(), Fail> {
    let Some(out) = out else { return Ok(()) };
    let tmp = out.with_extension("tsv.partial");
    std::fs::write(&tmp, table)
        .and_then(|_| std::fs::rename(&tmp, out))
        .map_err(|e| Fail::failure(format!("--out {}: {e}", out.display())))
}

/// Files and bytes under `dir`, every level down.
fn folder_size(dir: &Path) -> (u64, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => todo.push(e.path()),
                Ok(m) => {
                    files += 1;
                    bytes += m.len();
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}

/// The TSV as aligned columns.
pub(crate) fn print_table(tsv: &str) {
    let rows: Vec<Vec<&str>> = tsv.lines().map(|l| l.split('\t').collect()).collect();
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        println!("{}", line.join("  "));
    }
}

/// Where along its path a walk is measured: a walking session spends nearly all its minutes
/// under way at its pace, not in the first seconds' ease-in.
const WALK_UNDER_WAY_S: f32 = 60.0;

/// A headset's frame at 90 Hz: the scene time a frame on `--clock headset`.
const HEADSET_FRAME_S: f64 = 1.0 / 90.0;

pub(crate) fn bench_one((dir, levels): (&Path, &Path), args: BenchOneArgs) -> ExitCode {
    let bare = args.scene == respite::bench::BARE;
    let scene = if bare {
        match SceneDef::parse(Path::new("bare"), respite::bench::BARE_SPEC) {
            Ok(def) => def,
            Err(e) => {
                return Fail::input(e.to_string()).report();
            }
        }
    } else {
        match load_scene(dir, &args.scene) {
            Ok(def) => def,
            Err(fail) => return fail.report(),
        }
    };
    let mut scene = scene;
    let level = match resolve_immersion(levels, &LevelArgs::default(), None) {
        Ok(l) => l,
        Err(fail) => return fail.report(),
    };
    if !bare {
        level.shape_scene(&mut scene);
    }
    let walk = match resolve_walk(
        &args.scene,
        &mut scene,
        &WalkArgs::default(),
        WALK_UNDER_WAY_S,
    ) {
        Ok(w) => w,
        Err(fail) => return fail.report(),
    };
    let how = args.how;
    let offscreen = how.display == BenchDisplay::OffscreenXr;
    if !offscreen && let Err(e) = window_system_present() {
        return Fail::missing(e.to_string()).report();
    }
    run_app(RunOptions {
        scene_name: args.scene,
        scene,
        display: DisplayChoice::Flat,
        session: RunSettings::show_only(),
        level,
        participant: None,
        choices: respite::place::Choices::default(),
        launch_args: Vec::new(),
        autopilot: None,
        time_scale: 1.0,
        window_size: how.size,
        mode: respite::Mode::Bench {
            job: respite::bench::BenchJob {
                frames: how.frames,
                warmup: how.warmup,
                report: args.report,
                offscreen_eye: offscreen.then_some(how.eye_size),
                preload: how.preload,
                frame_step_s: (how.clock == BenchClock::Headset).then_some(HEADSET_FRAME_S),
            },
            samples: SessionFiles::plain(&args.samples),
            bare,
        },
        sound: None,
        walk,
        markers: Default::default(),
        breath: Default::default(),
        lsl: Default::default(),
        study: None,
        course: None,
    })
}
