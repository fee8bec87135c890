from django.urls import include, path

from backoffice.registry.views import buildings, holdings, index, owners

app_name = "registry"
urlpatterns = [
    path("", index.index, name="index"),
    path("buildings/", buildings.building_list, name="building_list"),
    path("buildings/new/", buildings.building_create, name="building_create"),
    path("buildings/<str:bin>/", buildings.building_detail, name="building_detail"),
    path("buildings/<str:bin>/edit/", buildings.building_edit, name="building_edit"),
    path("buildings/<str:bin>/history/", buildings.building_history, name="building_history"),
    path("holdings/", holdings.holding_list, name="holding_list"),
    path("holdings/new/", holdings.holding_create, name="holding_create"),
    path("holdings/merge/", holdings.holding_merge, name="holding_merge"),
    path("holdings/<str:code>/", holdings.holding_detail, name="holding_detail"),
    path("holdings/<str:code>/edit/", holdings.holding_edit, name="holding_edit"),
    path("holdings/<str:code>/split/", holdings.holding_split, name="holding_split"),
    path("holdings/<str:code>/owners/new/", holdings.holding_owner_add, name="holding_owner_add"),
    path("holdings/<str:code>/history/", holdings.holding_history, name="holding_history"),
    path("owners/<int:pk>/", owners.owner_detail, name="owner_detail"),
    path("owners/<int:pk>/edit/", owners.owner_edit, name="owner_edit"),
    path("imports/", include("backoffice.registry.importing.urls")),
    path("exports/", include("backoffice.registry.exporting.urls")),
]
