"""Pure renderers of change events for each channel: Slack, email and generic webhooks."""

from notifier.render.common import Templates, headline, load_templates, trim
from notifier.render.email import EmailContent, email_digest, email_message
from notifier.render.slack import SlackMessage, escape_slack, slack_digest, slack_message
from notifier.render.webhook import webhook_payload

__all__ = [
    "EmailContent",
    "SlackMessage",
    "Templates",
    "email_digest",
    "email_message",
    "escape_slack",
    "headline",
    "load_templates",
    "slack_digest",
    "slack_message",
    "trim",
    "webhook_payload",
]
