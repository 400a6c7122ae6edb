//! `completions` and `man`: shell completions and man pages generated from
//! the same clap definitions as `--help`, so they cannot drift from it.

use crate::shared::Failure;
use crate::Cli;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::path::PathBuf;

/// Options of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Options of `man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write switchboard.1 and one page per subcommand
    /// (switchboard-run.1, ...) into this directory instead of printing
    /// the main page.
    #[arg(long)]
    out_dir: Option<PathBuf>,
}

/// Prints the completion script for the shell.
pub fn completions(a: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "switchboard", &mut std::io::stdout());
    Ok(())
}

/// Prints the main man page, or writes every page into a directory.
pub fn man(a: &ManArgs) -> Result<(), Failure> {
    let cmd = Cli::command();
    let Some(dir) = &a.out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        print!("{}", String::from_utf8_lossy(&page));
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| Failure::Run(format!("{}: {e}", dir.display())))?;
    clap_mangen::generate_to(cmd, dir)?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .collect();
    pages.sort();
    for page in pages {
        println!("wrote {}", page.display());
    }
    Ok(())
}
