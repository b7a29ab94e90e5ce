"""A local stand-in for the GitHub REST endpoints ``report post`` uses, with injectable faults.

Serves under ``/api/v3`` (the GitHub Enterprise layout) on 127.0.0.1 and an ephemeral port:
GET/PATCH an issue, list (paginated, ``Link`` header)/create/update/delete comments, add/remove
labels. Every request is recorded (method, path, Authorization header). Faults are queued per
method + path regex; ``after=True`` applies the request before answering with the fault (a
write that succeeded but whose answer was lost).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/api/v3"


@dataclass
class Fault:
    method: str
    path_re: str
    status: int
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)
    times: int = 1
    after: bool = False


@dataclass
class Request:
    method: str
    path: str
    query: dict
    authorization: str | None
    body: dict | list | None


class FakeGitHub:
    """State + server. ``issues[n] = {"title", "body", "labels"}``; comments in a list."""

    def __init__(self, token: str | None, owner: str = "acme", repo: str = "research",
                 page_size: int = 30) -> None:
        self.token, self.owner, self.repo, self.page_size = token, owner, repo, page_size
        self.issues: dict[int, dict] = {}
        self.comments: list[dict] = []
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.allow_anonymous_reads = False
        self._next_id = 1000
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    # -- setup -------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base + PREFIX

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def add_issue(self, number: int, title: str, body: str, labels=()) -> None:
        self.issues[number] = {"title": title, "body": body, "labels": list(labels)}

    def add_comment(self, number: int, body: str) -> dict:
        self._next_id += 1
        c = {"id": self._next_id, "issue": number, "body": body}
        self.comments.append(c)
        return c

    def fail(self, method: str, path_re: str, status: int, **kw) -> None:
        self.faults.append(Fault(method, path_re, status, **kw))

    def comments_of(self, number: int) -> list[dict]:
        return [c for c in self.comments if c["issue"] == number]

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method != "GET"]

    def start(self) -> FakeGitHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- JSON shapes ---------------------------------------------------------------------------
    def _repo_url(self) -> str:
        return f"{self.api_url}/repos/{self.full_name}"

    def _label(self, name: str) -> dict:
        return {"id": abs(hash(name)) % 10_000, "name": name, "color": "ededed",
                "url": f"{self._repo_url()}/labels/{urllib.parse.quote(name)}"}

    def _issue_json(self, n: int) -> dict:
        i = self.issues[n]
        return {"id": n, "number": n, "title": i["title"], "body": i["body"], "state": "open",
                "labels": [self._label(x) for x in i["labels"]],
                "url": f"{self._repo_url()}/issues/{n}",
                "html_url": f"{self.base}/{self.full_name}/issues/{n}",
                "comments_url": f"{self._repo_url()}/issues/{n}/comments",
                "created_at": "2026-05-06T12:00:00Z", "updated_at": "2026-05-07T12:00:00Z",
                "user": {"login": "researcher", "id": 1}}

    def _comment_json(self, c: dict) -> dict:
        return {"id": c["id"], "body": c["body"],
                "url": f"{self._repo_url()}/issues/comments/{c['id']}",
                "html_url": f"{self.base}/{self.full_name}/issues/{c['issue']}#issuecomment-"
                            f"{c['id']}",
                "created_at": "2026-05-07T12:00:00Z", "updated_at": "2026-05-07T12:00:00Z",
                "user": {"login": "bot", "id": 2}}

    # -- routing -------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict, auth: str | None, data) -> tuple:
        with self._lock:
            self.requests.append(Request(method, path, query, auth, data))
            fault = next((f for f in self.faults if f.method == method
                          and re.fullmatch(f.path_re, path) and f.times > 0), None)
            if fault:
                fault.times -= 1
                if not fault.after:
                    return fault.status, fault.headers, fault.body
            ok = self.token is not None and auth in (f"token {self.token}",
                                                     f"Bearer {self.token}")
            if not ok and not (method == "GET" and self.allow_anonymous_reads and auth is None):
                return 401, {}, {"message": "Bad credentials"}
            result = self._route(method, path, query, data)
            if fault:  # after=True: the write happened, the answer is lost
                return fault.status, fault.headers, fault.body
            return result

    def _route(self, method, path, query, data) -> tuple:
        base = f"{PREFIX}/repos/{self.full_name}"
        m = re.fullmatch(re.escape(base) + r"/issues/(\d+)(/.*)?", path)
        if m and int(m.group(1)) in self.issues:
            n, rest = int(m.group(1)), m.group(2) or ""
            issue = self.issues[n]
            if rest == "" and method == "GET":
                return 200, {}, self._issue_json(n)
            if rest == "" and method == "PATCH":
                for k in ("title", "body"):
                    if k in data:
                        issue[k] = data[k]
                if "labels" in data:
                    issue["labels"] = list(data["labels"])
                return 200, {}, self._issue_json(n)
            if rest == "/comments" and method == "GET":
                return self._page(n, query)
            if rest == "/comments" and method == "POST":
                return 201, {}, self._comment_json(self.add_comment(n, data["body"]))
            if rest == "/labels" and method == "POST":
                names = data["labels"] if isinstance(data, dict) else data
                for name in names:
                    if name not in issue["labels"]:
                        issue["labels"].append(name)
                return 200, {}, [self._label(x) for x in issue["labels"]]
            if rest.startswith("/labels/") and method == "DELETE":
                name = urllib.parse.unquote(rest[len("/labels/"):])
                if name not in issue["labels"]:
                    return 404, {}, {"message": "Label does not exist"}
                issue["labels"].remove(name)
                return 200, {}, [self._label(x) for x in issue["labels"]]
        m = re.fullmatch(re.escape(base) + r"/issues/comments/(\d+)", path)
        if m:
            c = next((c for c in self.comments if c["id"] == int(m.group(1))), None)
            if c is None:
                return 404, {}, {"message": "Not Found"}
            if method == "PATCH":
                c["body"] = data["body"]
                return 200, {}, self._comment_json(c)
            if method == "DELETE":
                self.comments.remove(c)
                return 204, {}, None
        return 404, {}, {"message": "Not Found"}

    def _page(self, n: int, query: dict) -> tuple:
        size = min(int(query.get("per_page", 30)), self.page_size)
        page = int(query.get("page", 1))
        items = self.comments_of(n)
        chunk = items[(page - 1) * size: page * size]
        headers = {}
        if page * size < len(items):
            url = (f"{self._repo_url()}/issues/{n}/comments?"
                   f"{urllib.parse.urlencode({'per_page': size, 'page': page + 1})}")
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, headers, [self._comment_json(c) for c in chunk]

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between requests
            wbufsize = 1 << 16  # headers and body leave in one write

            def _serve(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                data = json.loads(raw) if raw else None
                status, headers, body = fake.handle(self.command, parsed.path, query,
                                                    self.headers.get("Authorization"), data)
                payload = body if isinstance(body, bytes) else (  # bytes: sent as they are
                    b"" if body is None else json.dumps(body).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in headers.items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler
