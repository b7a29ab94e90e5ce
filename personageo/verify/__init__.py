"""``personageo verify``: audit a results file's own statistics.

Recomputes everything that can be recomputed from the file (and, with ``--baseline``, from the
file its baseline deltas came from) and reports each inconsistency as a :class:`Finding` with a
stable code (table: :data:`CODES`), a record path, a message and the expected value.

Public surface: :func:`verify_files`, :func:`verify_run`, :func:`read_questions`,
:func:`format_text`, :func:`format_json`, :func:`format_github`, :class:`Finding`, :class:`VerifyResult`, :data:`CODES`.
"""

from personageo.verify._findings import CODES, Code, Finding, VerifyResult
from personageo.verify._format import format_github, format_json, format_text
from personageo.verify._questions import Question, read_questions
from personageo.verify._run import verify_files, verify_run

__all__ = ["CODES", "Code", "Finding", "Question", "VerifyResult", "format_github", "format_json",
           "format_text", "read_questions", "verify_files", "verify_run"]
