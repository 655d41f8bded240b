# awsp shell integration for fish. Load it with:
#   command -q awsp; and awsp init fish | source
# (the `command -q` keeps fish quiet at start-up when the binary is not installed).

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. The binary prints shell code on stdout and
# talks to the person on the terminal; the code is evaluated only when it exits 0.
function __CMD__ --description 'Switch AWS profiles'
    switch "$argv[1]"
        # The binary's own subcommands (the list comes from its CLI).
        case __PASS__
            command awsp $argv
            return $status
        case off
            set argv clear $argv[2..-1]
        case use clear
        case '*'
            set argv use $argv
    end
    set -l __awsp_code (command awsp $argv[1] --shell fish $argv[2..-1] | string collect)
    set -l __awsp_status $pipestatus[1]
    test $__awsp_status -eq 0; or return $__awsp_status
    # Only code the binary generated as code starts with its marker line; anything else
    # (help, a version) is text to show, never to evaluate.
    if string match -q -- '__MARKER__'\n'*' "$__awsp_code"
        printf '%s\n' $__awsp_code | source
        __awsp_prompt_reset
    else if test -n "$__awsp_code"
        printf '%s\n' $__awsp_code
    end
    return 0
end

# Completion: the binary completes profile names, subcommands and flags; fish shows the
# description after a tab (a profile's account and role).
complete -c __CMD__ -f -a '(command awsp __complete fish -- (commandline -opc) (commandline -ct))'

# Prompt segment. Call `awsp_prompt` from fish_prompt or fish_right_prompt:
#   function fish_right_prompt; awsp_prompt; end
# It prints the segment (nothing when no profile is active) and keeps $status.
function awsp_prompt --description 'Print the awsp prompt segment'
    set -l __awsp_status $status
    if test -n "$AWS_PROFILE$AWS_DEFAULT_PROFILE"; and command -q awsp
        printf '%s' (command awsp prompt --shell fish 2>/dev/null)
    end
    return $__awsp_status
end

# The segment is computed on every prompt: nothing to forget after a switch.
function __awsp_prompt_reset
end
