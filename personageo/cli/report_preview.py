"""``personageo report preview --issue N``: the body as a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("preview")
@click.option("--issue", type=int, required=True, help="Tracker issue number N.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Research repo root (default: the git repository of the current directory).")
@click.option("--body", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The body (default ROOT/reports/issue_N.md).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The page (default: the body's path with .preview.html).")
def command(issue: int, root: Path | None, body: Path | None, output: Path | None) -> None:
    """Write the body of issue N as one HTML page rendered as the tracker shows it
    (collapsible sections, tables, figures inlined), to open in any browser offline."""
    from personageo.cli._target import git_root
    from personageo.report.preview import write_preview

    root = root or git_root()
    out, preview = write_preview(body or root / "reports" / f"issue_{issue}.md", root, output)
    click.echo(f"wrote {out} ({len(preview.images)} figure(s) inlined)")
