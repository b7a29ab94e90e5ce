"""The options that name a write-up's :class:`~personageo.report.PublishTarget`, shared by
``report render`` and ``report update``: the command receives ONE ``target`` parameter."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from personageo.cli._params import ISSUE, REPO

_FILE = click.Path(dir_okay=False, path_type=Path)
_FIELDS = ("issue", "root", "body", "results", "baseline", "narrative", "figures_dir", "repo",
           "commit", "allow_branch_url")


def git_root() -> Path:
    """The current git repository's top folder, else the working directory."""
    from personageo.report._git import repo_toplevel

    return repo_toplevel(Path.cwd()) or Path.cwd()


def publish_target_options(body: tuple[str, ...], body_help: str, *,
                           results_help: str = "Results file (default: "
                                                "ROOT/eval_results/issue_N/run_result.json).",
                           baseline_help: str = "Baseline results file.",
                           commit_help: str = "Pin figure URLs to this commit now.",
                           narrative_help: str = "Narrative file (default: "
                                                 "ROOT/reports/issue_N.narrative.md if present)."):
    """Add --issue, --root, the body option (``body``: its flags), --results, --baseline,
    --narrative, --figures-dir, --repo, --commit and --allow-branch-url; the command gets them
    as one ``target`` (``--root`` defaulting to the current git repository)."""
    options = [
        click.option("--issue", type=ISSUE, required=True, help="Tracker issue number N."),
        click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Research repo root (default: the current git repo's root)."),
        click.option(*body, "body", type=_FILE, default=None, help=body_help),
        click.option("--results", type=_FILE, default=None, help=results_help),
        click.option("--baseline", type=_FILE, default=None, help=baseline_help),
        click.option("--narrative", type=_FILE, default=None, help=narrative_help),
        click.option("--figures-dir", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Figure folder (default: ROOT/figures/issue_N/)."),
        click.option("--repo", default=None, type=REPO, metavar="OWNER/NAME",
                     help="GitHub repository for issue links (default: from the origin "
                          "remote)."),
        click.option("--commit", default=None, metavar="SHA", help=commit_help),
        click.option("--allow-branch-url", is_flag=True,
                     help="Accept a branch name for --commit."),
    ]

    def decorate(fn):
        @functools.wraps(fn)
        def with_target(*args, **kwargs):
            from personageo.report.target import PublishTarget

            fields = {name: kwargs.pop(name) for name in _FIELDS}
            fields["root"] = fields["root"] or git_root()
            return fn(*args, target=PublishTarget(**fields), **kwargs)

        for option in reversed(options):
            with_target = option(with_target)
        return with_target

    return decorate
