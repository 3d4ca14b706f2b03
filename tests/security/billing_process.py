"""``hostlane billing run`` in a process of its own, as a scheduler or a person starts it, for the crash test.

Each run is a real process (its own pid, its own database connections, killed by SIGKILL like any other), forked from
a multiprocessing fork server that loaded Hostlane once: loading Python and Hostlane costs a second or two of CPU,
more than the run's own work on a batch, and would otherwise be paid again by every run of every test.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from multiprocessing.context import ForkServerContext

from hostlane.cli import app
from hostlane.config import use_settings

CONTEXT: ForkServerContext = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload([__name__])  # the server imports this module, hence Hostlane's command line


def run_command(args: list[str], environment: dict[str, str], output: str) -> None:
    """In the child: the command ``hostlane <args>`` with exactly ``environment``, its output written to ``output``."""
    os.environ.clear()
    os.environ.update(environment)
    use_settings(None)  # the settings are read from this environment
    with open(output, "w") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        app(args=args, prog_name="hostlane")  # exits the process with the command's status
