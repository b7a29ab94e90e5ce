"""YAML frontmatter (``---`` ... ``---`` at the top of a tracker export) split from the body."""

from __future__ import annotations

from personageo.errors import InputError, Location


def split_frontmatter(text: str, path: str = "<input>") -> tuple[dict | None, tuple[int, int] | None, str]:
    """Return ``(metadata, (first_line, last_line), text_with_frontmatter_blanked)``.

    The frontmatter is recognised only when the first line is exactly ``---`` and a later line is
    ``---`` or ``...``; otherwise the text is returned unchanged (a leading ``---`` is then a
    thematic break). Blanking keeps every later line at its original number.

    Raises
    ------
    InputError
        When the frontmatter is not a YAML mapping, with the line and column of the YAML error.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, None, text
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if close is None:
        return None, None, text
    block = "\n".join(lines[1:close])
    from personageo.yaml_safe import load_yaml  # only bodies with frontmatter pay for it

    try:
        meta = load_yaml(block, path, first_line=2, what="frontmatter") if block.strip() else {}
    except InputError as exc:
        raise InputError(exc.message, exc.location,
                         hint="fix the YAML between the two '---' lines") from None
    if not isinstance(meta, dict):
        raise InputError("frontmatter must be a YAML mapping (key: value lines)",
                         Location(path, 2, 1))
    blanked = [""] * (close + 1) + lines[close + 1:]
    return meta, (1, close + 1), "\n".join(blanked)
