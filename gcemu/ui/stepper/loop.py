"""``gcemu step``: the loops that feed a `Stepper` its command lines.

On a terminal the prompt is prompt_toolkit's (history, completion of commands, names,
keys and event kinds, from `Stepper.candidates`); from a pipe it reads one command per
line, echoes it after the prompt, and exits with status 2 if any command failed (each
failure is one line on stderr naming the input line).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from gcemu.errors import GcemuError
from gcemu.ui.scenario import prepare
from gcemu.ui.stepper.schedule import ScheduleStepper
from gcemu.ui.stepper.stepper import Stepper
from gcemu.ui.tables import console


def _banner(stepper: Stepper, source: str) -> None:
    c = stepper.cycle
    stepper.say(f"gcemu step {source}: model {stepper.heap.model.name}, cycle {c.number} "
                f"(phase {c.phase}, step {c.steps}). Type help for the commands.", "bold")


def _completer(stepper: Stepper):
    from prompt_toolkit.completion import Completer, WordCompleter
    from prompt_toolkit.document import Document

    class StepperCompleter(Completer):
        """Commands first; then names, map keys, event kinds as the command wants."""

        def get_completions(self, document: Document, complete_event):
            text = document.text_before_cursor
            words = text.split()
            index = len(words) if (not words or text.endswith(" ")) else len(words) - 1
            words_for = WordCompleter(stepper.candidates(words, index), WORD=True,
                                      sentence=False)
            yield from words_for.get_completions(document, complete_event)

    return StepperCompleter()


def interactive_loop(stepper: Stepper, history_file: str | None = None) -> int:
    """The terminal loop: prompt_toolkit's PromptSession with history and completion."""
    from prompt_toolkit import PromptSession  # 70 ms: only for a terminal
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history = FileHistory(history_file) if history_file else InMemoryHistory()
    session = PromptSession(history=history, completer=_completer(stepper),
                            complete_while_typing=False)
    while True:
        try:
            line = session.prompt(stepper.prompt())
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        if not run_line(stepper, line):
            return 0


def run_line(stepper: Stepper, line: str) -> bool:
    """One command at the terminal: an error is one red line, Ctrl-C (while stepping
    or while the end-of-cycle report is built) returns to the prompt. False: quit."""
    try:
        return stepper.execute(line)
    except GcemuError as e:
        stepper.say(f"error: {e}", "bold red")
    except KeyboardInterrupt:
        stepper.say(f"interrupted at step {stepper.cycle.steps} (`report` shows the report "
                    f"once the cycle is over)", "bold")
    return True


def line_loop(stepper: Stepper, stream: Any, echo: bool = True, interactive: bool = False,
              source: str = "<stdin>", prompt_to: Any = None) -> int:
    """Commands one per line (a pipe, a file, a list of lines): each is echoed after
    the prompt; a failing command is one line on stderr naming its line, and the
    status is 2 if any failed. ``prompt_to``: a stream to write the prompt to before
    each line is read (a terminal whose output goes elsewhere)."""
    failed = 0
    lines = iter(stream) if not hasattr(stream, "readline") else None
    n = 0
    while True:
        if prompt_to is not None:
            prompt_to.write(stepper.prompt())
            prompt_to.flush()
        try:
            raw = next(lines) if lines is not None else stream.readline()
        except StopIteration:
            break
        except KeyboardInterrupt:
            return 130
        if not raw:
            break
        n += 1
        line = raw.rstrip("\r\n")
        if echo:
            stepper.say(stepper.prompt() + line, "dim")
        try:
            if not stepper.execute(line):
                break
        except GcemuError as e:
            failed += 1
            msg = " ".join(str(e).split())
            if interactive:
                stepper.say(f"error: {msg}", "bold red")
            else:
                sys.stdout.flush()
                print(f"gcemu: error: {source}:{n}: {msg}", file=sys.stderr, flush=True)
    return 2 if failed else 0


def check_history(path: str | None) -> None:
    """``--history FILE``: a file that can be created or appended to, else one line."""
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise GcemuError(f"--history {p}: is a folder; give a file, e.g. {p / 'gcemu-history'}")
    if not p.parent.is_dir():
        raise GcemuError(f"--history {p}: no such folder {p.parent}")
    try:
        with p.open("a", encoding="utf-8"):
            pass
    except OSError as e:
        raise GcemuError(f"--history {p}: cannot write: {e.strerror or e}") from None


def run_stepper(scn, model: str, seed: int = 0, history_file: str | None = None,
                schedule: str | None = None, gomaxprocs: int = 2) -> int:
    """``gcemu step``: the scenario's heap, then a cycle stepped from the terminal
    (prompt_toolkit) or from the lines of a pipe. With a terminal for input but not
    for output (``gcemu step x.py | tee log``), lines are read plainly and the prompt
    goes to stderr. With ``schedule``: that schedule of the scenario's goroutines,
    replayed and stepped one lane per goroutine (`ScheduleStepper`)."""
    check_history(history_file)
    out = console()
    if schedule is not None:
        stepper = ScheduleStepper(scn.func, schedule, model, seed, gomaxprocs, out)
        stepper.say(f"gcemu step {scn.path} --schedule {schedule}: model {model}, "
                    f"{len(stepper.rows)} step points. Type help for the commands.", "bold")
        stepper.say(stepper.header(), "bold")
    else:
        stepper = Stepper(prepare(scn, model, seed), out, source=str(scn.path))
        _banner(stepper, str(scn.path))
    if sys.stdin.isatty() and sys.stdout.isatty():
        return interactive_loop(stepper, history_file)
    prompt_to = sys.stderr if sys.stdin.isatty() and sys.stderr.isatty() else None
    return line_loop(stepper, sys.stdin, prompt_to=prompt_to)


__all__ = ["interactive_loop", "line_loop", "run_stepper"]
