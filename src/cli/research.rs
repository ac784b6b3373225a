//! `plan` and `report`: a study's protocol read and checked, its plan dealt, its data read back.

use super::*;

pub(crate) fn load_protocol(dir: &Path, levels: &Path, file: &Path) -> Result<Protocol, Fail> {
    let (scenes, levels) = names(dir, levels);
    Protocol::load(file, &scenes, &levels).map_err(|e| Fail::input(e.to_string()))
}

pub(crate) fn plan((dir, levels): (&Path, &Path), args: PlanArgs) -> ExitCode {
    let protocol = match load_protocol(dir, levels, &args.protocol) {
        Ok(p) => p,
        Err(fail) => return fail.report(),
    };
    let ids = match args.participants.as_deref().map_or(
        Ok(Protocol::numbered(protocol.participants)),
        respite::study::participants,
    ) {
        Ok(ids) => ids,
        Err(e) => {
            return Fail::input(e.to_string()).report();
        }
    };
    let plan = match protocol.plan(&ids, args.seed.unwrap_or(protocol.seed)) {
        Ok(p) => p,
        Err(e) => {
            return Fail::input(format!("--participants: {e}")).report();
        }
    };
    eprintln!("plan: {}", plan.dealt.note);
    // The key is checked before the plan is written and written after it: a plan that
    // could not be written leaves no key behind to block the next try.
    if let Some(key) = &args.blind_key {
        if key.exists() {
            return Fail::input(format!(
                "--blind-key {}: a key is there already; the masks are drawn once per study",
                key.display()
            ))
            .report();
        }
        if args.out.as_deref() == Some(key.as_path()) {
            return Fail::input(format!(
                "--blind-key {}: the same file as --out",
                key.display()
            ))
            .report();
        }
    }
    match &args.out {
        None => print!("{}", plan.tsv()),
        Some(out) => {
            if let Err(e) = respite_core::research::data::write_atomic(out, &plan.tsv()) {
                return Fail::input(format!("--out {}: {e}", out.display())).report();
            }
            eprintln!("plan: written to {}", out.display());
        }
    }
    if let Some(key) = &args.blind_key {
        let names: Vec<String> = protocol.conditions.iter().map(|c| c.name.clone()).collect();
        if let Err(e) = respite_core::research::output::write_key(&names, key) {
            return Fail::input(e.to_string()).report();
        }
        eprintln!(
            "plan: blinding key written to {} (keep it from the assessor)",
            key.display()
        );
    }
    ExitCode::SUCCESS
}

pub(crate) fn report((dir, levels): (&Path, &Path), args: ReportArgs) -> ExitCode {
    let key = args.key.clone().unwrap_or_else(|| {
        let mut name = args.out.file_name().unwrap_or_default().to_os_string();
        name.push("-key.tsv");
        args.out.with_file_name(name)
    });
    let blind = args.blind.then_some(key.as_path());
    let verify = if args.verify {
        respite_core::research::data::Verify::All
    } else {
        respite_core::research::data::Verify::Read
    };
    // A program's data: the course report beside the study report, in the same folder, made
    // with it (not blinded: it names each session's modules and level).
    let course = match respite_core::course::report::program_of(&args.data) {
        Some(_) if blind.is_some() => {
            eprintln!("report: blinded, so no course report (it names the sessions' modules)");
            None
        }
        Some(stamp) => {
            // The file's name only: a session.json never chooses a path outside programs/.
            let file = args.program.clone().unwrap_or_else(|| {
                let name = Path::new(&stamp.program_file).file_name().map_or_else(
                    || format!("{}.ron", stamp.program),
                    |n| n.to_string_lossy().into_owned(),
                );
                super::program::beside(dir, "programs").join(name)
            });
            match super::program::load_program(dir, levels, &file) {
                Ok(p) if p.0.program == stamp.program => Some(p),
                Ok(p) => {
                    return Fail::input(format!(
                        "--program {}: it is program '{}', but the data are of '{}'",
                        file.display(),
                        p.0.program,
                        stamp.program
                    ))
                    .report();
                }
                Err(fail) => {
                    return Fail::input(format!(
                        "the course report needs program '{}' (give --program FILE): {}",
                        stamp.program,
                        fail.message()
                    ))
                    .report();
                }
            }
        }
        None => None,
    };
    let data = args.data.clone();
    let write_course = |into: &Path| match &course {
        Some((program, lessons)) => {
            respite_core::course::report::write(&data, into, program, lessons)
        }
        None => Ok(Vec::new()),
    };
    match respite_core::research::output::write_report_and(
        &args.data,
        &args.out,
        blind,
        args.bids.as_deref(),
        verify,
        Some(&write_course),
    ) {
        Ok(out) => {
            for n in &out.notes {
                eprintln!("report: {n}");
            }
            eprintln!("report: {}", out.summary);
            for f in out.files {
                eprintln!("report: wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => Fail::input(e).report(),
    }
}
