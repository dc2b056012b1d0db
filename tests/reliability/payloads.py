"""Hostile text for tests/reliability/test_hostile_text.py.

Each payload, if it ever ran as script, would set ``window.__xss`` or open a dialog
(``alert``/``confirm``/``prompt``); the browser tests watch both. Nothing here contains a
NUL character (PostgreSQL text cannot store one; the API rejects it elsewhere).

``HOSTILE`` is the list the tests put into a generation's prompt, error message, provider
and operation type. Provider (100) and operation type (50) are ``CharField``s: those fields
get the payload cut to their length (``for_field``), the prompt and error get it whole.
"""

from __future__ import annotations

CANARY = "window.__xss=1"

HOSTILE: list[str] = [
    # script tags
    f"<script>{CANARY}</script>",
    f"<SCRIPT SRC=data:text/javascript,{CANARY}></SCRIPT>",
    f"<scr<script>ipt>{CANARY}</scr</script>ipt>",
    # attribute breakers
    f'"><img src=x onerror="{CANARY}">',
    f"'><img src=x onerror='{CANARY}'>",
    f"' onmouseover='{CANARY}' x='",
    f'" onfocus="{CANARY}" autofocus x="',
    f'" style="background:url(javascript:{CANARY})" x="',
    f"`><svg onload={CANARY}>",
    # javascript: URLs
    f"javascript:{CANARY}",
    f'<a href="javascript:{CANARY}" id="xss-link">click</a>',
    f'<iframe src="javascript:parent.{CANARY}"></iframe>',
    f'<form action="javascript:{CANARY}"><button>go</button></form>',
    # SVG / onload / other event handlers
    f"<svg/onload={CANARY}>",
    f'<svg><script href="data:,{CANARY}"/></svg>',
    f"<body onload={CANARY}>",
    f"<details open ontoggle={CANARY}>",
    '<img src="x" onerror="alert(1)">',
    f'<video><source onerror="{CANARY}"></video>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={CANARY}>",
    # breaking out of containers
    f"</textarea><script>{CANARY}</script>",
    f"</title><script>{CANARY}</script>",
    f"</script><script>{CANARY}</script>",
    f"</style><img src=x onerror={CANARY}>",
    f'<!--<img src="--><img src=x onerror={CANARY}//">',
    f"]]><img src=x onerror={CANARY}>",
    # template syntax (Django, JS templates)
    "{{ request.user.password }}{% debug %}",
    "{% csrf_token %}{{ settings.SECRET_KEY }}",
    "${alert(1)}`${window.__xss=1}`",
    "{{constructor.constructor('window.__xss=1')()}}",
    # JSON / SQL / shell-ish text that must stay plain
    '{"type": "snapshot", "panel": []}',
    "'; DROP TABLE genstatus_generation; --",
    "%s %d %(name)s \\x00 \\u0000",
    # HTML entities that must not be decoded twice
    f"&lt;img src=x onerror={CANARY}&gt;",
    f"&#60;script&#62;{CANARY}&#60;/script&#62;",
    # unicode tricks
    "\u202eevil.exe\u202c gnp.txt",  # right-to-left override
    "zero\u200bwidth\u200c\u200djoin\ufeff",
    # combining marks (Zalgo)
    "Z\u0351\u0352\u0353a\u0354\u0355\u0356l\u0357\u0358\u0359g\u035a\u035bo\u035c\u035d",
    "\U0001f600 emoji \U0001f4a5 and \u4e2d\u6587 and \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "line\nbreak\r\nand\ttab\u2028line separator\u2029para",
    f"\uff1cscript\uff1e{CANARY}\uff1c/script\uff1e",  # fullwidth brackets
]

# Very long text: one 1 MB prompt, and long strings in the other fields.
MEGABYTE = 1024 * 1024
LONG_PROMPT = (f"<script>{CANARY}</script>long " * (MEGABYTE // 30 + 1))[:MEGABYTE]
LONG_ERROR = ("</textarea><img src=x onerror=alert(1)> " * 3000)[:100_000]

FIELD_LIMITS = {"provider": 100, "operation_type": 50}


def for_field(payload: str, field: str) -> str:
    """The payload as stored in ``field`` (cut to a CharField's length)."""
    limit = FIELD_LIMITS.get(field)
    return payload if limit is None else payload[:limit]
