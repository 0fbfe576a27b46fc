//! `samtykke audit`: runs the audit, prints its table and where the report is; exit 0 when it
//! passed, 1 on a violation, 2 when it could not run or is incomplete. A live site is held to
//! the inventory of `--root`, and `--suggest` writes entries for what it does not declare.

use crate::cli::AuditArgs;
use crate::term;
use samtykke_audit::inventory::{self, Inventory};
use samtykke_audit::{is_live, parse_target, run as audit, Options, Target};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(root: &Path, args: AuditArgs) -> ExitCode {
    let target = match parse_target(args.target.as_deref(), root) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let live = matches!(&target, Target::Url(url) if samtykke_audit::observe::origin_of(url).is_some_and(|o| is_live(&o)));
    // A live site is held to the inventory this checkout declares; a built one to its own.
    let inventory = if live || args.suggest.is_some() {
        match load_inventory(root) {
            Ok(inventory) => inventory,
            Err(code) => return code,
        }
    } else {
        None
    };
    let report_dir = args
        .report_dir
        .unwrap_or_else(|| root.join("target").join("samtykke-audit"));
    let options = Options {
        report_dir: Some(report_dir.clone()),
        jobs: args.jobs,
        fetch_timeout: Duration::from_secs(args.fetch_timeout),
        time_limit: Duration::from_secs(args.time_limit),
        timing: samtykke_audit::states::Timing {
            page_timeout: Duration::from_secs(args.page_timeout),
            settle: Duration::from_millis(args.settle_ms),
        },
        max_pages: args.max_pages,
        resolve: args.resolve,
        delay: args.delay_ms.map(Duration::from_millis),
        max_bytes: args.max_mb.saturating_mul(1_000_000),
        inventory: inventory.clone().filter(|_| live),
        announce: Some(announce),
        ..Options::new(target)
    };
    let report = match audit(&options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: the audit could not run: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    println!(
        "report: {} and {}",
        report_dir.join("audit.html").display(),
        report_dir.join("audit.json").display()
    );
    if let Some(file) = &args.suggest {
        let against = inventory.unwrap_or_else(|| Inventory::empty("nb"));
        let host = samtykke_audit::observe::host_of(&report.target);
        let text = samtykke_audit::suggest::suggest(&report.sightings, &against, &host);
        let entries = text.matches("[[cookies]]").count();
        if let Err(e) = std::fs::write(file, text) {
            eprintln!(
                "error: cannot write the suggestions to {}: {e}",
                file.display()
            );
            return ExitCode::from(2);
        }
        println!(
            "suggestions: {entries} [[cookies]] entr{} for review in {}",
            if entries == 1 { "y" } else { "ies" },
            file.display()
        );
    }
    if !report.incomplete.is_empty() {
        for why in &report.incomplete {
            eprintln!("error: the audit is incomplete: {why}");
        }
        ExitCode::from(2)
    } else if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Says what a live audit will visit, before it starts.
fn announce(plan: &str) {
    use std::io::Write as _;
    print!("{plan}");
    let _ = std::io::stdout().flush();
}

/// The inventory of `root`, if it has `content/cookies.toml`; errors in the content are shown
/// as `check` shows them, and stop the audit (exit 2).
fn load_inventory(root: &Path) -> Result<Option<Inventory>, ExitCode> {
    let file = root.join("content").join("cookies.toml");
    if !file.is_file() {
        eprintln!(
            "note: {} does not exist: everything the audit sees counts as undeclared",
            file.display()
        );
        return Ok(None);
    }
    let site = match samtykke_site::model::load(root) {
        Ok(site) => site,
        Err(diagnostics) => {
            let error = samtykke_site::Error::Content(diagnostics);
            term::report_failure(
                &error,
                "the inventory could not be read",
                "nothing was audited",
            );
            return Err(ExitCode::from(2));
        }
    };
    let lang = site.config.default_language.get_ref().clone();
    let inv = &site.inventory;
    let mut categories: Vec<_> = inv.categories.iter().collect();
    categories.sort_by_key(|(id, c)| (c.order, (*id).clone()));
    Ok(Some(Inventory {
        source: "content/cookies.toml".to_owned(),
        config: samtykke_site::widget_config::derive(&site.config, inv),
        entries: inv
            .cookies
            .iter()
            .map(|c| inventory::Declared {
                name: c.name.get_ref().clone(),
                storage: match c.storage {
                    samtykke_site::content::inventory::Storage::Cookie => {
                        inventory::Storage::Cookie
                    }
                    samtykke_site::content::inventory::Storage::LocalStorage => {
                        inventory::Storage::LocalStorage
                    }
                    samtykke_site::content::inventory::Storage::SessionStorage => {
                        inventory::Storage::SessionStorage
                    }
                },
                category: c.category.get_ref().clone(),
                service: c.service.get_ref().clone(),
                lifetime: c.lifetime.as_ref().map(|l| l.get(&lang, &lang).to_owned()),
            })
            .collect(),
        services: inv
            .services
            .iter()
            .map(|(key, s)| inventory::Service {
                key: key.clone(),
                name: s.name.get(&lang, &lang).0.to_owned(),
                provider: s.provider.clone(),
                host: s.host.get_ref().clone(),
            })
            .collect(),
        categories: categories
            .into_iter()
            .map(|(id, c)| inventory::Category {
                id: id.clone(),
                necessary: *c.necessary.get_ref(),
            })
            .collect(),
        language: lang,
    }))
}
