from tests.backoffice.registry.exporting.seeding import seeded  # noqa: F401  (a fixture)
