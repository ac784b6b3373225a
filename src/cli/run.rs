//! `run` (and `screenshot`): a session's settings, its record's sidecar, the App, and closing
//! the record when the App is gone.

use super::*;

/// Makes `dir` and proves a file can be written and removed there.
/// Whether a folder could be made and written at `dir`: a probe file in the nearest folder
/// that exists. Nothing is made at `dir` itself: the record makes it with its first event.
pub(crate) fn writable(dir: &Path) -> std::io::Result<()> {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    if !at.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a folder",
            at.display()
        )));
    }
    let probe = at.join(format!(".respite-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(probe)
}

/// The hex SHA-256 of a file, or "n/a".
pub(crate) fn file_sha(path: &Path) -> String {
    std::fs::read(path).map_or("n/a".into(), |b| {
        respite_core::research::data::sha256_hex(&b)
    })
}

/// `key=value key=value` as a map.
pub(crate) fn pairs(text: &str) -> std::collections::BTreeMap<String, String> {
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn run(
    (dir, levels): (&Path, &Path),
    args: RunArgs,
    screenshot: Option<ScreenshotJob>,
) -> ExitCode {
    let mut args = args;
    let mut study = None;
    let mut study_line = None;
    if let Some(file) = args.protocol.clone() {
        let protocol = match load_protocol(dir, levels, &file) {
            Ok(p) => p,
            Err(fail) => return fail.report(),
        };
        let ids = Protocol::numbered(protocol.participants);
        let plan = match &args.plan {
            None => protocol.plan(&ids, protocol.seed),
            Some(p) => respite_core::research::Plan::load_tsv(&protocol, p, protocol.seed)
                .map_err(|e| format!("--plan: {e}")),
        };
        let plan = match plan {
            Ok(p) => p,
            Err(e) => {
                return Fail::input(e.to_string()).report();
            }
        };
        let data = args
            .data
            .clone()
            .unwrap_or_else(|| Path::new("data").join(&protocol.study));
        let participant = args.participant.clone().unwrap_or_default();
        let due = match respite::study::due(&protocol, &plan, &data, &participant, args.resume) {
            Ok(d) => d,
            Err(e) => {
                return Fail::input(e.to_string()).report();
            }
        };
        let c = &due.condition;
        args.scene = c.scene.clone();
        args.display = match c.display {
            respite_core::research::protocol::Display::Headset => DisplayChoice::Xr,
            respite_core::research::protocol::Display::Screen => DisplayChoice::Flat,
        };
        args.level.immersion = c.immersion.clone();
        args.level.level_set = c.level_set.clone();
        if c.sound_level.is_some() {
            args.room.sound_level = c.sound_level;
        }
        if c.walking.is_some() {
            args.walk.walking = c.walking;
        }
        if c.input.is_some() {
            args.walk.input = c.input;
        }
        args.minutes = c.minutes;
        args.rate_every = protocol.ratings.every_min;
        args.fms_every = protocol.questionnaires.fms_every_min;
        args.no_ratings = !protocol.ratings.baseline
            && !protocol.ratings.post
            && protocol.ratings.every_min <= 0.0;
        let line = format!(
            "Study {}: {participant} session {} of {} (sequence {}): {}: {} on the {} for {} min{}",
            protocol.study,
            due.period,
            due.periods,
            due.sequence,
            c.name,
            c.scene,
            c.display.code(),
            c.minutes,
            if due.resume.is_some() {
                ", resuming"
            } else {
                ""
            }
        );
        eprintln!("{line}");
        study_line = Some(line);
        study = Some((protocol, file, due));
    }
    let mut course = None;
    if let Some(file) = args.program.clone() {
        let p = match super::program::prepare((dir, levels), &file, &args) {
            Ok(p) => p,
            Err(fail) => return fail.report(),
        };
        let r = p.spec.ratings;
        let rates_breathing = p.spec.modules.iter().any(|m| {
            matches!(
                m,
                respite_core::course::program::Module::Breathing {
                    rate_after: true,
                    ..
                }
            )
        });
        args.scene = p.spec.scene.clone();
        args.level.immersion = Some(p.stamp.level.clone());
        args.minutes = p.spec.timed_minutes();
        args.rate_every = r.every_min;
        args.fms_every = p.spec.fms_every_min;
        args.no_ratings = !r.baseline && !r.post && r.every_min <= 0.0 && !rates_breathing;
        eprintln!("{}", p.line);
        study_line = Some(p.line.clone());
        course = Some(p);
    }
    let mut scene = match load_scene(dir, &args.scene) {
        Ok(def) => def,
        Err(fail) => return fail.report(),
    };
    let level_from = study
        .as_ref()
        .map(|(_, f, due)| format!("{}: condition '{}'", f.display(), due.condition.name))
        .or_else(|| {
            course.as_ref().map(|c| {
                format!(
                    "{}: session {} ({})",
                    c.stamp.program_file, c.due.k, c.spec.name
                )
            })
        });
    let level = match resolve_immersion(levels, &args.level, level_from.as_deref()) {
        Ok(l) => l,
        Err(fail) => return fail.report(),
    };
    level.shape_scene(&mut scene);
    let start_at = screenshot.as_ref().map_or(0.0, |j| j.walk_at);
    let mut walk = match resolve_walk(&args.scene, &mut scene, &args.walk, start_at) {
        Ok(w) => w,
        Err(fail) => return fail.report(),
    };
    walk.body = level.body;
    let autopilot = match &args.autopilot {
        None => None,
        Some(file) => match respite_core::session::script::load(file) {
            Ok(steps) => Some(steps),
            Err(e) => {
                return Fail::input(e.to_string()).report();
            }
        },
    };
    let session = if screenshot.is_some() {
        RunSettings::show_only()
    } else {
        RunSettings {
            plan: SessionPlan {
                minutes: args.minutes,
                rate_every_min: Some(args.rate_every).filter(|m| *m > 0.0),
                fms_every_min: args.fms_every.filter(|m| *m > 0.0),
                fms_pause_at: args.fms_limit,
                max_minutes: args.max_minutes.unwrap_or(args.minutes + 10.0),
            },
            ratings: !args.no_ratings,
            show_only: false,
            questions: respite::session::questions::Questions {
                ssq: study.as_ref().is_some_and(|s| s.0.questionnaires.ssq),
                ipq: study.as_ref().is_some_and(|s| s.0.questionnaires.ipq),
                no_baseline: study.as_ref().is_some_and(|s| !s.0.ratings.baseline)
                    || course.as_ref().is_some_and(|c| !c.spec.ratings.baseline),
                no_post: study.as_ref().is_some_and(|s| !s.0.ratings.post)
                    || course.as_ref().is_some_and(|c| !c.spec.ratings.post),
                before: extra_questionnaires(study.as_ref().map(|s| &s.0.questionnaires.before)),
                after: extra_questionnaires(study.as_ref().map(|s| &s.0.questionnaires.after)),
            },
            washout: study.as_ref().and_then(|s| s.2.washout),
            followup: study.as_ref().and_then(|s| s.0.followup),
            changes: study
                .as_ref()
                .map(|s| s.2.condition.changes.clone())
                .unwrap_or_default(),
            done: study
                .as_ref()
                .and_then(|s| s.2.resume.clone())
                .or_else(|| course.as_ref().and_then(|c| c.done.clone()))
                .unwrap_or_default(),
        }
    };
    if session.plan.max_minutes < session.plan.minutes {
        return Fail::input(format!(
            "--max-minutes {} is shorter than --minutes {}",
            session.plan.max_minutes, session.plan.minutes
        ))
        .report();
    }
    let files = match (&study, &args.record, &args.participant) {
        _ if screenshot.is_some() => None,
        _ if course.is_some() => course.as_ref().map(|c| c.files.clone()),
        (Some((_, _, due)), _, _) => Some(due.files.clone()),
        (None, Some(dir), _) => Some(SessionFiles::plain(dir)),
        (None, None, Some(id)) => {
            let data = args.data.clone().unwrap_or_else(|| PathBuf::from("data"));
            let n = respite_core::research::data::next_session(&data, id);
            Some(SessionFiles::bids(&data, id, n, "respite"))
        }
        (None, None, None) => None,
    };
    // A plain folder holds one session: a second run there would merge two records.
    if let (None, Some(dir)) = (&study, &args.record)
        && dir.join("events.tsv").exists()
    {
        return Fail::input(format!(
            "--record {}: the folder already holds a session's record; choose another",
            dir.display()
        ))
        .report();
    }
    // A folder that cannot take the record stops the run before anything is shown.
    if let Some(f) = &files
        && let Err(e) = writable(&f.dir)
    {
        return Fail::input(format!(
            "{}: cannot write the session's record there: {e}",
            f.dir.display()
        ))
        .report();
    }
    let record = files.map(|files| {
        let scene_file = dir.join(format!("{}.ron", args.scene));
        let (protocol, protocol_file, due) = match &study {
            Some((p, f, d)) => (Some(p), Some(f), Some(d)),
            None => (None, None, None),
        };
        let sidecar = Sidecar {
            app: "respite".into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("RESPITE_GIT_REVISION").into(),
            participant: args.participant.clone().unwrap_or_default(),
            session: due.map_or_else(
                || {
                    files
                        .dir
                        .file_name()
                        .and_then(|n| n.to_str()?.strip_prefix("ses-")?.parse().ok())
                        .unwrap_or(1)
                },
                |d| d.period,
            ),
            task: protocol.map_or_else(
                || {
                    course
                        .as_ref()
                        .map_or("respite".into(), |c| c.program.program.clone())
                },
                |p| p.task.clone(),
            ),
            study: protocol.map(|p| p.study.clone()),
            // File names only: a full path can hold a user's name.
            protocol_file: protocol_file.map(|f| file_name(f)),
            protocol_sha256: protocol_file.map(|f| file_sha(f)),
            condition: due.map(|d| d.condition.name.clone()),
            conditions: protocol.map_or_else(Vec::new, |p| {
                p.conditions.iter().map(|c| c.name.clone()).collect()
            }),
            contrasts: protocol.map_or_else(Vec::new, |p| p.contrast_pairs()),
            followup: protocol.and_then(|p| p.followup),
            period: due.map(|d| d.period),
            sequence: due.map(|d| d.sequence.clone()),
            scene: args.scene.clone(),
            scene_sha256: file_sha(&scene_file),
            scene_file: file_name(&scene_file),
            display: match args.display {
                DisplayChoice::Flat => "screen".into(),
                DisplayChoice::Xr => "headset".into(),
                DisplayChoice::Auto => "auto".into(),
            },
            display_parameters: [
                ("requested".to_string(), args.display.to_string()),
                (
                    "window".to_string(),
                    format!("{}x{}", args.size.0, args.size.1),
                ),
                ("fov_deg".to_string(), level.fov_deg.to_string()),
                (
                    "runtime".to_string(),
                    "see the display event: the OpenXR runtime and headset that answered".into(),
                ),
            ]
            .into(),
            immersion: pairs(&level.to_string()),
            audio: [
                (
                    "room_ambient_db".to_string(),
                    format!("{:?}", args.room.ambient_db),
                ),
                (
                    "headphones_db".to_string(),
                    format!("{:?}", args.room.headphones_db),
                ),
                (
                    "level_mode".to_string(),
                    args.room
                        .sound_level
                        .or(scene.soundscape.as_ref().map(|s| s.level_mode))
                        .map_or("none".to_string(), |m| {
                            respite_core::research::data::sound_level_code(m)
                        }),
                ),
            ]
            .into(),
            seed: scene.seed,
            minutes: args.minutes,
            scoring_version: respite_core::research::scoring::SCORING_VERSION.into(),
            started_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            course: course.as_ref().map(|c| c.stamp.clone()),
        };
        (files, sidecar)
    });
    if let Some(job) = &screenshot
        && let Some(parent) = job.out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Fail::input(format!(
            "--out {}: folder {} does not exist",
            job.out.display(),
            parent.display()
        ))
        .report();
    }
    if let Err(e) = window_system_present() {
        return Fail::missing(e.to_string()).report();
    }
    // Pictures need no sound; a run plays the scene's soundscape at the level for this room.
    let room = match (&screenshot, room_of(&args.room)) {
        (Some(_), _) => None,
        (None, Ok(room)) => room,
        (None, Err(fail)) => return fail.report(),
    };
    let sound = match (&scene.soundscape, &screenshot) {
        (Some(sound), None) => {
            match resolve_level_in(&args.scene, sound, args.room.sound_level, room) {
                Ok(resolved) => Some(SoundPlan {
                    level: resolved,
                    seed: scene.seed,
                    plain: level.audio == AudioStage::Plain,
                }),
                Err(fail) => return fail.report(),
            }
        }
        _ => None,
    };
    let breath = match &args.breath {
        None => respite::session::breath::BreathInput::Off,
        Some(BreathArg::Mic) => respite::session::breath::BreathInput::Mic,
        Some(BreathArg::File(f)) => match respite_core::sound::wav::read_mono(f) {
            Ok((rate, samples)) => {
                respite::session::breath::BreathInput::File(f.clone(), rate, samples.into())
            }
            Err(e) => return Fail::input(format!("--breath file:{e}")).report(),
        },
    };
    let lsl_inputs: Vec<_> = args
        .markers
        .iter()
        .filter_map(|m| match m {
            MarkerInput::Lsl(q) => Some(q.clone()),
            _ => None,
        })
        .collect();
    if lsl_inputs.len() > 1 {
        return Fail::input("--markers lsl:…: one LSL stream a session (given more than one)")
            .report();
    }
    let lsl_input = lsl_inputs.into_iter().next();
    // Streams are named for the participant and session only (a study's participant code,
    // never a name): `sub-P01_ses-2`.
    let lsl = respite::session::lsl::LslConfig {
        out: args.lsl,
        label: match (&args.participant, &record) {
            (Some(p), Some((_, side))) => format!("sub-{p}_ses-{}", side.session),
            (Some(p), None) => format!("sub-{p}"),
            (None, _) => String::new(),
        },
    };
    let opts = RunOptions {
        scene_name: args.scene,
        scene,
        display: args.display,
        session,
        level,
        participant: args.participant,
        choices: respite::place::Choices {
            sound: screenshot.is_none(),
            ..choices(dir, levels, &args.walk, args.room.sound_level, room)
        },
        launch_args: std::env::args().skip(1).collect(),
        autopilot,
        time_scale: args.time_scale,
        window_size: args.size,
        mode: match screenshot {
            Some(job) => respite::Mode::Screenshot(job),
            None => respite::Mode::Session {
                record: record.clone().map(Box::new),
            },
        },
        sound,
        walk,
        study: study_line,
        markers: respite::session::markers::MarkerInputs {
            stdin: args.markers.contains(&MarkerInput::Stdin),
            udp: args.markers.iter().find_map(|m| match m {
                MarkerInput::Udp(p) => Some(*p),
                _ => None,
            }),
            lsl: lsl_input,
        },
        lsl,
        breath,
        course: course.map(|c| c.course),
    };
    let code = run_app(opts);
    if let Some((files, _)) = record {
        close_session(&files, code);
    }
    code
}

/// A protocol's extra questionnaires by code (each checked when the protocol was read).
pub(crate) fn extra_questionnaires(
    codes: Option<&Vec<String>>,
) -> Vec<respite_core::research::questionnaire::Questionnaire> {
    codes
        .into_iter()
        .flatten()
        .filter_map(|c| respite_core::research::questionnaire::Questionnaire::find(c))
        .collect()
}

/// A file's name without its folders.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A session whose end is on record is closed with its SHA-256 manifest (the samples'
/// writer has finished: the App is gone). One that ended without a `session_end` (a
/// restart, a display that failed) or whose record could not be written in full stays open.
pub(crate) fn close_session(files: &SessionFiles, code: ExitCode) {
    if code == ExitCode::from(RECORD_FAILED) {
        respite::log::say(format!(
            "error: the record in {} is incomplete: not closed",
            files.dir.display()
        ));
        return;
    }
    let ended = std::fs::read_to_string(files.file("events.tsv")).is_ok_and(|t| {
        respite_core::research::data::read_events(&t)
            .is_ok_and(|e| e.iter().any(|e| e.trial_type == "session_end"))
    });
    if ended {
        match respite_core::research::data::write_manifest(&files.dir) {
            Ok(()) => respite::log::say(format!("record: closed {}", files.manifest().display())),
            Err(e) => respite::log::say(format!(
                "error: cannot write {}: {e}",
                files.manifest().display()
            )),
        }
    }
}

pub(crate) fn run_app(opts: RunOptions) -> ExitCode {
    match build_app(opts) {
        Ok((mut app, _report)) => {
            let health = app.world().get_resource::<RecordHealth>().cloned();
            let code = match app.run() {
                AppExit::Success => ExitCode::SUCCESS,
                AppExit::Error(code) => ExitCode::from(code.get()),
            };
            // The App is gone, its writers joined: the record is as complete as it will be.
            match health.and_then(|h| h.failed()) {
                Some(why) => {
                    respite::log::say(format!("error: the session's record is incomplete: {why}"));
                    ExitCode::from(RECORD_FAILED)
                }
                None => code,
            }
        }
        Err(e) => {
            // After the display's own warnings, which explain it.
            respite::log::say(format!("error: {e}"));
            ExitCode::from(DISPLAY_MISSING)
        }
    }
}

/// Every display needs a desktop window (the headset's mirror lives there too); without a
/// window system winit would panic, so say what is missing instead.
pub(crate) fn window_system_present() -> Result<(), String> {
    // Built for X11 only (Wayland desktops provide it through XWayland).
    let display = std::env::var("DISPLAY").unwrap_or_default();
    if display.trim().is_empty() {
        return Err(
            "no window system: DISPLAY is not set. Run from a desktop session, or under \
                    xvfb-run for pictures without a screen"
                .into(),
        );
    }
    // The connection winit would make, tried first: a stale DISPLAY (a closed X server, an
    // old ssh session) is a missing display, not a crash.
    let xlib = x11_dl::xlib::Xlib::open()
        .map_err(|e| format!("no window system: cannot load Xlib (libX11): {e}"))?;
    // A busy X server can refuse a connection for a moment (its queue of new clients full):
    // a few tries over about a second before the display counts as missing.
    let mut connection = std::ptr::null_mut();
    for attempt in 0..6 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(50 << attempt.min(4)));
        }
        // SAFETY: XOpenDisplay with a null name reads DISPLAY; a non-null result is closed
        // below.
        connection = unsafe { (xlib.XOpenDisplay)(std::ptr::null()) };
        if !connection.is_null() {
            break;
        }
    }
    if connection.is_null() {
        return Err(format!(
            "no window system: cannot open the X display DISPLAY={display} (no X server \
             answers there, or it refused us). Run from a desktop session, or under xvfb-run"
        ));
    }
    // SAFETY: the display was opened above and is not used after this.
    unsafe { (xlib.XCloseDisplay)(connection) };
    Ok(())
}
