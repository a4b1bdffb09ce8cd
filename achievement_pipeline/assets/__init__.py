"""One module per stage; Dagster wiring only, the work is in the plain-Python domain modules."""

import warnings

# Single-run backfill policies and partitioned asset checks are how a year of history runs
# as one run with its checks; Dagster marks both beta/preview, which is noise for our users.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
