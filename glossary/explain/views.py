import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from glossary.explain.explanation import MAX_LENGTH, clean, explain
from glossary.explain.models import AskedWord
from glossary.throttle import too_many, wait_message, wait_needed

TOO_LONG = f"Explain takes up to {MAX_LENGTH:,} characters at a time. Please paste a shorter piece."


# The pasted text is never stored, logged or cached: it comes in a POST body (which access logs do
# not show), the page is never cached, and only words the glossary lacks are counted (AskedWord).
@never_cache
@require_http_methods(["GET", "POST"])
def explain_page(request):
    """/explain/: the form; a POST shows the text with every term in it marked. explain.js posts
    `live` while one types: such updates do not count as questions about missing words."""
    context, status = {"nav": "explain", "limit": MAX_LENGTH, "limit_text": f"{MAX_LENGTH:,}"}, 200
    if request.method == "POST":
        if wait := wait_needed(request, "explain"):
            return too_many(request, wait, "explain")
        try:
            text = clean(request.POST.get("text", ""))
        except RequestDataTooBig:  # so far over the limit that Django refuses to read it
            text = None
        if text is None or len(text) > MAX_LENGTH:
            context |= {"text": text or "", "error": TOO_LONG}
            status = 413
        elif not text.strip():
            context["hint"] = "Paste or type some text first, then choose Explain."
        else:
            context |= {"text": text, "explanation": explain(text)}
            if not request.POST.get("live"):
                AskedWord.objects.record(context["explanation"].unknown)
    return render(request, "explain/explain.html", context, status=status)


def json_error(message, status):
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # no cookies or session are read or set: there is nothing to forge
def explain_api(request):
    """POST /api/explain with a JSON body {"text": "..."}: the same explanation as data."""
    if request.method != "POST":
        response = json_error('Send the text in a POST, as JSON: {"text": "…"}.', 405)
        response["Allow"] = "POST"
        return response
    if wait := wait_needed(request, "explain"):
        response = json_error(wait_message(wait, "explain"), 429)
        response["Retry-After"] = str(wait)
        return response
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        return json_error(TOO_LONG, 413)
    except (ValueError, UnicodeDecodeError):
        return json_error('The body must be JSON: {"text": "…"}.', 400)
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return json_error('The body must be a JSON object with the text as a string: {"text": "…"}.', 400)
    text = clean(text)
    if len(text) > MAX_LENGTH:
        return json_error(TOO_LONG, 413)
    explanation = explain(text)
    AskedWord.objects.record(explanation.unknown)
    return JsonResponse(explanation.data(), json_dumps_params={"ensure_ascii": False})
