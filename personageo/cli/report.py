"""``personageo report``: the write-up commands, one module each, imported when invoked.

``fetch-issue`` and ``lint-comment`` are the two steps the GitHub Action (``action.yml``) runs
around ``personageo lint``: read an issue's body, keep one lint-report comment on it.
"""

from __future__ import annotations

import click

from personageo.cli.main import LazyGroup

#: subcommand -> ("module[:attr]", one-line help shown without importing the module)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("personageo.cli.report_render", "Render the write-up of issue N: body and figures."),
    "update": ("personageo.cli.report_update",
               "Re-render against new results, keeping human-owned regions."),
    "preview": ("personageo.cli.report_preview", "The body as one self-contained HTML page."),
    "post": ("personageo.cli.report_post", "Post the write-up into its tracker issue, in place."),
    "fetch-issue": ("personageo.cli.report_post:fetch_issue_command",
                    "Write an issue's body (and metadata) to files, for linting in CI."),
    "lint-comment": ("personageo.cli.report_post:lint_comment_command",
                     "Keep ONE marked lint-report comment on the issue, edited in place."),
}


@click.group(name="report", cls=LazyGroup, lazy_commands=SUBCOMMANDS)
def command() -> None:
    """Render, update and post clean-result write-ups."""
