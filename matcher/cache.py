"""The embedding cache on disk, keyed by model and text hash (its folder: :func:`matcher.resources.cache_dir`)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """float32 vectors in SQLite, keyed by (model id, prompt kind, sha256(text)).

    Only hashes are stored, never the text. Safe to share between threads of one
    process; each process opens its own connection.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS emb (model TEXT, kind TEXT, key BLOB, vec BLOB, "
                "PRIMARY KEY (model, kind, key))"
            )

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def get_many(self, model: str, kind: str, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        out: dict[bytes, np.ndarray] = {}
        db = self._conn()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = ",".join("?" * len(chunk))
            for key, vec in db.execute(
                f"SELECT key, vec FROM emb WHERE model=? AND kind=? AND key IN ({q})", (model, kind, *chunk)
            ):
                out[bytes(key)] = np.frombuffer(vec, dtype=np.float32)
        return out

    def put_many(self, model: str, kind: str, items: list[tuple[bytes, np.ndarray]]) -> None:
        with self._conn() as db:
            db.executemany(
                "INSERT OR REPLACE INTO emb VALUES (?, ?, ?, ?)",
                [(model, kind, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )
