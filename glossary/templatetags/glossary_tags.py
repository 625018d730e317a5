import json

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Characters that could end the script element or confuse an HTML parser, escaped inside JSON strings.
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(data):
    """schema.org structured data as a JSON-LD script element (data, never executed)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.simple_tag
def meta_description(text, title=""):
    """The page's description, for search engines and for link previews in other apps (Open Graph)."""
    tags = [
        f'<meta name="description" content="{escape(text)}">',
        f'<meta property="og:description" content="{escape(text)}">',
    ]
    if title:
        tags.append(f'<meta property="og:title" content="{escape(title)}">')
    return mark_safe("\n  ".join(tags))


@register.filter
def in_minutes(delta):
    """A timedelta as a whole number of minutes (the login lockout's length)."""
    return round(delta.total_seconds() / 60)
