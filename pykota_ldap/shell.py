"""Commands from pykota.conf, made safe for /bin/sh before anything of a job reaches them.

The backend runs as root, and user names, titles, file names, billing codes and options are
typed by whoever prints. So no value is ever written into a command's text: a placeholder
`%(name)s` becomes a reference to the environment variable PYKOTA<NAME> (`%(username)s` is
$PYKOTAUSERNAME), which holds the value when the command runs. The shell expands a variable
once and never reads its value as code; the reference is always inside double quotes, so the
value stays one word, byte for byte, whatever it holds:

    unquoted      %(title)s      ->  "${PYKOTATITLE}"
    in "..."      "%(title)s"    ->  "${PYKOTATITLE}"        (the admin's quotes, kept)
    in '...'      '%(title)s'    ->  '"${PYKOTATITLE}"'      (leaves the single quotes for it)

`%%` is a literal `%` (PyKota's commands went through Python's % operator); any other `%` is
left as it is. A command that hands a string to another shell (sh -c '...', su -c, ssh)
makes that shell read the value as code: there, write "$PYKOTATITLE" inside the inner
command instead of a placeholder.
"""
from __future__ import annotations

import re

# The placeholders a command may use: each names the variable PYKOTA<NAME> the backend sets.
JOB_PLACEHOLDERS = ("username", "originalusername", "printername", "jobid", "title", "copies", "options",
                    "filename", "jobbilling", "md5sum", "jobsizebytes", "joboriginatinghostname", "datafile")
# Set for some commands only (mailto, the hooks, askconfirmation); empty elsewhere.
STEP_PLACEHOLDERS = ("action", "reason", "message", "email", "phase", "jobsize", "jobprice",
                     "precomputedjobsize", "precomputedjobprice")
PLACEHOLDERS = JOB_PLACEHOLDERS + STEP_PLACEHOLDERS

_PLACEHOLDER = re.compile(r"%\((\w*)\)s")
_PERCENT_FORM = re.compile(r"%\([^)]*\)?.?")

PLAIN, DOUBLE, SINGLE, SUBSHELL, BACKTICK = "plain", "double", "single", "subshell", "backtick"


def variable(placeholder: str) -> str:
    return "PYKOTA" + placeholder.upper()


def _reference(name: str, context: str) -> str:
    ref = "${" + variable(name) + "}"
    if context == DOUBLE:
        return ref
    if context == SINGLE:
        return "'\"" + ref + "\"'"
    return '"' + ref + '"'


def _step(command: str, i: int, stack: list[str]) -> int:
    """Follow the shell's quoting over the text at i (pushing and popping contexts on stack);
    returns how many characters that was."""
    context, char = stack[-1], command[i]
    if context == SINGLE:
        if char == "'":
            stack.pop()
        return 1
    if char == "\\":
        return 2
    if command.startswith("$(", i):
        stack.append(SUBSHELL)
        return 2
    if char == "`":
        if context == BACKTICK:
            stack.pop()
        else:
            stack.append(BACKTICK)
        return 1
    if context == DOUBLE:
        if char == '"':
            stack.pop()
        return 1
    return _step_unquoted(command, i, stack)


def _step_unquoted(command: str, i: int, stack: list[str]) -> int:
    char = command[i]
    if char == "#" and (i == 0 or command[i - 1] in " \t\n;&|("):
        end = command.find("\n", i)                   # a comment, to the end of the line
        return (end if end != -1 else len(command)) - i
    if char == "'":
        stack.append(SINGLE)
    elif char == '"':
        stack.append(DOUBLE)
    elif char == ")" and stack[-1] == SUBSHELL:
        stack.pop()
    return 1


def _walk(command: str) -> tuple[list[str], list[str], list[str]]:
    """(the command with references in place of placeholders, as pieces; the placeholder names
    met; the contexts still open at the end)."""
    pieces: list[str] = []
    names: list[str] = []
    stack = [PLAIN]
    i = 0
    while i < len(command):
        if command.startswith("%%", i):
            pieces.append("%")
            i += 2
            continue
        found = _PLACEHOLDER.match(command, i)
        if found:
            names.append(found.group(1))
            pieces.append(_reference(found.group(1), stack[-1]))
            i = found.end()
            continue
        length = _step(command, i, stack)
        pieces.append(command[i:i + length])
        i += length
    return pieces, names, stack[1:]


def with_references(command: str) -> str:
    """The command as /bin/sh will run it: every placeholder a quoted variable reference."""
    return "".join(_walk(command)[0])


def placeholders(command: str) -> list[str]:
    return _walk(command)[1]


def problem(command: str) -> str | None:
    """What keeps the command from running as the admin meant, in words, or None."""
    if not command.strip():
        return "an empty command"
    _, names, still_open = _walk(command)
    unknown = [name for name in names if name.lower() not in PLACEHOLDERS]
    if unknown:
        return (f"unknown placeholder %({unknown[0]})s (known: "
                + ", ".join(f"%({name})s" for name in PLACEHOLDERS) + ")")
    for match in _PERCENT_FORM.finditer(command.replace("%%", "")):
        if not _PLACEHOLDER.fullmatch(match.group(0)):
            return f"'{match.group(0)}' is not a placeholder: write %(name)s, or %% for a literal %"
    if still_open:
        what = {DOUBLE: 'a " quote', SINGLE: "a ' quote", SUBSHELL: "a $( ... )", BACKTICK: "a ` quote"}
        return f"{what[still_open[-1]]} is never closed"
    return None
