"""The built-in platforms run the conformance suite exactly as a third-party plugin does: its
fixtures and options come from creatorpay.testing's pytest plugin (the ``pytest11`` entry point),
none from here, so what passes here passes for a plugin author."""
