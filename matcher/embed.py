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
from .errors import MissingExtraError, ModelError

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


def model_identity(model: str) -> str:
    """The name a model is known by in caches, indexes and calibrations.

    For a folder: its name and a hash of its JSON files and weight size. The ``onnx/``
    export inside it is left out, so both backends of the same weights share the name.
    """
    path = Path(model)
    if not path.is_dir():
        return model
    h = hashlib.sha256()
    for f in sorted(path.rglob("*.json")):
        if f.relative_to(path).parts[0] in ("onnx", "onnx.partial"):
            continue
        h.update(f.name.encode())
        h.update(f.read_bytes())
    st = path / "model.safetensors"
    if st.is_file():
        h.update(str(st.stat().st_size).encode())
    return f"{path.name}@{h.hexdigest()[:12]}"


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
        self.name = model_identity(model)

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


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indexes of ``lengths`` sorted shortest first and cut into batches of at most ``batch_size``
    items and ``max_tokens`` once padded to the batch's longest (a longer item stands alone)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < batch_size and (len(batches[-1]) + 1) * lengths[i] <= max_tokens:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


class OnnxEncoder:
    """The same model on ONNX Runtime: no torch, sentence-transformers or transformers imported.

    Reads the export that ``matcher model build`` writes into ``<model>/onnx/`` (see
    :func:`matcher.convert.export_onnx`): the tokenizer runs through the ``tokenizers``
    library, token embeddings are gathered from a memory-mapped matrix, ONNX Runtime runs the
    rest (mean pooling and L2 normalisation included). Texts are prefixed with the model's
    prompt for ``kind`` and stripped, as sentence-transformers does, then encoded in
    length-sorted batches of at most ``batch_size`` texts and ``max_tokens`` padded tokens,
    which bounds memory (16 texts a batch took the least CPU time per clause on real
    postings, against 4, 8, 32 and 64). ``name`` is the PyTorch encoder's name for the same
    weights.
    """

    def __init__(self, model: str | None = None, *, batch_size: int = 16, max_tokens: int = 1024,
                 threads: int | None = None):
        folder = onnx_folder(model or default_model())
        if folder is None:
            raise ModelError(
                f"no ONNX export in {model or default_model()}; run `matcher model build` "
                "(needs `pip install -e '.[model,onnx]'`), or use `--backend torch`"
            )
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingExtraError(exc.name or "onnxruntime", "onnx") from None
        import json

        config = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
        self.name = str(config["name"])
        self.dim = int(config["dim"])
        self.prompts = dict(config.get("prompts") or {})
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._pad_id = int(config["pad_id"])
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._tokenizer.enable_truncation(int(config["max_length"]))
            self._tokenizer.no_padding()
            self._embeddings = np.load(folder / "word_embeddings.npy", mmap_mode="r")
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
            opts.inter_op_num_threads = 1
            # no busy-waiting between runs: it takes cores from tokenising and scoring
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"cannot load the ONNX export in {folder}: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}; rebuild it with "
                             "`matcher model build --force`") from None

    def encode(self, texts: Sequence[str], *, kind: Kind = "query") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        prompt = self.prompts.get(kind, "")
        ids = [e.ids for e in self._tokenizer.encode_batch([(prompt + t).strip() for t in texts])]
        for rows in length_batches([len(x) for x in ids], self.batch_size, self.max_tokens):
            width = len(ids[rows[-1]])
            batch = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            x = np.ascontiguousarray(self._embeddings[batch], dtype=np.float32)
            out[rows] = self._session.run(None, {"inputs_embeds": x, "attention_mask": mask})[0]
        return out


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


BACKENDS = ("onnx", "torch")
ONNX_DIR = "onnx"  # the export's folder inside a model folder


def onnx_ready(model_dir: str | Path) -> bool:
    """Whether ``model_dir`` holds a complete ONNX export (written by :func:`matcher.convert.export_onnx`)."""
    d = Path(model_dir) / ONNX_DIR
    return all((d / f).is_file() for f in ("model.onnx", "word_embeddings.npy", "tokenizer.json", "encoder.json"))


def onnx_folder(model: str) -> Path | None:
    """The ONNX export of ``model`` (the ``onnx/`` folder inside it, or the folder itself), if built."""
    path = Path(model)
    for folder, parent in ((path / ONNX_DIR, path), (path, path.parent)):
        if folder.name == ONNX_DIR and onnx_ready(parent):
            return folder
    return None


def choose_backend(model: str | None = None, backend: str | None = None) -> str:
    """``backend``, else ``$MATCHER_BACKEND``, else ``onnx`` where the model has an ONNX export
    and onnxruntime is installed, else ``torch``."""
    backend = backend or os.environ.get("MATCHER_BACKEND") or None
    if backend is not None:
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        return backend
    import importlib.util

    if onnx_folder(model or default_model()) is not None and importlib.util.find_spec("onnxruntime") is not None:
        return "onnx"
    return "torch"


def load_encoder(model: str | None = None, backend: str | None = None) -> Encoder:
    """``"hashing"`` gives the test encoder; anything else is a sentence-transformers model, run
    on ONNX Runtime or PyTorch (see :func:`choose_backend`)."""
    if model == "hashing":
        return HashingEncoder()
    if choose_backend(model, backend) == "onnx":
        return OnnxEncoder(model)
    return SentenceTransformerEncoder(model)
