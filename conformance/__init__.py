"""Invariant families (``test_*.py``) and the oracles and reference models they use."""
