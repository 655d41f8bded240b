//! The command line: clap definitions, and the prompt's way around clap.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "awsp",
    version,
    about = "Switch AWS profiles fast, in bash, zsh, fish, PowerShell, nushell, elvish and xonsh",
    after_help = "Set-up (once, in your shell's start-up file):
  bash:       eval \"$(awsp init bash)\"
  zsh:        eval \"$(awsp init zsh)\"
  fish:       command -q awsp; and awsp init fish | source
  PowerShell: Invoke-Expression (& awsp init powershell | Out-String)
  nushell:    if (which awsp | is-not-empty) { mkdir ($nu.data-dir | path join vendor/autoload); ^awsp init nu | save -f ($nu.data-dir | path join vendor/autoload/awsp.nu) }
  elvish:     if (has-external awsp) { eval (awsp init elvish | slurp) }
  xonsh:      if __import__('shutil').which('awsp'): execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')

Then, through the shell function:
  awsp               pick a profile (fuzzy)
  awsp prod-admin    switch by name, or by a query that matches one profile
  awsp -             back to the previous profile
  awsp off           clear everything awsp set
  awsp demo          try it all in a sandbox, no AWS account needed"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the shell hook: the `awsp` function, completions and prompt helper
    #[command(
        after_help = "Examples:\n  eval \"$(awsp init zsh)\"\n  command -q awsp; and awsp init fish | source\n  eval \"$(awsp init bash --cmd ap)\"   # call the function `ap` instead"
    )]
    Init(InitArgs),
    /// Print shell code that switches to a profile (the shell function evaluates it)
    #[command(
        after_help = "Examples:\n  awsp use prod --shell bash\n  awsp use 123456789012 --shell fish   # a query: name, account, role…\n  awsp use - --shell zsh               # the previous profile"
    )]
    Use(UseArgs),
    /// Print shell code that undoes a switch
    #[command(
        after_help = "Example (the shell function runs it as `awsp off`):\n  awsp clear --shell bash"
    )]
    Clear(ShellArg),
    /// List every profile with its kind, account, role, region and token state
    #[command(
        after_help = "Examples:\n  awsp list\n  awsp list --json | jq '.[] | select(.token_state == \"expired\")'\n  awsp list --names"
    )]
    List(ListArgs),
    /// Show which profile the environment selects now, and why
    #[command(after_help = "Examples:\n  awsp current\n  awsp current --json | jq -r .region")]
    Current(JsonArg),
    /// Print the prompt segment (never fails, never writes stderr)
    #[command(
        after_help = "Format variables: {profile} {account} {account_id} {account_name} {role} {region} {left} {session} {state}\nExample:\n  awsp prompt --shell zsh --format '{account}:{role} {left}'"
    )]
    Prompt(PromptArgs),
    /// Log in to a profile's SSO session (default: the active profile)
    #[command(after_help = "Examples:\n  awsp login\n  awsp login prod-admin --force")]
    Login(LoginArgs),
    /// End a profile's SSO session at the portal and remove its token (default: the active profile)
    #[command(after_help = "Examples:\n  awsp logout\n  awsp logout prod-admin")]
    Logout(LogoutArgs),
    /// Set up IAM Identity Center from a start URL: the sso-session, a login, every profile
    #[command(
        after_help = "Examples:\n  awsp setup https://my-org.awsapps.com/start --region eu-west-1\n  awsp setup https://d-1234567890.awsapps.com/start --session work --dry-run"
    )]
    Setup(SetupArgs),
    /// Write a profile for every account and role of your IAM Identity Center sessions
    #[command(
        after_help = "Examples:\n  awsp sync --dry-run\n  awsp sync work --prune\n  awsp sync --template '{account_name}-{role_name}'"
    )]
    Sync(SyncArgs),
    /// Show every SSO session, its time left and the profiles that use it
    #[command(
        after_help = "Examples:\n  awsp status\n  awsp status --json | jq '.[] | select(.state != \"valid\") | .login_command'"
    )]
    Status(JsonArg),
    /// Run one command under a profile without touching the shell
    #[command(
        after_help = "Examples:\n  awsp exec prod -- aws s3 ls\n  awsp exec 222233334444 --no-login -- terraform plan\n  awsp exec prod --credentials -- docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN amazon/aws-cli s3 ls"
    )]
    Exec(ExecArgs),
    /// Print a profile's credentials: shell code, JSON, or a credential_process answer
    #[command(
        after_help = "Formats:\n  env      shell code that exports the keys (for `eval`; --shell, default from $SHELL)\n  json     {\"Profile\", \"AccessKeyId\", \"SecretAccessKey\", \"SessionToken\", \"Expiration\", \"Region\"}\n  process  what a credential_process prints (Version 1)\n\nTemporary credentials are cached per profile until 15 minutes before they end.\nThey are never written to a terminal: pipe or redirect the output.\n\nExamples:\n  eval \"$(awsp export prod)\"\n  awsp export prod --format json | jq -r .Expiration\n  # in ~/.aws/config, for tools that cannot read SSO profiles:\n  [profile prod-keys]\n  credential_process = awsp export prod --format process"
    )]
    Export(ExportArgs),
    /// Open the AWS console signed in to a profile's account and role
    #[command(
        after_help = "Examples:\n  awsp console\n  awsp console prod --destination s3\n  awsp console prod --destination https://console.aws.amazon.com/cloudwatch/home --region eu-west-1\n  awsp console prod --print   # print the sign-in URL instead of opening it"
    )]
    Console(ConsoleArgs),
    /// Explain what is wrong with the setup and how to fix it
    #[command(
        after_help = "Examples:\n  awsp doctor\n  awsp doctor --json | jq '.[] | select(.severity == \"error\")'"
    )]
    Doctor(JsonArg),
    /// Start a sandbox shell with example profiles (no AWS account needed)
    #[command(after_help = "Example:\n  awsp demo        # `exit` leaves and removes the sandbox")]
    Demo(DemoArgs),
    /// Completion candidates for the shell hooks
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    #[value(alias = "nushell")]
    Nu,
    Elvish,
    Xonsh,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    pub shell: Shell,
    /// Name of the shell function to define
    #[arg(long, default_value = "awsp", value_name = "NAME")]
    pub cmd: String,
}

#[derive(Args, Debug)]
pub struct ShellArg {
    /// The shell the printed code is for
    #[arg(long, value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct UseArgs {
    /// Profile name, `-` for the previous one, or a query (empty: pick)
    pub query: Option<String>,
    #[command(flatten)]
    pub shell: ShellArg,
    /// Keep the shell's AWS_REGION / AWS_DEFAULT_REGION (also: AWSP_KEEP_REGION=1)
    #[arg(long)]
    pub keep_region: bool,
    #[command(flatten)]
    pub login: LoginOpts,
}

#[derive(Args, Debug, Clone, Default)]
pub struct LoginOpts {
    /// Never run a login, even when the SSO token has expired
    #[arg(long, conflicts_with = "login")]
    pub no_login: bool,
    /// Log in even without a terminal (a browser must be reachable)
    #[arg(long)]
    pub login: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print JSON (schema in the README)
    #[arg(long, conflicts_with = "names")]
    pub json: bool,
    /// Print profile names only, one per line
    #[arg(long)]
    pub names: bool,
}

#[derive(Args, Debug)]
pub struct JsonArg {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PromptArgs {
    /// Wrap colour codes for this shell's prompt (raw ANSI when absent)
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
    /// Segment format (see the variables below)
    #[arg(long)]
    pub format: Option<String>,
    /// Print the segment, then on a second line the Unix time it needs redrawing at
    #[arg(long, hide = true)]
    pub cache: bool,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// Profile to log in (default: the active profile)
    pub profile: Option<String>,
    /// Log in even when the token is still valid
    #[arg(long)]
    pub force: bool,
    /// Sign in with a code shown here instead of the browser flow (e.g. over SSH)
    #[arg(long)]
    pub device_code: bool,
    /// Print the sign-in URL instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Args, Debug)]
pub struct SetupArgs {
    /// The AWS access portal URL (https://…awsapps.com/start)
    pub start_url: String,
    /// The region of IAM Identity Center (asked at a terminal when missing)
    #[arg(long)]
    pub region: Option<String>,
    /// The [sso-session] name to write (default: from the start URL)
    #[arg(long)]
    pub session: Option<String>,
    #[command(flatten)]
    pub sync: SyncOpts,
    /// Sign in with a code shown here instead of the browser flow (e.g. over SSH)
    #[arg(long)]
    pub device_code: bool,
    /// Print the sign-in URL instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The sso-sessions to sync (default: every one in the config)
    pub sessions: Vec<String>,
    #[command(flatten)]
    pub sync: SyncOpts,
}

#[derive(Args, Debug)]
pub struct SyncOpts {
    /// Remove the profiles awsp made for a session whose account or role is gone
    #[arg(long)]
    pub prune: bool,
    /// Print what would change in the config file (a diff) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Profile names: {account_name} {account_id} {role_name} {session}
    #[arg(long, value_name = "TEMPLATE")]
    pub template: Option<String>,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Profile whose session ends (default: the active profile)
    pub profile: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Profile name, or a query that matches one profile
    pub profile: String,
    #[command(flatten)]
    pub login: LoginOpts,
    /// Give the command temporary keys (AWS_ACCESS_KEY_ID…) instead of AWS_PROFILE
    #[arg(long)]
    pub credentials: bool,
    /// The command and its arguments (passed byte for byte, UTF-8 or not)
    #[arg(last = true, required = true, num_args = 1..)]
    pub command: Vec<OsString>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Env,
    Json,
    Process,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Profile name, or a query that matches one profile (default: the active profile)
    pub profile: Option<String>,
    /// What to print
    #[arg(long, value_enum, default_value = "env")]
    pub format: ExportFormat,
    /// The shell the `env` format is for (default: from $SHELL, else POSIX sh)
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
    #[command(flatten)]
    pub login: LoginOpts,
}

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    /// Profile name, or a query that matches one profile (default: the active profile)
    pub profile: Option<String>,
    /// Print the sign-in URL instead of opening a browser (it signs in whoever opens it)
    #[arg(long)]
    pub print: bool,
    /// A service (`s3`, `ec2`…) or an https:// URL of the console to land on
    #[arg(long, value_name = "SERVICE|URL")]
    pub destination: Option<String>,
    /// The console's region (default: the profile's)
    #[arg(long)]
    pub region: Option<String>,
    #[command(flatten)]
    pub login: LoginOpts,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Create the sandbox, print its path and exit instead of starting a shell
    #[arg(long)]
    pub print_home: bool,
    /// The demo's browser: approve the sign-in at URL (used by the demo's logins)
    #[arg(long, value_name = "URL", hide = true)]
    pub browser: Option<String>,
}

#[derive(Args, Debug)]
pub struct CompleteArgs {
    pub shell: Shell,
    /// The command line words up to the cursor; the last is the word being completed
    #[arg(last = true)]
    pub words: Vec<String>,
}

/// `awsp prompt [--shell S] [--format F] [--cache]`, parsed without clap: fish and
/// PowerShell run it on every prompt, and building clap's command tree is a quarter of its
/// page faults (33 of 140) and 0.3 ms. Anything else (help, a typo, an unknown shell)
/// gives `None`, and clap parses it as usual. `args` excludes the program name.
pub fn prompt_args(mut args: impl Iterator<Item = OsString>) -> Option<PromptArgs> {
    if args.next()? != "prompt" {
        return None;
    }
    let mut out = PromptArgs {
        shell: None,
        format: None,
        cache: false,
    };
    while let Some(arg) = args.next() {
        let arg = arg.into_string().ok()?;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()?.into_string().ok());
        // A flag given twice is an error clap reports.
        match flag {
            "--cache" if inline.is_none() && !out.cache => out.cache = true,
            "--shell" if out.shell.is_none() => {
                out.shell = Some(Shell::from_str(&value()?, false).ok()?);
            }
            // clap reads a value starting with `-` as the next flag.
            "--format" if out.format.is_none() => {
                out.format = Some(value().filter(|v| !v.starts_with('-'))?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `awsp use [QUERY] --shell S [--keep-region] [--no-login | --login]`, parsed without
/// clap: what the shell hooks run for every switch and for the picker, where clap's code
/// is some of the binary pages the picker would touch. Declines (`None`, and clap parses
/// it) anything else, as [`prompt_args`] does.
pub fn use_args(mut args: impl Iterator<Item = OsString>) -> Option<UseArgs> {
    if args.next()? != "use" {
        return None;
    }
    let (mut query, mut shell) = (None, None);
    let (mut keep_region, mut login) = (false, LoginOpts::default());
    while let Some(arg) = args.next() {
        let arg = arg.into_string().ok()?;
        // A flag given twice, or both login flags, is an error clap reports.
        match arg.as_str() {
            "--shell" if shell.is_none() => {
                shell = Some(Shell::from_str(&args.next()?.into_string().ok()?, false).ok()?);
            }
            "--keep-region" if !keep_region => keep_region = true,
            "--no-login" if !login.no_login && !login.login => login.no_login = true,
            "--login" if !login.no_login && !login.login => login.login = true,
            // `-` is a query (the previous profile); any other dash starts a flag.
            q if query.is_none() && (q == "-" || !q.starts_with('-')) => query = Some(arg),
            _ => return None,
        }
    }
    Some(UseArgs {
        query,
        shell: ShellArg { shell: shell? },
        keep_region,
        login,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_has_an_example() {
        use clap::CommandFactory;
        for sub in Cli::command()
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
        {
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.contains("Example"),
                "`awsp {}` has no example",
                sub.get_name()
            );
        }
    }

    /// The fast path either declines or agrees with clap.
    #[test]
    fn prompt_args_agree_with_clap() {
        let cases: &[&[&str]] = &[
            &["prompt"],
            &["prompt", "--shell", "zsh"],
            &["prompt", "--shell=bash", "--cache"],
            &["prompt", "--shell", "pwsh", "--format", "{account} {left}"],
            &["prompt", "--format={role}@{region}", "--shell", "fish"],
            &["prompt", "--shell", "fish", "--shell", "zsh"],
            &["prompt", "--cache", "--cache"],
            &["prompt", "--format", ""],
            &["prompt", "--format", "-x"],
            &["prompt", "--shell", "tcsh"],
            &["prompt", "--shell"],
            &["prompt", "--help"],
            &["prompt", "-h"],
            &["prompt", "extra"],
            &["prompt", "--cache=1"],
            &["prompt", "--shel", "zsh"],
            &["prompt", "--", "--shell"],
            &["list"],
            &[],
        ];
        let fast = agreeing(
            cases,
            |a| prompt_args(a),
            |c| match c {
                Command::Prompt(want) => Some(want),
                _ => None,
            },
        );
        assert_eq!(fast, 6, "the hooks' own forms take the fast path");
    }

    /// How many of `cases` a fast path takes (`fast`), checking that each it takes it
    /// parses as clap does (`wanted`: the subcommand's arguments in clap's answer).
    fn agreeing<T: std::fmt::Debug>(
        cases: &[&[&str]],
        fast: impl Fn(std::vec::IntoIter<OsString>) -> Option<T>,
        wanted: impl Fn(Command) -> Option<T>,
    ) -> usize {
        let mut taken = 0;
        for case in cases {
            let argv: Vec<OsString> = case.iter().map(OsString::from).collect();
            let clap = Cli::try_parse_from(std::iter::once("awsp".into()).chain(argv.clone()));
            let Some(got) = fast(argv.into_iter()) else {
                continue;
            };
            taken += 1;
            match clap.map(|cli| wanted(cli.command)) {
                Ok(Some(want)) => assert_eq!(format!("{got:?}"), format!("{want:?}"), "{case:?}"),
                other => panic!("{case:?}: the fast path took what clap gives {other:?}"),
            }
        }
        taken
    }

    /// The fast path either declines or agrees with clap.
    #[test]
    fn use_args_agree_with_clap() {
        let cases: &[&[&str]] = &[
            &["use", "--shell", "bash"],
            &["use", "prod", "--shell", "zsh"],
            &["use", "--shell", "fish", "-"],
            &["use", "p", "--shell", "bash", "--keep-region", "--no-login"],
            &["use", "--login", "--shell", "nu", "q"],
            &["use", "p", "--shell", "bash", "--login", "--no-login"],
            &["use", "p", "q", "--shell", "bash"],
            &["use", "p"],
            &["use", "--shell", "tcsh"],
            &["use", "--shell"],
            &["use", "--shell=bash"],
            &["use", "-h"],
            &["use", "--keep-region", "--keep-region", "--shell", "bash"],
            &["use", "--", "--shell", "bash"],
            &["use", "-x", "--shell", "bash"],
            &["clear", "--shell", "bash"],
        ];
        let fast = agreeing(
            cases,
            |a| use_args(a),
            |c| match c {
                Command::Use(want) => Some(want),
                _ => None,
            },
        );
        assert_eq!(fast, 5, "the hooks' own forms take the fast path");
    }
}
