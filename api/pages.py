"""Settings → API tokens: administrators make tokens (each shown once) and revoke them."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from api import tokens
from api.forms import TokenForm
from api.models import ApiToken


@never_cache
def token_list(request):
    """The tokens; POST `create` makes one (its secret shown in this answer only), POST `revoke`
    (a token's id) revokes one."""
    form = TokenForm()
    new_token = ""
    if request.method == "POST" and "revoke" in request.POST:
        pk = request.POST["revoke"]
        tokens.revoke_token(get_object_or_404(ApiToken, pk=pk if pk.isdigit() else 0))
        return redirect("api_tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _row, new_token = tokens.create_token(
                form.cleaned_data["name"], form.cleaned_data["user"], created_by=request.user
            )
            form = TokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.select_related("user", "created_by"),
        "new_token": new_token,
    }
    return render(request, "api/token_list.html", context)
