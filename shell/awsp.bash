# awsp shell integration for bash. Load it with:  eval "$(awsp init bash)"

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. The binary prints shell code on stdout and
# talks to the person on the terminal; the code is evaluated only when it exits 0.
__CMD__() {
    local __awsp_code
    case "${1-}" in
        # The binary's own subcommands (the list comes from its CLI). The next prompt asks
        # again: a login or logout changes the session's time left.
        __PASS__)
            __awsp_prompt_reset
            command awsp "$@"
            return
            ;;
        off) shift && set -- clear "$@" ;;
        use | clear) ;;
        *) set -- use "$@" ;;
    esac
    __awsp_code="$(command awsp "$1" --shell bash "${@:2}")" || return
    # Only code the binary generated as code starts with its marker line; anything else
    # (help, a version) is text to show, never to evaluate.
    if [[ $__awsp_code == '__MARKER__'$'\n'* ]]; then
        eval "$__awsp_code"
        __awsp_prompt_reset
    elif [[ -n $__awsp_code ]]; then
        printf '%s\n' "$__awsp_code"
    fi
}

# Completion: the binary completes profile names, subcommands and flags.
__awsp_complete() {
    # One candidate a line, taken as it is: no word splitting, no pathname expansion.
    local __awsp_line
    COMPREPLY=()
    while IFS= read -r __awsp_line; do
        COMPREPLY+=("$__awsp_line")
    done < <(command awsp __complete bash -- "${COMP_LINE:0:COMP_POINT}" 2>/dev/null)
}
complete -o nosort -F __awsp_complete __CMD__ 2>/dev/null || complete -F __awsp_complete __CMD__

# Prompt segment. Show it with `${AWSP_SEGMENT}` inside single quotes:  PS1='${AWSP_SEGMENT} \$ '
# PROMPT_COMMAND keeps it current and runs the binary only when the profile or region
# changed, after a switch, when the time shown moves on, or every $AWSP_PROMPT_INTERVAL
# seconds (60), to see a login made in another terminal; other prompts cost a comparison.
# The compared state holds whether each access key variable is set (exported keys
# override the profile, and the segment says so), never a key itself.
# The clock: EPOCHSECONDS (bash 5), printf's %(%s)T (bash 4.2), else (macOS's bash 3.2)
# the time at load plus SECONDS, so no prompt forks `date`.
AWSP_SEGMENT=
((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 402)) || __awsp_epoch=$(($(date +%s) - SECONDS))
__awsp_prompt_state=
__awsp_prompt_next=0
__awsp_prompt_reset() { __awsp_prompt_next=0; }
__awsp_prompt_update() {
    local __awsp_status=$? __awsp_now=${EPOCHSECONDS-} __awsp_state __awsp_out __awsp_next __awsp_every
    if [[ -z $__awsp_now ]]; then
        if [[ -n ${__awsp_epoch-} ]]; then
            __awsp_now=$((__awsp_epoch + SECONDS))
        else
            printf -v __awsp_now '%(%s)T' -1
        fi
    fi
    __awsp_state="${AWS_PROFILE-}|${AWS_DEFAULT_PROFILE-}|${AWS_REGION-}|${AWS_DEFAULT_REGION-}|${AWS_CREDENTIAL_EXPIRATION-}|${AWS_ACCESS_KEY_ID:+keys}|${AWS_SECRET_ACCESS_KEY:+secret}|${AWS_CONFIG_FILE-}|${AWS_SHARED_CREDENTIALS_FILE-}|${AWSP_PROMPT_FORMAT-}|${NO_COLOR+nocolor}"
    if [[ $__awsp_state != "$__awsp_prompt_state" ]] || ((__awsp_now >= __awsp_prompt_next)); then
        __awsp_prompt_state=$__awsp_state
        __awsp_out=
        if [[ -n ${AWS_PROFILE-}${AWS_DEFAULT_PROFILE-} ]]; then
            __awsp_out=$(command awsp prompt --shell bash --cache 2>/dev/null)
        fi
        # shellcheck disable=SC2034 # read by PS1
        AWSP_SEGMENT=${__awsp_out%%$'\n'*}
        __awsp_next=${__awsp_out#*$'\n'}
        __awsp_every=${AWSP_PROMPT_INTERVAL-60}
        [[ $__awsp_every =~ ^[0-9]+$ ]] || __awsp_every=60
        __awsp_prompt_next=$((__awsp_now + __awsp_every))
        if [[ $__awsp_next =~ ^[0-9]+$ ]] && ((__awsp_next > 0 && __awsp_next < __awsp_prompt_next)); then
            __awsp_prompt_next=$__awsp_next
        fi
    fi
    return "$__awsp_status"
}
# Appended, so that commands before it still see $? and PIPESTATUS; an array
# PROMPT_COMMAND (bash 5.1) gets a new element.
if [[ "${PROMPT_COMMAND[*]-}" != *__awsp_prompt_update* ]]; then
    if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) && [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
        PROMPT_COMMAND+=(__awsp_prompt_update)
    else
        # shellcheck disable=SC2128,SC2178 # before bash 5.1 only element 0 runs
        PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__awsp_prompt_update"
    fi
fi
