"""A checkout runs the suite through the installed plugin, ``conformance/plugin.py``.

``pip install -e .`` (README) registers it through the ``pytest11`` entry point ``conformance.plugin``, so a
checkout and an installed wheel (``pytest --pyargs conformance``) load the same plugin.  Without an install,
this line loads it from the checkout; pytest skips it when the entry point already did.
"""

pytest_plugins = ["conformance.plugin"]
