//! `awsp export`: a profile's credentials, for tools that cannot read profiles.

use std::io::IsTerminal;

use serde_json::json;

use crate::aws::Config;
use crate::aws::credentials::format_time;
use crate::cli::{ExportArgs, ExportFormat, Shell};
use crate::env::Env;
use crate::error::Result;
use crate::{creds, shell, switch};

pub fn run(args: &ExportArgs, env: &Env) -> Result<()> {
    if std::io::stdout().is_terminal() {
        // Keys on a screen end up in scrollback, screenshots and shared sessions.
        bail!(
            "export prints credentials, and stdout is a terminal; use it as `eval \"$(awsp export …)\"`, or pipe or redirect it"
        );
    }
    let config = Config::load(env)?;
    let name = crate::target::named_or_active(&config, args.profile.as_deref(), env, "export")?;
    let profile = crate::target::profile(&config, &name)?;
    let creds = creds::resolve(&config, env, &name, super::login_when(&args.login))?;
    let text = match args.format {
        ExportFormat::Env => {
            let shell = args
                .shell
                .or_else(|| env.get("SHELL").and_then(Shell::from_shell_var))
                .unwrap_or(Shell::Bash);
            let keep = switch::keep_region(env, false);
            shell::render(
                shell,
                &switch::credential_changes(&profile, &creds, env, keep),
            )?
        }
        ExportFormat::Json => {
            let v = json!({
                "Profile": name,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
                "Expiration": creds.expiration.map(format_time),
                "Region": profile.region,
            });
            format!("{v:#}\n")
        }
        ExportFormat::Process => format!("{}\n", creds.to_process_json()),
    };
    print!("{text}");
    Ok(())
}
