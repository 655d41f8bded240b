# awsp shell integration for nushell. Load it from config.nu (`$nu.config-path`):
#   if (which awsp | is-not-empty) { mkdir ($nu.data-dir | path join vendor/autoload); ^awsp init nu | save -f ($nu.data-dir | path join vendor/autoload/awsp.nu) }
# nushell reads the vendor autoload directory after config.nu.

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. For a switch the binary prints its marker
# line, then one JSON record `{set: {NAME: VALUE}, unset: [NAME]}`: it is parsed as data
# and applied with load-env and hide-env, never evaluated. The binary talks to the person
# on the terminal; a failed or cancelled switch changes nothing and leaves its exit status
# in $env.LAST_EXIT_CODE.
def --env --wrapped __CMD__ [...args: string@__awsp_complete] {
    let first = ($args | get -o 0 | default '')
    # The binary's own subcommands (the list comes from its CLI). The next prompt asks
    # again: a login or logout changes the session's time left.
    if $first in __PASS__ {
        __awsp_prompt_reset
        ^awsp ...$args
        return
    }
    let call = if $first == 'off' {
        ['clear' '--shell' 'nu' ...($args | skip 1)]
    } else if $first in ['use' 'clear'] {
        [$first '--shell' 'nu' ...($args | skip 1)]
    } else {
        ['use' '--shell' 'nu' ...$args]
    }
    let out = try { ^awsp ...$call | collect } catch { return }
    let lines = ($out | lines)
    # Only what the binary generated for the hook starts with its marker line; anything
    # else (help, a version) is text to show.
    if ($lines | get -o 0) == '__MARKER__' {
        let change = ($lines | get 1 | from json)
        for name in $change.unset {
            hide-env -i $name
        }
        load-env $change.set
        __awsp_prompt_reset
    } else if ($out | is-not-empty) {
        print $out
    }
}

# Completion: the binary completes profile names, subcommands and flags; a line
# `NAME<TAB>ABOUT` carries a description (a profile's account and role).
def __awsp_complete [line: string] {
    ^awsp __complete nu -- $line
    | complete
    | get stdout
    | lines
    | where {|l| $l != '' }
    | each {|l|
        let p = ($l | split row "\t")
        {value: $p.0, description: ($p | get -o 1 | default '')}
    }
}

# Prompt segment. Show it with `awsp_prompt`:
#   $env.PROMPT_COMMAND_RIGHT = {|| awsp_prompt }
# A pre_prompt hook keeps it current and runs the binary only when the profile or region
# changed, after a switch, when the time shown moves on, or every $env.AWSP_PROMPT_INTERVAL
# seconds (60), to see a login made in another terminal; other prompts cost a comparison
# and nushell's own clock. The compared state holds whether each access key variable is
# set (exported keys override the profile, and the segment says so), never a key itself.
# The state is a record, which nushell does not pass to other programs.
$env.__AWSP_PROMPT = {state: '', next: 0, segment: ''}

def --env __awsp_prompt_reset [] {
    $env.__AWSP_PROMPT = ($env.__AWSP_PROMPT | upsert next 0)
}

def --env __awsp_prompt_update [] {
    let now = ((date now | into int) // 1_000_000_000)
    let e = $env
    let v = {|name| $e | get -o $name | default '' }
    let state = ([
        (do $v AWS_PROFILE) (do $v AWS_DEFAULT_PROFILE) (do $v AWS_REGION)
        (do $v AWS_DEFAULT_REGION) (do $v AWS_CREDENTIAL_EXPIRATION)
        (if (do $v AWS_ACCESS_KEY_ID) != '' { 'keys' } else { '' })
        (if (do $v AWS_SECRET_ACCESS_KEY) != '' { 'secret' } else { '' })
        (do $v AWS_CONFIG_FILE) (do $v AWS_SHARED_CREDENTIALS_FILE)
        (do $v AWSP_PROMPT_FORMAT)
        (if 'NO_COLOR' in $e { 'nocolor' } else { '' })
    ] | str join '|')
    let cached = $env.__AWSP_PROMPT
    if $state == $cached.state and $now < $cached.next {
        return
    }
    let out = if ((do $v AWS_PROFILE) + (do $v AWS_DEFAULT_PROFILE)) != '' {
        ^awsp prompt --shell nu --cache | complete | get stdout | lines
    } else {
        []
    }
    let every = ((do $v AWSP_PROMPT_INTERVAL) | default '60' | into string)
    let every = if ($every =~ '^[0-9]+$') { $every | into int } else { 60 }
    let next = ($out | get -o 1 | default '0')
    let next = if ($next =~ '^[0-9]+$') { $next | into int } else { 0 }
    let due = $now + $every
    $env.__AWSP_PROMPT = {
        state: $state
        next: (if $next > 0 and $next < $due { $next } else { $due })
        segment: ($out | get -o 0 | default '')
    }
}

# The segment (empty when no profile is active).
def awsp_prompt [] {
    $env.__AWSP_PROMPT?.segment? | default ''
}

$env.config = ($env.config? | default {} | upsert hooks.pre_prompt (
    $env.config?.hooks?.pre_prompt? | default [] | append {|| __awsp_prompt_update }
))
