"""Connection strings: recognise them, show them without a password, scrub messages.

A DSN is anything libpq accepts: a ``postgresql://`` (or ``postgres://``) URL or a
``key=value`` connection string (``service=team``, ``host=… dbname=… sslmode=verify-full``).
The store passes it to libpq untouched (so ``sslmode``, ``sslrootcert``, service files,
``~/.pgpass`` and ``PGPASSWORD`` work as for ``psql``); only what is *shown* is changed:
:func:`display_dsn` drops the password, :func:`scrub` removes it from any text.

Pure Python (psycopg's parser is imported only when a key=value string must be parsed).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_KEYWORD = re.compile(r"^\s*[A-Za-z_]+\s*=")
_PASSWORD_KV = re.compile(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)")
MASK = "***"


def is_dsn(text: str | None) -> bool:
    """Is ``text`` a connection string rather than a file path? (A URL, or key=value
    settings such as ``service=team``; a file name never starts with ``word=``.)"""
    if not text:
        return False
    return bool(_URL.match(text) or _KEYWORD.match(text))


def _url_password(dsn: str) -> str | None:
    try:
        parts = urlsplit(dsn)
        pw = parts.password
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
    except ValueError:
        return None
    if pw:
        return unquote(pw)
    return query.get("password") or None


def password_of(dsn: str) -> str | None:
    """The password written in ``dsn`` (None if there is none)."""
    if _URL.match(dsn):
        return _url_password(dsn)
    try:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(dsn).get("password")
        return str(password) if password else None
    except Exception:
        m = _PASSWORD_KV.search(dsn)
        return m.group(2).strip("'") if m else None


def display_dsn(dsn: str) -> str:
    """``dsn`` as it may be shown, logged or remembered: everything but the password."""
    if _URL.match(dsn):
        try:
            parts = urlsplit(dsn)
            netloc = parts.netloc
            if "@" in netloc:
                userinfo, host = netloc.rsplit("@", 1)
                user = userinfo.split(":", 1)[0]
                netloc = f"{user}@{host}" if user else host
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            query = [(k, v) for k, v in query if k.lower() != "password"]
            return urlunsplit(
                (parts.scheme, netloc, parts.path, urlencode(query, quote_via=quote), "")
            )
        except ValueError:
            return scrub(dsn, _url_password(dsn))
    try:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        d = conninfo_to_dict(dsn)
        d.pop("password", None)
        return make_conninfo("", **d)
    except Exception:
        return _PASSWORD_KV.sub(lambda m: m.group(1) + MASK, dsn)


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with every ``password=…`` setting and every given secret masked."""
    out = _PASSWORD_KV.sub(lambda m: m.group(1) + MASK, text)
    for secret in secrets:
        if secret and len(secret) >= 2:
            out = out.replace(secret, MASK)
            quoted = quote(secret, safe="")
            if quoted != secret:
                out = out.replace(quoted, MASK)
    return out


__all__ = ["MASK", "display_dsn", "is_dsn", "password_of", "scrub"]
