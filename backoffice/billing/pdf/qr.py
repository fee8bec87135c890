"""The QR code printed on a bill: the public verification URL, as an SVG
data URI WeasyPrint draws as vectors (sharp at any print resolution)."""

import segno


def verification_url(*, host: str, number: str) -> str:
    return f"https://{host}/bills/verify/{number}/"


def qr_data_uri(text: str) -> str:
    # A fixed mask: scoring all eight is three quarters of the encoding time
    # (a print batch makes thousands), and any mask reads the same.
    return segno.make(text, error="m", mask=0).svg_data_uri(scale=4, border=2)
