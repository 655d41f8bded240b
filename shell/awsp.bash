# awsp shell integration for bash. Load it with:  eval "$(awsp init bash)"

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. The binary prints shell code on stdout and
# talks to the person on the terminal; the code is evaluated only when it exits 0.
__CMD__() {
    local __awsp_code
    case "${1-}" in
        init | list | current | prompt | login | status | exec | doctor | demo | help | __complete | -h | --help | -V | --version)
            command awsp "$@"
            return
            ;;
        off) shift && set -- clear "$@" ;;
        use | clear) ;;
        *) set -- use "$@" ;;
    esac
    if __awsp_code="$(command awsp "$1" --shell bash "${@:2}")"; then
        eval "$__awsp_code"
        __awsp_prompt_reset
    else
        return $?
    fi
}

# Completion: the binary completes profile names, subcommands and flags.
__awsp_complete() {
    local IFS=$'\n'
    # shellcheck disable=SC2207 # one candidate per line, names hold no spaces
    COMPREPLY=($(command awsp __complete bash -- "${COMP_LINE:0:COMP_POINT}" 2>/dev/null))
}
complete -o nosort -F __awsp_complete __CMD__ 2>/dev/null || complete -F __awsp_complete __CMD__

# Prompt segment.
__awsp_prompt_reset() { :; }
