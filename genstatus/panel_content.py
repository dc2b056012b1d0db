"""The content block of ``genstatus/admin/panel.html`` built as strings.

While that template is genstatus's own, the panel view hands its content block over
ready-made (``content_html``): the same bytes the template prints (tests compare the two
for every kind of user, filter, page and language), without 30-odd ``{% translate %}``
tags and a hundred template nodes per request. The admin chrome around it (header,
breadcrumbs, title, stylesheets) is still the template's. A project that overrides
``panel.html`` or sets ``GenerationAdmin.panel_template`` gets its template, as before.

Every value that comes from the request or the data is escaped as the template would
escape it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.core.signals import setting_changed
from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from genstatus.badges import own_template_in_use

PANEL_TEMPLATE = "genstatus/admin/panel.html"


def default_panel_template_in_use() -> bool:
    """True while ``genstatus/admin/panel.html`` resolves to genstatus's own file."""
    return own_template_in_use(PANEL_TEMPLATE)


def _esc(value: Any) -> str:
    """What ``{{ value }}`` prints (autoescaped)."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


@lru_cache(maxsize=16)
def _labels(language: str | None) -> dict[str, str]:
    """The content block's ``{% translate %}`` texts, translated and escaped once."""
    texts = {
        "cancel_requested": "Cancel requested",
        "retried_as": "retried as",
        "classic_list": "Classic list",
        "status": "Status",
        "search_prompts": "Search prompts",
        "provider": "Provider",
        "all_providers": "All providers",
        "operation": "Operation",
        "all_operations": "All operations",
        "search": "Search",
        "clear": "Clear all filters",
        "action": "Action:",
        "retry_selected": "Retry selected generations",
        "cancel_selected": "Cancel selected generations",
        "run": "Run the selected action",
        "go": "Go",
        "select": "Select",
        "prompt": "Prompt",
        "provider_operation": "Provider · operation",
        "owner": "Owner",
        "created": "Created",
        "retries": "Retries",
        "actions": "Actions",
        "no_match": "No generations match these filters.",
        "newest": "Newest",
        "newer": "Newer",
        "older": "Older",
    }
    return {key: html.escape(_(text)) for key, text in texts.items()}


def _clear_caches(**kwargs: Any) -> None:
    if kwargs.get("setting") in {
        "TEMPLATES",
        "INSTALLED_APPS",
        "LANGUAGE_CODE",
        "LANGUAGES",
    }:
        _labels.cache_clear()


setting_changed.connect(_clear_caches, dispatch_uid="genstatus.panel_content.clear_caches")


def _tabs(tabs: list[Mapping[str, Any]]) -> str:
    parts = []
    for tab in tabs:
        selected = tab["selected"]
        slug = _esc(tab["slug"])
        title = f' title="{_esc(tab["title"])}"' if tab["title"] else ""
        current = ' aria-current="page"' if selected else ""
        parts.append(
            f'\n      <a href="?{_esc(tab["query"])}" '
            f'class="gs-tab{" gs-tab--selected" if selected else ""}" data-gs-tab="{slug}"'
            f"{current}>\n"
            f"        {_esc(tab['label'])} "
            f'<span class="gs-tab__count" data-gs-count="{slug}"{title}>'
            f"{_esc(tab['count'])}</span>\n"
            "      </a>\n    "
        )
    return "".join(parts)


def _pager(context: Mapping[str, Any], t: Mapping[str, str], count: int) -> str:
    page = context["page"]
    query = _esc(context["query_without_page"])
    joiner = f"{query}&amp;" if query else ""
    newest = "" if page.is_first else f'<a href="?{query}">&laquo; {t["newest"]}</a>'
    newer = (
        f'<a href="?{joiner}before={_esc(quote(page.previous_cursor, safe="/"))}" '
        f'rel="prev">&lsaquo; {t["newer"]}</a>'
        if page.previous_cursor
        else ""
    )
    older = (
        f'<a href="?{joiner}after={_esc(quote(page.next_cursor, safe="/"))}" '
        f'rel="next">{t["older"]} &rsaquo;</a>'
        if page.next_cursor
        else ""
    )
    info = ngettext(
        "%(counter)s generation on this page", "%(counter)s generations on this page", count
    ) % {"counter": count}
    return (
        '      <p class="paginator gs-pager">\n'
        f"        {newest}\n"
        f"        {newer}\n"
        f"        {older}\n"
        f'        <span class="gs-pager__info">{info}</span>\n'
        "      </p>\n"
    )


def render_content(context: Mapping[str, Any], *, change_url: str, csrf_token: str) -> SafeString:
    """The content block of ``panel.html`` for the panel view's ``context``.

    ``change_url`` is what ``{% url opts|admin_urlname:'change' 0 %}`` gives and
    ``csrf_token`` the request's token. Needs ``context["rows_html"]`` (the rows built by
    ``panel.render_rows``).
    """
    t = _labels(get_language())
    # never cached: a storage may sign its URLs per request
    search_img, script = _esc(static("admin/img/search.svg")), _esc(static("genstatus/js/panel.js"))
    has_change = context["has_change_permission"]
    rows_html = context["rows_html"]
    status_value = context["status_value"]
    status_input = (
        f'<input type="hidden" name="status" value="{_esc(status_value)}">' if status_value else ""
    )
    clear = f'<a class="gs-clear" href="?">{t["clear"]}</a>' if context["filters"] else ""
    current_url = _esc(context["current_url"])
    action_url = _esc(context["action_url"])
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_esc(csrf_token)}">'
    actions = (
        '\n        <div class="actions">\n'
        f"          <label>{t['action']}\n"
        '            <select name="action" required>\n'
        '              <option value="">---------</option>\n'
        f'              <option value="retry">{t["retry_selected"]}</option>\n'
        f'              <option value="cancel">{t["cancel_selected"]}</option>\n'
        "            </select>\n"
        "          </label>\n"
        f'          <button type="submit" class="button" title="{t["run"]}">{t["go"]}</button>\n'
        "        </div>\n        "
        if has_change
        else ""
    )
    select_th = (
        '<th scope="col" class="action-checkbox-column"><span class="visually-hidden">'
        f"{t['select']}</span></th>"
        if has_change
        else ""
    )
    owner_th = f'<th scope="col">{t["owner"]}</th>' if context["show_owner"] else ""
    body = (
        rows_html
        if rows_html
        else (
            "\n"
            f'            <tr class="gs-empty"><td colspan="8">{t["no_match"]}</td></tr>\n'
            "          "
        )
    )
    return SafeString(
        "\n\n"
        f'<div id="content-main" class="gs-panel" data-gs-panel '
        f'data-gs-filters="{_esc(context["filters_json"])}" data-gs-action-url="{action_url}" '
        f'data-gs-change-url="{_esc(change_url)}" '
        f'data-gs-label-cancel-requested="{t["cancel_requested"]}" '
        f'data-gs-label-retried-as="{t["retried_as"]}">\n'
        '  <ul class="object-tools">\n'
        f'    <li><a href="{_esc(context["changelist_url"])}">{t["classic_list"]}</a></li>\n'
        "  </ul>\n\n"
        f'  <nav class="gs-tabs" aria-label="{t["status"]}">\n'
        f"    {_tabs(context['tabs'])}\n"
        "  </nav>\n\n"
        '  <div class="module" id="changelist">\n'
        '    <div class="changelist-form-container">\n'
        '      <div id="toolbar">\n'
        '        <form id="changelist-search" class="gs-filters" method="get" role="search">\n'
        f"          {status_input}\n"
        f'          <label for="gs-search" class="visually-hidden">{t["search_prompts"]}</label>\n'
        f'          <img src="{search_img}" alt="">\n'
        f'          <input type="text" size="40" name="q" value="{_esc(context["search"])}" '
        f'id="gs-search" placeholder="{t["search_prompts"]}" maxlength="200">\n'
        f'          <label for="gs-provider" class="visually-hidden">{t["provider"]}</label>\n'
        '          <select name="provider" id="gs-provider">\n'
        f'            <option value="">{t["all_providers"]}</option>\n'
        f"            {_esc(context['provider_options'])}\n"
        "          </select>\n"
        f'          <label for="gs-operation" class="visually-hidden">{t["operation"]}</label>\n'
        '          <select name="operation_type" id="gs-operation">\n'
        f'            <option value="">{t["all_operations"]}</option>\n'
        f"            {_esc(context['operation_options'])}\n"
        "          </select>\n"
        f'          <input type="submit" value="{t["search"]}">\n'
        f"          {clear}\n"
        "        </form>\n"
        "      </div>\n\n"
        "      \n"
        f'      <form id="gs-row-form" method="post" action="{action_url}">{csrf}\n'
        f'        <input type="hidden" name="next" value="{current_url}">\n'
        "      </form>\n\n"
        f'      <form id="changelist-form" method="post" action="{action_url}">{csrf}\n'
        f'        <input type="hidden" name="next" value="{current_url}">\n'
        f"        {actions}\n"
        '        <div class="results">\n'
        '        <table id="result_list" class="gs-table">\n'
        "          <thead>\n"
        "            <tr>\n"
        f"              {select_th}\n"
        '              <th scope="col" class="gs-col-status"><span class="visually-hidden">'
        f"{t['status']}</span></th>\n"
        f'              <th scope="col">{t["prompt"]}</th>\n'
        f'              <th scope="col">{t["provider_operation"]}</th>\n'
        f"              {owner_th}\n"
        f'              <th scope="col">{t["created"]}</th>\n'
        f'              <th scope="col" class="gs-col-num">{t["retries"]}</th>\n'
        f'              <th scope="col" class="gs-col-actions">{t["actions"]}</th>\n'
        "            </tr>\n"
        "          </thead>\n"
        "          <tbody data-gs-rows>\n"
        f"          {body}\n"
        "          </tbody>\n"
        "        </table>\n"
        "        </div>\n"
        "      </form>\n\n"
        f"{_pager(context, t, len(context['rows']))}"
        "    </div>\n"
        "  </div>\n"
        "</div>\n"
        f'<script type="module" src="{script}"></script>\n'
    )
