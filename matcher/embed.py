"""Embedding stage: an ``Encoder`` protocol and its implementations.

Vectors are float32, L2-normalised, shape ``(n, dim)``. ``kind`` selects the model's
prompt ("query" or "passage") where the model defines one (e5 does: ``query: ``/
``passage: ``); models without prompts ignore it.

Nothing here downloads: the Hugging Face hub is switched to offline mode before
sentence-transformers is imported, so a model name that is not already on disk fails
with a clear :class:`ModelError` instead of reaching the network.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal, Protocol, Sequence, runtime_checkable

import numpy as np

from . import resources
from .cache import EmbeddingCache, text_key
from .errors import ModelError

Kind = Literal["query", "passage"]

def default_model() -> str:
    """``$MATCHER_MODEL`` if set, else the default multilingual-e5-small folder that
    ``matcher model build`` makes (:func:`matcher.resources.default_model_dir`)."""
    return os.environ.get("MATCHER_MODEL") or str(resources.default_model_dir())


@runtime_checkable
class Encoder(Protocol):
    name: str  # identifies the model in caches, indexes and calibrations
    dim: int

    def encode(self, texts: Sequence[str], *, kind: Kind = "query") -> np.ndarray: ...


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)


class HashingEncoder:
    """A deterministic stand-in for a neural encoder: hashed character n-grams.

    Texts that share characters get similar vectors, so it is useful for tests of
    everything around the model (and a baseline). Not a language model.
    """

    def __init__(self, dim: int = 256, ngrams: tuple[int, ...] = (1, 2)):
        self.dim = dim
        self.ngrams = ngrams
        self.name = f"hashing-char{''.join(map(str, ngrams))}-{dim}"
        self.calls = 0

    def encode(self, texts: Sequence[str], *, kind: Kind = "query") -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            t = "".join(t.lower().split())
            for n in self.ngrams:
                for j in range(len(t) - n + 1):
                    h = int.from_bytes(hashlib.blake2b(t[j : j + n].encode(), digest_size=4).digest(), "little")
                    out[i, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
            if not out[i].any():
                out[i, 0] = 1.0
        return _l2(out)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by local path or by a name already on disk."""

    def __init__(self, model: str | None = None, *, device: str = "cpu", batch_size: int = 64):
        model = model or default_model()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = Path(model)
        if path == resources.default_model_dir() and not (path / "modules.json").is_file():
            raise ModelError(
                f"the default model is not built yet ({path}); run `matcher model build` "
                "(needs `pip install 'icap-matcher[model]'`)"
            )
        if model.startswith(("/", "./", "../", "~")) and not path.expanduser().exists():  # a path, not a hub name
            raise ModelError(f"cannot load the sentence-transformers model {model!r}: no such folder")
        try:
            import logging

            import torch
            from sentence_transformers import SentenceTransformer

            for name in ("transformers", "sentence_transformers"):
                logging.getLogger(name).setLevel(logging.ERROR)
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except ImportError:  # pragma: no cover
                pass
            torch.set_num_threads(max(1, os.cpu_count() or 1))
            self.model = SentenceTransformer(str(model), device=device, local_files_only=True)
        except ModelError:
            raise
        except Exception as exc:  # OSError, ValueError, HF errors: all mean "cannot load"
            raise ModelError(
                f"cannot load the sentence-transformers model {model!r}: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}. Give a local model folder, or a "
                "model name already in the Hugging Face cache (nothing is downloaded)."
            ) from None
        self.batch_size = batch_size
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.prompts = dict(getattr(self.model, "prompts", {}) or {})
        self.name = self._identity(model)

    @staticmethod
    def _identity(model: str) -> str:
        path = Path(model)
        if path.is_dir():
            h = hashlib.sha256()
            for f in sorted(path.rglob("*.json")):
                h.update(f.name.encode())
                h.update(f.read_bytes())
            st = path / "model.safetensors"
            if st.is_file():
                h.update(str(st.stat().st_size).encode())
            return f"{path.name}@{h.hexdigest()[:12]}"
        return model

    def encode(self, texts: Sequence[str], *, kind: Kind = "query") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = self.prompts.get(kind)
        vecs = self.model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


class CachedEncoder:
    """Wraps an encoder: deduplicates texts, serves repeats from memory or disk.

    ``persist=False`` keeps vectors in memory only (used for résumés: personal data
    is never written to disk, not even as embeddings).
    """

    def __init__(self, inner: Encoder, cache: EmbeddingCache | None = None, memory_items: int = 200_000):
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.dim = inner.dim
        self._memory: dict[tuple[str, bytes], np.ndarray] = {}
        self._memory_items = memory_items
        self.encoded = 0  # texts actually sent to the model
        self.requested = 0

    def encode(self, texts: Sequence[str], *, kind: Kind = "query", persist: bool = True) -> np.ndarray:
        self.requested += len(texts)
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        for k in set(keys):
            v = self._memory.get((kind, k))
            if v is not None:
                found[k] = v
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.cache is not None and persist:
            found.update(self.cache.get_many(self.name, kind, missing))
            missing = [k for k in missing if k not in found]
        if missing:
            first: dict[bytes, str] = {}
            for k, t in zip(keys, texts):
                first.setdefault(k, t)
            vecs = self.inner.encode([first[k] for k in missing], kind=kind)
            self.encoded += len(missing)
            new = list(zip(missing, vecs))
            found.update(new)
            if self.cache is not None and persist:
                self.cache.put_many(self.name, kind, new)
        if len(self._memory) > self._memory_items:
            self._memory.clear()
        if persist:
            for k in keys:
                self._memory[(kind, k)] = found[k]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)


def load_encoder(model: str | None = None) -> Encoder:
    """``"hashing"`` gives the test encoder; anything else is a sentence-transformers model."""
    if model == "hashing":
        return HashingEncoder()
    return SentenceTransformerEncoder(model)
