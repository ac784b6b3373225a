//! The commands about places: `scenes`, `levels`, `check`, `soundscape`, and the scene, level
//! and walk a run resolves.

use super::*;

/// The immersion level asked for, with its overrides, or the exit code after saying why not.
/// The level the flags (or, with `from`, a protocol's condition) ask for; an error names
/// where the choice came from.
pub(crate) fn resolve_immersion(
    file: &Path,
    args: &LevelArgs,
    from: Option<&str>,
) -> Result<ImmersionLevel, Fail> {
    let levels = ImmersionLevels::load(file).map_err(|e| Fail::input(e.to_string()))?;
    let mut level = levels
        .get(args.immersion.as_deref())
        .map_err(|e| match from {
            Some(f) => Fail::input(format!("{f}: immersion: {e}")),
            None => Fail::input(format!("--immersion: {e}")),
        })?;
    for o in &args.level_set {
        level.set(o).map_err(|e| match from {
            Some(f) => Fail::input(format!("{f}: level_set \"{o}\": {e}")),
            None => Fail::input(format!("--level-set {o}: {e}")),
        })?;
    }
    Ok(level)
}

pub(crate) fn list_levels(file: &Path) -> ExitCode {
    let levels = match ImmersionLevels::load(file) {
        Ok(l) => l,
        Err(e) => {
            return Fail::input(e.to_string()).report();
        }
    };
    let mut tsv = String::from(
        "level\tfov_deg\tstereo\tmotion\taudio\tinteractive\tbody\twalk_vignette\tdescription\n",
    );
    for l in &levels.levels {
        tsv += &format!(
            "{}{}\t{}\t{:?}\t{}\t{:?}\t{}\t{}\t{}\t{}\n",
            l.name,
            if l.name == levels.default { "*" } else { "" },
            l.fov_deg,
            l.stereo,
            l.motion,
            l.audio,
            l.interactive,
            l.body,
            l.walk_vignette,
            l.description
        );
    }
    print_table(&tsv);
    println!("* the default; change a field for one run with --level-set KEY=VALUE");
    ExitCode::SUCCESS
}

/// Every scene's and level's name.
pub(crate) fn names(dir: &Path, levels: &Path) -> (Vec<String>, Vec<String>) {
    (
        open_catalog(dir)
            .map(|c| c.entries.into_iter().map(|e| e.name).collect())
            .unwrap_or_default(),
        ImmersionLevels::load(levels)
            .map(|l| l.levels.into_iter().map(|l| l.name).collect())
            .unwrap_or_default(),
    )
}

/// Every scene (fitted to this run's body) and level a session may change to, with each
/// scene's soundscape level for this room. A scene that cannot be had is left out, saying
/// why.
pub(crate) fn choices(
    dir: &Path,
    levels: &Path,
    walk: &WalkArgs,
    mode: Option<respite_core::scene::LevelMode>,
    room: Option<Room>,
) -> respite::place::Choices {
    let mut scenes = Vec::new();
    if let Ok(catalog) = open_catalog(dir) {
        for entry in &catalog.entries {
            let Ok(mut def) = catalog.get(&entry.name).cloned() else {
                continue;
            };
            // Fitted as this run fits its own scene (the walking flags only where one walks).
            let fit = WalkArgs {
                body: walk.body.clone().filter(|_| def.walk.is_some()),
                view: walk.view.filter(|_| def.walk.is_some()),
                pitch: walk.pitch,
                ..WalkArgs::default()
            };
            if resolve_walk(&entry.name, &mut def, &fit, 0.0).is_err() {
                continue;
            }
            let sound = match &def.soundscape {
                None => None,
                Some(s) => match resolve_level_in(&entry.name, s, mode, room) {
                    Ok(level) => Some(level),
                    Err(fail) => {
                        eprintln!("warning: {}; it cannot be changed to", fail.message);
                        continue;
                    }
                },
            };
            scenes.push(respite::place::SceneChoice {
                name: entry.name.clone(),
                def,
                sound,
            });
        }
    }
    respite::place::Choices {
        sound: true,
        scenes,
        levels: ImmersionLevels::load(levels)
            .map(|l| l.levels)
            .unwrap_or_default(),
    }
}

pub(crate) fn open_catalog(dir: &Path) -> Result<Catalog, Fail> {
    Catalog::open(dir).map_err(|e| Fail::input(e.to_string()))
}

/// The scene called `name` from the scenes folder, or the exit code after saying why not
/// (an unknown name lists the valid ones).
pub(crate) fn load_scene(dir: &Path, name: &str) -> Result<SceneDef, Fail> {
    let catalog = open_catalog(dir)?;
    catalog
        .get(name)
        .cloned()
        .map_err(|e| Fail::input(e.to_string()))
}

/// The walk settings for this run, with the scene's viewpoint fitted to the body (its eye
/// height, and behind the walker for a third-person view), or the exit code after saying
/// what is wrong with the body file.
pub(crate) fn resolve_walk(
    scene_name: &str,
    scene: &mut SceneDef,
    args: &WalkArgs,
    start_at_s: f32,
) -> Result<WalkSettings, Fail> {
    let profile = match &args.body {
        None => BodyProfile::default(),
        Some(file) => match BodyProfile::load(file) {
            Ok(p) => p,
            Err(e) => return Err(Fail::input(e.to_string())),
        },
    };
    if let Some(pitch) = args.pitch {
        scene.viewpoint.pitch_deg = pitch;
    }
    let Some(walk) = scene.walk.as_mut() else {
        if args.speed.is_some()
            || args.view.is_some()
            || args.walking.is_some()
            || args.input.is_some()
        {
            eprintln!("warning: '{scene_name}' has no path to walk; walking flags are ignored");
        }
        // A seated place: the body profile still shapes the seated body, and a profile given
        // puts the eyes where that body's are on its seat.
        if args.body.is_some() {
            let seat = match profile.seat {
                respite_core::walk::body::Seat::Chair => respite_core::walk::body::CHAIR_SEAT_M,
                respite_core::walk::body::Seat::Wheelchair => {
                    respite_core::walk::body::WHEELCHAIR_SEAT_M
                }
            };
            let eyes = seat + respite_core::walk::Gait::new(&profile).seated_eyes().0;
            scene.viewpoint.eye_height_m = eyes.clamp(0.8, 1.6);
        }
        return Ok(WalkSettings {
            profile,
            ..WalkSettings::default()
        });
    };
    match args.view {
        Some(ViewArg::FirstPerson) => walk.view = WalkView::FirstPerson,
        Some(ViewArg::ThirdPerson) if walk.view == WalkView::FirstPerson => {
            walk.view = WalkView::ThirdPerson(3.5, 0.6);
        }
        Some(ViewArg::Side) => {
            walk.view = WalkView::ThirdPerson(0.0, -0.55);
            scene.viewpoint.side_m = 3.2;
        }
        _ => {}
    }
    if let Some(walking) = args.walking {
        walk.walking = walking;
    }
    if let Some(input) = args.input {
        walk.input = input;
    }
    if args.input.is_some() && !walk.walking.driven() {
        eprintln!(
            "warning: --input drives an interactive or wheelchair walk; this walk is {}",
            walk.walking.code()
        );
    }
    let eye = match walk.walking {
        // Seated in the wheelchair: the eyes above its seat.
        respite_core::walk::Walking::Wheelchair => {
            respite_core::walk::body::WHEELCHAIR_SEAT_M
                + respite_core::walk::Gait::new(&profile).seated_eyes().0
        }
        _ => profile.dimensions().eye_height,
    };
    let (behind, above) = match walk.view {
        WalkView::FirstPerson => (0.0, 0.0),
        WalkView::ThirdPerson(behind, above) => (behind, above),
    };
    scene.viewpoint.eye_height_m = eye + above;
    scene.viewpoint.behind_m = behind;
    Ok(WalkSettings {
        profile,
        session: args.walk_session,
        speed: args.speed,
        vignette: args.vignette,
        start_at_s,
        body: true,
    })
}

pub(crate) fn render_soundscape(dir: &Path, args: SoundscapeArgs) -> ExitCode {
    let scene = match load_scene(dir, &args.scene) {
        Ok(def) => def,
        Err(fail) => return fail.report(),
    };
    let Some(sound) = &scene.soundscape else {
        return Fail::input(format!("scene '{}' has no soundscape", args.scene)).report();
    };
    let level = match resolve_level(&args.scene, sound, &args.room) {
        Ok(l) => l,
        Err(fail) => return fail.report(),
    };
    let seed = args.seed.unwrap_or(scene.seed);
    let v = &scene.viewpoint;
    let mut mixer = Mixer::new(
        sound,
        level.dbfs,
        seed,
        Pose::seated(v.eye_height_m, v.yaw_deg),
    );
    let samples = render(&mut mixer, args.seconds);
    if let Err(e) = wav::write_stereo(&args.out, SAMPLE_RATE, &samples) {
        return Fail::input(format!("--out {}: {e}", args.out.display())).report();
    }
    let peak = samples.iter().fold(0.0f32, |p, s| p.max(s.abs()));
    println!(
        "{}: {} s of '{}' (seed {seed}), {}; whole file {:.1} dBFS RMS, peak {:.1} dBFS",
        args.out.display(),
        args.seconds,
        args.scene,
        level.describe(),
        rms_dbfs(&samples),
        20.0 * peak.max(1e-9).log10()
    );
    ExitCode::SUCCESS
}

pub(crate) fn list_scenes(dir: &Path) -> ExitCode {
    let catalog = match open_catalog(dir) {
        Ok(c) => c,
        Err(fail) => return fail.report(),
    };
    let width = catalog
        .entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for entry in &catalog.entries {
        match &entry.def {
            Ok(def) => println!("{:width$}  {}", entry.name, def.description),
            Err(e) => eprintln!(
                "{:width$}  (cannot be used: {} problem(s); see `respite check`)\n{e}",
                entry.name,
                e.0.len()
            ),
        }
    }
    if catalog.entries.is_empty() {
        eprintln!("no scene files (*.ron) in {}", dir.display());
        return ExitCode::from(BAD_INPUT);
    }
    ExitCode::SUCCESS
}

/// What a spec file is, from the word it opens with (after its comments).
fn kind_of(file: &Path) -> &'static str {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .unwrap_or("");
    if first.starts_with("Program(") {
        "program"
    } else if first.starts_with("Lesson(") {
        "lesson"
    } else {
        "scene"
    }
}

/// The `.ron` files in a folder, sorted (none when it is missing).
fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    out.sort();
    out
}

/// `respite check`: every scene, lesson and program (or the files named), each problem at
/// its file, line and column.
pub(crate) fn check((dir, levels): (&Path, &Path), files: Vec<PathBuf>) -> ExitCode {
    let files = if files.is_empty() {
        let mut all: Vec<PathBuf> = match open_catalog(dir) {
            Ok(c) => c.entries.into_iter().map(|e| e.path).collect(),
            Err(fail) => return fail.report(),
        };
        all.extend(ron_files(&super::program::beside(dir, "lessons")));
        all.extend(ron_files(&super::program::beside(dir, "programs")));
        all
    } else {
        files
    };
    if files.is_empty() {
        eprintln!("no scene files (*.ron) in {}", dir.display());
        return ExitCode::from(BAD_INPUT);
    }
    let mut failed = 0;
    for file in &files {
        let checked = match kind_of(file) {
            "program" => super::program::load_program(dir, levels, file)
                .map(|_| ())
                .map_err(|f| f.message().to_string()),
            "lesson" => respite_core::course::lesson::Lesson::load(file)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            _ => SceneDef::load(file).map(|_| ()).map_err(|e| e.to_string()),
        };
        match checked {
            Ok(()) => println!("ok      {}", file.display()),
            Err(e) => {
                failed += 1;
                println!("FAILED  {}", file.display());
                eprintln!("{e}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} file(s) failed", files.len());
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// `respite breathing`: the breaths in a recording, as the session's detector hears them.
pub(crate) fn breathing(args: crate::cli::args::BreathingArgs) -> ExitCode {
    use respite_core::breathing::{Detector, synthetic};
    if let Some(out) = &args.synthesise {
        const RATE: u32 = 16_000;
        let samples = synthetic(args.rate, args.seconds, RATE, args.speech, 1);
        if let Err(e) = wav::write_mono(out, RATE, &samples) {
            return Fail::input(format!("--synthesise {}: {e}", out.display())).report();
        }
        println!(
            "{}: {} s of synthetic breathing at {}/min{}",
            out.display(),
            args.seconds,
            args.rate,
            if args.speech {
                ", a voice 3 s of every 15"
            } else {
                ""
            }
        );
        return ExitCode::SUCCESS;
    }
    let Some(path) = &args.wav else {
        return Fail::input("give --wav FILE or --synthesise FILE").report();
    };
    let (rate, samples) = match wav::read_mono(path) {
        Ok(r) => r,
        Err(e) => return Fail::input(format!("--wav {e}")).report(),
    };
    let mut d = Detector::new(rate);
    let mut table = String::from("start_s\tend_s\tphase\tlevel_db\trate_per_min\n");
    let mut breaths = 0;
    // As a sound card would give them: 10 ms at a time.
    for block in samples.chunks((rate / 100).max(1) as usize) {
        for b in d.push(block) {
            breaths += 1;
            let rate = d
                .rate_per_min()
                .map_or("n/a".to_string(), |r| format!("{r:.2}"));
            table.push_str(&format!(
                "{:.2}\t{:.2}\t{}\t{:.1}\t{rate}\n",
                b.start_s,
                b.end_s,
                b.phase.code(),
                b.level_db
            ));
        }
    }
    print!("{table}");
    let speech_s = d.voiced_frames() as f64 * respite_core::breathing::FRAME_S;
    println!(
        "{}: {:.1} s, {breaths} breath sounds, rate over the last minute {}; {speech_s:.1} s set aside as speech",
        path.display(),
        d.now_s(),
        d.rate_per_min()
            .map_or("not heard (fewer than 3 exhales)".to_string(), |r| format!(
                "{r:.1}/min"
            ))
    );
    if let Some(out) = &args.out {
        let tmp = out.with_extension("tsv.partial");
        if let Err(e) = std::fs::write(&tmp, &table).and_then(|()| std::fs::rename(&tmp, out)) {
            return Fail::failure(format!("--out {}: {e}", out.display())).report();
        }
    }
    ExitCode::SUCCESS
}
