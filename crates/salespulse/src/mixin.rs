//! `salespulse mixin`: writes (or checks) the rules and dashboards of a deployment.

use std::process::ExitCode;

use salespulse_mixin::{DEFAULT, Mixin, generate};

use crate::cli::MixinArgs;

/// Exit 0 when written (or up to date), 1 when `--check` finds a difference, 2 when the
/// configuration has problems (each printed) or a file cannot be written.
pub fn run(args: &MixinArgs) -> ExitCode {
    if args.print_config {
        print!("{DEFAULT}");
        return ExitCode::SUCCESS;
    }
    let text = match &args.config {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("salespulse: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => DEFAULT.to_owned(),
    };
    let mixin = match Mixin::parse(&text) {
        Ok(m) => m,
        Err(problems) => {
            let source = args.config.as_ref().map_or("the shipped configuration".into(), |p| p.display().to_string());
            eprintln!("salespulse: {source}: {} problem(s):", problems.len());
            for p in problems {
                eprintln!("  - {p}");
            }
            return ExitCode::from(2);
        }
    };
    let mut stale = 0;
    for file in generate(&mixin) {
        let path = args.out.join(&file.path);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(file.text.as_str()) {
                eprintln!("{} differs from what `salespulse mixin` writes", path.display());
                stale += 1;
            }
            continue;
        }
        let written =
            path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, &file.text));
        if let Err(e) = written {
            eprintln!("salespulse: {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {}", path.display());
    }
    if stale > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
