"""The ``personageo`` click group.

Subcommands live in their own modules under :mod:`personageo.cli` and are imported only when
invoked (click's documented lazy-group pattern), so ``personageo --help`` never imports torch.
Each module exposes a click object named ``command``; a module that cannot be imported is
an error, never a missing command.

Exit codes: 0 clean, 1 findings (lint/verify errors), 2 usage or input errors.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from personageo import __version__
from personageo.errors import PersonageoError

#: command name -> (module, one-line help shown by ``--help`` without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("personageo.cli.init", "Start an experiment: a commented config and a narrative."),
    "train": ("personageo.cli.train", "Fine-tune checkpoints (full-parameter SFT or LoRA)."),
    "extract": ("personageo.cli.extract", "Extract per-question persona activations."),
    "analyze": ("personageo.cli.analyze", "Activations + config -> validated run_result.json."),
    "verify": ("personageo.cli.verify", "Audit a results file's own statistics."),
    "schema": ("personageo.cli.schema", "Print or export the results JSON Schema."),
    "report": ("personageo.cli.report", "Render, update and post clean-result write-ups."),
    "lint": ("personageo.cli.lint", "Lint a write-up and bind its numbers to the results."),
    "run": ("personageo.cli.run", "Run every stage from one config (train ... lint)."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use.

    ``lazy_commands`` maps a subcommand name to ``(module, one-line help)``; the module exposes
    the click object as ``command`` (or as the attribute named after a colon: ``module:attr``).
    """

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str]] | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = COMMANDS if lazy_commands is None else lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy_commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return None
        module_name, _, attr = self.lazy_commands[cmd_name][0].partition(":")
        module = importlib.import_module(module_name)  # a broken module is an error
        return getattr(module, attr or "command")

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, self.lazy_commands[n][1]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "auto_envvar_prefix": "PERSONAGEO"})
@click.version_option(__version__, "--version", prog_name="personageo")
def cli() -> None:
    """personageo: persona-geometry experiments, from training to a verified write-up."""


def run_command(command: click.Command, argv: list[str] | None, prog_name: str) -> int:
    """Run a click command the way every personageo entry point does: a
    :class:`PersonageoError` prints ``error: ...`` and exits 2, findings exit 1."""
    try:
        rc = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except PersonageoError as err:
        click.echo(f"error: {err}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except (Exception, RecursionError, MemoryError) as exc:  # a bug: still not "findings"
        if os.environ.get("PERSONAGEO_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {str(exc)[:200]}\n"
                   "  hint: this is a bug in personageo; rerun with PERSONAGEO_DEBUG=1 for the "
                   "traceback and report it", err=True)
        return 2
    # without standalone mode click *returns* the code of a ``click.exceptions.Exit`` raised
    # inside a command (e.g. exit 1 for findings) instead of raising it
    return rc if isinstance(rc, int) and not isinstance(rc, bool) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``personageo``."""
    return run_command(cli, argv, "personageo")

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
