from django.shortcuts import render


def settings_index(request):
    return render(request, "providers/settings_index.html")
