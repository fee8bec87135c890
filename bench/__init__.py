"""Benchmarks: each measures a figure against a baseline measured in the same
run and prints the ratio and its target.  ``python -m bench [NAME ...]``.

A benchmark is a module here with ``run()`` (it reports its figures through
:mod:`bench.harness`) and ``TIMEOUT_SECONDS``; it is listed in ``BENCHMARKS``.
The runner gives each one a process of its own, so each chooses its own
database and settings before ``django.setup()``."""

BENCHMARKS = (
    "provisioning",
    "routing",
    "registry_generator",
    "registry_import",
    "registry_export",
    "fsm_lists",
    "map_tiles",
    "map_tools",
    "billing_pdf",
    "billing_issue",
)
