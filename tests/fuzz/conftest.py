"""The fuzzed command line runs without the user's CLI defaults (a ``creatorpay.toml`` or a
``CREATORPAY_RULES`` of theirs would change what every generated input is settled with)."""

from __future__ import annotations

from tests.user_defaults import no_user_defaults  # noqa: F401 (autouse: importing it applies it here)
