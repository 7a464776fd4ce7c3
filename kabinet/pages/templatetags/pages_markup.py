from django import template

from kabinet.pages.markup import render

register = template.Library()


@register.filter
def page_markup(text: str):
    """A page's text in the safe markup of kabinet.pages.markup, as HTML."""
    return render(text)
