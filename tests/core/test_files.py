import os
import stat

import pytest

from personageo.errors import InputError
from personageo.files import atomic_write_text, guard_overwrite, read_json, sha256_file


def test_atomic_write_uses_umask_mode_and_keeps_existing_mode(tmp_path):
    old = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "a.txt", "x")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644
        os.chmod(p, 0o600)
        atomic_write_text(p, "y")
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert p.read_text() == "y"
    finally:
        os.umask(old)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "a.json"
    atomic_write_text(p, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(p, "new")
    monkeypatch.undo()
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.json"]


def test_guard_overwrite_and_read_json_errors(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('{"a": }')
    with pytest.raises(InputError, match="overwrite"):
        guard_overwrite(p, overwrite=False)
    guard_overwrite(p, overwrite=True)
    with pytest.raises(InputError) as err:
        read_json(p)
    assert f"{p}:1:7" in str(err.value)
    with pytest.raises(InputError, match="not found"):
        read_json(tmp_path / "missing.json")
    assert len(sha256_file(p)) == 64
