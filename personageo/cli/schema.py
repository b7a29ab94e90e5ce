"""``personageo schema``: print (or write) the JSON Schema of ``run_result.json`` (v1.1)."""

from __future__ import annotations

import click

from personageo.files import atomic_write_text
from personageo.schema import json_schema_text


@click.command("schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the schema to this file instead of stdout.")
def command(output: str | None) -> None:
    """Print the JSON Schema of run_result.json (schema v1.1)."""
    text = json_schema_text()
    if output:
        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
