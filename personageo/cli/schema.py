"""``personageo schema``: print (or write) the JSON Schema of ``run_result.json`` (v1.1), or
of the experiment config (``--config``)."""

from __future__ import annotations

import click

from personageo.files import atomic_write_text
from personageo.schema import json_schema_text


@click.command("schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the schema to this file instead of stdout.")
@click.option("--config", "config", is_flag=True,
              help="The schema of the experiment config YAML instead (for editors: "
                   "schemas/experiment_config.schema.json).")
def command(output: str | None, config: bool) -> None:
    """Print the JSON Schema of run_result.json (schema v1.1), or of the experiment config."""
    if config:
        from personageo.config._load import config_schema_text

        text = config_schema_text()
    else:
        text = json_schema_text()
    if output:
        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
