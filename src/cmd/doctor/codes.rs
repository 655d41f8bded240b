//! Every code a doctor finding can carry. The ids are stable (scripts match on them in
//! `awsp doctor --json`), and README.md lists each one: a unit test below compares the two.

/// Declares [`Code`], [`Code::ALL`] and [`Code::as_str`] from one list, so that no code can
/// be missing from `ALL` or lack an id.
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $id:literal,)+) => {
        /// The stable id of a doctor check, one per kind of finding.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The kebab-case id, as printed in `[…]` and the JSON `code` key.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $id,)+
                }
            }
        }
    };
}

codes! {
    // ---- files
    /// Neither the AWS config file nor the credentials file exists.
    NoAwsFiles = "no-aws-files",
    /// `AWS_CONFIG_FILE` or `AWS_SHARED_CREDENTIALS_FILE` names a file that does not exist.
    FileMissing = "file-missing",
    /// A config or credentials file is over the size limit, so neither awsp nor the SDKs read it.
    FileTooLarge = "file-too-large",
    /// A config or credentials file is not valid UTF-8.
    FileNotUtf8 = "file-not-utf8",
    /// A config or credentials file exists but cannot be read (no permission, not a regular file).
    FileUnreadable = "file-unreadable",
    /// A line the SDKs reject; the lines below it go unread.
    ParseError = "parse-error",
    /// A `key: value` line, which the AWS CLI accepts and the SDKs reject.
    ColonSeparator = "colon-separator",
    /// Another line the SDKs reject but the AWS CLI reads: text after `]`, a `#` or `;`
    /// inside the brackets, an indented section header or first property.
    CliReadsRejectedLine = "cli-reads-rejected-line",
    /// A line the SDKs read but the AWS CLI refuses (`[]`, a block of sub-properties with a
    /// line lacking `=`), so the CLI reads nothing from the file.
    CliRejectsFile = "cli-rejects-file",
    /// A property or sub-property with an invalid name, which the SDKs ignore (the AWS CLI
    /// keeps it under a name nothing reads).
    IgnoredProperty = "ignored-property",
    /// A config-file section the SDKs ignore and the AWS CLI does not read as a profile either.
    IgnoredSection = "ignored-section",
    /// A section the SDKs ignore but the AWS CLI reads as a profile or sso-session
    /// (`[profile "a b"]`, or `[profile x]` in the credentials file).
    CliReadsIgnoredSection = "cli-reads-ignored-section",
    /// A section the SDKs read as a profile or sso-session, which the AWS CLI does not read
    /// as the same one (`[ profile x ]`, `[ x ]` in the credentials file).
    CliMissesSection = "cli-misses-section",
    /// `[DEFAULT]`: the AWS CLI gives its keys to every section of the file and has no
    /// `DEFAULT` profile; the SDKs ignore it (config file) or read a profile `DEFAULT`
    /// (credentials file).
    CliDefaultSection = "cli-default-section",
    /// A comment after a value: the AWS CLI keeps it as part of the value, the SDKs strip it.
    CliInlineComment = "cli-inline-comment",
    /// A key set twice in one section (or in `[DEFAULT]`): the SDKs keep the last, the AWS
    /// CLI refuses the file.
    DuplicateKey = "duplicate-key",
    /// Both `[default]` and `[profile default]` in the config file.
    DefaultTwice = "default-twice",
    /// A parser warning about the AWS CLI and the SDKs that has no code of its own.
    CliSdkDifference = "cli-sdk-difference",
    /// A section header written twice: the SDKs merge the two, the AWS CLI refuses the file
    /// (or, for two spellings of one profile, keeps only the later).
    DuplicateSection = "duplicate-section",
    /// The credentials file, or a config file holding secret keys, is open to group or others.
    CredentialsPermissions = "credentials-permissions",

    // ---- profiles
    /// A profile's `sso_session` names no `[sso-session]` block.
    SsoSessionMissing = "sso-session-missing",
    /// A profile with `sso_session` also sets `sso_start_url` or `sso_region` itself.
    SsoMixedStyles = "sso-mixed-styles",
    /// An SSO profile lacks `sso_account_id` or `sso_role_name` (a legacy one, any `sso_*` key).
    SsoIncomplete = "sso-incomplete",
    /// An `[sso-session]` block lacks `sso_start_url` or `sso_region`.
    SsoSessionIncomplete = "sso-session-incomplete",
    /// A `role_arn` profile has neither `source_profile` nor `credential_source`.
    RoleWithoutSource = "role-without-source",
    /// A profile sets both `source_profile` and `credential_source`.
    RoleSourceConflict = "role-source-conflict",
    /// A `source_profile` names a profile that does not exist.
    SourceProfileMissing = "source-profile-missing",
    /// `source_profile` links that lead back to where they started.
    SourceProfileCycle = "source-profile-cycle",

    // ---- environment
    /// An `AWS_*` or `AWSP_*` variable whose value is not valid UTF-8.
    EnvNotUtf8 = "env-not-utf8",
    /// Access keys in the environment, which take precedence over every profile.
    EnvKeysOverride = "env-keys-override",
    /// Half of an access key pair, or a session token without keys, in the environment.
    EnvKeysPartial = "env-keys-partial",
    /// `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` name different profiles.
    DefaultProfileMismatch = "default-profile-mismatch",
    /// `AWS_REGION` and `AWS_DEFAULT_REGION` differ.
    RegionMismatch = "region-mismatch",
    /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE` names no profile.
    ProfileNotFound = "profile-not-found",

    // ---- SSO tokens
    /// An SSO session in use has no cached token: no login yet.
    SsoTokenMissing = "sso-token-missing",
    /// An SSO session's token has expired.
    SsoTokenExpired = "sso-token-expired",
    /// An SSO session's token cache file cannot be used.
    SsoTokenUnreadable = "sso-token-unreadable",

    // ---- tools
    /// `aws` is not on PATH.
    AwsCliMissing = "aws-cli-missing",
    /// The `aws` on PATH is the AWS CLI v1, which has no `aws sso login`.
    AwsCliV1 = "aws-cli-v1",
    /// `aws --version` failed, or printed no AWS CLI version.
    AwsCliUnknown = "aws-cli-unknown",
    /// `awsp` is not on PATH, so the shell hook cannot run it.
    AwspNotOnPath = "awsp-not-on-path",
    /// `AWS_PROFILE` was set without awsp: the hook is not loaded, or was bypassed.
    HookNotLoaded = "hook-not-loaded",
    /// No switch has happened in this shell, so whether the hook is loaded is unknown.
    HookUnverified = "hook-unverified",
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let id = code.as_str();
            assert!(seen.insert(id), "`{id}` is used twice");
            let kebab = id.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            assert!(kebab, "`{id}` is not kebab-case");
        }
    }

    /// The codes in README.md's `awsp doctor` section: the first `…` of each table row.
    fn readme_codes() -> Vec<&'static str> {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let start = readme
            .find("### `awsp doctor`\n")
            .expect("README.md has an `awsp doctor` section");
        let section = &readme[start..];
        // The section ends at the next heading of its level or above.
        let end = section.find("\n##").unwrap_or(section.len());
        section[..end]
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split_once('`'))
            .map(|(code, _)| code)
            .collect()
    }

    /// Adding a code without documenting it (or the reverse) fails here.
    #[test]
    fn readme_lists_every_code() {
        let listed = readme_codes();
        let unique: BTreeSet<&str> = listed.iter().copied().collect();
        assert_eq!(unique.len(), listed.len(), "README.md lists a code twice");
        let all: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            unique.difference(&all).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "README.md lists codes doctor does not have"
        );
        assert_eq!(
            all.difference(&unique).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "codes missing from README.md's `awsp doctor` section"
        );
    }
}
