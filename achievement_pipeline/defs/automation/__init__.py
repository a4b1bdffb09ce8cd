"""How the stages after ingest keep up by themselves, and when the UI calls the data out of date."""
