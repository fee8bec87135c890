from tests.maps.tools.seeding import seeded_city  # noqa: F401  (a fixture)
