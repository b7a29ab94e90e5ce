"""What a re-render keeps of the body it replaces: the human regions (same rule as ``update``).

``report render --overwrite`` (and ``personageo run``) replace generated text; the text people
wrote in human regions (``## Human TL;DR`` and any ``personageo:human`` region) is carried into
the new body by id, and a region the new render has no place for stops the render (its text
would be lost) instead of being dropped.
"""

from __future__ import annotations

from personageo.errors import InputError, Location
from personageo.files import sha256_text
from personageo.report import _regions as R
from personageo.schema.bindings import claims_of, strip_keys


def keep_human_regions(rendered) -> list[str]:
    """Carry the human regions of the body at ``rendered.body_path`` (if any) into
    ``rendered`` (body, sidecar and files updated in place); return the ids carried.

    Raises
    ------
    InputError
        The existing body cannot be read, or one of its human regions has no place in the new
        render.
    """
    path = rendered.body_path
    if rendered.sidecar is None or not path.exists():
        return []
    try:
        old_text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the body to replace: {exc}", Location(str(path))) from None
    old = R.parse(old_text)
    if not old.marked and not old.humans:  # a body from before regions: TL;DR by its heading
        old = R.parse(R.mark(old_text)[0])
    if not old.humans:
        return []
    for h in old.humans:  # inline keys copied into human text name entries of the old table
        for i in range(h.begin + 1, h.end):
            old.lines[i] = strip_keys(old.lines[i])
    body, _claims, kept, orphans = R.splice(rendered.body, rendered.sidecar.claims, old)
    if orphans:
        raise InputError(f"{len(orphans)} human region(s) of the existing body have no place in "
                         "the new render: their text would be lost", Location(str(path),
                                                                              orphans[0].begin + 1),
                         details=[f"{path}:{h.begin + 1}: region '{h.id}'" for h in orphans],
                         hint="move that text into the narrative file (or a human region it "
                              "declares), or delete it from the body, then render again")
    body = body if body.endswith("\n") else body + "\n"
    rendered.body = body
    rendered.sidecar = claims_of(body, sha256_text(body))  # the bindings the body carries
    rendered.files[path] = body.encode("utf-8")
    return kept
