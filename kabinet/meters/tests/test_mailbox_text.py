"""The text of a fetched e-mail before it is stored: decoding and cleaning (no database)."""

import pytest

from kabinet.meters.inbound.mailbox import body_decode, text_clean


def test_it_drops_nul_and_control_characters_but_keeps_tabs_and_newlines():
    assert text_clean("100001\x00 cold\x07 12\x1b[0m\r\n\thot 5\x0c") == "100001 cold 12[0m\r\n\thot 5"


def test_it_leaves_ordinary_text_alone():
    text = "Добрый день! Lietotāja kods 10001 — auksts 123,4 €"
    assert text_clean(text) == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_it_reads_unicode_whatever_the_label_says(encoding):
    text = "Счёт 100001, ХВС 123"
    assert body_decode(text.encode(encoding), "utf-8") == text
    assert body_decode(text.encode(encoding), None) == text


def test_it_follows_the_label_otherwise():
    assert body_decode("Лицевой счёт 100001".encode("windows-1251"), "windows-1251") == "Лицевой счёт 100001"
    assert body_decode(b"kods 10001", "x-unknown-charset") == "kods 10001"


def test_it_does_not_take_a_stray_nul_for_utf16():
    assert body_decode(b"100001 cold 12\x00", "utf-8") == "100001 cold 12\x00"
