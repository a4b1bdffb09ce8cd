"""Who may do what in the deployed UI: the launch tagger that records who launches each run (deploy/k8s/auth.yaml)."""
