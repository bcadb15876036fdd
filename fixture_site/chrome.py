"""Page chrome shared by every HTML page: escaping, banners, the Drupal page skeleton."""

from __future__ import annotations

CANONICAL_HOST = "https://www.oig.dhs.gov"
SITE_NAME = "Office of Inspector General"

USWDS_BANNER = """<section class="usa-banner" aria-label="Official website of the United States government">
  <div class="usa-accordion"><header class="usa-banner__header"><div class="usa-banner__inner">
    <div class="grid-col-auto"><img class="usa-banner__header-flag" src="/themes/custom/oig/img/us_flag_small.png" alt="U.S. flag"></div>
    <div class="grid-col-fill tablet:grid-col-auto"><p class="usa-banner__header-text">An official website of the United States government</p></div>
  </div></header>
  <div class="usa-banner__content usa-accordion__content" id="gov-banner">
    <div class="usa-banner__guidance"><img class="usa-banner__icon" src="/themes/custom/oig/img/icon-dot-gov.svg" alt="Government Website">
      <p><strong>Official websites use .gov</strong><br>A <strong>.gov</strong> website belongs to an official government organization in the United States.</p></div>
    <div class="usa-banner__guidance"><img class="usa-banner__icon" src="/themes/custom/oig/img/icon-https.svg" alt="Safely connect using HTTPS">
      <p><strong>Secure .gov websites use HTTPS</strong><br>A <strong>lock</strong> (<span class="icon-lock"></span>) or <strong>https://</strong> means you’ve safely connected to the .gov website. Share sensitive information only on official, secure websites.</p></div>
  </div></div>
</section>"""

DHS2020_BANNER = """<div class="usa-banner"><div class="usa-accordion"><header class="usa-banner-header">
  <div class="usa-grid usa-banner-inner"><img src="/themes/custom/dhs/img/us_flag_small.png" alt="US flag signifying that this is a United States Federal Government website">
  <p>Official website of the Department of Homeland Security</p></div>
</header></div></div>
<div class="covid-alert" role="region" aria-label="COVID-19 notice"><p>Coronavirus (COVID-19): Visit <a href="https://www.coronavirus.gov">coronavirus.gov</a> for the latest updates on COVID-19 from the federal government.</p></div>"""

NAV = """<nav class="usa-nav" aria-label="Primary navigation"><ul class="usa-nav__primary usa-accordion">
  <li class="usa-nav__primary-item"><a href="/reports/audits-inspections-and-evaluations">Audits, Inspections, and Evaluations</a></li>
  <li class="usa-nav__primary-item"><a href="/reports/management-alerts">Management Alerts</a></li>
  <li class="usa-nav__primary-item"><a href="/reports/whistleblower-retaliation-reports-of-investigation">Whistleblower Retaliation Reports of Investigation</a></li>
</ul></nav>"""

FOOTER = """<footer class="usa-footer"><div class="usa-footer__secondary-section"><div class="grid-container">
  <p>Office of Inspector General, U.S. Department of Homeland Security, 245 Murray Lane SW, Washington, DC 20528-0305</p>
</div></div></footer>"""

MAINTENANCE_TEXT = (
    "The site is currently under maintenance. We should be back shortly. "
    "Thank you for your patience."
)


def esc(text: str) -> str:
    """Drupal-style HTML escape: `&<>"` and `'` as `&#039;`."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )


def attr(text: str) -> str:
    """Escape for an attribute value, newlines as `&#10;`."""
    return esc(text).replace("\n", "&#10;")


def page(title: str, content: str, theme: str = "uswds", canonical: str | None = None) -> str:
    """A full HTML document with the site's chrome around `content` (spec §3 skeleton)."""
    banner = DHS2020_BANNER if theme == "dhs2020" else USWDS_BANNER
    link = f'\n  <link rel="canonical" href="{CANONICAL_HOST}{canonical}" />' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
  <meta charset="utf-8" />
  <title>{esc(title)} | {SITE_NAME}</title>{link}
</head>
<body>
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
{banner}
{NAV}
<main id="main-content" role="main">
 <div id="content-area" class="region region-content">
{content}
 </div>
</main>
{FOOTER}
</body></html>
"""


def simple_page(title: str, message: str, theme: str = "uswds") -> str:
    """A page with an h1 and one paragraph (errors, access denied)."""
    body = f'  <h1 class="page-title">{esc(title)}</h1>\n  <p>{esc(message)}</p>'
    return page(title, body, theme)


def not_found_page(theme: str = "uswds") -> str:
    """Drupal's 404 page."""
    return simple_page("Page not found", "The requested page could not be found.", theme)


def access_denied_page(theme: str = "uswds") -> str:
    """Drupal's 403 page (unpublished node)."""
    return simple_page("Access denied", "You are not authorized to access this page.", theme)


def maintenance_page() -> str:
    """Drupal's maintenance-mode page, served with status 200 (M11g)."""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head><meta charset="utf-8" /><title>Site under maintenance | {SITE_NAME}</title></head>
<body class="maintenance-page">
<main><h1 class="page-title">Site under maintenance</h1>
<p>{MAINTENANCE_TEXT}</p></main>
</body></html>
"""


def error_box(message: str) -> str:
    """A Drupal error message box."""
    return f"""  <div role="contentinfo" aria-label="Error message"
    class="messages messages--error">
    <div role="alert"><h2 class="visually-hidden">Error message</h2>{esc(message)}</div>
  </div>"""
