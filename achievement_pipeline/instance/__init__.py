"""The embedded Dagster instance's storage: Dagster's SQLite storage, with event batches written in one go."""
