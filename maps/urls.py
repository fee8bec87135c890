from django.urls import path, register_converter

from maps.views import tiles


class _TileNumber:
    regex = "[0-9]{1,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_TileNumber, "tilenum")

app_name = "maps"
urlpatterns = [
    path("tiles/<slug:layer>/<tilenum:z>/<tilenum:x>/<tilenum:y>.mvt", tiles.tile, name="tile"),
]
