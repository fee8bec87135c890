from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def ping(request):
    """The cheapest answer a host gives: for load balancers and the routing bench."""
    return HttpResponse("pong", content_type="text/plain")
