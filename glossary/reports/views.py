from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from glossary.models import Term
from glossary.reports.forms import ReportForm
from glossary.reports.models import Report
from glossary.throttle import too_many, wait_needed

# The thank-you page shows the sender what they sent, for an hour, to whoever holds the signed link
# the form redirected them to: reports are never shown to anyone else.
THANKS_SALT = "reports:thanks"
THANKS_MAX_AGE = 60 * 60


def report_about(kind, slug, key=""):
    report = Report.about(kind, slug, key)
    if report is None:
        raise Http404(f"Nothing to report about at {kind} “{slug}”")
    return report


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request, kind, slug, key=""):
    """The form to report a problem with an entry, a comparison or a quiz question. No account is
    needed: the client's address is rate-limited, and a hidden field catches bots."""
    report = report_about(kind, slug, key)
    form, status, error = ReportForm(instance=report), 200, None
    if request.method == "POST":
        if wait := wait_needed(request, "report"):
            return too_many(request, wait, "report")
        try:
            form = ReportForm(request.POST, instance=report)
        except RequestDataTooBig:  # so far over the limit that Django refuses to read it
            status, error = (
                413,
                f"That was far too long to send. Please write at most {Report.MESSAGE_MAX:,} characters.",
            )
        else:
            if form.is_spam():
                return redirect(report.thanks_url())
            if form.is_valid():
                report = form.save()
                return redirect(f"{report.thanks_url()}?sent={signing.dumps(report.pk, salt=THANKS_SALT)}")
            status = 400
    return render(
        request,
        "reports/report_form.html",
        {
            "report": report,
            "form": form,
            "error": error,
            "limit": Report.MESSAGE_MAX,
            "limit_text": f"{Report.MESSAGE_MAX:,}",
        },
        status=status,
    )


@never_cache
@require_GET
def report_thanks(request, kind, slug, key=""):
    report = report_about(kind, slug, key)
    sent = None
    try:
        pk = signing.loads(request.GET.get("sent", ""), salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        pk = None
    if isinstance(pk, int):
        sent = Report.objects.filter(pk=pk, kind=kind, slug=slug, question_key=key).first()
    return render(request, "reports/report_thanks.html", {"report": report, "sent": sent})


def about(request):
    """/about/: who publishes the glossary, how entries are written and checked, the licence of the
    open data and how to cite an entry (with a real entry as the example)."""
    example = Term.objects.filter(slug="cdmo").first() or Term.objects.order_by("title").first()
    return render(
        request,
        "reports/about.html",
        {
            "nav": "about",
            "publisher_name": settings.PUBLISHER_NAME,
            "publisher_email": settings.PUBLISHER_EMAIL,
            "publisher_url": settings.PUBLISHER_URL,
            "example": example,
        },
    )
