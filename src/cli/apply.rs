//! `assistctl apply`: make the cloud match the manifests, from a fresh plan (shown and
//! confirmed) or from a saved, reviewed plan (refused when stale).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anstream::{eprintln, print, println};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use super::connect::{self, ConnectArgs};
use super::output::{BOLD, ERROR, HALTED, OK};
use super::plan::{DetailArgs, Format, ScopeArgs, exit_code, show};
use crate::reconcile::{
    self, Desired, Interrupt, Note, Outcome, Plan, PlanOptions, Progress, Settings, saved,
};
use crate::redact::redact;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories (default: the paths the saved --plan records, else
    /// `.`).
    // No clap default: apply must tell "no paths given" from `.` to use the saved plan's.
    pub paths: Vec<PathBuf>,
    /// Apply what this saved plan (from `plan --out`) says: the plan is made again and
    /// applied only when it is the same plan; refused when the file was edited or the
    /// manifests or the cloud changed since it was made.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Changes applied at the same time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    /// Do not wait for a rollout's runs: invoke its next wave and return (the next apply
    /// goes on once that wave has ended).
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub detail: DetailArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub async fn run(args: Args) -> anyhow::Result<u8> {
    let saved = match &args.plan {
        Some(file) => {
            Some(saved::read(file).map_err(|e| anyhow::anyhow!("{e}; nothing was changed"))?)
        }
        None => None,
    };
    let paths = manifest_paths(&args.paths, saved.as_ref());
    let desired = super::desired::load(&paths)?;
    let region = desired.regions.first().cloned().unwrap_or_default();
    let conn = connect::connect(&args.connect, &region).await?;
    let result = run_with(&args, saved, &desired, &conn.client).await;
    conn.close().await;
    result
}

/// The manifests to read: the paths given; else those the saved plan was made from (so
/// `apply --plan plan.json` reads what `plan --out` read, not every YAML file of `.`); else
/// `.`.
fn manifest_paths(given: &[PathBuf], saved: Option<&Plan>) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given.to_vec();
    }
    match saved {
        Some(p) if !p.paths.is_empty() => {
            tracing::info!(paths = ?p.paths, "reading the manifests the saved plan records");
            p.paths.iter().map(PathBuf::from).collect()
        }
        _ => vec![PathBuf::from(".")],
    }
}

async fn run_with(
    args: &Args,
    saved: Option<Plan>,
    desired: &Desired,
    client: &crate::cloud::Client,
) -> anyhow::Result<u8> {
    let plan = match (&args.plan, saved) {
        (Some(file), Some(saved)) => reviewed(file, saved, args, desired, client).await?,
        _ => reconcile::plan(client, desired, &args.scope.options()).await?,
    };
    print!("{}", show(&plan, Format::Text, &args.detail));
    if exit_code(&plan, false) != 0 {
        bail!("the plan cannot be applied: resolve the conflicts and errors above first");
    }
    if !plan.has_changes() {
        if plan.summary.rollouts_halted > 0 {
            eprintln!(
                "{ERROR}Nothing to apply, and a rollout is halted{ERROR:#} (see above): fix its script, raise its maxErrors, or accept its failures with `assistctl apply --resume NAME`."
            );
            return Ok(HALTED);
        }
        return Ok(0);
    }
    // Every variable is checked before anything changes, and all missing ones are named.
    let env = super::desired::require_env(&plan.env_needed())?;
    if args.plan.is_none() && !args.auto_approve && !confirm()? {
        println!("Apply cancelled.");
        return Ok(1);
    }
    let tasks: usize = plan.invocations.iter().map(|i| i.actions().count()).sum();
    let total = plan.actions().count() + tasks + plan.ownership_moves.len();
    let bar = progress(total as u64);
    let on_terminal = !bar.is_hidden();
    let secrets = &env;
    let done = |p: Progress<'_>| {
        // Off a terminal (CI) every change is a line as soon as it is done, so a job killed
        // at its timeout still shows what it had changed.
        let line = match p.result {
            Ok(Some(id)) => format!("{}: done {id}", p.label),
            Ok(None) => format!("{}: done", p.label),
            Err(e) => format!("{}: failed: {}", p.label, redact(e, secrets)),
        };
        if on_terminal {
            bar.set_message(p.label.to_string());
            bar.println(line);
            bar.inc(1);
        } else {
            println!("{line}");
        }
    };
    let note = |n: Note<'_>| match n {
        Note::Line(l) => {
            if on_terminal {
                bar.println(l);
            } else {
                println!("{l}");
            }
        }
        Note::Status(l) => bar.set_message(l.to_string()),
    };
    let interrupt = Interrupt::default();
    let watcher = tokio::spawn(watch_signals(Signals::install(), interrupt.clone()));
    let outcome = reconcile::apply(
        client,
        &plan,
        &Settings {
            parallelism: usize::from(args.parallelism),
            env: &env,
            done: &done,
            interrupt: &interrupt,
            wait: !args.no_wait,
            note: &note,
        },
    )
    .await;
    let signal = if interrupt.is_set() {
        Some(watcher.await.unwrap_or(Signal::Int))
    } else {
        watcher.abort();
        None
    };
    bar.finish_and_clear();
    Ok(report(&outcome, &env, signal))
}

/// Observes the cloud, checks the saved plan against it and against the manifests, and
/// returns the plan decided now only when it is the reviewed one (see `reconcile::saved`).
/// What the file says is never executed.
async fn reviewed(
    file: &std::path::Path,
    saved: Plan,
    args: &Args,
    desired: &Desired,
    client: &crate::cloud::Client,
) -> anyhow::Result<Plan> {
    let given = args.scope.options();
    if given != PlanOptions::default() && given != saved.options {
        bail!(
            "{} was made with other options than these ({}); `apply --plan` plans again with the options the plan was made with, so leave out --target, --allow-empty, --strict, --take-over-from and --allow-duplicates",
            file.display(),
            serde_json::to_string(&saved.options).unwrap_or_default()
        );
    }
    if saved.stack != desired.stack {
        bail!(
            "the plan is for stack `{}`, but the manifests are stack `{}`; nothing was changed",
            saved.stack,
            desired.stack
        );
    }
    let live = reconcile::observe(client, desired, &saved.options).await?;
    match saved::verify(&saved, desired, &live, chrono::Utc::now())? {
        Ok(fresh) => Ok(fresh),
        Err(why) => bail!(
            "{}: {why}; nothing was changed. Make the plan again (`assistctl plan --out`), review it and apply that",
            file.display()
        ),
    }
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Int,
    Term,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// 128 + the signal's number, as shells report a process a signal ended.
    fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }
}

/// SIGINT and SIGTERM, listened for from the moment this is made (before apply starts its
/// first change), so no signal finds the process without its handlers.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                streams: signal(SignalKind::interrupt())
                    .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.streams {
            return tokio::select! {
                _ = int.recv() => Signal::Int,
                _ = term.recv() => Signal::Term,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Signal::Int
    }
}

/// Waits for SIGINT or SIGTERM: the first stops apply from starting new changes (those in
/// flight finish and are reported); a second one ends the process at once.
async fn watch_signals(mut signals: Signals, interrupt: Interrupt) -> Signal {
    let first = signals.next().await;
    interrupt.set();
    eprintln!(
        "{ERROR}{}{ERROR:#} received: finishing the changes in flight and starting no new ones (send it again to stop at once)",
        first.name()
    );
    tokio::spawn(async move {
        let second = signals.next().await;
        eprintln!(
            "{ERROR}{}{ERROR:#} received again: stopping now; changes in flight may or may not have happened, run `assistctl plan` to see where the cloud is",
            second.name()
        );
        std::process::exit(i32::from(second.exit_code()));
    });
    first
}

fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to apply without confirmation: not on a terminal; pass --auto-approve, or apply a reviewed plan with --plan"
        );
    }
    print!("\n{BOLD}Apply these changes?{BOLD:#} Only 'yes' is accepted: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == "yes")
}

fn progress(n: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// The failures again (a long log buries them), what was not started, and the summary.
/// Exit code: 0 all applied, 1 something failed, 3 a rollout halted, 128 + the signal when
/// interrupted.
fn report(o: &Outcome, secrets: &crate::redact::Secrets, signal: Option<Signal>) -> u8 {
    let r = |s: &str| redact(s, secrets);
    let request = |id: &str| {
        if id.is_empty() {
            "none".to_string()
        } else {
            id.to_string()
        }
    };
    for (m, why) in &o.move_failures {
        eprintln!(
            "{ERROR}error{ERROR:#}: <= {} {} ({}) {} could not be taken over from stack `{}`: {}",
            m.kind.resource_type(),
            m.name,
            m.region,
            m.id,
            m.from,
            r(why)
        );
    }
    for f in &o.failures {
        eprintln!(
            "{ERROR}error{ERROR:#}: {} command {} ({}) failed: {} (request id {}): {}",
            f.change.action.symbol(),
            f.change.name,
            f.change.region,
            f.code,
            request(&f.request_id),
            r(&f.message)
        );
    }
    for f in &o.tasks.failures {
        eprintln!(
            "{ERROR}error{ERROR:#}: {} invocation {} ({}) batch {} failed: {} (request id {}): {}",
            f.action.symbol(),
            f.name,
            f.region,
            f.batch,
            f.code,
            request(&f.request_id),
            r(&f.message)
        );
    }
    for race in &o.races {
        eprintln!("{ERROR}error{ERROR:#}: racing apply: {race}");
    }
    for ro in &o.rollouts {
        for f in &ro.failures {
            eprintln!(
                "{ERROR}error{ERROR:#}: rollout {} ({}) batch {} failed: {} (request id {}): {}",
                ro.name,
                ro.region,
                f.batch,
                f.code,
                request(&f.request_id),
                r(&f.message)
            );
        }
        if let Some(why) = &ro.halted {
            eprintln!(
                "{ERROR}rollout {} ({}) {why}{ERROR:#}; no later wave was invoked. Fix the script (a new spec starts a new rollout), raise maxErrors, or accept the failures with `assistctl apply --resume {}`",
                ro.name, ro.region, ro.name
            );
            for f in &ro.failed {
                let exit = f.exit_code.map_or("-".to_string(), |c| c.to_string());
                let code = if f.error_code.is_empty() {
                    String::new()
                } else {
                    format!(", error {} {}", f.error_code, r(&f.error_info))
                };
                eprintln!(
                    "  {} {} exit {exit}{code} (task {})",
                    f.instance_id, f.status, f.task
                );
                for line in &f.output {
                    eprintln!("    | {}", r(line));
                }
            }
        }
        if let Some(left) = &ro.left {
            println!("rollout {} ({}): {left}", ro.name, ro.region);
        }
    }
    if !o.not_started.is_empty() {
        println!("Not started ({}):", o.not_started.len());
        for l in &o.not_started {
            println!("  {l}");
        }
    }
    let applied = o.applied.len()
        + o.tasks.applied.len()
        + o.moved.len()
        + o.rollouts.iter().map(|r| r.applied.len()).sum::<usize>();
    let halted = o.halted().count();
    let failed = o.failed();
    if let Some(sig) = signal {
        println!(
            "{ERROR}Apply interrupted by {}:{ERROR:#} {applied} applied, {failed} failed, {} not started. Run apply again to continue from where the cloud is.",
            sig.name(),
            o.not_started.len()
        );
        return sig.exit_code();
    }
    if failed == 0 && o.not_started.is_empty() && halted > 0 {
        println!(
            "{ERROR}Apply halted:{ERROR:#} {applied} {} applied; {halted} {} halted (see above).",
            if applied == 1 { "change" } else { "changes" },
            if halted == 1 {
                "rollout is"
            } else {
                "rollouts are"
            }
        );
        return HALTED;
    }
    if failed == 0 && o.not_started.is_empty() {
        println!(
            "{OK}Apply complete:{OK:#} {applied} {} applied.",
            if applied == 1 { "change" } else { "changes" }
        );
        0
    } else {
        println!(
            "{ERROR}Apply incomplete:{ERROR:#} {applied} applied, {failed} failed{}. Fix the cause and run apply again; it continues from where the cloud is now.",
            if o.not_started.is_empty() {
                String::new()
            } else {
                format!(", {} not started", o.not_started.len())
            }
        );
        1
    }
}
