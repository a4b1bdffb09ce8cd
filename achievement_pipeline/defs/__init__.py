"""Dagster wiring, loaded by ``dg.load_from_defs_folder``: one folder per stage, resources in ``resources.py``.

Every module here is found by Dagster's autoloader, so a new asset, check, schedule or
sensor is a new file in its stage's folder (``dg scaffold defs dagster.asset enrich/x.py``)
and nothing else. Modules that hold no definitions (``partitions``, ``metadata``,
``table_checks``, ``automation/conditions``) are the shared wiring the stages use. The
work itself is plain Python in the domain packages beside ``defs/``.
"""

import warnings

# Single-run backfill policies and partitioned asset checks are how a year of history runs
# as one run with its checks; Dagster marks both beta/preview, which is noise for our users.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
