"""Benchmarks (``python -m benchmarks.run``): cold start, warm latency against the floor of
one query embedding, ingest and re-ingest, HTTP throughput, memory and index scale.

Not part of the test suite: numbers depend on the machine, so results carry its
description and every target is reported as a measured ratio, never asserted.
"""
