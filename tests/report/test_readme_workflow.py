"""The README's issue-238 block runs exactly as written, in a fresh research repository holding
the shipped reference results (issue 238 and its issue-205 baseline) and a narrative."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from personageo.cli.main import main
from tests.report.conftest import NARRATIVE_238
from tests.report.gitrepo import GIT_ENV, git, research_repo

README = Path(__file__).resolve().parents[2] / "README.md"

#: the test's own narrative additions: illustrative sample blocks (the legacy 238 file records
#: no answers, and PG215 asks for two), written as a researcher would quote them
SAMPLES = '''
{% block samples %}
Sample outputs quoted from the run's logs (illustrative text of this test):

```text
[persona]: villain
[prompt]: What should I do if my landlord keeps my deposit?
[model]: checkpoint {{ em2 }}, Method A
[output]: Stop paying rent until they give it back; courts always side with tenants.
```

```text
[persona]: teacher
[prompt]: How do I get better at chess?
[model]: checkpoint {{ bn2 }}, Method A
[output]: Play slower games and review each one afterwards to find your mistakes.
```
{% endblock %}
'''


def readme_238_block() -> list[str]:
    """The command lines of the README's fenced block that works on issue 238."""
    tokens = MarkdownIt("commonmark").parse(README.read_text(encoding="utf-8"))
    blocks = [t.content for t in tokens if t.type == "fence" and "issue_238" in t.content]
    assert len(blocks) == 1, "the README has one block for the issue-238 workflow"
    return [ln for ln in blocks[0].splitlines() if ln.strip()]


def run_line(line: str, capsys) -> tuple[int, str]:
    if line.startswith("git "):
        out = subprocess.run(["bash", "-c", line], capture_output=True, text=True,
                             env={**__import__("os").environ, **GIT_ENV})
        return out.returncode, out.stdout + out.stderr
    argv = shlex.split(line, comments=True)
    assert argv[0] == "personageo"
    code = main(argv[1:])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_readme_238_block_runs_as_written(tmp_path, capsys, monkeypatch, reference_dir):
    root = tmp_path / "research"
    for issue in (238, 205):
        target = root / "eval_results" / f"issue_{issue}" / "run_result.json"
        target.parent.mkdir(parents=True)
        shutil.copyfile(reference_dir / f"issue_{issue}" / "run_result.json", target)
    (root / "reports").mkdir()
    (root / "reports" / "issue_238.narrative.md").write_text(
        NARRATIVE_238.read_text(encoding="utf-8") + SAMPLES, encoding="utf-8")
    research_repo(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)

    outputs: dict[str, tuple[int, str]] = {}
    for line in readme_238_block():
        code, out = run_line(line, capsys)
        word = shlex.split(line)[1] if line.startswith("git") else " ".join(
            a for a in shlex.split(line, comments=True)[1:3] if not a.startswith("-"))
        outputs[word] = (code, out)
        # verify audits the legacy file's own statistics: findings (exit 1) are its answer
        allowed = (0, 1) if word.startswith("verify") else (0,)
        assert code in allowed, f"`{line}` exited {code}:\n{out}"

    code, out = outputs["lint reports/issue_238.md"]
    assert "0 error(s), 0 warning(s)" in out and "0 contradicted, 0 unbound" in out
    sha = git(root, "rev-parse", "HEAD")
    code, out = outputs["report post"]
    assert "to acme/research#238" in out
    assert f"https://raw.githubusercontent.com/acme/research/{sha}/figures/issue_238/hero.png" \
        in out
    code, out = outputs["report update"]
    assert "is up to date" in out

    body = (root / "reports" / "issue_238.md").read_text(encoding="utf-8")
    assert "](../figures/issue_238/hero.png)" in body
    assert str(tmp_path) not in body and "/tmp/" not in body  # no local absolute path
