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
# It returns the segment (empty when no profile is active) and keeps $LASTEXITCODE.
function global:awsp_prompt {
    if (-not ($env:AWS_PROFILE -or $env:AWS_DEFAULT_PROFILE)) { return '' }
    $bin = Get-Command -CommandType Application -Name awsp -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $bin) { return '' }
    # Unset until a native command has run; reading it then fails under strict mode.
    $hadCode = Test-Path -Path variable:global:LASTEXITCODE
    $saved = if ($hadCode) { $global:LASTEXITCODE } else { 0 }
    try {
        $segment = __awsp_utf8 { & $bin prompt --shell powershell 2>$null }
    } catch {
        $segment = ''
    } finally {
        if ($hadCode) {
            $global:LASTEXITCODE = $saved
        } else {
            Remove-Variable -Name LASTEXITCODE -Scope Global -ErrorAction SilentlyContinue
        }
    }
    return (@($segment) -join '')
}

# The segment is computed on every prompt: nothing to forget after a switch.
function global:__awsp_prompt_reset { }
