from django import forms

from glossary.reports.models import Report


class MessageField(forms.CharField):
    """A textarea's text with its line breaks as "\\n": a browser sends them as "\\r\\n", which would
    count twice against the limit that the textarea's maxlength counts once."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class ReportForm(forms.ModelForm):
    message = MessageField(
        label="What is wrong?",
        max_length=Report._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Please say what is wrong before you send the report."},
        help_text="For example: a definition that is out of date, a source that no longer says this, a "
        "broken link, a typo.",
    )
    # A field people never see and bots fill in: a report that fills it is answered as if it were
    # sent, and dropped.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Report
        fields = ["message", "email"]
        labels = {"email": "Your email address (optional)"}
        help_texts = {
            "email": "Only if you would like a reply. It is used only to answer you about this report, "
            "and deleted when the report is closed."
        }
        error_messages = {
            "email": {"invalid": "Enter an email address like name@example.org, or leave it empty."}
        }

    def is_spam(self):
        return bool(self.data.get("website"))
