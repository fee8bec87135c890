from django.urls import path, register_converter

from maps.ogc import views as ogc
from maps.views import profile, tiles


class _TileNumber:
    regex = "[0-9]{1,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_TileNumber, "tilenum")

app_name = "maps"
urlpatterns = [
    path("staff/profile/", profile.profile, name="profile"),
    path("ogc/", ogc.landing, name="ogc_landing"),
    path("ogc/conformance", ogc.conformance, name="ogc_conformance"),
    path("ogc/collections", ogc.collections, name="ogc_collections"),
    path("ogc/collections/<slug:layer>", ogc.collection, name="ogc_collection"),
    path("ogc/collections/<slug:layer>/queryables", ogc.queryables, name="ogc_queryables"),
    path("ogc/collections/<slug:layer>/items", ogc.items, name="ogc_items"),
    path("ogc/collections/<slug:layer>/items/<int:pk>", ogc.item, name="ogc_item"),
    path("tiles/<slug:layer>/<tilenum:z>/<tilenum:x>/<tilenum:y>.mvt", tiles.tile, name="tile"),
]
