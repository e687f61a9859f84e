"""The batch pipeline on Ray Data, for datasets one machine cannot score in time.

Work units are the input's Parquet row groups: the driver reads only metadata and
makes one item per row group (file, row group, first row number). Ray Data maps them
through ``ScoreActor``s (one Matcher, so one model, per actor), each reading its row
group straight from the shared storage, scoring it with the same ``score_chunk`` as
the local engine, and returning the rows. With ``preserve_order`` the output Parquet
files (written by Ray) hold the rows in input order, and each row carries its input
row number, so the result equals the local engine's row for row.

Point it at a cluster by starting Ray there (``ray start --head`` on one node,
``ray start --address=HEAD:6379`` on the others) and running
``RAY_ADDRESS=HEAD:6379 matcher batch s3://bucket/postings/ -o s3://bucket/scores/ --engine ray``;
every node needs this package, the model folder (``matcher model build``) and the
input/output paths.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

from .batch import BatchConfig, output_columns, score_chunk
from .batch_io import RowIn, guess_text_columns
from .errors import DatasetError, MissingExtraError


class ScoreActor:
    """Holds one Matcher (and so one model) for the life of a Ray worker."""

    def __init__(self, model: str | None, catalog_dir: str | None, cfg: BatchConfig, task_ids: list[str]):
        from .catalog import Catalog
        from .pipeline import Matcher

        self.matcher = Matcher(Catalog(catalog_dir), model=model)
        self.cfg = cfg
        self.task_ids = task_ids
        self.columns = output_columns(task_ids, cfg.rank)

    def __call__(self, batch: dict) -> dict:
        import pyarrow.parquet as pq

        out: dict[str, list] = {c: [] for c in self.columns}
        for path, group, start in zip(batch["path"], batch["row_group"], batch["start"]):
            table = pq.ParquetFile(str(path)).read_row_group(int(group))
            recs = table.to_pylist()
            for i in range(0, len(recs), self.cfg.chunk_rows):
                rows = [RowIn(int(start) + i + j, r) for j, r in enumerate(recs[i : i + self.cfg.chunk_rows])]
                for r in score_chunk(self.matcher, rows, self.cfg, self.task_ids):
                    for c in self.columns:
                        out[c].append(r.get(c))
        return out


def _units(inp: Path) -> list[dict]:
    import pyarrow.parquet as pq

    files = sorted(inp.rglob("*.parquet")) if inp.is_dir() else [inp]
    if not files:
        raise DatasetError(f"{inp}: no Parquet files")
    units, start = [], 0
    for f in files:
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            units.append({"path": str(f), "row_group": g, "start": start})
            start += meta.row_group(g).num_rows
    return units


def score_file_ray(
    input_path: str | Path,
    output_dir: str | Path,
    cfg: BatchConfig,
    *,
    model: str | None = None,
    catalog_dir: str | None = None,
    workers: int | None = None,
    address: str | None = None,
) -> int:
    """Score Parquet input into a folder of Parquet files; returns the number of rows written."""
    try:
        import pyarrow.parquet as pq
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    inp, out = Path(input_path), Path(output_dir)
    if inp.suffix.lower() not in (".parquet", ".pq") and not inp.is_dir():
        raise DatasetError(f"the Ray engine reads Parquet; convert {inp} first (e.g. `matcher batch {inp} -o x.parquet`)")
    if not cfg.text_columns:
        first = next(iter(_units(inp)))
        cols = pq.ParquetFile(first["path"]).schema_arrow.names
        cfg = replace(cfg, text_columns=guess_text_columns(cols))
    from .catalog import Catalog

    # the driver resolves the catalogue ($MATCHER_CATALOG, --catalog or the default folders) and
    # its default standard, and hands both to every worker: a worker's working directory may differ
    catalog = Catalog(catalog_dir)
    if len(catalog.directories) == 1:
        catalog_dir = str(catalog.directory.resolve())
    standard = cfg.standard or catalog.default_code()
    cfg = replace(cfg, standard=standard)
    task_ids = [t.id for t in catalog.get(standard).tasks]
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    started = False
    if not ray.is_initialized():
        ray.init(address=address or os.environ.get("RAY_ADDRESS"), num_cpus=workers, include_dashboard=False,
                 logging_level=logging.ERROR, log_to_driver=False)
        started = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        n_workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items(_units(inp))
        scored = ds.map_batches(
            ScoreActor,
            fn_constructor_args=(model, catalog_dir, cfg, task_ids),
            batch_size=1,
            concurrency=n_workers,
            batch_format="numpy",
        )
        if out.exists():
            import shutil

            shutil.rmtree(out)
        scored.write_parquet(str(out))
        return sum(pq.ParquetFile(f).metadata.num_rows for f in out.rglob("*.parquet"))
    finally:
        if started:
            ray.shutdown()
