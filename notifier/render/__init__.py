"""Pure renderers of change events for each channel: Slack, email and generic webhooks."""
