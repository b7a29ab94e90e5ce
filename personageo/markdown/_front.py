"""The one front-matter reader: a ``---`` YAML block at the top of a body or narrative.

A front matter is recognised only when the first line is ``---`` (trailing blanks allowed) and a
later line is ``---`` or ``...``; otherwise there is none, and a leading ``---`` is a thematic
break of the body. Its YAML is loaded only when asked for (:meth:`FrontMatter.data`), through the
one bounded loader (:func:`personageo.yaml_safe.load_yaml`), so that finding where the body
starts never pays for YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from personageo.errors import InputError, Location

_OPEN = "---"
_CLOSE = ("---", "...")
_NOT_LOADED = object()


@dataclass
class FrontMatter:
    """Where the front matter is (0-based line indices of the text's lines) and its YAML."""

    close: int
    """0-based index of the closing ``---`` (or ``...``) line; the opening one is line 0."""
    yaml: str
    """The lines between the two markers, joined with ``\\n``."""
    title_line: int | None
    """0-based index of the first line that starts with ``title:``, if any."""
    path: str = "<input>"
    _data: object = field(default=_NOT_LOADED, repr=False, compare=False)

    @property
    def body_start(self) -> int:
        """0-based index of the first line after the front matter."""
        return self.close + 1

    @property
    def lines_1based(self) -> tuple[int, int]:
        """1-based ``(first, last)`` lines, both markers included."""
        return 1, self.close + 1

    def load(self) -> object:
        """The YAML value, whatever its type (``{}`` when the block is empty); loaded once.

        Raises
        ------
        InputError
            Invalid YAML, with its line and column in the file.
        """
        if self._data is _NOT_LOADED:
            self._data = _load(self.yaml, self.path)
        return self._data

    def data(self) -> dict:
        """The YAML as a mapping (``{}`` when the block is empty).

        Raises
        ------
        InputError
            Invalid YAML (with its line and column in the file) or YAML that is not a mapping.
        """
        data = self.load()
        if not isinstance(data, dict):
            raise InputError("front matter must be a YAML mapping (key: value lines)",
                             Location(self.path, 2, 1))
        return data


def _load(text: str, path: str) -> object:
    if not text.strip():
        return {}
    from personageo.yaml_safe import load_yaml  # only bodies with front matter pay for it

    try:
        return load_yaml(text, path, first_line=2, what="front matter")
    except InputError as exc:
        raise InputError(exc.message, exc.location,
                         hint="fix the YAML between the two '---' lines") from None


def write_front_matter(meta: dict, body: str) -> str:
    """``body`` prefixed by ``meta`` as a front matter (the inverse of :func:`read_front_matter`
    with :meth:`FrontMatter.data`)."""
    import yaml

    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"{_OPEN}\n{head}{_OPEN}\n{body}"


def read_front_matter(lines: list[str], path: str = "<input>") -> FrontMatter | None:
    """The front matter at the top of ``lines`` (a text split on ``\\n``), or ``None``."""
    if not lines or lines[0].rstrip() != _OPEN:
        return None
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _CLOSE), None)
    if close is None:
        return None
    title = next((i for i in range(1, close) if lines[i].startswith("title:")), None)
    return FrontMatter(close, "\n".join(lines[1:close]), title, path)
