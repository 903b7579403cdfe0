"""Raters' answers in SQLite: safe under a threaded server, across restarts and against double submits.

WAL journaling lets the report read while the server writes, and a committed answer survives a crash or restart.
``UNIQUE(rater, trial)`` makes a repeated submit (a double click, a retried request after a lost reply) a no-op:
the first answer stands, and the caller is told it was a duplicate. One connection per call keeps threads apart
(sqlite3 connections must not be shared between threads by default).
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

BUSY_TIMEOUT_MS = 10_000  # a writer waits this long for another thread's transaction before failing

SCHEMA = """
CREATE TABLE IF NOT EXISTS raters (
    rater   TEXT PRIMARY KEY,
    slot    INTEGER NOT NULL,
    joined  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    rater         TEXT NOT NULL REFERENCES raters(rater),
    trial         TEXT NOT NULL,
    natural       TEXT NOT NULL CHECK (natural IN ('left', 'right')),
    sync          TEXT NOT NULL CHECK (sync IN ('left', 'right')),
    emotion_left  TEXT NOT NULL,
    emotion_right TEXT NOT NULL,
    seconds       REAL,
    submitted     REAL NOT NULL,
    UNIQUE (rater, trial)
);
"""


@dataclass(frozen=True)
class Answer:
    rater: str
    trial: str
    natural: str  # "left" / "right": the clip judged more natural
    sync: str  # the clip judged better in sync
    emotion_left: str  # an EMOTIONS name
    emotion_right: str
    seconds: float | None = None  # time on the trial page, as the browser measured it


class AnswerStore:
    """The study's SQLite file. Each method opens its own short connection."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys=ON")
            yield db

    def slot(self, rater: str, slots: int) -> int:
        """The rater's design slot, assigning the next one in turn (0, 1, ..., slots-1, 0, ...) on first sight."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # count and insert as one step, so two new raters never share a turn
            try:
                row = db.execute("SELECT slot FROM raters WHERE rater = ?", (rater,)).fetchone()
                if row is None:
                    count = db.execute("SELECT COUNT(*) FROM raters").fetchone()[0]
                    row = (count % slots,)
                    db.execute("INSERT INTO raters (rater, slot, joined) VALUES (?, ?, ?)",
                               (rater, row[0], time.time()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(row[0])

    def add(self, answer: Answer) -> bool:
        """Store ``answer``; True if new, False if this rater had already answered this trial (first one kept)."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO answers (rater, trial, natural, sync, emotion_left, emotion_right, seconds, submitted)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rater, trial) DO NOTHING",
                (answer.rater, answer.trial, answer.natural, answer.sync, answer.emotion_left, answer.emotion_right,
                 answer.seconds, time.time()),
            )
            return cursor.rowcount == 1

    def answered(self, rater: str) -> set[str]:
        with self._connect() as db:
            return {row[0] for row in db.execute("SELECT trial FROM answers WHERE rater = ?", (rater,))}

    def answers(self) -> list[Answer]:
        with self._connect() as db:
            rows = db.execute("SELECT rater, trial, natural, sync, emotion_left, emotion_right, seconds "
                              "FROM answers ORDER BY submitted, rowid").fetchall()
        return [Answer(*row) for row in rows]

    def raters(self) -> dict[str, int]:
        """rater id -> slot, for every rater who has started."""
        with self._connect() as db:
            return {rater: slot for rater, slot in db.execute("SELECT rater, slot FROM raters")}
