# awsp shell integration for PowerShell. Load it with:
#   Invoke-Expression (& awsp init powershell | Out-String)

# The binary writes UTF-8. PowerShell decodes what a native command prints with
# [Console]::OutputEncoding, which on Windows is the console's code page unless set, so
# every call that reads the binary's output sets UTF-8 for its duration (profile names
# and paths may be non-ASCII) and puts the old encoding back.
function global:__awsp_utf8 {
    param([scriptblock]$Run)
    $saved = $null
    try {
        $saved = [Console]::OutputEncoding
        [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false)
    } catch {
        $saved = $null
    }
    try {
        & $Run
    } finally {
        if ($null -ne $saved) {
            try { [Console]::OutputEncoding = $saved } catch { }
        }
    }
}

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this session; every
# other subcommand runs the binary as it is. The binary prints PowerShell code on stdout
# and talks to the person on the terminal; the code is evaluated only when it exits 0.
function global:__CMD__ {
    $bin = Get-Command -CommandType Application -Name awsp -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $bin) {
        Write-Error 'awsp: the awsp binary is not on PATH'
        return
    }
    $first = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
    $rest = @(if ($args.Count -gt 1) { $args[1..($args.Count - 1)] })
    # The binary's own subcommands (the list comes from its CLI).
    $passThrough = __PASS__
    if ($passThrough -ccontains $first) {
        # The next prompt asks again: a login or a sync can change what it shows.
        __awsp_prompt_reset
        & $bin @args
        return
    }
    switch -CaseSensitive ($first) {
        'off' { $sub = 'clear' }
        'use' { $sub = 'use' }
        'clear' { $sub = 'clear' }
        default { $sub = 'use'; $rest = @($args) }
    }
    $code = @(__awsp_utf8 { & $bin $sub --shell powershell @rest })
    if ($LASTEXITCODE -ne 0) { return }
    # Only code the binary generated as code starts with its marker line; anything else
    # (help, a version) is text to show, never to evaluate.
    if ($code.Count -gt 0 -and $code[0] -ceq '__MARKER__') {
        Invoke-Expression ($code -join "`n")
        __awsp_prompt_reset
    } else {
        $code
    }
}

# Completion: the binary completes profile names, subcommands and flags.
Register-ArgumentCompleter -Native -CommandName '__CMD__' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $bin = Get-Command -CommandType Application -Name awsp -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $bin) { return }
    $line = $commandAst.Extent.Text
    $upto = $cursorPosition - $commandAst.Extent.StartOffset
    if ($upto -lt $line.Length) { $line = $line.Substring(0, [Math]::Max(0, $upto)) }
    # A line `NAME<TAB>ABOUT` carries a description (a profile's account and role).
    __awsp_utf8 { & $bin __complete powershell -- $line 2>$null } | ForEach-Object {
        $name, $about = $_ -split "`t", 2
        if (-not $about) { $about = $name }
        [System.Management.Automation.CompletionResult]::new($name, $name, 'ParameterValue', $about)
    }
}

# Prompt segment. Call `awsp_prompt` in your prompt function:
#   function prompt { "$(awsp_prompt) PS $($executionContext.SessionState.Path.CurrentLocation)> " }
# It returns the segment (empty when no profile is active) and keeps $LASTEXITCODE. It
# keeps the segment and runs the binary only when something it shows can have changed:
# the profile, region or key variables, after a switch or a subcommand through the
# function, when the time shown moves on, or every $env:AWSP_PROMPT_INTERVAL seconds
# (60), to see a login made elsewhere; other prompts cost a comparison and the clock. The
# compared state holds whether each access key variable is set, never a key itself.
$global:__awsp_prompt_state = $null
$global:__awsp_prompt_segment = ''
$global:__awsp_prompt_next = [long]0
function global:__awsp_prompt_reset { $global:__awsp_prompt_next = [long]0 }
function global:awsp_prompt {
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $state = @(
        $env:AWS_PROFILE, $env:AWS_DEFAULT_PROFILE, $env:AWS_REGION, $env:AWS_DEFAULT_REGION,
        $env:AWS_CREDENTIAL_EXPIRATION, [bool]$env:AWS_ACCESS_KEY_ID, [bool]$env:AWS_SECRET_ACCESS_KEY,
        $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE, $env:AWSP_PROMPT_FORMAT,
        (Test-Path -Path Env:NO_COLOR)
    ) -join '|'
    if ($state -ceq $global:__awsp_prompt_state -and $now -lt $global:__awsp_prompt_next) {
        return $global:__awsp_prompt_segment
    }
    $global:__awsp_prompt_state = $state
    $segment = ''
    $next = [long]0
    $bin = Get-Command -CommandType Application -Name awsp -ErrorAction SilentlyContinue | Select-Object -First 1
    if (($env:AWS_PROFILE -or $env:AWS_DEFAULT_PROFILE) -and $bin) {
        # Unset until a native command has run; reading it then fails under strict mode.
        $hadCode = Test-Path -Path variable:global:LASTEXITCODE
        $saved = if ($hadCode) { $global:LASTEXITCODE } else { 0 }
        try {
            # Two lines: the segment, and the Unix time at which it changes by itself (or 0).
            $out = @(__awsp_utf8 { & $bin prompt --shell powershell --cache 2>$null })
        } catch {
            $out = @()
        } finally {
            if ($hadCode) {
                $global:LASTEXITCODE = $saved
            } else {
                Remove-Variable -Name LASTEXITCODE -Scope Global -ErrorAction SilentlyContinue
            }
        }
        if ($out.Count -ge 1) { $segment = [string]$out[0] }
        if ($out.Count -ge 2) { [void][long]::TryParse([string]$out[1], [ref]$next) }
    }
    $every = [long]60
    $asked = [long]0
    if ($env:AWSP_PROMPT_INTERVAL -and [long]::TryParse($env:AWSP_PROMPT_INTERVAL, [ref]$asked) -and $asked -ge 0) {
        $every = $asked
    }
    $global:__awsp_prompt_next = $now + $every
    if ($next -gt 0 -and $next -lt $global:__awsp_prompt_next) { $global:__awsp_prompt_next = $next }
    $global:__awsp_prompt_segment = $segment
    return $segment
}
