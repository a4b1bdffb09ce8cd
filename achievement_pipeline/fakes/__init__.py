"""Fakes of outside services that speak their real protocol, for the demo and the tests; not product code."""
