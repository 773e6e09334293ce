"""The bundled example scenarios (``*.toml``), installed as package data of ``creatorpay.examples`` so that
``creatorpay example NAME`` prints them from a wheel; a regular package, as namespace packages' resources
cannot be read from an editable install on Python 3.11."""
