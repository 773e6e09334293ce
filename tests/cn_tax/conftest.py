"""cn_tax's tests settle on fake platforms (cn_tax_fakes.py, with its own fake rule file) so the tax
is checked apart from any real platform's rules; ``examples`` (tests/conftest.py) for the examples."""
