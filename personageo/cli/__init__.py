"""Command-line interface: one click group, each subcommand in its own module, loaded lazily."""
