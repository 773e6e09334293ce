"""Settlement at scale: engine-neutral stages, deterministic shared state and the Parquet ledger
(docs/scale.md).

The modules, each importing only those above it in this list:

- :mod:`.tables`: the Parquet tables' columns and their Arrow schemas (pyarrow imported lazily);
- :mod:`.stages`: pure functions over plain rows (check, idempotency, settle a unit, reconcile),
  that a driver runs where it likes: one process, a worker pool, or Spark's ``mapInArrow``;
- :mod:`.shared`: store keys shared across units (NetEase's cash budget, WeChat's cold-start pool)
  resolved in unit order without locks: a chain checked step by step, a serial lane when it breaks;
- :mod:`.parquet`: the ledger at scale, a folder per run published by a run registry;
- :mod:`.local`: the local reference driver (``creatorpay settle --engine local``);
- :mod:`.spark`: the Spark driver (``creatorpay settle --engine spark``), the same stages in Spark's
  tasks; pyspark is imported by it alone (``pip install 'creatorpay[spark]'``).

Nothing here is imported by ``import creatorpay.core``; pyarrow is imported only inside functions
that read or write Parquet (``pip install 'creatorpay[scale]'``).
"""
