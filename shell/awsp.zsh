# awsp shell integration for zsh. Load it with:  eval "$(awsp init zsh)"

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
    __awsp_code="$(command awsp "$1" --shell zsh "${@:2}")" || return
    # Only code the binary generated as code starts with its marker line; anything else
    # (help, a version) is text to show, never to evaluate.
    if [[ $__awsp_code == '__MARKER__'$'\n'* ]]; then
        eval "$__awsp_code"
        __awsp_prompt_reset
    elif [[ -n $__awsp_code ]]; then
        print -r -- "$__awsp_code"
    fi
}

# Completion: the binary completes profile names, subcommands and flags; a line
# `NAME<TAB>ABOUT` adds a description (a profile's account and role).
__awsp_complete() {
    local -a __awsp_lines __awsp_cands __awsp_descs
    local __awsp_line
    __awsp_lines=("${(@f)$(command awsp __complete zsh -- "${(@)words[1,CURRENT]}" 2>/dev/null)}")
    for __awsp_line in "${__awsp_lines[@]}"; do
        [[ -n $__awsp_line ]] || continue
        __awsp_cands+=("${__awsp_line%%$'\t'*}")
        __awsp_descs+=("${__awsp_line/$'\t'/  -- }")
    done
    compadd -Q -l -d __awsp_descs -a __awsp_cands
}
# compinit may run after this file (oh-my-zsh, zinit, a hand-written .zshrc): then
# `compdef` does not exist yet, and the registration waits for the first prompt.
__awsp_compdef() {
    (( ${+functions[compdef]} )) || return 0
    compdef __awsp_complete __CMD__
    precmd_functions=(${precmd_functions:#__awsp_compdef})
}
if (( ${+functions[compdef]} )); then
    compdef __awsp_complete __CMD__
else
    typeset -ga precmd_functions
    if (( ! ${precmd_functions[(Ie)__awsp_compdef]} )); then
        precmd_functions+=(__awsp_compdef)
    fi
fi

# Prompt segment. Show it with `${AWSP_SEGMENT}` in single quotes and prompt_subst:
#   setopt prompt_subst; RPROMPT='${AWSP_SEGMENT}'
# A precmd hook keeps it current and runs the binary only when the profile or region
# changed, after a switch, when the time shown moves on, or every $AWSP_PROMPT_INTERVAL
# seconds (60), to see a login made in another terminal; other prompts cost a comparison.
# The compared state holds whether each access key variable is set (exported keys
# override the profile, and the segment says so), never a key itself.
typeset -g AWSP_SEGMENT=
typeset -g __awsp_prompt_state=
typeset -gi __awsp_prompt_next=0
zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
__awsp_prompt_reset() { __awsp_prompt_next=0; }
__awsp_prompt_update() {
    emulate -L zsh
    local now=${EPOCHSECONDS-} state out next every=${AWSP_PROMPT_INTERVAL-60}
    [[ -n $now ]] || now=${(%):-%D{%s}}
    state="${AWS_PROFILE-}|${AWS_DEFAULT_PROFILE-}|${AWS_REGION-}|${AWS_DEFAULT_REGION-}|${AWS_CREDENTIAL_EXPIRATION-}|${AWS_ACCESS_KEY_ID:+keys}|${AWS_SECRET_ACCESS_KEY:+secret}|${AWS_CONFIG_FILE-}|${AWS_SHARED_CREDENTIALS_FILE-}|${AWSP_PROMPT_FORMAT-}|${NO_COLOR+nocolor}"
    if [[ $state == "$__awsp_prompt_state" ]] && (( now < __awsp_prompt_next )); then
        return 0
    fi
    __awsp_prompt_state=$state
    if [[ -n ${AWS_PROFILE-}${AWS_DEFAULT_PROFILE-} ]]; then
        out=$(command awsp prompt --shell zsh --cache 2>/dev/null)
    fi
    AWSP_SEGMENT=${out%%$'\n'*}
    next=${out#*$'\n'}
    [[ $every == <-> ]] || every=60
    __awsp_prompt_next=$(( now + every ))
    if [[ $next == <-> ]] && (( next > 0 && next < __awsp_prompt_next )); then
        __awsp_prompt_next=$next
    fi
    return 0
}
typeset -ga precmd_functions
if (( ! ${precmd_functions[(Ie)__awsp_prompt_update]} )); then
    precmd_functions+=(__awsp_prompt_update)
fi
