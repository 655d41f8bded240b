# awsp shell integration for elvish. Load it from ~/.config/elvish/rc.elv:
#   if (has-external awsp) { eval (awsp init elvish | slurp) }

use str

# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. The binary prints elvish code on stdout and
# talks to the person on the terminal; the code is evaluated only when it exits 0 (else
# the binary's exit status is raised as an exception, as for any external command).
fn __CMD__ {|@args|
    var first = ''
    if (> (count $args) 0) {
        set first = $args[0]
    }
    # The binary's own subcommands (the list comes from its CLI). The next prompt asks
    # again: a login or logout changes the session's time left.
    if (has-value __PASS__ $first) {
        e:awsp $@args
        return
    }
    var call = [use --shell elvish $@args]
    if (or (==s $first off) (==s $first use) (==s $first clear)) {
        var sub rest = $first $args[1..]
        if (==s $sub off) {
            set sub = clear
        }
        set call = [$sub --shell elvish $@rest]
    }
    var code = (e:awsp $@call | slurp)
    # Only code the binary generated as code starts with its marker line; anything else
    # (help, a version) is text to show, never to evaluate.
    if (str:has-prefix $code "__MARKER__\n") {
        eval $code
    } elif (!=s $code '') {
        print $code
    }
}

# Completion: the binary completes profile names, subcommands and flags; a line
# `NAME<TAB>ABOUT` carries a description (a profile's account and role).
fn __awsp_complete {|@words|
    e:awsp __complete elvish -- $@words 2>/dev/null | from-lines | each {|l|
        var p = [(str:split "\t" $l)]
        if (== (count $p) 2) {
            put [$p[0] $p[1]]
        } elif (!=s $l '') {
            put [$l '']
        }
    }
}

# Prompt segment, printed by `awsp_prompt` (nothing when no profile is active):
#   set edit:rprompt = { awsp_prompt }
# elvish has no clock without a process, so the segment is asked for at each prompt;
# elvish draws prompts in the background, so the prompt does not wait for it.
fn awsp_prompt {
    if (or (has-env AWS_PROFILE) (has-env AWS_DEFAULT_PROFILE)) {
        try {
            print (e:awsp prompt --shell elvish 2>/dev/null | slurp | str:trim-right (one) "\n")
        } catch {
        }
    }
}

# In an interactive elvish the function, the prompt helper and the completer reach the
# REPL's namespace; elsewhere (a script) the `edit:` module does not exist.
try {
    eval 'edit:add-var __CMD__~ $f; edit:add-var awsp_prompt~ $p
          set edit:completion:arg-completer[__CMD__] = {|@w|
              $c $@w | each {|x| edit:complex-candidate $x[0] &display=(if (==s $x[1] "") { put $x[0] } else { put $x[0]"  "$x[1] }) }
          }' &ns=(ns [&f=$__CMD__~ &p=$awsp_prompt~ &c=$__awsp_complete~])
} catch {
}
