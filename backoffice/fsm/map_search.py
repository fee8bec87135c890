"""How the map's find tool matches the containments' search fields (loaded
by maps.viewer at start-up, beside layers.py): a BIN finds the containments
serving that building through the link table and the BIN index, instead of
computing each containment's building first (67,330 subqueries at Khulna
scale)."""

from maps.tools.lookup import search_field_register

search_field_register(
    "containments",
    "building",
    match="prefix",
    sql=(
        "EXISTS (SELECT 1 FROM fsm_containmentbuilding cb JOIN registry_building b"
        " ON b.id = cb.building_id WHERE cb.containment_id = t.id AND b.bin LIKE %(q)s)"
    ),
)
