//! The `salespulse` binary: the service (`run`), config checking (`check`), the traffic
//! generator (`gen`), topic creation (`topics`), the CRM bridge (`bridge`) and the rules and
//! dashboards of a deployment (`mixin`). It holds wiring only: it reads the
//! configuration, builds the node (`salespulse-node`), the consumer, the exporter and the
//! file watcher, and owns process concerns (signals, exit codes, logging).

mod cli;
mod config;
mod generate;
mod logging;
mod mixin;
mod run;
mod topics;
mod watch;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;

use cli::{Cli, Command};
use config::resolve::{self as resolved, Purpose};

fn resolve_or_exit(common: &cli::Common, purpose: Purpose) -> Result<resolved::Resolved, ExitCode> {
    match resolved::resolve(common, purpose) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(errors)) => {
            resolved::report(&errors);
            Err(ExitCode::from(2))
        }
        Err(e) => {
            eprintln!("salespulse: {e:#}");
            Err(ExitCode::from(2))
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("cannot start the async runtime")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => match resolve_or_exit(&args.common, Purpose::Check) {
            Ok(r) => {
                if args.print {
                    print!("{}", r.layers.print(&r.config));
                }
                println!("configuration is valid");
                Ok(())
            }
            Err(code) => return code,
        },
        Command::Run(common) => {
            let r = match resolve_or_exit(&common, Purpose::Service) {
                Ok(r) => r,
                Err(code) => return code,
            };
            logging::init(r.config.log.format, &r.config.log.level);
            runtime().block_on(run::run(r))
        }
        Command::Bridge(common) => {
            let r = match resolve_or_exit(&common, Purpose::Bridge) {
                Ok(r) => r,
                Err(code) => return code,
            };
            logging::init(r.config.log.format, &r.config.log.level);
            runtime().block_on(salespulse_bridge::run(r.bridge(), run::signal()))
        }
        Command::Topics(args) => {
            let r = match resolve_or_exit(&args.common, Purpose::Service) {
                Ok(r) => r,
                Err(code) => return code,
            };
            logging::init(r.config.log.format, &r.config.log.level);
            runtime().block_on(topics::run(&args, &r))
        }
        Command::Mixin(args) => return mixin::run(&args),
        Command::Gen(args) => {
            logging::init(config::sections::LogFormat::Text, "warn");
            let stop = Arc::new(AtomicBool::new(false));
            let flag = stop.clone();
            let rt = runtime();
            rt.spawn(async move {
                tokio::signal::ctrl_c().await.ok();
                flag.store(true, Ordering::Relaxed);
            });
            let r = std::thread::spawn(move || generate::run(args, stop)).join();
            r.unwrap_or_else(|_| Err(anyhow::anyhow!("generator thread panicked")))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("salespulse: {e:#}");
            ExitCode::FAILURE
        }
    }
}
