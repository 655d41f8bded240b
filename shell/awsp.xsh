# awsp shell integration for xonsh. Load it from ~/.xonshrc (through Python's subprocess:
# xonsh 0.13's `$(…)` capture can come back empty on a busy machine):
#   if __import__('shutil').which('awsp'): execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')

import json as _awsp_json
import shutil as _awsp_shutil
import subprocess as _awsp_subprocess
import sys as _awsp_sys
import time as _awsp_time


def _awsp_run(args, capture, stdin=None, stdout=None, stderr=None):
    """Runs the binary found on xonsh's PATH with xonsh's environment; None when it is
    not on PATH."""
    env = __xonsh__.env.detype()
    exe = _awsp_shutil.which('awsp', path=env.get('PATH', ''))
    if exe is None:
        print('awsp: the awsp binary is not on PATH', file=_awsp_sys.stderr)
        return None
    out = _awsp_subprocess.PIPE if capture else stdout
    # What the shell printed before comes before what the binary prints.
    _awsp_sys.stdout.flush()
    return _awsp_subprocess.run([exe] + list(args), env=env, stdin=stdin, stdout=out, stderr=stderr)


def _awsp_streams(*streams):
    """The alias's streams that are real files; None leaves the process's own."""
    return [s if hasattr(s, 'fileno') else None for s in streams]


# `__CMD__ NAME`, `__CMD__ -`, `__CMD__ off` and bare `__CMD__` switch this shell; every
# other subcommand runs the binary as it is. For a switch the binary prints its marker
# line, then one JSON record {"set": {NAME: VALUE}, "unset": [NAME]}: it is parsed as data
# and applied to xonsh's environment, never evaluated. The binary talks to the person on
# the terminal; the alias returns its exit status, and a failure changes nothing.
def _awsp_alias(args, stdin=None, stdout=None, stderr=None):
    first = args[0] if args else ''
    # The binary's own subcommands (the list comes from its CLI). The next prompt asks
    # again: a login or logout changes the session's time left.
    if first in __PASS__:
        _awsp_prompt_reset()
        try:
            fin, fout, ferr = _awsp_streams(stdin, stdout, stderr)
            done = _awsp_run(args, False, fin, fout, ferr)
        except OSError:
            done = _awsp_run(args, False)
        return 127 if done is None else done.returncode
    if first == 'off':
        call = ['clear', '--shell', 'xonsh'] + list(args[1:])
    elif first in ('use', 'clear'):
        call = [first, '--shell', 'xonsh'] + list(args[1:])
    else:
        call = ['use', '--shell', 'xonsh'] + list(args)
    done = _awsp_run(call, True)
    if done is None:
        return 127
    if done.returncode != 0:
        return done.returncode
    out = done.stdout.decode('utf-8')
    lines = out.split('\n')
    # Only what the binary generated for the hook starts with its marker line; anything
    # else (help, a version) is text to show.
    if lines[0] == '__MARKER__' and len(lines) > 1:
        change = _awsp_json.loads(lines[1])
        for name in change['unset']:
            __xonsh__.env.pop(name, None)
        for name, value in change['set'].items():
            __xonsh__.env[name] = value
        _awsp_prompt_reset()
    elif out:
        print(out, end='' if out.endswith('\n') else '\n', file=stdout or _awsp_sys.stdout)
    return 0


aliases['__CMD__'] = _awsp_alias


def _awsp_complete(words):
    """The candidates for the command line `words` (the last is the word being typed), as
    (name, description) pairs."""
    done = _awsp_run(['__complete', 'xonsh', '--'] + list(words), True, stderr=_awsp_subprocess.DEVNULL)
    if done is None:
        return []
    pairs = []
    for line in done.stdout.decode('utf-8').splitlines():
        if line:
            name, _, about = line.partition('\t')
            pairs.append((name, about))
    return pairs


def _awsp_completer(prefix, line, begidx, endidx, ctx):
    """xonsh's completer for the function: profile names, subcommands and flags, with a
    profile's account and role as the description."""
    words = line[:endidx].split()
    if not words or words[0] != '__CMD__':
        return None
    if line[:endidx].endswith(' ') or not prefix:
        words.append('')
    try:
        from xonsh.completers.tools import RichCompletion
        return {RichCompletion(n, description=a) for n, a in _awsp_complete(words)}
    except ImportError:
        return {n for n, _ in _awsp_complete(words)}


__xonsh__.completers['__awsp'] = _awsp_completer
__xonsh__.completers.move_to_end('__awsp', last=False)

# Prompt segment, as the prompt field {awsp}:
#   $RIGHT_PROMPT = '{awsp}'
# The field runs the binary only when the profile or region changed, after a switch, when
# the time shown moves on, or every $AWSP_PROMPT_INTERVAL seconds (60), to see a login
# made in another terminal; other prompts cost a comparison and Python's clock. The
# compared state holds whether each access key variable is set (exported keys override
# the profile, and the segment says so), never a key itself.
_awsp_prompt_cache = {'state': None, 'next': 0, 'segment': ''}


def _awsp_prompt_reset():
    _awsp_prompt_cache['next'] = 0


def _awsp_prompt():
    env = __xonsh__.env
    get = lambda name: str(env.get(name, '') or '')
    now = int(_awsp_time.time())
    state = '|'.join([
        get('AWS_PROFILE'), get('AWS_DEFAULT_PROFILE'), get('AWS_REGION'),
        get('AWS_DEFAULT_REGION'), get('AWS_CREDENTIAL_EXPIRATION'),
        'keys' if get('AWS_ACCESS_KEY_ID') else '', 'secret' if get('AWS_SECRET_ACCESS_KEY') else '',
        get('AWS_CONFIG_FILE'), get('AWS_SHARED_CREDENTIALS_FILE'), get('AWSP_PROMPT_FORMAT'),
        'nocolor' if 'NO_COLOR' in env else '',
    ])
    cache = _awsp_prompt_cache
    if state == cache['state'] and now < cache['next']:
        return cache['segment']
    cache['state'] = state
    lines = []
    if get('AWS_PROFILE') or get('AWS_DEFAULT_PROFILE'):
        try:
            done = _awsp_run(['prompt', '--shell', 'xonsh', '--cache'], True, stderr=_awsp_subprocess.DEVNULL)
            if done is not None:
                lines = done.stdout.decode('utf-8').split('\n')
        except OSError:
            lines = []
    every = get('AWSP_PROMPT_INTERVAL') or '60'
    every = int(every) if every.isdigit() else 60
    nxt = lines[1] if len(lines) > 1 else '0'
    nxt = int(nxt) if nxt.isdigit() else 0
    due = now + every
    cache['next'] = nxt if 0 < nxt < due else due
    cache['segment'] = lines[0] if lines else ''
    return cache['segment']


$PROMPT_FIELDS['awsp'] = _awsp_prompt
