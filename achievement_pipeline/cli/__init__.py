"""Console scripts: ``achievement-demo``, ``achievement-ui`` (with the export server), ``achievement-metrics``,
``achievement-webhooks``, ``achievement-launch-tagger``, ``achievement-archive`` (the storage tiers by hand)."""
