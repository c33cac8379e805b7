from django.shortcuts import render


def call_list(request):
    return render(request, "monitoring/call_list.html")
