"""Where pull requests come from; one package per source (GitHub today)."""
