app_name = "registry_export"
urlpatterns: list = []
