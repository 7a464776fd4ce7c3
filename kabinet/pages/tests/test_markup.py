"""The safe markup: paragraphs, lists, headings and links, nothing else."""

from kabinet.pages.markup import render


def test_it_makes_paragraphs_lists_and_headings():
    html = render("## A question?\nThe answer.\n\n- one\n- two\n\nLine one\nline two")
    assert html == (
        "<h2>A question?</h2>\n<p>The answer.</p>\n<ul><li>one</li><li>two</li></ul>\n<p>Line one<br>line two</p>"
    )


def test_it_links_addresses_and_escapes_everything_else():
    html = render('Write to info@udens.example or see https://udens.example/x. <b onclick="x">bold</b>')
    assert '<a href="mailto:info@udens.example">info@udens.example</a>' in html
    assert '<a href="https://udens.example/x" rel="nofollow noopener">https://udens.example/x</a>.' in html
    assert "&lt;b onclick=&quot;x&quot;&gt;bold&lt;/b&gt;" in html


def test_a_javascript_address_is_not_a_link():
    assert "<a" not in render("javascript:alert(1)")
