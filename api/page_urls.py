from django.urls import path

from api import pages

# Under settings/api-tokens/: Settings → API tokens.
urlpatterns = [path("", pages.token_list, name="api_tokens")]
