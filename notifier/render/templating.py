"""The templates channels render with: a newsroom's own folder over the package's, and the names,
site title and time zone readers know."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.clock import zone
from crawler.text import clean_text

if TYPE_CHECKING:  # Jinja2 loads when templates are first loaded: not for the console, not `--help`
    import jinja2

    from config.settings import Settings

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def clean(text: Any) -> str:
    return clean_text(text).replace("\t", " ")


@dataclass(frozen=True)
class Templates:
    """Jinja2 templates: a newsroom's own folder first, then the package's; HTML autoescaped.
    With them, the names readers know the sources by (``display_name`` in the config)."""

    env: jinja2.Environment
    names: Mapping[str, str]  # source name: display name
    site: str  # the title of all the configured sources (``Settings.site_title``)
    zone: tzinfo = field(default_factory=zone)  # where readers are (``display_timezone``)

    def render(self, name: str, **context: Any) -> str:
        """One template rendered with surrounding whitespace stripped."""
        return self.env.get_template(name).render(**context).strip()

    def display_name(self, source: Any) -> str:
        """A source's display name; for a source not configured (``test-route``'s sample), the
        site title, else its own name."""
        return self.names.get(clean(source)) or self.site or clean(source)

    def title_for(self, events: Iterable[dict[str, Any]]) -> str:
        """The display names of the events' sources, joined by " · " (a digest's title)."""
        return " · ".join(dict.fromkeys(self.display_name(e.get("source")) for e in events))


def templates_for(settings: Settings) -> Templates:
    """The templates a deployment delivers with: its own folder, its sources' display names."""
    return load_templates(
        settings.delivery.templates_dir or None,
        settings.display_names,
        settings.site_title,
        settings.display_zone,
    )


def load_templates(
    user_dir: str | None = None,
    names: Mapping[str, str] | None = None,
    site: str = "",
    where: tzinfo | None = None,
) -> Templates:
    """Templates from ``user_dir`` (same file names override) over the package's own."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))]
    if user_dir:
        loaders.insert(0, jinja2.FileSystemLoader(user_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "html.j2", "htm.j2"),
            disabled_extensions=(),
            default_for_string=False,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Templates(env, dict(names or {}), site, where or zone())
