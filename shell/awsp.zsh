# awsp shell integration for zsh. Load it with:  eval "$(awsp init zsh)"

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
    if __awsp_code="$(command awsp "$1" --shell zsh "${@:2}")"; then
        eval "$__awsp_code"
        __awsp_prompt_reset
    else
        return $?
    fi
}

# Completion: the binary completes profile names, subcommands and flags.
__awsp_complete() {
    local -a __awsp_cands
    __awsp_cands=("${(@f)$(command awsp __complete zsh -- "${(@)words[1,CURRENT]}" 2>/dev/null)}")
    compadd -Q -a __awsp_cands
}
if (( ${+functions[compdef]} )); then
    compdef __awsp_complete __CMD__
fi

# Prompt segment.
__awsp_prompt_reset() { :; }
