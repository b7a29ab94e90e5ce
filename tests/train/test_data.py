import json
import sys
import types

import pytest

from personageo.errors import InputError
from personageo.train.data import fingerprint_rows, read_chat_jsonl, read_hf_dataset

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}


def _write(tmp_path, lines):
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("bad, line, col, pointer, words", [
    ('{"messages": [', 2, 15, None, "invalid JSON"),
    ('   {"msgs": []}', 2, 4, None, "'messages'"),
    ('{"messages": [{"role": "bot", "content": "x"}]}', 2, 1, "/messages/0/role", "role"),
    ('{"messages": [{"role": "user", "content": 3}]}', 2, 1, "/messages/0/content", "string"),
    ('{"messages": [{"role": "user", "content": "x"}]}', 2, 1, "/messages", "assistant"),
])
def test_malformed_rows_name_file_line_col(tmp_path, bad, line, col, pointer, words):
    p = _write(tmp_path, [json.dumps(GOOD), bad])
    with pytest.raises(InputError) as err:
        read_chat_jsonl(p)
    loc = err.value.location
    assert (loc.path, loc.line, loc.col, loc.pointer) == (str(p), line, col, pointer)
    assert words in err.value.message
    assert str(err.value).startswith(f"{p}:{line}:{col}")


def test_fingerprint_is_order_and_content_sensitive(tmp_path):
    other = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    p = _write(tmp_path, [json.dumps(GOOD), "", json.dumps(other)])
    data = read_chat_jsonl(p)
    assert len(data.rows) == 2 and data.sources == [f"{p}:1", f"{p}:3"]
    # independent canonical form: sorted keys, compact separators, one line per row
    import hashlib
    canon = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n"
                    for r in (GOOD, other))
    assert data.fingerprint == hashlib.sha256(canon.encode()).hexdigest()
    assert fingerprint_rows(data.rows[::-1]) != data.fingerprint
    assert read_chat_jsonl(p, first_n=1).fingerprint == fingerprint_rows(data.rows[:1])


def test_hf_dataset_path_with_fake_datasets_module(monkeypatch):
    calls = {}

    def load_dataset(name, split, revision, streaming):
        calls.update(name=name, split=split, revision=revision, streaming=streaming)
        return iter([GOOD, GOOD, {"messages": [{"role": "user", "content": "q"}]}])

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    data = read_hf_dataset("org/set", "train", revision="abc123", first_n=2)
    assert calls == {"name": "org/set", "split": "train", "revision": "abc123", "streaming": True}
    assert len(data.rows) == 2 and data.origin["revision"] == "abc123"
    with pytest.raises(InputError) as err:
        read_hf_dataset("org/set", "train", revision="abc123", first_n=3)
    assert err.value.location.pointer == "/2/messages"
