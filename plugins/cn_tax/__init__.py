"""Chinese tax on platform income (CN-TAX-*, CN-VAT-01). Not implemented yet (issue 6)."""
