"""The markdown layer: a body is parsed once, and every reader reads the same object.

lint (structure and numbers), ``report update``/``post``/``preview`` and the schema's in-body
bindings all read bodies through this package; nothing else builds a markdown-it parser, reads
a front matter or converts offsets to line/column. It imports only the leaf helpers.

Public API::

    body = parse_body(text, path)      Body: .text .lines .source (SourceText) .front
                                       .tokens .tables .code_lines .regions .body_start
                                       .first_heading(level) .images()
    read_front_matter(lines, path)     FrontMatter | None: .close .yaml .title_line
                                       .body_start .lines_1based .load() .data()
    write_front_matter(meta, body)     the inverse: body prefixed by meta as YAML
    SourceText(text)                   .line(n) .offset(line, col) .position(offset) .span(a, b)
    Span, BlockCursor                  1-based ranges; in-order search inside one block
    find_tables(tokens)                [Table(line, end_line, rows=[Row(line, header, cells)])]
    split_row(line), cell_columns(line)  cell bounds of a pipe-table row
    BodyRegions, Region, Problem       regions between the markers of :mod:`.markers`
    render_html(text, image=hook)      the tracker's rendering (preview)
"""

from personageo.markdown._body import Body, normalise, parse_body, split_lines
from personageo.markdown._front import FrontMatter, read_front_matter, write_front_matter
from personageo.markdown._positions import BlockCursor, SourceText, Span
from personageo.markdown._regions import BodyRegions, Problem, Region, find_regions
from personageo.markdown._tables import Row, Table, cell_columns, find_tables, split_row
from personageo.markdown._tokens import render_html, tokenize

__all__ = [
    "BlockCursor", "Body", "BodyRegions", "FrontMatter", "Problem", "Region", "Row",
    "SourceText", "Span", "Table", "cell_columns", "find_regions", "find_tables", "normalise",
    "parse_body", "read_front_matter", "render_html", "split_lines", "split_row", "tokenize",
    "write_front_matter",
]
