"""Click parameter types shared by the commands: values that end up in paths and URLs."""

from __future__ import annotations

import click

from personageo.files import parse_issue_number, parse_repo


class IssueNumber(click.ParamType):
    """A positive issue number in ASCII digits: ``int()`` would also take ``-1``, ``1_0`` and
    other scripts' digits, which would name files such as ``issue_-1.md``."""

    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        number = parse_issue_number(str(value))
        if number is None:
            self.fail(f"{value!r} is not a positive issue number (ASCII digits, e.g. 238)",
                      param, ctx)
        return number


class RepoName(click.ParamType):
    """``OWNER/NAME`` as GitHub allows them (no ``..``, no query string)."""

    name = "OWNER/NAME"

    def convert(self, value, param, ctx):
        if parse_repo(str(value).strip()) is None:
            self.fail(f"{value!r} is not OWNER/NAME (e.g. acme/research)", param, ctx)
        return str(value).strip()


ISSUE = IssueNumber()
REPO = RepoName()
