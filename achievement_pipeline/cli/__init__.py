"""Console scripts: ``achievement-demo``, ``achievement-ui`` (with the export server), ``achievement-metrics``."""
