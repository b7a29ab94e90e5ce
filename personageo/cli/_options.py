"""Options shared by the stage commands (train, extract, analyze, run)."""

from __future__ import annotations

import click

#: ``--set KEY.PATH=VALUE`` (repeatable): override one config value for this invocation
set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
    help="Override a config value for this run (repeatable; the value is YAML), e.g. "
         "--set analysis.n_perm=999 --set subset.personas=[villain,teacher].")
