"""Export: the portfolio of a reporting window, as JSON, HTML, PDF and an executive summary."""
