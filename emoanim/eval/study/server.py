"""`emoanim study serve`: the raters' page and its JSON API on Python's standard-library HTTP server.

    GET  /                    the page (`emoanim.eval.study.page`)
    GET  /clips/c001.mp4      a clip (with byte ranges, which browsers use to stream and seek video)
    POST /api/start           {"rater": id}                       -> state
    POST /api/answer          {"rater", "trial", "natural", "sync", "emotion_left", "emotion_right", "seconds"}
                                                                  -> state, plus "stored": false for a repeat
    state = {"rater", "slot", "done", "total", "trial": {"id", "left", "right"} | null}

The next trial is always the first unanswered one in the rater's planned order, read from the database, so a reload,
a second tab or a server restart picks up exactly where the rater was.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from emoanim.emotion.classes import EMOTIONS
from emoanim.errors import InputError
from emoanim.eval.study.design import CHOICES, CLIPS_DIR, DATABASE, Study, load_study
from emoanim.eval.study.page import page_html
from emoanim.eval.study.store import Answer, AnswerStore

RATER_ID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
CLIP_NAME = re.compile(r"c\d{3,}\.mp4")
MAX_BODY_BYTES = 16_384  # an answer is ~200 bytes; anything far larger is not from our page
CHUNK_BYTES = 1 << 16
# The page needs nothing from anywhere else; the policy makes the browser refuse any outside request too.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "media-src 'self'; connect-src 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class BadRequest(Exception):
    """A request the page would never send; answered with 400 and this message."""


@dataclass
class StudyApp:
    """What the handlers share: the plan, the clips folder and the answer store."""

    study: Study
    folder: Path
    store: AnswerStore

    @classmethod
    def open(cls, folder: str | Path) -> "StudyApp":
        folder = Path(folder)
        study = load_study(folder)
        for clip in study.clips:
            if not (folder / clip.file).is_file():
                raise InputError("study clip is missing", path=folder / clip.file,
                                 hint="re-create the study, or restore the clips/ folder")
        return cls(study, folder, AnswerStore(folder / DATABASE))

    def state(self, rater: str) -> dict:
        slot = self.store.slot(rater, len(self.study.plans))
        trials = self.study.plans[slot].trials
        answered = self.store.answered(rater)
        pending = [t for t in trials if t.id not in answered]
        shown = None
        if pending:
            trial = pending[0]
            shown = {"id": trial.id, "left": self._clip_url(trial.left), "right": self._clip_url(trial.right)}
        return {"rater": rater, "slot": slot, "done": len(trials) - len(pending), "total": len(trials),
                "trial": shown}

    def answer(self, body: dict) -> dict:
        rater = _rater(body)
        slot = self.store.slot(rater, len(self.study.plans))
        trial = str(body.get("trial", ""))
        if trial not in {t.id for t in self.study.plans[slot].trials}:
            raise BadRequest(f"trial {trial!r} is not in rater {rater}'s list")
        for key in ("natural", "sync"):
            if body.get(key) not in CHOICES:
                raise BadRequest(f"{key} must be 'left' or 'right'")
        for key in ("emotion_left", "emotion_right"):
            if body.get(key) not in EMOTIONS:
                raise BadRequest(f"{key} must be one of {', '.join(EMOTIONS)}")
        seconds = body.get("seconds")
        if seconds is not None and not (isinstance(seconds, (int, float)) and 0 <= seconds < 86_400):
            raise BadRequest("seconds must be a number of seconds spent on the trial")
        stored = self.store.add(Answer(rater, trial, body["natural"], body["sync"], body["emotion_left"],
                                       body["emotion_right"], None if seconds is None else float(seconds)))
        return {**self.state(rater), "stored": stored}

    def clip_path(self, name: str) -> Path | None:
        return self.folder / CLIPS_DIR / name if CLIP_NAME.fullmatch(name) else None

    def _clip_url(self, clip_id: str) -> str:
        return self.study.clip(clip_id).file  # relative, e.g. "clips/c001.mp4"


def _rater(body: dict) -> str:
    rater = body.get("rater")
    if not isinstance(rater, str) or not RATER_ID.fullmatch(rater):
        raise BadRequest("rater id must be 1-64 letters, digits or -_.@")
    return rater


def make_handler(app: StudyApp, *, quiet: bool = False) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "emoanim-study"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            path = urlsplit(self.path).path
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, page_html().encode("utf-8"), "text/html; charset=utf-8")
            elif path.startswith("/clips/"):
                self._send_clip(path[len("/clips/"):])
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {path}"})

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            try:
                body = self._read_json()
                if path == "/api/start":
                    self._json(HTTPStatus.OK, app.state(_rater(body)))
                elif path == "/api/answer":
                    self._json(HTTPStatus.OK, app.answer(body))
                else:
                    self._json(HTTPStatus.NOT_FOUND, {"error": f"no such API: {path}"})
            except BadRequest as err:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(err)})

        def _read_json(self) -> dict:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                raise BadRequest("Content-Length is not a number") from None
            if not 0 < length <= MAX_BODY_BYTES:
                raise BadRequest(f"body must be 1 to {MAX_BODY_BYTES} bytes of JSON")
            try:
                body = json.loads(self.rfile.read(length))
            except (ValueError, UnicodeDecodeError):
                raise BadRequest("body is not JSON") from None
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            return body

        def _send_clip(self, name: str) -> None:
            path = app.clip_path(name)
            if path is None or not path.is_file():
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no such clip: {name}"})
                return
            size = path.stat().st_size
            start, end = 0, size - 1
            status = HTTPStatus.OK
            wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
            if wanted and (wanted[1] or wanted[2]):
                if wanted[1]:
                    start, end = int(wanted[1]), min(int(wanted[2]), size - 1) if wanted[2] else size - 1
                else:  # "bytes=-N": the last N bytes
                    start = max(0, size - int(wanted[2]))
                if start > end or start >= size:
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = HTTPStatus.PARTIAL_CONTENT
            self.send_response(status)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start + 1))
            if status == HTTPStatus.PARTIAL_CONTENT:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            with path.open("rb") as file:
                file.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = file.read(min(CHUNK_BYTES, left))
                    if not chunk:
                        break
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return  # the browser moved on (seeking, or a new trial); normal for media requests
                    left -= len(chunk)

        def _json(self, status: HTTPStatus, data: dict) -> None:
            self._send(status, json.dumps(data).encode("utf-8"), "application/json")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in SECURITY_HEADERS.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's signature)
            if not quiet:
                sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Handler


def make_server(folder: str | Path, host: str = "127.0.0.1", port: int = 8000, *,
                quiet: bool = False) -> ThreadingHTTPServer:
    """A server for the study in ``folder``, bound but not yet serving (call ``serve_forever``); port 0 picks a
    free port, readable from ``server.server_address``."""
    app = StudyApp.open(folder)
    try:
        server = ThreadingHTTPServer((host, port), make_handler(app, quiet=quiet))
    except OSError as err:
        raise InputError(f"cannot listen on {host}:{port} ({err.strerror})",
                         hint="choose another --port, or stop the program using it") from None
    server.daemon_threads = True  # a stalled video request must not keep the process alive on shutdown
    return server
