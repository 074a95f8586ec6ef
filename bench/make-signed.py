#!/usr/bin/python3
"""Makes the benchmark's input in OUTDIR: COUNT fresh RSA keys (openssl),
one message signed COUNT times by python3-dkim (dkim.sign), each signature
with its own selector s01..sNN at DOMAIN, and the zone that publishes the
keys (OUTDIR/DOMAIN.zone).  Nothing outside OUTDIR is written.

usage: make-signed.py OUTDIR [--count 20] [--domain bench.example] [--bits 2048]
"""
import argparse
import base64
import concurrent.futures
import os
import subprocess

import dkim  # Debian's python3-dkim: run with /usr/bin/python3

MESSAGE = (b"From: Bench Sender <sender@{domain}>\r\n"
           b"To: Bench Reader <reader@example.org>\r\n"
           b"Subject: twenty signatures, twenty selectors\r\n"
           b"Date: Sat, 01 Jun 2024 12:00:00 +0000\r\n"
           b"Message-ID: <dns-parallel@{domain}>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\n"
           b"\r\n"
           b"Each DKIM-Signature above names its own selector, so verifying them\r\n"
           b"takes one DNS lookup per signature.\r\n")
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def make_key(outdir, selector, bits):
    """(PEM private key, base64 SubjectPublicKeyInfo) for one selector."""
    pem = os.path.join(outdir, selector + ".pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", pem, str(bits)],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", pem, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    with open(pem, "rb") as f:
        return f.read(), base64.b64encode(der).decode()


def txt_rdata(text):
    """A TXT value longer than 255 octets as several strings (RFC 6376 §3.6.2.2)."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--domain", default="bench.example")
    ap.add_argument("--bits", type=int, default=2048)
    a = ap.parse_args()
    selectors = [f"s{i:02d}" for i in range(1, a.count + 1)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        keys = list(pool.map(lambda s: make_key(a.outdir, s, a.bits), selectors))

    body = MESSAGE.replace(b"{domain}", a.domain.encode())
    headers = b""
    for selector, (private, _) in zip(selectors, keys):
        # Every signature covers the same fields of the unsigned message;
        # the newest goes on top, as each signer would prepend its own.
        headers = dkim.sign(body, selector.encode(), a.domain.encode(), private,
                            include_headers=SIGNED) + headers
    with open(os.path.join(a.outdir, "message.eml"), "wb") as f:
        f.write(headers + body)

    zone = [f"$ORIGIN {a.domain}.", "$TTL 300",
            f"@\tIN\tSOA\tns.{a.domain}. hostmaster.{a.domain}. 1 3600 900 604800 300",
            f"@\tIN\tNS\tns.{a.domain}.", "ns\tIN\tA\t127.0.0.1"]
    for selector, (_, spki) in zip(selectors, keys):
        zone.append(f"{selector}._domainkey\tIN\tTXT\t" + txt_rdata(f"v=DKIM1; k=rsa; p={spki}"))
    with open(os.path.join(a.outdir, a.domain + ".zone"), "w") as f:
        f.write("\n".join(zone) + "\n")


if __name__ == "__main__":
    main()
