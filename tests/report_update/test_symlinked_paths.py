"""``report update`` through a symlinked root or body path is idempotent: a render written
through the link names its files as a direct render does (the files manifest once listed each
figure twice, ``../figures/...`` and ``../../link/figures/...``)."""

from __future__ import annotations

import pytest

from personageo.report import PublishTarget, render_report
from personageo.report.update import update_report
from tests.report.conftest import snapshot
from tests.report_update.helpers import write_results


@pytest.mark.parametrize("through", ["root", "body"])
def test_update_through_a_symlink_changes_nothing_twice(tmp_path, through, runs):
    real = tmp_path / "real"
    write_results(real, runs.toy())
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    render_report(PublishTarget(issue=7, root=real))
    rendered = snapshot(real)
    if through == "root":
        opts = PublishTarget(issue=7, root=tmp_path / "link")
    else:
        opts = PublishTarget(issue=7, root=real, body=tmp_path / "link/reports/issue_7.md")

    first, _ = update_report(opts)
    assert first.unchanged and snapshot(real) == rendered
    second, _ = update_report(opts)
    assert second.unchanged and snapshot(real) == rendered
